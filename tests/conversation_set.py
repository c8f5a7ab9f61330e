"""The conversation test set (tests/conversations/): loading it and scoring one conversation's replies.

Pure functions over plain data, so the runner (scripts/conversations.py, which drives the real
servers) and the schema test (tests/test_conversation_set.py) share them. The schema is in
tests/conversations/README.md. What the receptionist said is recognised by the phrase it came
from (bot/dialogue/phrases.py), so a check says "offered a message", not an exact wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.dialogue.phrases import PHRASES

SET_DIR = Path(__file__).resolve().parent / "conversations"
CATEGORIES = ("one_breath", "request_wins", "answers_in_context", "urgent_after_hours", "topic_routing",
              "language", "basic")
EXPECT_KEYS = {"transfer", "mode", "no_transfer", "hangup", "says", "says_any", "never_says", "language",
               "mentions", "never_mentions"}
OUTCOME_KEYS = {"message", "visit", "call", "no_message"}


@dataclass
class Conversation:
    id: str
    category: str
    language: str
    organisation: str
    turns: list[dict[str, Any]]
    channel: str = "phone"
    now: str | None = None
    caller_id: str | None = None
    internal: bool = False
    outcome: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def first_metadata(self) -> dict[str, Any]:
        return {"channel": self.channel, "caller_id": self.caller_id, "internal": self.internal,
                **({"now": self.now} if self.now else {})}


def load_set(root: Path = SET_DIR) -> list[Conversation]:
    conversations = []
    for path in sorted((root / "zh").glob("*.yml")) + sorted((root / "en").glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in document["conversations"]:
            conversations.append(Conversation(
                id=item["id"], category=item["category"], language=item["language"],
                organisation=item.get("organisation", document["organisation"]), turns=item["turns"],
                channel=item.get("channel", "phone"), now=item.get("now"), caller_id=item.get("caller_id"),
                internal=bool(item.get("internal", False)), outcome=item.get("outcome") or {},
                source=str(path.relative_to(root))))
    return conversations


def organisation_file(name: str, root: Path = SET_DIR) -> Path:
    return root / "orgs" / f"{name}.yml"


# ---------------------------------------------------------------- recognising what was said


def _template_pattern(template: str) -> re.Pattern[str] | None:
    """A phrase template as a regular expression ({name} → any text); None when too little of it is
    fixed text to recognise it by."""
    parts = re.split(r"\{[a-z_]+\}", template)
    if sum(len(part.strip()) for part in parts) < 4:
        return None
    return re.compile(".+?".join(re.escape(part) for part in parts), re.DOTALL)


PATTERNS: dict[str, list[re.Pattern[str]]] = {
    key: [p for p in (_template_pattern(t) for t in by_language.values()) if p is not None]
    for key, by_language in PHRASES.items()
}


def phrases_in(text: str) -> set[str]:
    """The phrase keys whose wording (in either language) appears in `text`."""
    return {key for key, patterns in PATTERNS.items() if any(p.search(text) for p in patterns)}


CHINESE_DIGITS = str.maketrans("零〇一幺二两三四五六七八九", "0011223456789")
ENGLISH_DIGITS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                  "six": "6", "seven": "7", "eight": "8", "nine": "9"}


def digits_of(text: str) -> str:
    """Every digit said in `text`, in order: 0-9, Chinese numerals (幺 included) and English words."""
    words = re.sub(r"[a-z]+", lambda m: ENGLISH_DIGITS.get(m.group(0), " "), text.lower())
    return re.sub(r"\D", "", words.translate(CHINESE_DIGITS))


def leaks(text: str, number: str) -> bool:
    """Whether `text` discloses `number` (its last 8 digits suffice; separators and numerals ignored)."""
    wanted = re.sub(r"\D", "", number)[-8:]
    return len(wanted) >= 7 and wanted in digits_of(text)


# ---------------------------------------------------------------- checking one reply


@dataclass
class Reply:
    """What the receptionist sent back for one turn."""

    texts: list[str]
    customs: list[dict[str, Any]]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def transfers(self) -> list[dict[str, Any]]:
        return [c for c in self.customs if c.get("type") == "transfer"]


def reply_language(text: str) -> str:
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if han * 3 >= latin else "en"


def check_reply(expect: dict[str, Any], reply: Reply) -> list[str]:
    """What is wrong with `reply` against one turn's `expect`; empty when it is all right."""
    problems = []
    said = phrases_in(reply.text)
    transfers = reply.transfers()
    if "transfer" in expect:
        targets = [t.get("target") for t in transfers]
        if expect["transfer"] not in targets:
            problems.append(f"expected a transfer to {expect['transfer']}, got {targets or 'none'}")
        elif "mode" in expect and not any(t.get("mode") == expect["mode"] for t in transfers
                                          if t.get("target") == expect["transfer"]):
            problems.append(f"expected a {expect['mode']} transfer")
    if expect.get("no_transfer") and transfers:
        problems.append(f"expected no transfer, got one to {transfers[0].get('target')}")
    if expect.get("hangup") and not any(c.get("type") == "hangup" for c in reply.customs):
        problems.append("expected the call to end (hangup)")
    missing = [key for key in expect.get("says", []) if key not in said]
    if missing:
        problems.append(f"did not say {missing}")
    if expect.get("says_any") and not said & set(expect["says_any"]):
        problems.append(f"said none of {expect['says_any']}")
    unwanted = sorted(said & set(expect.get("never_says", [])))
    if unwanted:
        problems.append(f"said {unwanted}, which it must not")
    if "language" in expect and reply.text and reply_language(reply.text) != expect["language"]:
        problems.append(f"answered in {reply_language(reply.text)}, not {expect['language']}")
    absent = [m for m in expect.get("mentions", []) if m not in reply.text]
    if absent:
        problems.append(f"did not mention {absent}")
    for number in expect.get("never_mentions", []):
        if leaks(reply.text, str(number)) or str(number) in reply.text:
            problems.append(f"DISCLOSED {number}")
    if problems:
        problems.append(f"(it said: {reply.text[:200]!r})")
    return problems


# ---------------------------------------------------------------- checking the records


def _same_number(a: str | None, b: str | None) -> bool:
    def bare(n: str | None) -> str:
        digits = re.sub(r"\D", "", n or "")
        return digits[2:] if digits.startswith("86") and len(digits) > 11 else digits
    return bare(a) == bare(b)


def check_outcome(outcome: dict[str, Any], messages: list[dict[str, Any]], visits: list[dict[str, Any]],
                  call: dict[str, Any] | None) -> list[str]:
    """What is wrong with the conversation's records (contract §5 JSON) against its `outcome`."""
    problems = []
    if outcome.get("no_message") and messages:
        problems.append(f"expected no message, {len(messages)} taken")
    if "message" in outcome:
        problems += _check_message(outcome["message"], messages)
    if "visit" in outcome:
        problems += _check_visit(outcome["visit"], visits)
    if "call" in outcome and (call or {}).get("outcome") != outcome["call"].get("outcome"):
        problems.append(f"call outcome {(call or {}).get('outcome')!r}, expected {outcome['call'].get('outcome')!r}")
    return problems


def _check_message(want: dict[str, Any], messages: list[dict[str, Any]]) -> list[str]:
    """Some message of the conversation matches (at the kiosk the host's notice of the visit is one
    too); the problems of the closest one otherwise."""
    if not messages:
        return ["no message was taken"]
    return min((_message_problems(want, message) for message in messages), key=len)


def _message_problems(want: dict[str, Any], message: dict[str, Any]) -> list[str]:
    problems = []
    if "for" in want and message.get("for") != want["for"]:
        problems.append(f"message for {message.get('for')!r}, expected {want['for']!r}")
    if "caller_name" in want and want["caller_name"] not in (message.get("caller_name") or ""):
        problems.append(f"message from {message.get('caller_name')!r}, expected {want['caller_name']!r}")
    if "company" in want and want["company"] not in (message.get("caller_company") or ""):
        problems.append(f"message company {message.get('caller_company')!r}, expected {want['company']!r}")
    if "callback" in want and not _same_number(message.get("callback_number"), str(want["callback"])):
        problems.append(f"callback {message.get('callback_number')!r}, expected {want['callback']!r}")
    absent = [m for m in want.get("mentions", []) if m not in (message.get("text") or "")]
    if absent:
        problems.append(f"message text {message.get('text')!r} lacks {absent}")
    if "urgent" in want and bool(message.get("urgent")) != bool(want["urgent"]):
        problems.append(f"message urgent={message.get('urgent')}, expected {want['urgent']}")
    return problems


def _check_visit(want: dict[str, Any], visits: list[dict[str, Any]]) -> list[str]:
    if not visits:
        return ["no visit was registered"]
    visit = visits[-1]
    problems = []
    if "host" in want and visit.get("host") != want["host"]:
        problems.append(f"visit host {visit.get('host')!r}, expected {want['host']!r}")
    for key, field_name in (("visitor_name", "name"), ("company", "company")):
        if key in want and want[key] not in (visit.get(field_name) or ""):
            problems.append(f"visit {field_name} {visit.get(field_name)!r}, expected {want[key]!r}")
    absent = [m for m in want.get("purpose_mentions", []) if m not in (visit.get("purpose") or "")]
    if absent:
        problems.append(f"visit purpose {visit.get('purpose')!r} lacks {absent}")
    if "appointment" in want and bool(visit.get("appointment")) != bool(want["appointment"]):
        problems.append(f"visit appointment={visit.get('appointment')}, expected {want['appointment']}")
    if isinstance(want.get("appointment"), str) and visit.get("appointment_time") != want["appointment"]:
        problems.append(f"visit appointment time {visit.get('appointment_time')!r}, expected {want['appointment']!r}")
    return problems
