"""The hotel's pages (issue #11): guests in house and their stays (do-not-disturb, no calls, VIP,
language, departure, check out now), the room list, the PMS stays export with a preview, and
wake-up calls (book, cancel; failed ones highlighted; the note said after the time, such as the
weather: the organisation's `policy.wakeup_note`).

Only for a hotel: while the stored organisation is another kind, every page here is 404. The
work is bot/hotel's (the same functions as `receptionist hotel …` and `receptionist wakeups …`:
`stays.update_stay`, `wakeups.today_and_upcoming`, `wakeups.cancel_for_stay`, …); the pages read
the forms, call them and show the result. Every change is audited in its own transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot.db.tables import utcnow
from bot.hotel import rooms, stays, stays_csv, wakeups
from bot.hotel.checkout import hotel_checkout_time
from bot.hotel.csvfile import read_csv
from bot.org.model import WAKEUP_NOTE_MAX, Directory, OrgKind
from bot.org.orgfile import OrgFileError, Problem
from bot.org.store import DirectoryChanged
from bot.web.app import (
    CONTEXT,
    TEMPLATES,
    audit,
    current_directory,
    form_text,
    redirect,
    render,
    require,
    run_db,
    zone_of,
)
from bot.web.roles import Role

routes = web.RouteTableDef()
IMPORT_ROLE = Role.ADMIN
"""Who may load the PMS stays export: as for the staff list (bot/web/pages/organisation.py)."""
MAX_CSV = 5 * 1024 * 1024


def install(app: web.Application) -> None:
    """The hotel's routes, and `hotel_nav()` for the navigation (base.html)."""
    app.router.add_routes(routes)
    cache = app[CONTEXT].directory

    def hotel_nav() -> bool:
        # The snapshot the pages last loaded (no database work while rendering); the pages
        # themselves check the stored organisation (`_hotel`).
        snapshot = cache.last_loaded()
        return snapshot is not None and snapshot.organization.kind == OrgKind.HOTEL

    app[TEMPLATES].globals["hotel_nav"] = hotel_nav


async def _hotel(request: web.Request) -> Directory:
    """The stored organisation when it is a hotel; 404 otherwise."""
    directory = await current_directory(request)
    if directory is None or directory.organization.kind != OrgKind.HOTEL:
        raise web.HTTPNotFound(text="The hotel pages are for a hotel (organization.kind: hotel).")
    return directory


def _render(request: web.Request, template: str, directory: Directory, **values: Any) -> web.Response:
    status = values.pop("status", 200)
    return render(request, template, status=status, zone=zone_of(directory), import_role=IMPORT_ROLE, **values)


# ---------------------------------------------------------------------------------- guests in house


@routes.get("/hotel")
async def guests(request: web.Request) -> web.Response:
    require(request, Role.OPERATOR)
    directory = await _hotel(request)
    wanted = form_text(request.query, "q", 100)
    found = await run_db(request, _in_house, utcnow())
    if wanted:
        found = [s for s in found if _matches(s, wanted)]
    return _render(request, "hotel_guests.html", directory, found=found, q=wanted, tab="guests",
                   done=request.query.get("done", ""))


def _in_house(session: Session, now: dt.datetime) -> list[stays.StayRecord]:
    return stays.in_house(session, now, checkout_time=hotel_checkout_time(session))


def _matches(stay: stays.StayRecord, wanted: str) -> bool:
    """A room number (0812, 812, a-1203) or a name as callers are matched (pinyin, any order, part)."""
    number = rooms.room_number(wanted)
    if number == stay.room or (number.isdigit() and number.lstrip("0") == stay.room.lstrip("0")):
        return True
    if wanted.lower() in stay.guest.lower():
        return True
    return stays.name_match(wanted, stay.guest_name_zh, stay.guest_name_latin) is not None


@routes.get("/hotel/stays/{stay_id:\\d+}")
async def stay_form(request: web.Request) -> web.Response:
    require(request, Role.OPERATOR)
    directory = await _hotel(request)
    stay = await run_db(request, _stay, int(request.match_info["stay_id"]))
    return _render(request, "hotel_stay.html", directory, stay=stay, errors=[], values=_values(stay), tab="guests",
                   saved=request.query.get("saved") == "1")


@routes.post("/hotel/stays/{stay_id:\\d+}")
async def save_stay(request: web.Request) -> web.Response:
    require(request, Role.OPERATOR)
    directory = await _hotel(request)
    stay_id = int(request.match_info["stay_id"])
    form = await request.post()
    values = {**{flag: form_text(form, flag, 3) == "1" for flag in stays.STAY_FLAGS},
              "language": form_text(form, "language", 16).lower(), "departure": form_text(form, "departure", 10)}

    def apply(session: Session) -> list[str]:
        try:
            changed = stays.update_stay(session, stay_id, values, utcnow(),
                                        checkout_time=hotel_checkout_time(session))
        except stays.UnknownStay:
            raise web.HTTPNotFound(text="No such stay.") from None
        if changed:
            audit(session, request, "stay.edit", _target(session, stay_id),
                  ", ".join(f"{k}={_shown(v)}" for k, v in changed.items()))
        return list(changed)

    try:
        await run_db(request, apply)
    except stays.StayError as exc:
        stay = await run_db(request, _stay, stay_id)
        return _render(request, "hotel_stay.html", directory, status=422, stay=stay, errors=exc.errors,
                       values=values, tab="guests", saved=False)
    return redirect(f"/hotel/stays/{stay_id}?saved=1")


@routes.post("/hotel/stays/{stay_id:\\d+}/checkout")
async def check_out_now(request: web.Request) -> web.StreamResponse:
    require(request, Role.OPERATOR)
    await _hotel(request)
    stay_id = int(request.match_info["stay_id"])

    def apply(session: Session) -> None:
        target = _target(session, stay_id)
        now = utcnow()
        if not stays.check_out(session, stay_id, now):
            raise web.HTTPConflict(text="This stay is checked out already.")
        cancelled = wakeups.cancel_for_stay(session, stay_id, now)
        audit(session, request, "stay.checkout", target,
              "checked out from the console" + (f"; wake-up calls cancelled: {cancelled}" if cancelled else ""))

    await run_db(request, apply)
    return redirect("/hotel?done=checkout")


def _stay(session: Session, stay_id: int) -> stays.StayRecord:
    stay = stays.get_stay(session, stay_id)
    if stay is None:
        raise web.HTTPNotFound(text="No such stay.")
    return stay


def _target(session: Session, stay_id: int) -> str:
    stay = _stay(session, stay_id)
    return f"stay {stay_id}: room {stay.room} {stay.guest}"


def _values(stay: stays.StayRecord) -> dict[str, Any]:
    return {"do_not_disturb": stay.do_not_disturb, "no_calls": stay.no_calls, "vip": stay.vip,
            "language": stay.language or "", "departure": stay.departure.isoformat()}


def _shown(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else str(value if value is not None else "—")


# ---------------------------------------------------------------------------------- rooms


@routes.get("/hotel/rooms")
async def room_list(request: web.Request) -> web.Response:
    require(request, Role.OPERATOR)
    directory = await _hotel(request)

    def load(session: Session) -> tuple[list[rooms.RoomRecord], dict[str, stays.StayRecord]]:
        guests = {}
        for stay in _in_house(session, utcnow()):
            guests.setdefault(stay.room, stay)
        return rooms.list_rooms(session), guests

    found, occupied = await run_db(request, load)
    return _render(request, "hotel_rooms.html", directory, found=found, occupied=occupied, tab="rooms")


# ---------------------------------------------------------------------------------- the stays export


@routes.get("/hotel/stays-import")
async def stays_import_page(request: web.Request) -> web.Response:
    require(request, IMPORT_ROLE)
    directory = await _hotel(request)
    return _render(request, "hotel_import.html", directory, preview=None, problems=[], csv_text="", digest="",
                   done=request.query.get("done", ""), tab="import")


@routes.post("/hotel/stays-import")
async def stays_import_preview(request: web.Request) -> web.Response:
    require(request, IMPORT_ROLE)
    directory = await _hotel(request)
    form = await request.post()
    upload = form.get("file")
    raw = (upload.file.read(MAX_CSV) if isinstance(upload, web.FileField) and upload.filename
           else form_text(form, "csv_text", MAX_CSV).encode("utf-8"))
    try:
        preview = await run_db(request, _import, raw, True)
    except OrgFileError as exc:
        return _render(request, "hotel_import.html", directory, status=422, preview=None, problems=exc.problems,
                       csv_text=_decoded(raw), digest="", done="", tab="import")
    return _render(request, "hotel_import.html", directory, preview=preview, problems=[], csv_text=_decoded(raw),
                   digest=_digest(preview), done="", tab="import")


@dataclass
class _Stale(Exception):
    preview: stays_csv.StaysImport


@routes.post("/hotel/stays-import/confirm")
async def stays_import_confirm(request: web.Request) -> web.Response:
    """Import the export for real, in one transaction kept only when what it did is what the preview
    showed (the stays may have changed since: a checkout, an edit, another import)."""
    require(request, IMPORT_ROLE)
    directory = await _hotel(request)
    form = await request.post()
    raw = form_text(form, "csv_text", MAX_CSV).encode("utf-8")
    shown = form_text(form, "digest", 64)

    def apply(session: Session) -> stays_csv.StaysImport:
        report = _import(session, raw, False)
        if _digest(report) != shown:
            raise _Stale(report)  # rolled back
        audit(session, request, "stays.import", "stays", report.summary()[0])
        return report

    try:
        report = await run_db(request, apply)
    except OrgFileError as exc:
        return _render(request, "hotel_import.html", directory, status=422, preview=None, problems=exc.problems,
                       csv_text=_decoded(raw), digest="", done="", tab="import")
    except _Stale as stale:
        return _render(request, "hotel_import.html", directory, status=409, preview=stale.preview, problems=[],
                       csv_text=_decoded(raw), digest=_digest(stale.preview), done="", tab="import", stale=True)
    counts = (len(report.added), len(report.changed), len(report.checked_out))
    return redirect("/hotel/stays-import?done=" + "+".join(str(n) for n in counts))


def _import(session: Session, raw: bytes, dry_run: bool) -> stays_csv.StaysImport:
    """`read_csv` reads files (and decodes GB18030 too), so the upload goes through one."""
    if not raw.strip():
        raise OrgFileError([Problem("(file)", None, "the file is empty")], "stays.csv")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stays.csv"
        path.write_bytes(raw)
        table = read_csv(path, stays_csv.STAY_COLUMNS, stays_csv.STAY_REQUIRED)
    table.source = "stays.csv"
    return stays_csv.import_stays(session, table, now=utcnow(), checkout_time=hotel_checkout_time(session),
                                  dry_run=dry_run)


def _decoded(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def _digest(report: stays_csv.StaysImport) -> str:
    return hashlib.sha256("\n".join(report.summary()).encode()).hexdigest()


# ---------------------------------------------------------------------------------- wake-up calls


@routes.get("/hotel/wakeups")
async def wakeup_list(request: web.Request) -> web.Response:
    require(request, Role.OPERATOR)
    directory = await _hotel(request)
    return await _wakeups_page(request, directory, errors=[], values={"room": request.query.get("room", "")[:16],
                                                                      "time": "", "language": ""})


def _note_values(directory: Directory) -> dict[str, str]:
    return {language: directory.policy.wakeup_note.for_language(language) or "" for language in wakeups.LANGUAGES}


async def _wakeups_page(request: web.Request, directory: Directory, errors: list[str], values: dict[str, str],
                        status: int = 200, note: dict[str, str] | None = None,
                        note_problems: list[Problem] | None = None) -> web.Response:
    def load(session: Session) -> tuple[list[wakeups.WakeupRecord], dict[int, str]]:
        found = wakeups.today_and_upcoming(session, utcnow(), zone_of(directory))
        return found, stays.guest_names(session, (w.stay_id for w in found if w.stay_id is not None))

    found, names = await run_db(request, load)
    return _render(request, "hotel_wakeups.html", directory, status=status, found=found, names=names, errors=errors,
                   values=values, languages=wakeups.LANGUAGES, tab="wakeups",
                   note=note if note is not None else _note_values(directory), note_problems=note_problems or [],
                   note_max=WAKEUP_NOTE_MAX, done=request.query.get("done", "") if status == 200 else "")


@routes.post("/hotel/wakeups/note")
async def save_wakeup_note(request: web.Request) -> web.Response:
    """The note said after the time (the organisation's `policy.wakeup_note`), changed in place: read
    by the gateway at each dial, so it counts from the next call."""
    require(request, Role.OPERATOR)
    directory = await _hotel(request)
    form = await request.post()
    note = {language: form_text(form, f"note_{language}", 4 * WAKEUP_NOTE_MAX) for language in wakeups.LANGUAGES}

    def apply(session: Session) -> bool:
        before, after = wakeups.set_wakeup_note(session, note)
        if after != before:
            audit(session, request, "wakeup.note", directory.organization.name,
                  "; ".join(f"{language}: {after.for_language(language) or '—'}" for language in wakeups.LANGUAGES))
        return after != before

    try:
        await run_db(request, apply)
    except OrgFileError as exc:
        return await _wakeups_page(request, directory, errors=[], values=_blank_booking(), status=422, note=note,
                                   note_problems=exc.problems)
    except DirectoryChanged:
        problem = Problem("policy.wakeup_note", None, "the organisation changed meanwhile (a presence, a save): "
                          "not saved, please save again")
        return await _wakeups_page(request, directory, errors=[], values=_blank_booking(), status=409, note=note,
                                   note_problems=[problem])
    return redirect("/hotel/wakeups?done=note")


def _blank_booking() -> dict[str, str]:
    return {"room": "", "time": "", "language": ""}


@routes.post("/hotel/wakeups")
async def book_wakeup(request: web.Request) -> web.Response:
    require(request, Role.OPERATOR)
    directory = await _hotel(request)
    form = await request.post()
    values = {"room": form_text(form, "room", 16), "time": form_text(form, "time", 40),
              "language": form_text(form, "language", 8)}

    def apply(session: Session) -> wakeups.WakeupRecord:
        now = utcnow()
        zone = stays.organisation_zone(session)
        if not values["room"]:
            raise wakeups.BookingError("give the room number")
        due = wakeups.parse_due(values["time"], now, zone)
        record = wakeups.book(session, values["room"], due, now=now, language=values["language"] or None,
                              booked_by=wakeups.BookedBy.OPERATOR, zone=zone,
                              checkout_time=hotel_checkout_time(session))
        audit(session, request, "wakeup.book", f"wake-up {record.id}: room {record.room}",
              f"{record.due_at.astimezone(zone):%Y-%m-%d %H:%M} {record.language}")
        return record

    try:
        record = await run_db(request, apply)
    except wakeups.BookingError as exc:
        return await _wakeups_page(request, directory, errors=[str(exc)], values=values, status=422)
    return redirect(f"/hotel/wakeups?done=booked#wakeup-{record.id}")


@routes.post("/hotel/wakeups/{wakeup_id:\\d+}/cancel")
async def cancel_wakeup(request: web.Request) -> web.StreamResponse:
    require(request, Role.OPERATOR)
    await _hotel(request)
    wakeup_id = int(request.match_info["wakeup_id"])

    def apply(session: Session) -> None:
        record = wakeups.cancel(session, wakeup_id, utcnow())
        audit(session, request, "wakeup.cancel", f"wake-up {wakeup_id}: room {record.room}", record.status.value)

    try:
        await run_db(request, apply)
    except wakeups.UnknownWakeup:
        raise web.HTTPNotFound(text="No such wake-up call.") from None
    except wakeups.BookingError as exc:
        raise web.HTTPConflict(text=str(exc)) from None
    return redirect(f"/hotel/wakeups?done=cancelled#wakeup-{wakeup_id}")
