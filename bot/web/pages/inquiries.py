"""Inquiries and follow-ups (#12, point 3; bot/records/inquiries.py).

- /inquiries: the questions callers asked. "Passed on": the ones the receptionist could not answer,
  by the department owning the topic, with the callback message the caller left; the department
  records its answer. "Answered": every answered question with the answer the caller heard (what
  callers ask, for the FAQ). Operators and above; a department user (an operator tied to a
  department) sees and answers only their department's questions; an operator without one answers
  the operator's own (no department); supervisors and admins answer any.
- /follow-ups: calls rated 2 or less, for supervisors and above, oldest open first; closed with
  what was done.

Each change is a CSRF POST, audited in the same transaction (`inquiry.reply`, `follow_up.done`); a
mistake (an empty answer) is a 422 with nothing stored; answering twice is a 409.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.orm import Session

from bot.records import inquiries, messages
from bot.records.inquiries import FollowUpStatus, Inquiry
from bot.web.app import audit, current_directory, form_text, redirect, render, require, run_db, zone_of
from bot.web.auth import SignedIn
from bot.web.roles import Role, department_of

routes = web.RouteTableDef()
VIEWS = ("passed", "answered")


@routes.get("/inquiries")
async def inquiries_page(request: web.Request) -> web.Response:
    signed = require(request, Role.OPERATOR)
    view = request.query.get("view", "passed")
    view = view if view in VIEWS else "passed"
    return await _inquiries(request, signed, view, error=None, status=200)


async def _inquiries(request: web.Request, signed: SignedIn, view: str, error: str | None,
                     status: int, form: dict[str, str] | None = None) -> web.Response:
    def read(session: Session) -> tuple[str | None, list[Inquiry], dict[int, messages.MessageRecord]]:
        own = department_of(session, signed.user.id) if signed.user.role is Role.OPERATOR else None
        found = inquiries.list_inquiries(session, department=own, answered=view == "answered")
        linked = {q.id: m for q in found if q.message_id and (m := messages.get_message(session, q.message_id))}
        return own, found, linked

    own, found, linked = await run_db(request, read)
    directory = await current_directory(request)

    def owner(department: str | None) -> str:
        found_department = directory.department(department) if directory and department else None
        return found_department.name if found_department else (department or "")

    return render(request, "inquiries.html", status=status, zone=zone_of(directory), view=view, found=found,
                  linked=linked, own=own, owner=owner, error=error, form=form or {},
                  may_answer=lambda q: _may_answer(signed, own, q), done=request.query.get("done", "")[:16])


@routes.post("/inquiries/{inquiry_id:\\d+}/reply")
async def reply(request: web.Request) -> web.StreamResponse:
    signed = require(request, Role.OPERATOR)
    inquiry_id = int(request.match_info["inquiry_id"])
    form = await request.post()
    answer = form_text(form, "answer", 5000)

    def store(session: Session) -> str:
        found = inquiries.get_inquiry(session, inquiry_id)
        own = department_of(session, signed.user.id) if signed.user.role is Role.OPERATOR else None
        if found is None or (own is not None and found.department != own):
            raise web.HTTPNotFound(text="No such question.")
        if not _may_answer(signed, own, found):
            raise web.HTTPForbidden(text="Another department answers this question.")
        if found.status not in (inquiries.InquiryStatus.OPEN, inquiries.InquiryStatus.CONNECTED):
            raise web.HTTPConflict(text="This question has been answered already.")
        inquiries.reply(session, inquiry_id, answer, by=f"{signed.user.role.value}:{signed.user.username}")
        audit(session, request, "inquiry.reply", str(inquiry_id), answer[:200])
        return "replied"

    try:
        await run_db(request, store)
    except ValueError as exc:
        return await _inquiries(request, signed, "passed", error=str(exc), status=422,
                                form={"id": str(inquiry_id), "answer": answer})
    return redirect(f"/inquiries?view=passed&done=replied#inquiry-{inquiry_id}")


def _may_answer(signed: SignedIn, own: str | None, inquiry: Inquiry) -> bool:
    """Supervisors and admins answer any; a department user their department's; another operator
    the questions nobody owns (the operator's)."""
    if inquiry.kind != inquiries.UNANSWERED:
        return False
    if signed.user.role.allows(Role.SUPERVISOR):
        return True
    return inquiry.department == own


@routes.get("/follow-ups")
async def follow_ups_page(request: web.Request) -> web.Response:
    require(request, Role.SUPERVISOR)
    return await _follow_ups(request, error=None, status=200)


async def _follow_ups(request: web.Request, error: str | None, status: int,
                      form: dict[str, str] | None = None) -> web.Response:
    def read(session: Session) -> tuple[list[inquiries.FollowUp], list[inquiries.FollowUp]]:
        return (inquiries.list_follow_ups(session, FollowUpStatus.OPEN),
                inquiries.list_follow_ups(session, FollowUpStatus.DONE, limit=50))

    open_ones, done_ones = await run_db(request, read)
    directory = await current_directory(request)
    return render(request, "follow_ups.html", status=status, zone=zone_of(directory), open_ones=open_ones,
                  done_ones=done_ones, error=error, form=form or {}, done=request.query.get("done", "")[:16])


@routes.post("/follow-ups/{follow_up_id:\\d+}/done")
async def follow_up_done(request: web.Request) -> web.StreamResponse:
    signed = require(request, Role.SUPERVISOR)
    follow_up_id = int(request.match_info["follow_up_id"])
    form = await request.post()
    note = form_text(form, "note", 5000)

    def store(session: Session) -> None:
        found = inquiries.get_follow_up(session, follow_up_id)
        if found is None:
            raise web.HTTPNotFound(text="No such follow-up.")
        if found.status is not FollowUpStatus.OPEN:
            raise web.HTTPConflict(text="This follow-up is closed already.")
        inquiries.close_follow_up(session, follow_up_id, f"{signed.user.role.value}:{signed.user.username}", note)
        audit(session, request, "follow_up.done", str(follow_up_id), note[:200])

    try:
        await run_db(request, store)
    except ValueError as exc:
        return await _follow_ups(request, error=str(exc), status=422, form={"id": str(follow_up_id), "note": note})
    return redirect("/follow-ups?done=closed")
