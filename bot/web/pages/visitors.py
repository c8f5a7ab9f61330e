"""The visitor log: today's visitors (or another day's), checking in at the desk, letting in,
checking out, and a printable badge. The badge names the host, never their contact details."""

from __future__ import annotations

import datetime as dt

from aiohttp import web
from sqlalchemy.orm import Session

from bot.db.tables import utcnow
from bot.org.model import Directory
from bot.records import expected_visits, visits
from bot.web.app import audit, current_directory, form_text, language, redirect, render, require, run_db, zone_of
from bot.web.roles import Role

routes = web.RouteTableDef()
EXPECTED_DAYS_SHOWN = 14
"""The Visitors page lists expected visitors from today for this many days."""


def host_name(directory: Directory | None, host: str | None, lang: str = "zh") -> str:
    if not host:
        return "—"
    if directory is None:
        return host
    person, department = directory.person(host), directory.department(host)
    if person:
        return person.name_en or person.name if lang == "en" else person.name
    if department:
        return department.name_en or department.name if lang == "en" else department.name
    return host


@routes.get("/visitors")
async def visitor_log(request: web.Request) -> web.Response:
    require(request, Role.OPERATOR)
    return await _log_page(request, done=request.query.get("done", "")[:16])


async def _log_page(request: web.Request, error: str | None = None, done: str = "",
                    form: dict[str, str] | None = None, status: int = 200) -> web.Response:
    """The day's visitors, and the expected ones from today on (with a mistake in the form shown)."""
    directory = await current_directory(request)
    zone = zone_of(directory)
    today = utcnow().astimezone(zone).date()
    try:
        day = dt.date.fromisoformat(request.query.get("day", "")) if request.query.get("day") else today
    except ValueError:
        day = today

    def read(session: Session) -> tuple[list[visits.VisitRecord], list[expected_visits.ExpectedVisit]]:
        return (visits.list_visits(session, day, None, zone),
                expected_visits.list_expected(session, today, days=EXPECTED_DAYS_SHOWN))

    found, expected = await run_db(request, read)
    return render(request, "visitors.html", status=status, zone=zone, found=found, day=day, today=today,
                  directory=directory, expected=expected, error=error, done=done, form=form or {},
                  host_name=lambda h: host_name(directory, h, language(request)))


@routes.post("/visitors")
async def check_in(request: web.Request) -> web.StreamResponse:
    require(request, Role.OPERATOR)
    form = await request.post()
    directory = await current_directory(request)
    host = form_text(form, "host", 64) or None
    if host and directory is not None and not (directory.person(host) or directory.department(host)):
        raise web.HTTPBadRequest(text="Unknown host.")

    def register(session: Session) -> visits.VisitRecord:
        record = visits.register_visit(
            session, form_text(form, "name", 200), company=form_text(form, "company", 200) or None,
            purpose=form_text(form, "purpose", 2000) or None, host=host,
            appointment=form_text(form, "appointment", 3) == "1", contact=form_text(form, "contact", 64) or None,
            appointment_time=form_text(form, "appointment_time", 5) or None)
        audit(session, request, "visit.check_in", str(record.id), record.name)
        return record

    try:
        record = await run_db(request, register)
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    return redirect(f"/visitors#visit-{record.id}")


@routes.post("/visitors/{visit_id:\\d+}/{change:admit|checkout}")
async def change_visit(request: web.Request) -> web.StreamResponse:
    require(request, Role.OPERATOR)
    visit_id = int(request.match_info["visit_id"])
    change = request.match_info["change"]

    def apply(session: Session) -> None:
        record = visits.admit(session, visit_id) if change == "admit" else visits.check_out(session, visit_id)
        audit(session, request, f"visit.{change}", str(visit_id), record.status.value)

    try:
        await run_db(request, apply)
    except visits.UnknownVisit:
        raise web.HTTPNotFound(text="No such visit.") from None
    except ValueError as exc:
        raise web.HTTPConflict(text=str(exc)) from None
    return redirect(f"/visitors#visit-{visit_id}")


@routes.get("/visitors/{visit_id:\\d+}/badge")
async def badge(request: web.Request) -> web.Response:
    require(request, Role.OPERATOR)
    visit_id = int(request.match_info["visit_id"])
    record = await run_db(request, visits.get_visit, visit_id)
    if record is None:
        raise web.HTTPNotFound(text="No such visit.")
    directory = await current_directory(request)
    return render(request, "badge.html", zone=zone_of(directory), visit=record, directory=directory,
                  host_name=lambda h, lang="zh": host_name(directory, h, lang))


# ---------------------------------------------------------------------------------- expected visitors


@routes.post("/visitors/expected")
async def expect_visitor(request: web.Request) -> web.StreamResponse:
    """Pre-register a visitor (#12, point 4): the kiosk greets them as expected when they arrive.
    A mistake (no name, a host not in the directory, a bad day or time) is shown, nothing stored."""
    signed = require(request, Role.OPERATOR)
    form = await request.post()
    values = {key: form_text(form, key, limit) for key, limit in _EXPECTED_FIELDS.items()}
    directory = await current_directory(request)

    def store(session: Session) -> expected_visits.ExpectedVisit:
        if directory is not None and not directory.person(values["host"]):
            raise ValueError("choose the host from the directory")
        try:
            day = dt.date.fromisoformat(values["day"])
        except ValueError:
            raise ValueError("the day must be a date (YYYY-MM-DD)") from None
        expected = expected_visits.add_expected(
            session, values["name"], values["host"], day, company=values["company"] or None,
            phone=values["phone"] or None, time_from=values["time_from"] or None,
            time_to=values["time_to"] or None, purpose=values["purpose"] or None, note=values["note"] or None,
            created_by=f"{signed.user.role.value}:{signed.user.username}")
        audit(session, request, "expected_visitor.add", str(expected.id),
              f"{expected.name} → {expected.host}, {expected.day} {expected.window}".strip())
        return expected

    try:
        expected = await run_db(request, store)
    except ValueError as exc:
        return await _log_page(request, error=str(exc), form=values, status=422)
    return redirect(f"/visitors?done=expected#expected-{expected.id}")


@routes.post("/visitors/expected/{expected_id:\\d+}/cancel")
async def cancel_expected(request: web.Request) -> web.StreamResponse:
    require(request, Role.OPERATOR)
    expected_id = int(request.match_info["expected_id"])

    def apply(session: Session) -> None:
        expected = expected_visits.cancel(session, expected_id)
        audit(session, request, "expected_visitor.cancel", str(expected_id), expected.name)

    try:
        await run_db(request, apply)
    except expected_visits.UnknownExpected:
        raise web.HTTPNotFound(text="No such expected visitor.") from None
    except ValueError as exc:
        raise web.HTTPConflict(text=str(exc)) from None
    return redirect("/visitors?done=cancelled")


_EXPECTED_FIELDS = {"name": 300, "company": 300, "phone": 100, "host": 100, "day": 20, "time_from": 10,
                    "time_to": 10, "purpose": 3000, "note": 3000}
"""Form fields and how much of each is read (the records refuse what is too long for them)."""
