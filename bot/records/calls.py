"""Calls: one record per conversation (phone, kiosk or chat), with its transcript.

The conversation id is the channel's sender id, so every function takes it and creates the
record on first use: a turn that arrives before `start_call` (or a call the gateway never
announced) is still kept. Callers get frozen `CallRecord`s, never ORM rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload

from bot.db.tables import CallRow, TurnRow
from bot.records.common import aware, clip

MAX_TURN_TEXT = 10_000
"""What is said is untrusted input: a turn longer than this is cut (and marked with an ellipsis)."""
MAX_CONVERSATION_ID = 128
MAX_CALLER_ID = 64
MAX_CALLER_NAME = 200
MAX_RECORDING_PATH = 500
MAX_ATTENTION = 200


class Channel(str, Enum):
    PHONE = "phone"
    KIOSK = "kiosk"
    CHAT = "chat"


class Speaker(str, Enum):
    CALLER = "caller"
    RECEPTIONIST = "receptionist"
    SYSTEM = "system"


class Outcome(str, Enum):
    """How a conversation ended (contract section 5)."""

    TRANSFERRED = "transferred"
    MESSAGE = "message"
    OPERATOR = "operator"
    ANSWERED = "answered"
    ABANDONED = "abandoned"


class UnknownCall(KeyError):
    """No call has this conversation id."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown call"


@dataclass(frozen=True)
class Turn:
    who: Speaker
    text: str
    time: dt.datetime
    intent: str | None = None
    confidence: float | None = None

    def to_contract(self) -> dict[str, Any]:
        return {
            "who": self.who.value, "text": self.text, "intent": self.intent,
            "confidence": self.confidence, "time": self.time.isoformat(),
        }


@dataclass(frozen=True)
class CallRecord:
    conversation: str
    channel: Channel
    started_at: dt.datetime
    caller_id: str | None = None
    caller_name: str | None = None
    internal: bool = False
    language: str | None = None
    ended_at: dt.datetime | None = None
    outcome: Outcome | None = None
    transferred_to: str | None = None
    satisfaction: int | None = None
    """The caller's score, 1 (poor) to 5 (excellent), when the survey was answered."""
    recording: str | None = None
    transcript: tuple[Turn, ...] = ()
    attention: str | None = None
    """A note for the operator (a hotel's VIP guest calling or called); staff only."""

    def to_contract(self) -> dict[str, Any]:
        """The contract's JSON object (section 5) plus a few extra fields; plain JSON types only."""
        return {
            "conversation": self.conversation,
            "channel": self.channel.value,
            "caller_id": self.caller_id,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "outcome": self.outcome.value if self.outcome else None,
            "transferred_to": self.transferred_to,
            "transcript": [turn.to_contract() for turn in self.transcript],
            "caller_name": self.caller_name,
            "internal": self.internal,
            "language": self.language,
            "satisfaction": self.satisfaction,
            "recording": self.recording,
            "attention": self.attention,
        }


# ---------------------------------------------------------------------------------- writing


def start_call(session: Session, conversation: str, channel: Channel | str = Channel.PHONE,
               caller_id: str | None = None, caller_name: str | None = None, internal: bool = False,
               language: str | None = None, at: dt.datetime | None = None) -> CallRecord:
    """Open the record of a conversation; for a conversation already recorded, return it unchanged."""
    ensure_call(session, conversation, channel, caller_id, caller_name, internal, language, at)
    return _record(_existing(session, conversation))


def ensure_call(session: Session, conversation: str, channel: Channel | str = Channel.PHONE,
                caller_id: str | None = None, caller_name: str | None = None, internal: bool = False,
                language: str | None = None, at: dt.datetime | None = None) -> int:
    """`start_call` for the hot path: the call's row id, without reading its transcript."""
    call_id = session.execute(select(CallRow.id).where(CallRow.conversation == conversation)).scalar_one_or_none()
    if call_id is None:
        call_id = _new_call(session, conversation, channel, caller_id, caller_name, internal, language, at).id
    return call_id


def add_turn(session: Session, conversation: str, who: Speaker | str, text: str, intent: str | None = None,
             confidence: float | None = None, at: dt.datetime | None = None) -> Turn:
    """Append what someone said to the transcript (the call is opened if it was not)."""
    speaker = Speaker(who)
    if confidence is not None and not 0.0 <= confidence <= 1.0:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    call_id = ensure_call(session, conversation, Channel.PHONE, at=at)
    turn = TurnRow(call_id=call_id, who=speaker.value, text=clip(text or "", MAX_TURN_TEXT),
                   intent=_clip_opt(intent, 64), confidence=confidence, at=aware(at))
    session.add(turn)
    session.flush()
    return _turn(turn)


def end_call(session: Session, conversation: str, outcome: Outcome | str, transferred_to: str | None = None,
             at: dt.datetime | None = None) -> CallRecord:
    """Close the record with its outcome. Ending again replaces the outcome: the last word wins
    (a caller who left a message and was then put through to the operator ends as `operator`)."""
    result = Outcome(outcome)
    row = _find(session, conversation) or _new_call(session, conversation, Channel.PHONE, at=at)
    row.outcome = result.value
    row.transferred_to = _clip_opt(transferred_to, 64)
    row.ended_at = aware(at)
    session.flush()
    return _record(row)


def set_satisfaction(session: Session, conversation: str, score: int) -> CallRecord:
    """The caller's answer to the satisfaction survey: a whole number from 1 to 5."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValueError(f"a satisfaction score is a whole number from 1 to 5, not {score!r}")
    row = _existing(session, conversation)
    row.satisfaction = score
    session.flush()
    return _record(row)


def set_recording(session: Session, conversation: str, path: str) -> CallRecord:
    """Where the call's audio recording is stored."""
    if not path or len(path) > MAX_RECORDING_PATH:
        raise ValueError(f"a recording path must be 1 to {MAX_RECORDING_PATH} characters long")
    row = _existing(session, conversation)
    row.recording = path
    session.flush()
    return _record(row)


def set_attention(session: Session, conversation: str, note: str) -> None:
    """Draw the operator's attention to a live call ("VIP 客人 欧阳娜娜（0812）来电"); the live board
    shows it. The first note stays: it says why the call mattered when it began."""
    text = _clip_opt(note, MAX_ATTENTION)
    if text:
        call_id = ensure_call(session, conversation)
        session.execute(update(CallRow).where(CallRow.id == call_id, CallRow.attention.is_(None))
                        .values(attention=text).execution_options(synchronize_session=False))


# ---------------------------------------------------------------------------------- reading


def get_call(session: Session, conversation: str) -> CallRecord | None:
    row = _find(session, conversation)
    return _record(row) if row is not None else None


def list_calls(session: Session, limit: int = 100, since: dt.datetime | None = None,
               outcome: Outcome | str | None = None, caller: str | None = None,
               text: str | None = None) -> list[CallRecord]:
    """Calls newest first. `caller` matches part of the caller id or name; `text` part of anything said."""
    query = select(CallRow).options(selectinload(CallRow.turns))
    if since is not None:
        query = query.where(CallRow.started_at >= aware(since))
    if outcome is not None:
        query = query.where(CallRow.outcome == Outcome(outcome).value)
    if caller:
        pattern = _contains(caller)
        query = query.where(or_(CallRow.caller_id.ilike(pattern, escape="\\"),
                                CallRow.caller_name.ilike(pattern, escape="\\")))
    if text:
        said = select(TurnRow.call_id).where(TurnRow.text.ilike(_contains(text), escape="\\"))
        query = query.where(CallRow.id.in_(said))
    query = query.order_by(CallRow.started_at.desc(), CallRow.id.desc()).limit(max(0, limit))
    return [_record(row) for row in session.execute(query).scalars()]


# ---------------------------------------------------------------------------------- helpers


def _find(session: Session, conversation: str) -> CallRow | None:
    query = select(CallRow).where(CallRow.conversation == conversation).options(selectinload(CallRow.turns))
    return session.execute(query).scalar_one_or_none()


def _existing(session: Session, conversation: str) -> CallRow:
    row = _find(session, conversation)
    if row is None:
        raise UnknownCall(f"no call has the conversation id '{conversation}'")
    return row


def _new_call(session: Session, conversation: str, channel: Channel | str, caller_id: str | None = None,
              caller_name: str | None = None, internal: bool = False, language: str | None = None,
              at: dt.datetime | None = None) -> CallRow:
    if not conversation or len(conversation) > MAX_CONVERSATION_ID:
        raise ValueError(f"a conversation id must be 1 to {MAX_CONVERSATION_ID} characters long")
    row = CallRow(
        conversation=conversation, channel=Channel(channel).value, caller_id=_clip_opt(caller_id, MAX_CALLER_ID),
        caller_name=_clip_opt(caller_name, MAX_CALLER_NAME), internal=bool(internal),
        language=_clip_opt(language, 8), started_at=aware(at),
    )
    session.add(row)
    session.flush()
    return row


def _record(row: CallRow) -> CallRecord:
    return CallRecord(
        conversation=row.conversation, channel=Channel(row.channel), started_at=row.started_at,
        caller_id=row.caller_id, caller_name=row.caller_name, internal=row.internal, language=row.language,
        ended_at=row.ended_at, outcome=Outcome(row.outcome) if row.outcome else None,
        transferred_to=row.transferred_to, satisfaction=row.satisfaction, recording=row.recording,
        transcript=tuple(_turn(turn) for turn in row.turns), attention=row.attention,
    )


def _turn(row: TurnRow) -> Turn:
    return Turn(who=Speaker(row.who), text=row.text, time=row.at, intent=row.intent, confidence=row.confidence)




def _clip_opt(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    text = " ".join(str(text).split())
    return clip(text, limit) if text else None


def _contains(fragment: str) -> str:
    """A LIKE pattern matching `fragment` anywhere, with its own % and _ taken literally."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def transcript_lines(record: CallRecord, zone: dt.tzinfo = dt.timezone.utc) -> Sequence[str]:
    """The transcript as readable lines: `10:15:03  caller      text  [intent 0.93]`."""
    lines = []
    for turn in record.transcript:
        note = ""
        if turn.intent:
            note = f"  [{turn.intent}" + (f" {turn.confidence:.2f}]" if turn.confidence is not None else "]")
        lines.append(f"{turn.time.astimezone(zone):%H:%M:%S}  {turn.who.value:<12}  {turn.text}{note}")
    return lines
