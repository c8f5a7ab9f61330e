"""Phone use (#12, point 6; bot/phone_use): every signed-in member of staff requests an outside or
long-distance call, or reports an urgent one already made, and sees their own requests; the head of a
department (a supervisor tied to it) approves or declines its pending ones, flagged ones (urgent calls
undecided for 3 days) first; an admin sees and decides every department's. Supervisors and admins read
the monthly report per department (a table, and CSV).

Each change is a CSRF POST, audited in the same transaction (`phone_use.request`, `phone_use.approve`,
`phone_use.decline`); a mistake in the form is a 422 with the form kept and nothing stored; deciding
another department's request or one's own is a 403, a request decided meanwhile a 409."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot.db.tables import utcnow
from bot.org.model import Directory
from bot.phone_use import report
from bot.phone_use import requests as phone
from bot.web.app import (
    audit,
    current,
    current_directory,
    form_text,
    language,
    redirect,
    render,
    require,
    run_db,
    zone_of,
)
from bot.web.roles import Role

routes = web.RouteTableDef()

KINDS = {"outside": "Local outside call", "long_distance": "Domestic long distance",
         "hk_macau": "Hong Kong or Macau", "international": "International"}
"""Kind → the label shown (translated by t())."""
FIELDS = ("number", "callee", "purpose", "minutes", "kind", "department", "urgent", "made_at")


@routes.get("/phone-use")
async def phone_use_page(request: web.Request) -> web.Response:
    require(request, Role.OPERATOR)
    return await _page(request, done=request.query.get("done", "")[:16])


async def _page(request: web.Request, done: str = "", error: str | None = None, form: dict[str, str] | None = None,
                status: int = 200) -> web.Response:
    username = current(request).user.username
    now = utcnow()

    def read(session: Session) -> tuple[phone.Actor, list[phone.PhoneRequest], list[phone.PhoneRequest]]:
        who = phone.actor(session, username)
        return who, phone.own_requests(session, username), phone.pending_for(session, who, now)

    who, own, pending = await run_db(request, read)
    directory = await current_directory(request)
    zone = zone_of(directory)
    shown = form or {"kind": "outside", "minutes": "5", "made_at": now.astimezone(zone).strftime("%Y-%m-%dT%H:%M")}
    return render(request, "phone_use.html", status=status, zone=zone, who=who, own=own, pending=pending,
                  flagged={r.id for r in [*own, *pending] if phone.is_flagged(r, now)}, error=error, done=done,
                  form=shown, kinds=KINDS, departments=_departments(directory, request),
                  department_label=_department_label(directory, request))


@routes.post("/phone-use")
async def file_request(request: web.Request) -> web.StreamResponse:
    require(request, Role.OPERATOR)
    form = await request.post()
    values = {name: form_text(form, name, 2000) for name in FIELDS}
    directory = await current_directory(request)
    known = {d.id for d in directory.departments} if directory is not None else None

    def store(session: Session) -> phone.PhoneRequest:
        made_at = _made_at(values, zone_of(directory)) if values["urgent"] == "on" else None
        filed = phone.create_request(session, current(request).user.username, number=values["number"],
                                     purpose=values["purpose"], minutes=values["minutes"], kind=values["kind"],
                                     department=values["department"] or None, callee=values["callee"] or None,
                                     urgent_made_at=made_at, known_departments=known)
        audit(session, request, "phone_use.request", f"phone-use #{filed.id}",
              f"{filed.department} {filed.number} {filed.kind.value} {filed.minutes} min"
              + (" (urgent, made already)" if filed.urgent_made_at else ""))
        return filed

    try:
        await run_db(request, store)
    except phone.PhoneUseError as exc:
        return await _page(request, error=str(exc), form=values, status=422)
    return redirect("/phone-use?done=filed")


def _made_at(values: dict[str, str], zone: dt.tzinfo) -> dt.datetime:
    """The browser's datetime-local ("2026-12-04T09:30"), in the organisation's time zone."""
    try:
        return dt.datetime.strptime(values["made_at"], "%Y-%m-%dT%H:%M").replace(tzinfo=zone)
    except ValueError:
        raise phone.PhoneUseError("say when the urgent call was made") from None


@routes.post(r"/phone-use/{id:\d+}/{outcome:approve|decline}")
async def decide(request: web.Request) -> web.StreamResponse:
    require(request, Role.OPERATOR)
    form = await request.post()
    request_id, outcome = int(request.match_info["id"][:12]), request.match_info["outcome"]
    note = form_text(form, "note", 2000) or None

    def store(session: Session) -> phone.PhoneRequest:
        status = phone.Status.APPROVED if outcome == "approve" else phone.Status.DECLINED
        done = phone.decide(session, request_id, current(request).user.username, status, note)
        audit(session, request, f"phone_use.{outcome}", f"phone-use #{done.id}",
              f"{done.requester} {done.department} {done.number}" + (f": {done.decision_note}" if note else ""))
        return done

    try:
        await run_db(request, store)
    except phone.UnknownRequest:
        raise web.HTTPNotFound(text="No such request.") from None
    except phone.NotAllowed:
        raise web.HTTPForbidden(text="Only the head of the request's department (or an admin) decides it, "
                                     "and nobody decides their own request.") from None
    except phone.AlreadyDecided:
        raise web.HTTPConflict(text="This request was decided already.") from None
    except phone.PhoneUseError as exc:
        return await _page(request, error=str(exc), status=422)
    return redirect(f"/phone-use?done={outcome}d")


# ---------------------------------------------------------------------------------- the monthly report


@routes.get("/phone-use/report")
async def report_page(request: web.Request) -> web.Response:
    require(request, Role.SUPERVISOR)
    directory = await current_directory(request)
    month, rows = await _report(request, directory)
    return render(request, "phone_use_report.html", month=month, rows=rows, total=report.total(rows),
                  department_label=_department_label(directory, request))


@routes.get("/phone-use/report.csv")
async def report_csv(request: web.Request) -> web.Response:
    require(request, Role.SUPERVISOR)
    month, rows = await _report(request, await current_directory(request))
    return web.Response(text=report.report_csv(rows), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="phone-use-{month}.csv"'})


async def _report(request: web.Request, directory: Directory | None) -> tuple[str, list[report.DepartmentMonth]]:
    zone = zone_of(directory)
    month = request.query.get("month", "").strip()[:7] or utcnow().astimezone(zone).strftime("%Y-%m")
    try:
        year, number = report.parse_month(month)
    except ValueError:
        raise web.HTTPBadRequest(text="A month is written YYYY-MM, e.g. 2026-12.") from None
    departments = [d.id for d in directory.departments] if directory is not None else []
    rows = await run_db(request, report.monthly_report, year, number, zone, utcnow(), departments)
    return month, rows


# ---------------------------------------------------------------------------------- helpers


def _departments(directory: Directory | None, request: web.Request) -> list[tuple[str, str]]:
    if directory is None:
        return []
    english = language(request) == "en"
    return [(d.id, (d.name_en if english and d.name_en else d.name)) for d in directory.departments]


def _department_label(directory: Directory | None, request: web.Request) -> Any:
    names = dict(_departments(directory, request))
    return lambda department_id: names.get(department_id, department_id) if department_id else "—"
