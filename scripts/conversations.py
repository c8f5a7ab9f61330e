"""Run the conversation test set (tests/conversations/) against the real dialogue and print pass rates.

For each organisation of the set, the real action and Rasa servers are started on the trained
model (tests/rasa_servers.py) with that organisation imported; every conversation is then
driven as the phone system drives a call (contract §3): the opening empty message with the
channel, caller ID and clock, the caller's turns through the REST channel with the channel's
token, transfer results through trigger_intent. Each reply is scored against the turn's `expect`,
the records (message, visit, call) against `outcome`, and every reply for a leaked mobile.

    .venv/bin/python scripts/conversations.py                 # the whole set
    .venv/bin/python scripts/conversations.py --only zh-one-breath-01 --verbose
    .venv/bin/python scripts/conversations.py --min-pass 0.95  # exit 1 below 95 % in any category

Writes results/conversations.json (every conversation's verdict and problems).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from conversation_set import (  # noqa: E402
    SET_DIR,
    Conversation,
    Reply,
    check_outcome,
    check_reply,
    leaks,
    load_set,
    organisation_file,
)
from rasa_servers import Servers  # noqa: E402

from bot.db.engine import open_database  # noqa: E402
from bot.org.orgfile import parse_org_file  # noqa: E402
from bot.org.store import replace_directory  # noqa: E402
from bot.records.messages import list_messages  # noqa: E402
from bot.records.visits import list_visits  # noqa: E402
from bot.training import current_model  # noqa: E402


@dataclass
class Verdict:
    conversation: Conversation
    problems: list[str] = field(default_factory=list)
    turn_s: list[float] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def reply_of(answer: tuple[int, Any], trigger: bool = False) -> Reply:
    status, body = answer
    if status != 200:
        raise RuntimeError(f"HTTP {status}: {str(body)[:200]}")
    messages = body.get("messages", []) if trigger and isinstance(body, dict) else body
    return Reply([m["text"] for m in messages if m.get("text")], [m["custom"] for m in messages if m.get("custom")])


def mobiles_of(org_file: Path) -> list[str]:
    return [p.mobile for p in parse_org_file(org_file).people if p.mobile]


def drive(servers: Servers, conversation: Conversation, mobiles: list[str]) -> Verdict:
    verdict, sender = Verdict(conversation), f"conv-{conversation.id}-{int(time.time() * 1000) % 10**8}"
    turns = list(conversation.turns)
    opening = turns.pop(0) if turns and turns[0].get("caller") == "" else {"caller": ""}
    for number, turn in enumerate([opening, *turns]):
        started = time.monotonic()
        if "phone" in turn:
            reply = reply_of(servers.report(sender, turn["phone"]), trigger=True)
        else:
            metadata = conversation.first_metadata if number == 0 else None
            reply = reply_of(servers.say(sender, turn["caller"], metadata, client=conversation.channel))
        verdict.turn_s.append(time.monotonic() - started)
        said = turn.get("caller", f"<{turn.get('phone')}>")
        verdict.problems += [f"turn {number} {said!r}: {p}" for p in check_reply(turn.get("expect") or {}, reply)]
        verdict.problems += [f"turn {number}: DISCLOSED a mobile" for m in mobiles if leaks(reply.text, m)]
    verdict.problems += check_outcome(conversation.outcome, *records(servers.db_url, sender))
    return verdict


def records(db_url: str, sender: str) -> tuple[list[dict], list[dict], dict | None]:
    from bot.records.calls import get_call

    database = open_database(db_url)
    try:
        with database.session() as session:
            messages = [m.to_contract() for m in list_messages(session) if m.conversation == sender]
            visits = [v.to_contract() for v in list_visits(session) if v.conversation == sender]
            call = get_call(session, sender)
            return messages, visits, (call.to_contract() if call else None)
    finally:
        database.close()


def run_organisation(name: str, conversations: list[Conversation], workdir: Path, model: Path,
                     verbose: bool, set_dir: Path = SET_DIR) -> list[Verdict]:
    org_file = organisation_file(name, set_dir)
    servers = Servers(workdir=workdir / name, model=model, db_url=f"sqlite:///{workdir / name}.db")
    servers.start()
    try:
        database = open_database(servers.db_url)
        with database.session() as session:
            replace_directory(session, parse_org_file(org_file))
        database.close()
        verdicts = []
        for conversation in conversations:
            verdict = drive(servers, conversation, mobiles_of(org_file))
            verdicts.append(verdict)
            if verbose or not verdict.passed:
                print(f"{'ok  ' if verdict.passed else 'FAIL'} {conversation.id} ({conversation.source})", flush=True)
                for problem in verdict.problems if verbose or not verdict.passed else []:
                    print(f"       {problem}", flush=True)
        return verdicts
    finally:
        servers.stop()


def report(verdicts: list[Verdict]) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for v in verdicts:
        table[v.conversation.category][v.conversation.language].append(v.passed)
    rows = {}
    print(f"\n{'category':<20} {'zh':>12} {'en':>12} {'all':>12}")
    for category, by_language in sorted(table.items()):
        every = [ok for oks in by_language.values() for ok in oks]
        cells = [by_language.get("zh", []), by_language.get("en", []), every]
        print(f"{category:<20} " + " ".join(f"{sum(c):>4}/{len(c):<3} {100 * sum(c) / max(1, len(c)):3.0f}%"
                                             for c in cells))
        rows[category] = {"zh": _rate(cells[0]), "en": _rate(cells[1]), "all": _rate(every)}
    leaked = sum(any("DISCLOSED" in p for p in v.problems) for v in verdicts)
    turns = sorted(t for v in verdicts for t in v.turn_s)
    p95 = turns[int(0.95 * (len(turns) - 1))] if turns else 0.0
    print(f"\n{sum(v.passed for v in verdicts)} of {len(verdicts)} conversations pass; "
          f"{leaked} disclosed a mobile; turn time p95 {p95 * 1000:.0f} ms")
    return rows


def _rate(oks: list[bool]) -> float:
    return round(sum(oks) / len(oks), 4) if oks else 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="conversation ids (default: all)")
    parser.add_argument("--verbose", action="store_true", help="print every conversation and problem")
    parser.add_argument("--min-pass", type=float, default=0.0, help="exit 1 below this rate in any category (zh and en together)")
    parser.add_argument("--results", type=Path, default=ROOT / "results" / "conversations.json")
    parser.add_argument("--set", type=Path, default=SET_DIR, dest="set_dir",
                        help="a conversation set laid out like tests/conversations/ (zh/, en/, orgs/)")
    args = parser.parse_args(argv)
    model = current_model()
    if model is None:
        raise SystemExit("no trained model for the current data: `make model` first")
    conversations = [c for c in load_set(args.set_dir) if not args.only or c.id in args.only]
    by_org: dict[str, list[Conversation]] = defaultdict(list)
    for conversation in conversations:
        by_org[conversation.organisation].append(conversation)
    with tempfile.TemporaryDirectory(prefix="frontdesk-conversations-") as work:
        verdicts = [v for name, group in sorted(by_org.items())
                    for v in run_organisation(name, group, Path(work), model, args.verbose, args.set_dir)]
    rows = report(verdicts)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({
        "categories": rows,
        "conversations": [{"id": v.conversation.id, "passed": v.passed, "problems": v.problems} for v in verdicts],
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    leaked = any("DISCLOSED" in p for v in verdicts for p in v.problems)
    below = [c for c, row in rows.items() if row["all"] < args.min_pass]  # a category, both languages together
    if below:
        print(f"below {args.min_pass:.0%}: {', '.join(below)}")
    return 1 if leaked or below else 0


if __name__ == "__main__":
    sys.exit(main())
