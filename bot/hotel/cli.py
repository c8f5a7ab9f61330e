"""`receptionist hotel ...`: the hotel's rooms and guests' stays from its PMS export, and checkout.

    receptionist hotel rooms import rooms.csv --dry-run
    receptionist hotel stays import stays.csv
    receptionist hotel stays import bot/hotel/demo_stays.csv --shift-to-today
    receptionist hotel stays list --json
    receptionist hotel stays set 0812 --dnd on --departure 2026-12-09
    receptionist hotel checkout --at 2026-12-04T12:30
    receptionist wakeups add 0812 07:00 --language en
    receptionist wakeups list --json --all

The CSV columns are in bot/hotel/stays_csv.py and docs/organisation.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.context import Context, open_context
from bot.hotel import checkout, rooms, stays, stays_csv, wakeups
from bot.hotel.csvfile import read_csv
from bot.org.model import Directory
from bot.org.store import NoOrganization
from bot.output import print_json, print_table

SHIFT_DAYS_AGO = 3
"""`stays import --shift-to-today`: the earliest arrival becomes this many days ago. The demo's today is then
its 4 December 2026: every guest in house but one expected tomorrow, two leaving tomorrow."""


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("hotel", help="a hotel's rooms and guests' stays: import, list, checkout")
    sub = group.add_subparsers(dest="hotel_command", metavar="SUBCOMMAND", required=True)
    _register_rooms(sub)
    _register_stays(sub)
    out = sub.add_parser("checkout", help="check out the stays whose departure day's checkout time has passed")
    _clock_options(out)
    out.add_argument("--watch", type=float, metavar="SECONDS", help="keep checking out every SECONDS until Ctrl-C")
    out.set_defaults(handler=_checkout)


def register_wakeups(commands: argparse._SubParsersAction) -> None:
    """`receptionist wakeups ...`: a top-level group (bot/cli.py), as the issue names it."""
    group = commands.add_parser("wakeups", help="a hotel's wake-up calls: book, cancel, list")
    sub = group.add_subparsers(dest="wakeups_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="book a wake-up call for the guest in ROOM")
    add.add_argument("room", help="the room number (0812, A-1203)")
    add.add_argument("time", help="HH:MM (the next such time in the hotel's time zone) or an ISO date and time")
    add.add_argument("--language", choices=wakeups.LANGUAGES,
                     help="the message's language (default: the guest's, from the stay)")
    add.add_argument("--at", metavar="YYYY-MM-DDTHH:MM",
                     help="book as if it were this time (hotel's time zone unless one is given); default now")
    add.add_argument("--json", action="store_true", help="print the booking as JSON")
    add.set_defaults(handler=_wakeups_add)
    drop = sub.add_parser("cancel", help="cancel a wake-up call still to come")
    drop.add_argument("id", type=int)
    drop.set_defaults(handler=_wakeups_cancel)
    listing = sub.add_parser("list", help="wake-up calls still to come, by time (--all: answered, failed, "
                                          "cancelled too)")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts (attempts and results included)")
    listing.add_argument("--all", action="store_true", help="finished ones too")
    listing.add_argument("--room", help="only this room's")
    listing.set_defaults(handler=_wakeups_list)


def _register_rooms(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("rooms", help="the room list")
    actions = group.add_subparsers(dest="rooms_command", metavar="ACTION", required=True)
    do_import = actions.add_parser("import", help="replace the room list with FILE (CSV): added, changed, removed")
    do_import.add_argument("file", type=Path, help="CSV: room, extension, floor (docs/organisation.md)")
    do_import.add_argument("--dry-run", action="store_true", help="report what would change, store nothing")
    do_import.set_defaults(handler=_rooms_import)
    listing = actions.add_parser("list", help="the rooms")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    listing.set_defaults(handler=_rooms_list)


def _register_stays(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("stays", help="guests' stays")
    actions = group.add_subparsers(dest="stays_command", metavar="ACTION", required=True)
    do_import = actions.add_parser("import", help="apply the PMS export (CSV): added, changed, checked out")
    do_import.add_argument("file", type=Path, help="CSV: room, guest_name_zh, guest_name_latin, arrival, departure, "
                                                   "vip, dnd, no_calls, language (docs/organisation.md)")
    do_import.add_argument("--dry-run", action="store_true", help="report what would change, store nothing")
    do_import.add_argument("--shift-to-today", action="store_true",
                           help=f"move every arrival and departure by the same number of days so that the earliest "
                                f"arrival is {SHIFT_DAYS_AGO} days before today (or --at's day): a file of fixed "
                                "dates, like the demo's, dated around today")
    _clock_options(do_import)
    do_import.set_defaults(handler=_stays_import)
    listing = actions.add_parser("list", help="active stays by room (--all: checked out ones too)")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    listing.add_argument("--all", action="store_true", help="checked-out stays too")
    listing.set_defaults(handler=_stays_list)
    setting = actions.add_parser("set", help="change by hand the stay of the guest now in ROOM (the next PMS "
                                             "import sets again what its columns give)")
    setting.add_argument("room", help="the room number (0812, A-1203)")
    setting.add_argument("--dnd", type=_on_off, metavar="on|off", help="do not disturb: calls go to a message")
    setting.add_argument("--no-calls", type=_on_off, metavar="on|off",
                         help="privacy: callers are never told the guest is staying")
    setting.add_argument("--vip", type=_on_off, metavar="on|off")
    setting.add_argument("--language", metavar="CODE", help="zh, en or another ISO 639 code; none: no language")
    setting.add_argument("--departure", metavar="YYYY-MM-DD",
                         help="the checkout day: after the arrival, not past, not into the room's next stay")
    setting.add_argument("--at", metavar="YYYY-MM-DDTHH:MM",
                         help="act as if it were this time (hotel's time zone unless one is given); default now")
    setting.set_defaults(handler=_stays_set)


def _clock_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkout-time", type=_clock, default=stays.DEFAULT_CHECKOUT, metavar="HH:MM",
                        help="the hotel's checkout time on the departure day (default 12:00)")
    parser.add_argument("--at", metavar="YYYY-MM-DDTHH:MM",
                        help="act as if it were this time (hotel's time zone unless one is given); default now")


# ---------------------------------------------------------------------------------- handlers


def _rooms_import(args: argparse.Namespace) -> int:
    table = read_csv(args.file, stays_csv.ROOM_COLUMNS, stays_csv.ROOM_REQUIRED)
    with _context() as ctx, ctx.database.session() as session:
        report = stays_csv.import_rooms(session, table, directory=_directory(ctx), dry_run=args.dry_run)
    print("\n".join(report.summary()))
    print("(dry run: nothing stored)" if args.dry_run else "stored.")
    return 0


def _rooms_list(args: argparse.Namespace) -> int:
    with _context() as ctx, ctx.database.session() as session:
        found = rooms.list_rooms(session)
    if args.json:
        print_json([room.to_json() for room in found])
    else:
        print_table([room.to_json() for room in found], ["number", "extension", "floor"])
    return 0


def _stays_import(args: argparse.Namespace) -> int:
    table = read_csv(args.file, stays_csv.STAY_COLUMNS, stays_csv.STAY_REQUIRED)
    with _context() as ctx, ctx.database.session() as session:
        zone = stays.organisation_zone(session)
        now = _now(args.at, zone)
        shift_to = now.astimezone(zone).date() - dt.timedelta(days=SHIFT_DAYS_AGO) if args.shift_to_today else None
        report = stays_csv.import_stays(session, table, now=now, zone=zone, checkout_time=args.checkout_time,
                                        dry_run=args.dry_run, shift_to=shift_to)
    print("\n".join(report.summary()))
    print("(dry run: nothing stored)" if args.dry_run else "stored.")
    return 0


def _stays_list(args: argparse.Namespace) -> int:
    with _context() as ctx, ctx.database.session() as session:
        found = stays.list_stays(session, status=None if args.all else stays.StayStatus.ACTIVE)
    if args.json:
        print_json([stay.to_json() for stay in found])
        return 0
    rows = [{**stay.to_json(), "dnd": stay.do_not_disturb} for stay in found]
    print_table(rows, ["room", "guest_name_zh", "guest_name_latin", "arrival", "departure", "vip", "dnd", "no_calls",
                       "language", "status"])
    return 0


def _stays_set(args: argparse.Namespace) -> int:
    changes: dict[str, object] = {flag: value for flag, value in (("do_not_disturb", args.dnd),
                                                                   ("no_calls", args.no_calls), ("vip", args.vip))
                                  if value is not None}
    if args.language is not None:
        changes["language"] = "" if args.language.strip().lower() == "none" else args.language
    if args.departure is not None:
        changes["departure"] = args.departure
    if not changes:
        raise ValueError("nothing to change: give --dnd, --no-calls, --vip, --language or --departure")
    with _context() as ctx, ctx.database.session() as session:
        zone = stays.organisation_zone(session)
        now = _now(args.at, zone)
        checkout_time = checkout.hotel_checkout_time(session)
        room = rooms.get_room(session, args.room)
        if room is None:
            raise ValueError(f"no room {rooms.room_number(args.room)!r} on the room list")
        stay = stays.active_stay(session, room.number, now, zone, checkout_time)
        if stay is None:
            raise ValueError(f"no guest is staying in room {room.number}")
        changed = stays.update_stay(session, stay.id, changes, now, zone, checkout_time)
    shown = ", ".join(f"{key}={_shown(value)}" for key, value in changed.items()) or "nothing changed"
    print(f"{stay.room} {stay.guest}: {shown}")
    return 0


def _shown(value: object) -> str:
    return "on" if value is True else "off" if value is False else str(value if value is not None else "none")


def _checkout(args: argparse.Namespace) -> int:
    with _context() as ctx:
        if args.watch is None:
            with ctx.database.session() as session:
                zone = stays.organisation_zone(session)
            done = checkout.run_checkout(ctx.database, _now(args.at, zone), args.checkout_time)
            _print_checked_out(done)
            return 0
        if args.watch <= 0 or args.at:
            raise ValueError("--watch needs a number of seconds above zero, and no --at")
        stop = threading.Event()
        print(f"checking out every {args.watch:g} s; Ctrl-C stops", flush=True)
        try:
            checkout.checkout_forever(ctx.database, args.watch, stop, args.checkout_time, _print_checked_out)
        except KeyboardInterrupt:
            stop.set()
        return 0


def _print_checked_out(done: list[stays.StayRecord]) -> None:
    print(f"checked out {len(done)} stay(s)", flush=True)
    for stay in done:
        print(f"  - {stay.room} {stay.guest} ({stay.arrival} → {stay.departure})", flush=True)


def _wakeups_add(args: argparse.Namespace) -> int:
    with _context() as ctx, ctx.database.session() as session:
        zone = stays.organisation_zone(session)
        now = _now(args.at, zone)
        booked = wakeups.book(session, args.room, wakeups.parse_due(args.time, now, zone), now=now,
                              language=args.language, booked_by=wakeups.BookedBy.CLI, zone=zone)
    if args.json:
        print_json(booked.to_json(zone))
    else:
        print(f"wake-up call {booked.id}: room {booked.room} at {booked.to_json(zone)['due_local']} "
              f"({booked.language}), {booked.status.value}")
    return 0


def _wakeups_cancel(args: argparse.Namespace) -> int:
    with _context() as ctx, ctx.database.session() as session:
        done = wakeups.cancel(session, args.id)
    print(f"wake-up call {done.id} (room {done.room}): {done.status.value}")
    return 0


def _wakeups_list(args: argparse.Namespace) -> int:
    with _context() as ctx, ctx.database.session() as session:
        zone = stays.organisation_zone(session)
        found = wakeups.list_wakeups(session, include_finished=args.all, room=args.room)
    rows = [booking.to_json(zone) for booking in found]
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        row["tries"] = ", ".join(f"{h['at'][11:16]}Z {h['result']}" for h in row["history"]) or "-"
    print_table(rows, ["id", "room", "due_local", "language", "status", "attempts", "last_result", "booked_by",
                       "tries"])
    return 0


# ---------------------------------------------------------------------------------- helpers


@contextmanager
def _context() -> Iterator[Context]:
    ctx = open_context()
    try:
        yield ctx
    finally:
        ctx.close()


def _directory(ctx: Context) -> Directory | None:
    """The organisation, whose extensions a room may not take; None while none is imported."""
    try:
        return ctx.directory.current()
    except NoOrganization:
        return None


def _now(at: str | None, zone: dt.tzinfo) -> dt.datetime:
    if not at:
        return dt.datetime.now(dt.timezone.utc)
    moment = dt.datetime.fromisoformat(at)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _on_off(text: str) -> bool:
    word = text.strip().lower()
    if word in ("on", "yes", "y", "1", "true"):
        return True
    if word in ("off", "no", "n", "0", "false"):
        return False
    raise argparse.ArgumentTypeError(f"on or off, not {text!r}")


def _clock(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a time of day is HH:MM, not {text!r}") from None
