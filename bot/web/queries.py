"""Reading calls the way the console pages need them: one page of a search with its total,
the calls in progress, a transcript's turn ids and review marks, and the NLU review queue.

`bot.records.calls` stays the API for a call's record and transcript; these queries add
what only the console needs (paging, counts, turn ids) without loading every transcript.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.db.tables import CallRow, TurnReviewRow, TurnRow
from bot.records.caller_notes import CallerNote, note_for
from bot.records.calls import Outcome

_INTENT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class CallSummary:
    conversation: str
    channel: str
    started_at: dt.datetime
    caller_id: str | None = None
    caller_name: str | None = None
    ended_at: dt.datetime | None = None
    outcome: str | None = None
    transferred_to: str | None = None
    satisfaction: int | None = None
    has_recording: bool = False
    turns: int = 0
    attention: str | None = None
    """A note for the operator (a hotel's VIP guest calling or called)."""
    caller_note: CallerNote | None = None
    """What the front desk noted of the caller's number (calls in progress only)."""

    @property
    def duration_s(self) -> int | None:
        return int((self.ended_at - self.started_at).total_seconds()) if self.ended_at else None


@dataclass(frozen=True)
class CallFilters:
    caller: str = ""
    words: str = ""
    outcome: str = ""
    day_from: dt.date | None = None
    day_to: dt.date | None = None
    page: int = 1

    @classmethod
    def from_query(cls, query: dict[str, str]) -> CallFilters:
        """From the search form; anything unreadable is ignored rather than refused."""
        outcome = query.get("outcome", "")
        return cls(caller=query.get("caller", "").strip()[:100], words=query.get("words", "").strip()[:200],
                   outcome=outcome if outcome in {o.value for o in Outcome} else "",
                   day_from=_date(query.get("from")), day_to=_date(query.get("to")),
                   page=max(1, _int(query.get("page"), 1)))

    def as_query(self, page: int | None = None) -> dict[str, str]:
        values = {"caller": self.caller, "words": self.words, "outcome": self.outcome,
                  "from": self.day_from.isoformat() if self.day_from else "",
                  "to": self.day_to.isoformat() if self.day_to else "", "page": str(page or self.page)}
        return {k: v for k, v in values.items() if v and not (k == "page" and v == "1")}


@dataclass(frozen=True)
class CallPage:
    calls: list[CallSummary]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class TurnMark:
    turn_id: int
    misunderstood: bool
    correct_intent: str | None = None


@dataclass(frozen=True)
class MarkedTurn:
    turn_id: int
    conversation: str
    text: str
    intent: str | None
    confidence: float | None
    correct_intent: str | None = None
    reviewed_by: str | None = None


# ---------------------------------------------------------------------------------- calls


def search_calls(session: Session, filters: CallFilters, zone: dt.tzinfo, per_page: int = 50) -> CallPage:
    """One page of the calls matching `filters`, newest first, with the total count."""
    conditions = []
    if filters.caller:
        pattern = _contains(filters.caller)
        conditions.append(or_(CallRow.caller_id.ilike(pattern, escape="\\"),
                              CallRow.caller_name.ilike(pattern, escape="\\")))
    if filters.words:
        said = select(TurnRow.call_id).where(TurnRow.text.ilike(_contains(filters.words), escape="\\"))
        conditions.append(CallRow.id.in_(said))
    if filters.outcome:
        conditions.append(CallRow.outcome == filters.outcome)
    if filters.day_from:
        conditions.append(CallRow.started_at >= _day_start(filters.day_from, zone))
    if filters.day_to:
        conditions.append(CallRow.started_at < _day_start(filters.day_to + dt.timedelta(days=1), zone))
    total = session.execute(select(func.count(CallRow.id)).where(*conditions)).scalar_one()
    pages = max(1, -(-total // per_page))
    page = min(filters.page, pages)
    rows = session.execute(
        select(CallRow).where(*conditions).order_by(CallRow.started_at.desc(), CallRow.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).scalars().all()
    return CallPage(_summaries(session, rows), total, page, pages)


def calls_in_progress(session: Session, now: dt.datetime, within: dt.timedelta = dt.timedelta(hours=12),
                      limit: int = 50) -> list[CallSummary]:
    """Calls without an end, started within `within` (older ones were lost, not live)."""
    rows = session.execute(
        select(CallRow).where(CallRow.ended_at.is_(None), CallRow.started_at >= now - within)
        .order_by(CallRow.attention.is_(None), CallRow.started_at.desc()).limit(limit)
    ).scalars().all()
    notes: dict[str, CallerNote | None] = {}
    for row in rows:
        if row.caller_id and not row.internal and row.caller_id not in notes:
            notes[row.caller_id] = note_for(session, row.caller_id)
    return [replace(summary, caller_note=notes.get(row.caller_id or "") if not row.internal else None)
            for summary, row in zip(_summaries(session, list(rows)), rows, strict=True)]


HANDOVER_TURN = "[transfer to operator"
"""The transcript's mark of a call put through to the operator (connectors/transcripts.py)."""
_HANDOVER_PART = re.compile(r";\s*(wanted|caller|matter|urgent): ([^;\]]*)")


@dataclass(frozen=True)
class Handover:
    """A live call being put through to the operator: what the receptionist understood, and the
    conversation so far, so that the operator never asks again."""

    call: CallSummary
    understood: dict[str, str]
    """wanted, caller, matter, urgent: as the receptionist told the channel."""
    turns: list[tuple[str, str]]
    """(who, text): the caller's and the receptionist's words so far, oldest first."""


def handed_to_operator(session: Session, now: dt.datetime, within: dt.timedelta = dt.timedelta(hours=12),
                       recent_turns: int = 8) -> list[Handover]:
    """Live calls whose latest transfer is to the operator, oldest first (the longest waiting on top)."""
    handing = select(TurnRow.call_id).where(TurnRow.who == "system", TurnRow.text.like(f"{HANDOVER_TURN}%"))
    rows = session.execute(
        select(CallRow).where(CallRow.ended_at.is_(None), CallRow.started_at >= now - within,
                              CallRow.id.in_(handing)).order_by(CallRow.started_at).limit(20)
    ).scalars().all()
    handovers = []
    for summary, row in zip(_summaries(session, list(rows)), rows, strict=True):
        turns = session.execute(select(TurnRow).where(TurnRow.call_id == row.id)
                                .order_by(TurnRow.id.desc()).limit(200)).scalars().all()
        transfers = [t for t in turns if t.who == "system" and t.text.startswith("[transfer to")]
        if not transfers or not transfers[0].text.startswith(HANDOVER_TURN):
            continue  # put through to someone else since
        understood = {key: value.strip() for key, value in _HANDOVER_PART.findall(transfers[0].text)}
        said = [(t.who, t.text) for t in reversed(turns) if t.who != "system"][-recent_turns:]
        handovers.append(Handover(summary, understood, said))
    return handovers


def was_handed_to_operator(session: Session, conversation: str) -> bool:
    """The call was put through to the operator at some point: the operator may read its transcript."""
    return session.execute(
        select(TurnRow.id).join(CallRow, CallRow.id == TurnRow.call_id)
        .where(CallRow.conversation == conversation, TurnRow.who == "system",
               TurnRow.text.like(f"{HANDOVER_TURN}%")).limit(1)
    ).first() is not None


def _summaries(session: Session, rows: list[CallRow]) -> list[CallSummary]:
    ids = [row.id for row in rows]
    counts: dict[int, int] = {}
    if ids:
        counts = dict(session.execute(
            select(TurnRow.call_id, func.count(TurnRow.id)).where(TurnRow.call_id.in_(ids)).group_by(TurnRow.call_id)
        ).all())
    return [CallSummary(
        conversation=row.conversation, channel=row.channel, started_at=row.started_at, caller_id=row.caller_id,
        caller_name=row.caller_name, ended_at=row.ended_at, outcome=row.outcome, transferred_to=row.transferred_to,
        satisfaction=row.satisfaction, has_recording=bool(row.recording), turns=counts.get(row.id, 0),
        attention=row.attention,
    ) for row in rows]


def recording_of(session: Session, conversation: str) -> str | None:
    return session.execute(select(CallRow.recording).where(CallRow.conversation == conversation)).scalar_one_or_none()


# ---------------------------------------------------------------------------------- reviews


def turn_marks(session: Session, conversation: str) -> list[TurnMark]:
    """The transcript's turns in order (as `bot.records.calls` gives them) with their review marks."""
    rows = session.execute(
        select(TurnRow.id, TurnRow.misunderstood, TurnReviewRow.correct_intent)
        .join(CallRow, CallRow.id == TurnRow.call_id)
        .outerjoin(TurnReviewRow, TurnReviewRow.turn_id == TurnRow.id)
        .where(CallRow.conversation == conversation).order_by(TurnRow.id)
    ).all()
    return [TurnMark(turn_id, bool(misunderstood), correct) for turn_id, misunderstood, correct in rows]


def review_turn(session: Session, conversation: str, turn_id: int, misunderstood: bool,
                correct_intent: str | None, reviewer: str) -> None:
    """Mark a caller's turn misunderstood (with the intent it should have had), or unmark it."""
    owner = session.execute(
        select(TurnRow.who).join(CallRow, CallRow.id == TurnRow.call_id)
        .where(TurnRow.id == turn_id, CallRow.conversation == conversation)
    ).scalar_one_or_none()
    if owner is None:
        raise KeyError(f"call {conversation} has no turn {turn_id}")
    if owner != "caller":
        raise ValueError("only what the caller said can be marked misunderstood")
    if correct_intent and not _INTENT.fullmatch(correct_intent):
        raise ValueError(f"'{correct_intent}' is not an intent name")
    session.execute(update(TurnRow).where(TurnRow.id == turn_id).values(misunderstood=misunderstood))
    session.execute(delete(TurnReviewRow).where(TurnReviewRow.turn_id == turn_id))
    if misunderstood:
        session.add(TurnReviewRow(turn_id=turn_id, correct_intent=correct_intent or None, reviewed_by=reviewer))
    session.flush()


def marked_turns(session: Session, limit: int = 5000) -> list[MarkedTurn]:
    rows = session.execute(
        select(TurnRow, CallRow.conversation, TurnReviewRow.correct_intent, TurnReviewRow.reviewed_by)
        .join(CallRow, CallRow.id == TurnRow.call_id)
        .outerjoin(TurnReviewRow, TurnReviewRow.turn_id == TurnRow.id)
        .where(TurnRow.misunderstood.is_(True)).order_by(TurnRow.id.desc()).limit(limit)
    ).all()
    return [MarkedTurn(turn.id, conversation, turn.text, turn.intent, turn.confidence, correct, reviewer)
            for turn, conversation, correct, reviewer in rows]


# ---------------------------------------------------------------------------------- helpers


def _contains(fragment: str) -> str:
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.timezone.utc)


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default
