"""Calls: the searchable list, one call with its transcript and recording, turn review, and
the export of misunderstood turns as NLU training data.

Operators see the list and a call's details, and the transcript of a call handed to the operator
(they are taking it over); other transcripts and recordings need a supervisor, and every view of
either is written to the audit log.
"""

from __future__ import annotations

import dataclasses
import mimetypes
from pathlib import Path
from urllib.parse import quote, urlencode

from aiohttp import web
from sqlalchemy.orm import Session

from bot.records import calls as call_records
from bot.records.calls import Outcome
from bot.web import nlu_export, queries
from bot.web.app import (
    SETTINGS,
    audit,
    current_directory,
    form_text,
    in_thread,
    redirect,
    render,
    require,
    run_db,
    zone_of,
)
from bot.web.roles import Role

routes = web.RouteTableDef()
AUDIO_TYPES = {".wav": "audio/wav", ".ogg": "audio/ogg", ".opus": "audio/ogg", ".mp3": "audio/mpeg",
               ".webm": "audio/webm", ".flac": "audio/flac"}


@routes.get("/calls")
async def calls_list(request: web.Request) -> web.Response:
    signed = require(request, Role.OPERATOR)
    filters = queries.CallFilters.from_query(request.query)
    may_search_words = signed.user.role.allows(Role.SUPERVISOR)
    if not may_search_words:  # transcripts are for supervisors: their words are no search key for others
        filters = dataclasses.replace(filters, words="")
    directory = await current_directory(request)
    zone = zone_of(directory)
    per_page = request.app[SETTINGS].calls_per_page
    page = await run_db(request, queries.search_calls, filters, zone, per_page)
    return render(request, "calls.html", zone=zone, page=page, filters=filters, outcomes=[o.value for o in Outcome],
                  may_search_words=may_search_words,
                  page_link=lambda n: "/calls?" + urlencode(filters.as_query(n)))


@routes.get("/calls/{conversation}")
async def call_detail(request: web.Request) -> web.Response:
    signed = require(request, Role.OPERATOR)
    conversation = request.match_info["conversation"]
    may_review = signed.user.role.allows(Role.SUPERVISOR)

    def load(session: Session) -> tuple[call_records.CallRecord | None, list[queries.TurnMark], bool]:
        record = call_records.get_call(session, conversation)
        # an operator reads the transcript of a call handed to the operator: they are taking it over
        may_read = may_review or (record is not None and queries.was_handed_to_operator(session, conversation))
        if record is None or not may_read:
            return record, [], False
        audit(session, request, "transcript.view", conversation)
        return record, queries.turn_marks(session, conversation), may_read

    record, marks, may_read = await run_db(request, load)
    if record is None:
        raise web.HTTPNotFound(text="No such call.")
    directory = await current_directory(request)
    turns = list(zip(record.transcript, marks)) if may_read else []
    return render(request, "call.html", zone=zone_of(directory), call=record, turns=turns, may_review=may_review,
                  may_read=may_read,
                  intents=nlu_export.known_intents() if may_review else ())


@routes.get("/calls/{conversation}/recording")
async def call_recording(request: web.Request) -> web.StreamResponse:
    """The call's audio, streamed (with range requests) only from under the recordings folder."""
    require(request, Role.SUPERVISOR)
    conversation = request.match_info["conversation"]
    stored = await run_db(request, queries.recording_of, conversation)
    path = await in_thread(_safe_recording, request.app[SETTINGS].recordings_dir, stored)
    if path is None:
        raise web.HTTPNotFound(text="This call has no recording.")
    if "Range" not in request.headers or request.headers.get("Range", "").startswith("bytes=0-"):
        await run_db(request, lambda session: audit(session, request, "recording.play", conversation))
    content_type = AUDIO_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return web.FileResponse(path, headers={"Content-Type": content_type, "Cache-Control": "private, no-store"})


def _safe_recording(folder: Path | None, stored: str | None) -> Path | None:
    """The file `stored` names, when it is a regular file inside `folder` (after resolving links)."""
    if not stored or folder is None:
        return None
    root = folder.resolve()
    candidate = Path(stored)
    path = (candidate if candidate.is_absolute() else root / candidate).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


@routes.post("/calls/{conversation}/turns/{turn_id:\\d+}/review")
async def review_turn(request: web.Request) -> web.StreamResponse:
    signed = require(request, Role.SUPERVISOR)
    conversation = request.match_info["conversation"]
    turn_id = int(request.match_info["turn_id"])
    form = await request.post()
    misunderstood = form_text(form, "misunderstood", 5) == "1"
    correct = form_text(form, "correct_intent", 64) or None

    def change(session: Session) -> None:
        queries.review_turn(session, conversation, turn_id, misunderstood, correct, signed.user.username)
        detail = f"misunderstood → {correct or '?'}" if misunderstood else "cleared"
        audit(session, request, "turn.review", f"{conversation}#{turn_id}", detail)

    try:
        await run_db(request, change)
    except KeyError:
        raise web.HTTPNotFound(text="No such turn.") from None
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    return redirect(f"/calls/{_quote(conversation)}#turn-{turn_id}")


@routes.get("/review")
async def review_queue(request: web.Request) -> web.Response:
    require(request, Role.SUPERVISOR)
    turns = await run_db(request, queries.marked_turns)
    return render(request, "review.html", turns=turns)


@routes.get("/review/nlu.yml")
async def export_nlu(request: web.Request) -> web.Response:
    require(request, Role.SUPERVISOR)

    def load(session: Session) -> list[queries.MarkedTurn]:
        turns = queries.marked_turns(session)
        audit(session, request, "nlu.export", "", f"{len(turns)} turns")
        return turns

    text = nlu_export.nlu_yaml(await run_db(request, load))
    return web.Response(text=text, content_type="application/x-yaml", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="misunderstood-nlu.yml"'})


def _quote(conversation: str) -> str:
    return quote(conversation, safe="")

