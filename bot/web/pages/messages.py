"""The messages inbox: open messages first, overdue and flagged ones highlighted, and the
status changes staff make (acknowledge, close)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.orm import Session

from bot.db.tables import utcnow
from bot.records import messages
from bot.records.messages import MessageStatus
from bot.web.app import audit, current_directory, redirect, render, require, run_db, zone_of
from bot.web.roles import Role

routes = web.RouteTableDef()
OPEN = (MessageStatus.NEW, MessageStatus.NOTIFIED, MessageStatus.ACKNOWLEDGED)
CHANGES = {"acknowledge": messages.acknowledge, "close": messages.close}


@routes.get("/messages")
async def inbox(request: web.Request) -> web.Response:
    require(request, Role.OPERATOR)
    wanted = request.query.get("status", "open")
    status = wanted if wanted in {s.value for s in MessageStatus} else None
    found = await run_db(request, messages.list_messages, status, None, 500)
    if wanted == "open":
        found = [m for m in found if m.status in OPEN]
    directory = await current_directory(request)
    now = utcnow()
    overdue = {m.id for m in found if directory is not None and m.is_overdue(directory.policy, now)}

    def recipient(recipient_id: str) -> str:
        if directory is None:
            return recipient_id
        person, department = directory.person(recipient_id), directory.department(recipient_id)
        return (person.name if person else department.name if department else recipient_id)

    return render(request, "messages.html", zone=zone_of(directory), found=found, overdue=overdue,
                  wanted=wanted if status or wanted == "open" else "all", statuses=[s.value for s in MessageStatus],
                  recipient=recipient)


@routes.post("/messages/{message_id:\\d+}/{change:acknowledge|close}")
async def change_status(request: web.Request) -> web.StreamResponse:
    require(request, Role.OPERATOR)
    message_id = int(request.match_info["message_id"])
    change = request.match_info["change"]

    def apply(session: Session) -> messages.MessageRecord:
        record = CHANGES[change](session, message_id)
        audit(session, request, f"message.{change}", str(message_id), record.status.value)
        return record

    try:
        await run_db(request, apply)
    except messages.UnknownMessage:
        raise web.HTTPNotFound(text="No such message.") from None
    except ValueError as exc:
        raise web.HTTPConflict(text=str(exc)) from None
    back = request.headers.get("Referer", "")
    return redirect("/messages" + ("?" + back.split("?", 1)[1] if "?" in back else "") + f"#message-{message_id}")
