"""`receptionist cases ...`: hotline cases (工单) for scripts and staff at a terminal.

    receptionist cases list [--json] [--status dispatched] [--department roads] [--overdue]
    receptionist cases show 202612040001 [--json]
    receptionist cases dispatch 202612040001 roads --days 3
    receptionist cases accept|reply|feed-back|close|evaluate|send-back|classify NUMBER ...
    receptionist cases supervise            (mark overdue cases, once; the service does it every few minutes)

Each change is recorded with `--by` (default "cli") and the time.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bot.cases import cases
from bot.context import Context, open_context
from bot.output import print_json, print_table

_COLUMNS = ["number", "status", "category", "department", "deadline", "caller_name", "callback_number", "text"]


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("cases", help="hotline cases (work orders): list, show, and each step")
    sub = group.add_subparsers(dest="cases_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="cases, newest first")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    listing.add_argument("--status", choices=[s.value for s in cases.CaseStatus])
    listing.add_argument("--department", help="only this department's")
    listing.add_argument("--overdue", action="store_true", help="only those past their deadline")
    listing.add_argument("--limit", type=int, default=100)
    listing.set_defaults(handler=_list)
    show = sub.add_parser("show", help="one case with its history")
    show.add_argument("number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)
    _step(sub, "classify", "分类: set the category", lambda s, a, by: cases.classify(s, a.number, a.category, by),
          ("category",))
    dispatch = _step(sub, "dispatch", "派单: to a department, with a deadline",
                     lambda s, a, by: cases.dispatch(s, a.number, a.department, dt.timedelta(days=a.days), by),
                     ("department",))
    dispatch.add_argument("--days", type=float, default=cases.DEFAULT_DEADLINE.days, help="deadline in days")
    _step(sub, "accept", "办理: the department takes it on", lambda s, a, by: cases.accept(s, a.number, by))
    _step(sub, "send-back", "退单: not this department's (TEXT says why)",
          lambda s, a, by: cases.send_back(s, a.number, by, a.text), ("text",))
    _step(sub, "reply", "the department's answer (TEXT)", lambda s, a, by: cases.reply(s, a.number, a.text, by),
          ("text",))
    _step(sub, "feed-back", "反馈: the caller was told (HOW: callback, phone query…)",
          lambda s, a, by: cases.feed_back(s, a.number, by, a.how), ("how",))
    _step(sub, "close", "办结", lambda s, a, by: cases.close(s, a.number, by))
    _step(sub, "evaluate", "回访评价: the caller's score 1-5",
          lambda s, a, by: cases.evaluate(s, a.number, int(a.score), by), ("score",))
    supervise = sub.add_parser("supervise", help="督办: mark overdue cases and count a reminder (once a day each)")
    supervise.set_defaults(handler=_supervise)


def _step(sub: argparse._SubParsersAction, name: str, help_text: str,
          change: Callable[[Any, argparse.Namespace, str], cases.CaseRecord],
          arguments: tuple[str, ...] = ()) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text)
    parser.add_argument("number")
    for argument in arguments:
        parser.add_argument(argument)
    parser.add_argument("--by", default="cli", help="who makes the change (recorded in the history)")
    parser.add_argument("--json", action="store_true")

    def run(args: argparse.Namespace) -> int:
        with _context() as ctx, ctx.database.session() as session:
            done = change(session, args, args.by)
        if args.json:
            print_json(done.to_json())
        else:
            print(f"case {done.number}: {done.status.value}")
        return 0

    parser.set_defaults(handler=run)
    return parser


def _list(args: argparse.Namespace) -> int:
    with _context() as ctx, ctx.database.session() as session:
        found = cases.list_cases(session, status=args.status, department=args.department,
                                 overdue_at=dt.datetime.now(dt.timezone.utc) if args.overdue else None,
                                 limit=args.limit)
    rows = [case.to_json() for case in found]
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        row["deadline"] = (row["deadline_at"] or "")[:16]
    print_table(rows, _COLUMNS)
    return 0


def _show(args: argparse.Namespace) -> int:
    with _context() as ctx, ctx.database.session() as session:
        found = cases.get_case(session, args.number)
    if found is None:
        raise cases.UnknownCase(f"no case {args.number!r}")
    if args.json:
        print_json(found.to_json())
        return 0
    data = found.to_json()
    for key in ("number", "status", "category", "department", "deadline_at", "caller_name", "callback_number",
                "text", "reply", "satisfaction", "reminders"):
        print(f"{key:>16}: {data[key] if data[key] is not None else '-'}")
    print_table([{**e, "at": e["at"][:19]} for e in data["events"]],
                ["at", "actor", "action", "status_before", "status_after", "note"])
    return 0


def _supervise(args: argparse.Namespace) -> int:
    with _context() as ctx, ctx.database.session() as session:
        due = cases.supervise(session)
    print(f"{len(due)} overdue case(s) reminded")
    for case in due:
        print(f"  - {case.number} ({case.department}), reminder {case.reminders}")
    return 0


@contextmanager
def _context() -> Iterator[Context]:
    ctx = open_context()
    try:
        yield ctx
    finally:
        ctx.close()
