"""`receptionist messages|visitors|calls ...`: the records, as JSON for scripts and tables for people.

JSON output is exactly the contract's objects (section 5), newest first; tables show times in
the organisation's time zone (UTC while no organisation is imported).
"""

from __future__ import annotations

import argparse
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from bot.context import Context, open_context
from bot.org.store import NoOrganization
from bot.output import print_json, print_table
from bot.records import calls, mailer, messages, visits


def register(commands: argparse._SubParsersAction) -> None:
    _register_messages(commands)
    _register_visitors(commands)
    _register_calls(commands)


# ---------------------------------------------------------------------------------- messages


def _register_messages(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("messages", help="messages taken for staff: list, acknowledge, close, e-mail")
    sub = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = sub.add_parser("list", help="messages, newest first")
    listing.add_argument("--json", action="store_true", help="print JSON (contract section 5)")
    listing.add_argument("--status", choices=[s.value for s in messages.MessageStatus])
    listing.add_argument("--for", dest="recipient", metavar="ID", help="only those for this person or department")
    listing.add_argument("--limit", type=_positive_int, default=200)
    listing.set_defaults(handler=_messages_list)

    ack = sub.add_parser("ack", help="acknowledge a message: someone has it and will call back")
    ack.add_argument("id", type=int)
    ack.set_defaults(handler=_lifecycle(messages.acknowledge, "acknowledged"))

    done = sub.add_parser("close", help="close a message: nothing more to do")
    done.add_argument("id", type=int)
    done.set_defaults(handler=_lifecycle(messages.close, "closed"))

    sweep = sub.add_parser("sweep", help="e-mail new messages, re-send overdue ones and flag them to the operator")
    sweep.add_argument("--watch", type=float, metavar="SECONDS", help="keep sweeping every SECONDS until Ctrl-C")
    sweep.set_defaults(handler=_messages_sweep)


def _messages_list(args: argparse.Namespace) -> int:
    with _context() as ctx, ctx.database.session() as session:
        found = messages.list_messages(session, status=args.status, recipient=args.recipient, limit=args.limit)
        zone = _zone(ctx)
    if args.json:
        print_json([m.to_contract() for m in found])
        return 0
    rows = [{**m.to_contract(), "created_at": _local(m.created_at, zone), "flagged": _flag(m)} for m in found]
    columns = ["id", "status", "for", "caller_name", "callback_number", "urgent", "created_at", "flagged", "text"]
    print_table(rows, columns)
    return 0


def _lifecycle(change: Callable[..., messages.MessageRecord], done: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        with _context() as ctx, ctx.database.session() as session:
            record = change(session, args.id)
        print(f"message {record.id} for {record.recipient} is {record.status.value}")
        return 0 if record.status.value == done else 1

    return handler


def _messages_sweep(args: argparse.Namespace) -> int:
    with _context() as ctx:
        if args.watch is None:
            report = mailer.run_sweep(ctx.database, ctx.directory, ctx.settings.smtp)
            print(report.summary())
            return 1 if report.failed else 0
        if args.watch <= 0:
            raise ValueError("--watch needs a number of seconds above zero")
        ctx.directory.current()  # fail now, clearly, when no organisation is imported
        stop = threading.Event()
        print(f"sweeping every {args.watch:g} s through {ctx.settings.smtp.host}:{ctx.settings.smtp.port}; "
              "Ctrl-C stops", flush=True)
        try:
            mailer.sweep_forever(ctx.database, ctx.directory, ctx.settings.smtp, args.watch, stop,
                                 on_report=_print_report)
        except KeyboardInterrupt:
            stop.set()
        return 0


def _print_report(report: mailer.DeliveryReport) -> None:
    print(f"{dt.datetime.now():%H:%M:%S}  {report.summary()}", flush=True)


def _flag(message: messages.MessageRecord) -> str:
    return "FLAGGED" if message.flagged_at and message.status is messages.MessageStatus.NOTIFIED else ""


# ---------------------------------------------------------------------------------- visitors


def _register_visitors(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("visitors", help="the visitor book: list, check out")
    sub = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = sub.add_parser("list", help="visits, newest first")
    listing.add_argument("--json", action="store_true", help="print JSON (contract section 5)")
    listing.add_argument("--status", choices=[s.value for s in visits.VisitStatus])
    listing.add_argument("--day", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                         help="only visitors who arrived that day (organisation's time zone)")
    listing.set_defaults(handler=_visitors_list)

    out = sub.add_parser("checkout", help="a visitor left")
    out.add_argument("id", type=int)
    out.set_defaults(handler=_visitors_checkout)


def _visitors_list(args: argparse.Namespace) -> int:
    with _context() as ctx, ctx.database.session() as session:
        zone = _zone(ctx)
        found = visits.list_visits(session, day=args.day, status=args.status, zone=zone)
    if args.json:
        print_json([v.to_contract() for v in found])
        return 0
    rows = [{**v.to_contract(), "arrived_at": _local(v.arrived_at, zone), "left_at": _local(v.left_at, zone)}
            for v in found]
    print_table(rows, ["id", "status", "name", "company", "host", "appointment", "appointment_time", "arrived_at", "left_at",
                       "purpose"])
    return 0


def _visitors_checkout(args: argparse.Namespace) -> int:
    with _context() as ctx, ctx.database.session() as session:
        record = visits.check_out(session, args.id)
        zone = _zone(ctx)
    print(f"visit {record.id} ({record.name}) is {record.status.value} since {_local(record.left_at, zone):%H:%M}")
    return 0


# ---------------------------------------------------------------------------------- calls


def _register_calls(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("calls", help="calls and conversations with their transcripts")
    sub = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = sub.add_parser("list", help="calls, newest first")
    listing.add_argument("--json", action="store_true", help="print JSON (contract section 5)")
    listing.add_argument("--limit", type=_positive_int, default=100)
    listing.add_argument("--outcome", choices=[o.value for o in calls.Outcome])
    listing.add_argument("--caller", help="part of the caller's number or name")
    listing.add_argument("--text", help="part of anything said in the call")
    listing.set_defaults(handler=_calls_list)

    show = sub.add_parser("show", help="one call with its transcript")
    show.add_argument("sender", help="the conversation (sender) id")
    show.add_argument("--json", action="store_true", help="print JSON (contract section 5)")
    show.set_defaults(handler=_calls_show)


def _calls_list(args: argparse.Namespace) -> int:
    with _context() as ctx, ctx.database.session() as session:
        found = calls.list_calls(session, limit=args.limit, outcome=args.outcome, caller=args.caller, text=args.text)
        zone = _zone(ctx)
    if args.json:
        print_json([c.to_contract() for c in found])
        return 0
    rows = [{**c.to_contract(), "started_at": _local(c.started_at, zone), "ended_at": _local(c.ended_at, zone),
             "turns": len(c.transcript)} for c in found]
    columns = ["conversation", "channel", "caller_id", "started_at", "ended_at", "outcome", "transferred_to", "turns"]
    print_table(rows, columns)
    return 0


def _calls_show(args: argparse.Namespace) -> int:
    with _context() as ctx, ctx.database.session() as session:
        record = calls.get_call(session, args.sender)
        zone = _zone(ctx)
    if record is None:
        raise calls.UnknownCall(f"no call has the conversation id '{args.sender}'")
    if args.json:
        print_json(record.to_contract())
        return 0
    fields = [("conversation", record.conversation), ("channel", record.channel.value),
              ("caller", " ".join(x for x in (record.caller_id, record.caller_name) if x) or "-"),
              ("started", _local(record.started_at, zone)), ("ended", _local(record.ended_at, zone)),
              ("outcome", record.outcome.value if record.outcome else "-"),
              ("transferred to", record.transferred_to or "-"), ("satisfaction", record.satisfaction or "-")]
    for name, value in fields:
        shown = f"{value:%Y-%m-%d %H:%M:%S}" if isinstance(value, dt.datetime) else value
        print(f"{name + ':':<16}{shown if shown is not None else '-'}")
    print()
    for line in calls.transcript_lines(record, zone):
        print(line)
    return 0


# ---------------------------------------------------------------------------------- helpers


@contextmanager
def _context() -> Iterator[Context]:
    ctx = open_context()
    try:
        yield ctx
    finally:
        ctx.close()


def _zone(ctx: Context) -> dt.tzinfo:
    """The organisation's time zone, or UTC while there is no organisation."""
    try:
        return ZoneInfo(ctx.directory.current().organization.timezone)
    except (NoOrganization, KeyError, ValueError):
        return dt.timezone.utc


def _local(moment: dt.datetime | None, zone: dt.tzinfo) -> dt.datetime | None:
    return moment.astimezone(zone) if moment else None


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a whole number above zero, not {text}")
    return value

