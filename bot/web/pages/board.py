"""The live board: calls in progress, who is on duty, staff presence (with a toggle)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.orm import Session

from bot.db.tables import utcnow
from bot.hotel import wakeups
from bot.org.model import Directory, OrgKind, Person, Presence
from bot.org.store import set_presence
from bot.records import inquiries, messages, visits
from bot.rules.calendar import duty_person, open_state
from bot.web import queries
from bot.web.app import (
    audit,
    current_directory,
    form_text,
    redirect,
    render,
    require,
    run_db,
    zone_of,
)
from bot.web.pages.directory import QUICK_FREQUENT, frequent_targets
from bot.web.roles import Role

routes = web.RouteTableDef()


@dataclass(frozen=True)
class Board:
    live: list[queries.CallSummary]
    new_messages: int
    flagged_messages: int
    waiting_visitors: int
    handovers: list[queries.Handover] = dataclasses.field(default_factory=list)
    """Live calls being put through to the operator, with what the receptionist understood."""
    failed_wakeups: int | None = None
    """A hotel's wake-up calls unanswered after every retry in the last 24 hours; None elsewhere."""
    open_inquiries: int = 0
    """Questions the receptionist passed to a department, not yet answered."""
    open_follow_ups: int = 0
    """Calls rated 2 or less that no supervisor has followed up yet."""


def _board(session: Session, directory: Directory | None, now: dt.datetime) -> Board:
    zone = zone_of(directory)
    unhandled = messages.list_messages(session, status=messages.MessageStatus.NEW, limit=1000)
    notified = messages.list_messages(session, status=messages.MessageStatus.NOTIFIED, limit=1000)
    waiting = visits.list_visits(session, day=now.astimezone(zone).date(), status=visits.VisitStatus.WAITING,
                                 zone=zone)
    hotel = directory is not None and directory.organization.kind is OrgKind.HOTEL
    return Board(live=queries.calls_in_progress(session, now), new_messages=len(unhandled) + len(notified),
                 flagged_messages=sum(1 for m in notified if m.flagged_at), waiting_visitors=len(waiting),
                 handovers=queries.handed_to_operator(session, now),
                 failed_wakeups=wakeups.count_failed_since(session, now - dt.timedelta(hours=24)) if hotel else None,
                 open_inquiries=inquiries.count_open_inquiries(session),
                 open_follow_ups=inquiries.count_open_follow_ups(session))


async def _page(request: web.Request, template: str, quick_lookup: bool = False) -> web.Response:
    require(request, Role.OPERATOR)
    directory = await current_directory(request)
    now = utcnow()
    board = await run_db(request, _board, directory, now)
    quick = await run_db(request, frequent_targets, directory, QUICK_FREQUENT) if quick_lookup and directory else []
    duty: Person | None = duty_person(directory, now) if directory else None
    state = open_state(directory, now) if directory else None
    return render(request, template, zone=zone_of(directory), board=board, directory=directory, duty=duty,
                  state=state, now=now, presences=list(Presence), quick=quick)


@routes.get("/")
async def live_board(request: web.Request) -> web.Response:
    return await _page(request, "board.html", quick_lookup=True)


@routes.get("/board/live")
async def live_calls(request: web.Request) -> web.Response:
    """The in-progress calls block alone, fetched by the board every few seconds."""
    return await _page(request, "board_live.html")


@routes.post("/presence/{person_id}")
async def change_presence(request: web.Request) -> web.StreamResponse:
    require(request, Role.OPERATOR)
    person_id = request.match_info["person_id"]
    form = await request.post()
    try:
        presence = Presence(form_text(form, "presence", 16))
    except ValueError:
        raise web.HTTPBadRequest(text="Unknown presence.") from None
    directory = await current_directory(request)
    person = directory.person(person_id) if directory else None
    if person is None:
        raise web.HTTPNotFound(text="No such person.")

    def change(session: Session) -> None:
        set_presence(session, person_id, presence, person.location)
        audit(session, request, "presence.change", person_id, f"{person.presence.value} → {presence.value}")

    await run_db(request, change)
    return redirect(f"/#person-{person_id}")
