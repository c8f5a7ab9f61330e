"""The hotline's cases (工单, issue #12): the list (by status, department, overdue; newest first, 50 a
page, overdue ones highlighted) and a case with its history and the steps its status allows now:
classify (the organisation's category tree), dispatch (to a department, the category's department
and deadline prefilled), accept, send back (with why), reply, feed back, close, evaluate.

The work is bot/cases's (the same functions as `receptionist cases …`): each step is one conditional
change there, so a step out of order (`CaseStepError`) is refused with 409 and a mistake in the form
(`CaseError`: an empty reply, an unknown category) with 422, and nothing changes. Each step is
recorded in the case's history with the actor "<role>:<username>" and in the audit log
(`case.<step>`), in the same transaction.

**Department users**: an operator tied to a department (console_users.department, set on the users
page) sees only that department's cases (another's is 404) and may only accept, send back and reply
(anything else is 403). Supervisors and admins, and operators without a department, see every case
and may take every step.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy.orm import Session

from bot.cases import cases, queries
from bot.cases.categories import deadline_of, depth, resolved
from bot.db.tables import utcnow
from bot.org.model import Directory
from bot.web.app import (
    CONTEXT,
    TEMPLATES,
    audit,
    current_directory,
    form_text,
    language,
    redirect,
    render,
    require,
    run_db,
    zone_of,
)
from bot.web.roles import Role, department_of

routes = web.RouteTableDef()
PER_PAGE = 50
STEPS = ("classify", "dispatch", "accept", "send_back", "reply", "feed_back", "close", "evaluate")
DEPARTMENT_STEPS = ("accept", "send_back", "reply")
"""What a department user may do to their department's cases."""
FEEDBACK_WAYS = ("callback", "sms", "phone_query", "visit")
NAV_RECHECK_S = 30.0


def install(app: web.Application) -> None:
    """The cases' routes, and `cases_nav()` for the navigation (base.html): shown when the organisation
    has case categories or any case exists."""
    app.router.add_routes(routes)
    context = app[CONTEXT]
    seen = {"any": False, "checked": -NAV_RECHECK_S}

    def cases_nav() -> bool:
        snapshot = context.directory.last_loaded()
        if snapshot is not None and snapshot.case_categories:
            return True
        if not seen["any"] and time.monotonic() - seen["checked"] >= NAV_RECHECK_S:
            # Cases are never deleted: once one exists the answer stays; until then, asked at most
            # every NAV_RECHECK_S (one indexed row, no categories means a rarely used hotline).
            seen["checked"] = time.monotonic()
            with context.database.session() as session:
                seen["any"] = queries.any_case(session)
        return bool(seen["any"])

    app[TEMPLATES].globals["cases_nav"] = cases_nav


@dataclass(frozen=True)
class Viewer:
    """Who is looking: their actor string and, for a department user, their department."""

    actor: str
    department: str | None

    def sees(self, case: cases.CaseRecord) -> bool:
        return self.department is None or case.department == self.department

    def may(self, step: str) -> bool:
        return self.department is None or step in DEPARTMENT_STEPS


async def _viewer(request: web.Request) -> Viewer:
    signed = require(request, Role.OPERATOR)
    user = signed.user
    department = await run_db(request, department_of, user.id) if user.role is Role.OPERATOR else None
    return Viewer(f"{user.role.value}:{user.username}", department)


# ---------------------------------------------------------------------------------- the list


@routes.get("/cases")
async def case_list(request: web.Request) -> web.Response:
    viewer = await _viewer(request)
    directory = await current_directory(request)
    query = request.query
    status = query.get("status", "")
    status = status if status in {s.value for s in cases.CaseStatus} else ""
    wanted_department = form_text(query, "department", 64)
    department = viewer.department or wanted_department or None
    overdue = query.get("overdue") == "1"
    try:
        page = max(1, min(int(query.get("page", "1")), 100_000))
    except ValueError:
        page = 1
    now = utcnow()

    def load(session: Session) -> tuple[list[cases.CaseRecord], int]:
        filters: dict[str, Any] = {"status": status or None, "department": department,
                                   "overdue_at": now if overdue else None}
        total = queries.count_cases(session, **filters)
        found = queries.list_page(session, **filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE, matching=total)
        return found, total

    found, total = await run_db(request, load)
    pages = max(1, -(-total // PER_PAGE))

    def link(**changes: Any) -> str:
        values = {"status": status, "department": "" if viewer.department else wanted_department,
                  "overdue": "1" if overdue else "", "page": str(page), **changes}
        kept = {k: str(v) for k, v in values.items() if v and not (k == "page" and str(v) == "1")}
        return "/cases" + ("?" + urlencode(kept) if kept else "")

    return render(request, "cases.html", zone=zone_of(directory), found=found, total=total, page=page, pages=pages,
                  wanted_status=status, department=department or "", overdue=overdue, mine=viewer.department,
                  statuses=[s.value for s in cases.CaseStatus], departments=_departments(directory, request),
                  overdue_ids={c.id for c in found if c.is_overdue(now)}, category_label=_category_label(
                      directory, request), department_label=_department_label(directory, request), link=link)


# ---------------------------------------------------------------------------------- a case


@routes.get("/cases/{number}")
async def case_page(request: web.Request) -> web.Response:
    viewer = await _viewer(request)
    directory = await current_directory(request)
    found = await run_db(request, _visible, request.match_info["number"], viewer)
    return _case_page(request, directory, viewer, found, done=request.query.get("done", ""))


def _visible(session: Session, number: str, viewer: Viewer) -> cases.CaseRecord:
    """The case when this viewer may see it; 404 otherwise (another department's is not disclosed)."""
    found = cases.get_case(session, number[:32])
    if found is None or not viewer.sees(found):
        raise web.HTTPNotFound(text="No such case.")
    return found


def _case_page(request: web.Request, directory: Directory | None, viewer: Viewer, case: cases.CaseRecord,
               done: str = "", error: str = "", status: int = 200, values: dict[str, str] | None = None,
               failed_step: str = "") -> web.Response:
    categories = resolved(directory.case_categories) if directory is not None else ()
    category = next((c for c in categories if c.id == case.category), None)
    deadline = deadline_of(category, cases.DEFAULT_DEADLINE)
    allowed = [step for step in STEPS if case.status in cases.TRANSITIONS[cases.Action(step)][0] and viewer.may(step)]
    prefill = {"category": case.category or "", "department": (category.department if category else "") or "",
               "days": f"{deadline / dt.timedelta(days=1):g}", "how": FEEDBACK_WAYS[0], "score": "", "note": "",
               "text": "", **(values or {})}
    return render(request, "case.html", status=status, zone=zone_of(directory), case=case, allowed=allowed,
                  categories=[(c, depth(c, categories)) for c in categories], departments=_departments(
                      directory, request), values=prefill, done=done, error=error, failed_step=failed_step,
                  mine=viewer.department, overdue=case.is_overdue(utcnow()), feedback_ways=FEEDBACK_WAYS,
                  category_label=_category_label(directory, request),
                  department_label=_department_label(directory, request))


@routes.post("/cases/{number}/{step:classify|dispatch|accept|send_back|reply|feed_back|close|evaluate}")
async def take_step(request: web.Request) -> web.Response:
    viewer = await _viewer(request)
    number, step = request.match_info["number"][:32], request.match_info["step"]
    directory = await current_directory(request)
    form = await request.post()
    values = {name: form_text(form, name, limit) for name, limit in
              (("category", 64), ("department", 64), ("days", 16), ("how", 32), ("score", 4), ("note", 1000),
               ("text", cases.MAX_REPLY))}

    def apply(session: Session) -> cases.CaseRecord:
        found = _visible(session, number, viewer)
        if not viewer.may(step):
            raise web.HTTPForbidden(text="A department user may only accept, send back and reply to their "
                                         "department's cases.")
        done = _step(session, found.number, step, values, viewer.actor, directory)
        audit(session, request, f"case.{step}", f"case {found.number}", _detail(step, values, done))
        return done

    try:
        done = await run_db(request, apply)
    except cases.UnknownCase:
        raise web.HTTPNotFound(text="No such case.") from None
    except cases.CaseError as exc:  # nothing changed: the transaction was rolled back
        current_case = await run_db(request, _visible, number, viewer)
        return _case_page(request, directory, viewer, current_case, error=str(exc), values=values, failed_step=step,
                          status=409 if isinstance(exc, cases.CaseStepError) else 422)
    if viewer.department and not viewer.sees(done):  # sent back: no longer this department's
        return redirect(f"/cases?done={step}")
    return redirect(f"/cases/{done.number}?done={step}")


def _step(session: Session, number: str, step: str, values: dict[str, str], actor: str,
          directory: Directory | None) -> cases.CaseRecord:
    note = values["note"] or None
    if step == "classify":
        if directory is None or not any(c.id == values["category"] for c in directory.case_categories):
            raise cases.CaseError("choose one of the organisation's case categories")
        return cases.classify(session, number, values["category"], actor, note=note)
    if step == "dispatch":
        if directory is None or directory.department(values["department"]) is None:
            raise cases.CaseError("choose one of the organisation's departments")
        try:
            days = float(values["days"])
        except ValueError:
            raise cases.CaseError("the deadline is a number of days, such as 5 or 0.5") from None
        if not 0 < days <= 365:
            raise cases.CaseError("the deadline is more than 0 and at most 365 days")
        return cases.dispatch(session, number, values["department"], dt.timedelta(days=days), actor, note=note)
    if step == "accept":
        return cases.accept(session, number, actor, note=note)
    if step == "send_back":
        return cases.send_back(session, number, actor, values["note"])
    if step == "reply":
        return cases.reply(session, number, values["text"], actor)
    if step == "feed_back":
        how = values["how"] if values["how"] in FEEDBACK_WAYS else ""
        if not how:
            raise cases.CaseError("say how the caller was told the answer")
        return cases.feed_back(session, number, actor, how + (f": {note}" if note else ""))
    if step == "close":
        return cases.close(session, number, actor, note=note)
    try:
        score = int(values["score"])
    except ValueError:
        raise cases.CaseError("a satisfaction score is a whole number from 1 to 5") from None
    return cases.evaluate(session, number, score, actor, note=note)


def _detail(step: str, values: dict[str, str], done: cases.CaseRecord) -> str:
    parts = [f"→ {done.status.value}"]
    if step == "classify":
        parts.append(f"category={done.category}")
    elif step == "dispatch":
        parts.append(f"department={done.department} deadline={done.deadline_at:%Y-%m-%d %H:%M} UTC"
                     if done.deadline_at else f"department={done.department}")
    elif step == "evaluate":
        parts.append(f"satisfaction={done.satisfaction}")
    elif step == "feed_back":
        parts.append(f"how={values['how']}")
    if values["note"] and step != "reply":
        parts.append(f"note: {values['note'][:200]}")
    return "; ".join(parts)


# ---------------------------------------------------------------------------------- labels


def _departments(directory: Directory | None, request: web.Request) -> list[tuple[str, str]]:
    if directory is None:
        return []
    english = language(request) == "en"
    return [(d.id, (d.name_en if english and d.name_en else d.name)) for d in directory.departments]


def _department_label(directory: Directory | None, request: web.Request) -> Any:
    names = dict(_departments(directory, request))
    return lambda department_id: names.get(department_id, department_id) if department_id else "—"


def _category_label(directory: Directory | None, request: web.Request) -> Any:
    lang = language(request)
    names = {c.id: c.label(lang) for c in (directory.case_categories if directory else ())}
    return lambda category_id: names.get(category_id, category_id) if category_id else "—"
