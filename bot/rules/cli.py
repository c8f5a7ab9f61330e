"""`receptionist route TARGET`: how a call would be routed, step by step, and why.

For staff checking the rules ("what happens to a call for 张总 on Friday night?"). The output
shows extensions but never a mobile number, in text and in --json alike: this is not a
transfer payload.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from typing import Any

from bot.context import open_context
from bot.org.model import Directory
from bot.output import print_json
from bot.rules.routing import DUTY, OPERATOR, Caller, Plan, plan_call

EXIT_NOT_FOUND = 1
EXIT_AMBIGUOUS = 2


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "route", help="show how a call to TARGET would be routed, step by step, with the reasons",
        description="Plan a call the way the receptionist would: who is rung, in what order, and why.",
    )
    parser.add_argument("target", metavar="TARGET",
                        help="a person or department (name, alias, extension or id), 'operator' or 'duty'")
    parser.add_argument("--at", type=_moment, default=None,
                        help="when the call happens, ISO 8601 (default: now); without a zone, the organisation's time")
    parser.add_argument("--caller", choices=("external", "internal"), default="external")
    parser.add_argument("--from", dest="from_ext", metavar="EXT", help="the internal extension calling (implies internal)")
    parser.add_argument("--name", help="the caller's name")
    parser.add_argument("--company", help="the caller's company")
    parser.add_argument("--purpose", help="what the call is about")
    parser.add_argument("--appointment", choices=("yes", "no"), help="whether the caller has an appointment")
    parser.add_argument("--sales", action="store_true", help="a salesperson or cold call")
    parser.add_argument("--urgent", action="store_true", help="the caller says it is urgent")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.set_defaults(handler=run_route)


def _moment(text: str) -> dt.datetime:
    cleaned = text.strip()
    if cleaned[-1:] in ("Z", "z"):  # Python 3.10's fromisoformat does not read the UTC suffix
        cleaned = cleaned[:-1] + "+00:00"
    try:
        return dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO 8601 time like 2026-11-27T20:30") from None


def run_route(args: argparse.Namespace) -> int:
    context = open_context()
    try:
        directory = context.directory.current()
    finally:
        context.close()
    match = resolve_target(directory, args.target)
    if match.target is None:
        return _report_no_target(args.target, match)
    caller = caller_from_args(directory, args)
    plan = plan_call(directory, match.target, caller, args.at or dt.datetime.now(dt.timezone.utc))
    if args.json:
        print_json(plan.as_dict())
    else:
        print_plan(plan, directory)
    return 0


# --------------------------------------------------------------------------------------
# The target


@dataclass(frozen=True)
class TargetMatch:
    target: str | None
    """The id to plan for; None when nothing or more than one thing matched."""
    candidates: tuple[str, ...] = ()
    """One line per candidate: too close to call (`ambiguous`), or weak suggestions."""
    ambiguous: bool = False


def resolve_target(directory: Directory, text: str) -> TargetMatch:
    """An exact id first, then the directory resolver (names, aliases, pinyin, extensions)."""
    wanted = text.strip()
    if directory.person(wanted) or directory.department(wanted) or wanted in (OPERATOR, DUTY):
        return TargetMatch(wanted)
    try:
        from bot.directory.resolve import resolver_for
    except ImportError:  # the resolver is optional for this command: ids still work
        return TargetMatch(None)
    resolution = resolver_for(directory).resolve(wanted)
    best = resolution.best
    if best is not None:
        return TargetMatch(best.id)
    return TargetMatch(None, tuple(_candidate_line(c) for c in resolution.candidates), resolution.ambiguous)


def _candidate_line(candidate: Any) -> str:
    department_name = getattr(candidate, "department_name", "") or getattr(candidate, "department", "")
    department = f", {department_name}" if department_name and candidate.kind == "person" else ""
    extension = f", ext {candidate.extension}" if getattr(candidate, "extension", None) else ""
    return f"{candidate.name} ({candidate.kind} {candidate.id}{department}{extension})"


def _report_no_target(text: str, match: TargetMatch) -> int:
    if match.ambiguous:
        print(f"'{text}' could mean more than one; say which (an id works too):", file=sys.stderr)
    else:
        print(f"no person or department matches '{text}'", file=sys.stderr)
        if match.candidates:
            print("not close enough, but perhaps:", file=sys.stderr)
    for line in match.candidates:
        print(f"  {line}", file=sys.stderr)
    return EXIT_AMBIGUOUS if match.ambiguous else EXIT_NOT_FOUND


# --------------------------------------------------------------------------------------
# The caller and the output


def caller_from_args(directory: Directory, args: argparse.Namespace) -> Caller:
    person_id = None
    if args.from_ext:
        person = next((p for p in directory.people if p.extension == args.from_ext), None)
        if person is None:
            raise ValueError(f"no one has the extension {args.from_ext}")
        person_id = person.id
    return Caller(
        internal=args.caller == "internal" or person_id is not None,
        person_id=person_id,
        name=args.name,
        company=args.company,
        purpose=args.purpose,
        appointment=None if args.appointment is None else args.appointment == "yes",
        sales=args.sales,
        urgent=args.urgent,
    )


def print_plan(plan: Plan, directory: Directory) -> None:
    lines = plan.describe()
    print(lines[0])
    on_duty = directory.person(plan.duty_person) if plan.duty_person else None
    if on_duty is not None:
        print(f"on duty now: {on_duty.name} ({on_duty.id})")
    for number, step in enumerate(plan.steps, 1):
        print(f"{number:2d}. {step.describe()}")
        print(f"    原因：{step.reason_zh}")
    for line in lines[1 + len(plan.steps):]:
        print(line)
