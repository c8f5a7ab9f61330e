"""The visitor log: today's visitors (or another day's), checking in at the desk, letting in,
checking out, and a printable badge. The badge names the host, never their contact details."""

from __future__ import annotations

import datetime as dt

from aiohttp import web
from sqlalchemy.orm import Session

from bot.db.tables import utcnow
from bot.org.model import Directory
from bot.records import visits
from bot.web.app import audit, current_directory, form_text, language, redirect, render, require, run_db, zone_of
from bot.web.roles import Role

routes = web.RouteTableDef()


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
    directory = await current_directory(request)
    zone = zone_of(directory)
    today = utcnow().astimezone(zone).date()
    try:
        day = dt.date.fromisoformat(request.query.get("day", "")) if request.query.get("day") else today
    except ValueError:
        day = today
    found = await run_db(request, visits.list_visits, day, None, zone)
    return render(request, "visitors.html", zone=zone, found=found, day=day, today=today, directory=directory,
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
