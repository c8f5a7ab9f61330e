"""Messages taken for a person or a department, and their lifecycle.

    new ──(e-mailed)──▶ notified ──(staff acknowledges)──▶ acknowledged ──▶ closed
     │                     ▲  │                                              ▲
     │                     └──┘ re-sent while nobody acknowledges            │
     └──────────── acknowledged on the console before any e-mail ────────────┤
                                     closed from any state ──────────────────┘

Rules, chosen so that retries and two people clicking at once never fail or lose anything:
- acknowledging twice, or closing twice, is a no-op that returns the record;
- acknowledging a closed message, or notifying an acknowledged or closed one, is an error
  (`ValueError`): a late e-mail never puts a handled message back into the queue;
- every change is a conditional UPDATE on the current status, so a sweep that e-mails a
  message while someone acknowledges it cannot undo the acknowledgement.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.db.tables import MessageRow, VisitRow, utcnow
from bot.org.model import Directory, Policy
from bot.records.common import aware, clip, transition

MAX_TEXT = 4_000
MAX_RECIPIENT = 64
MAX_CALLER_NAME = 200
MAX_COMPANY = 200
MAX_CALLBACK = 32
MAX_ERROR = 1_000
MAX_MESSAGES_PER_CONVERSATION = 3
"""Messages one conversation (a call, a kiosk visit, a chat) may file, besides the notices of its
visits to their hosts (bounded by `visits.MAX_VISITS_PER_CONVERSATION`). Each message is an
e-mail to staff, re-sent until acknowledged: a genuine caller leaves one, rarely two (for two
colleagues) or a correction; three is generous, and a flood from one kiosk or one call stops
there (issue #16). So one conversation e-mails staff at most 3 + 3 times."""

_CALLBACK = re.compile(r"\+?[0-9][0-9 ]*")


class MessageStatus(str, Enum):
    NEW = "new"
    """Taken, not yet delivered to anyone."""
    NOTIFIED = "notified"
    """E-mailed to the recipient; waiting for someone to acknowledge it."""
    ACKNOWLEDGED = "acknowledged"
    """Someone said they have it and will call back."""
    CLOSED = "closed"
    """Done with: called back, or judged to need nothing."""


class ConversationFull(ValueError):
    """The conversation has filed as many messages (or visits) as one conversation may: the
    dialogue tells the caller their request was noted and to see the front desk; nothing is stored
    and no one is e-mailed."""


class UnknownMessage(KeyError):
    """No message has this id."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown message"


@dataclass(frozen=True)
class MessageRecord:
    id: int
    recipient: str
    """Person or department id (`for` in the contract's JSON)."""
    caller_name: str
    text: str
    created_at: dt.datetime
    status: MessageStatus
    urgent: bool = False
    callback_number: str | None = None
    caller_company: str | None = None
    conversation: str | None = None
    notified_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    send_count: int = 0
    """How many times it was e-mailed to the recipient (the first delivery and every re-send)."""
    last_sent_at: dt.datetime | None = None
    flagged_at: dt.datetime | None = None
    """When the operator was told nobody acknowledged it; the console highlights these."""
    last_error: str | None = None
    """Why the last delivery attempt failed, until one succeeds."""

    def is_overdue(self, policy: Policy, now: dt.datetime | None = None) -> bool:
        """Notified, and not acknowledged within `policy.message_ack_minutes` of the last e-mail."""
        if self.status is not MessageStatus.NOTIFIED or self.last_sent_at is None:
            return False
        deadline = self.last_sent_at + dt.timedelta(minutes=policy.message_ack_minutes)
        return (now or utcnow()) >= deadline

    def to_contract(self) -> dict[str, Any]:
        """The contract's JSON object (section 5) plus extra fields; plain JSON types only."""
        return {
            "id": self.id,
            "for": self.recipient,
            "caller_name": self.caller_name,
            "callback_number": self.callback_number,
            "text": self.text,
            "urgent": self.urgent,
            "created_at": self.created_at.isoformat(),
            "status": self.status.value,
            "conversation": self.conversation,
            "caller_company": self.caller_company,
            "notified_at": _iso(self.notified_at),
            "acknowledged_at": _iso(self.acknowledged_at),
            "closed_at": _iso(self.closed_at),
            "send_count": self.send_count,
            "flagged_at": _iso(self.flagged_at),
            "last_error": self.last_error,
        }


# ---------------------------------------------------------------------------------- taking


def take_message(session: Session, recipient: str, text: str, caller_name: str,
                 callback_number: str | None = None, caller_company: str | None = None, urgent: bool = False,
                 conversation: str | None = None, at: dt.datetime | None = None,
                 capped: bool = False) -> MessageRecord:
    """Store a message for a person or department id. Raises ValueError on anything unusable, and,
    when `capped` (what a caller or visitor files: the dialogue), `ConversationFull` when
    `conversation` has filed `MAX_MESSAGES_PER_CONVERSATION` already. Staff on the console and the
    gateway's voice message (one per call, when the dialogue could not answer) are not capped."""
    if capped and conversation and not room_for_message(session, conversation):
        raise ConversationFull(f"conversation {conversation[:128]!r} has filed {MAX_MESSAGES_PER_CONVERSATION} "
                               "messages already")
    row = MessageRow(
        recipient=_required(recipient, "recipient", MAX_RECIPIENT),
        text=_required(text, "message text", MAX_TEXT, keep_lines=True),
        caller_name=_optional(caller_name, "caller name", MAX_CALLER_NAME) or "",
        caller_company=_optional(caller_company, "caller company", MAX_COMPANY),
        callback_number=normalize_callback_number(callback_number),
        urgent=bool(urgent),
        conversation=_optional(conversation, "conversation id", 128),
        created_at=aware(at),
        status=MessageStatus.NEW.value,
        send_count=0,
    )
    session.add(row)
    session.flush()
    return _record(row)


def room_for_message(session: Session, conversation: str) -> bool:
    """Whether `conversation` may file one more message (`MAX_MESSAGES_PER_CONVERSATION`).

    Its messages are counted less its visits: a visit's notice to its host is a message too, and
    is bounded by the visits' own cap (a visit to a department has no notice, so the messages
    of a conversation never exceed this cap plus its visits)."""
    filed = session.scalar(select(func.count()).select_from(MessageRow)
                           .where(MessageRow.conversation == conversation)) or 0
    visits = session.scalar(select(func.count()).select_from(VisitRow)
                            .where(VisitRow.conversation == conversation)) or 0
    return filed - visits < MAX_MESSAGES_PER_CONVERSATION


def normalize_callback_number(number: str | None) -> str | None:
    """A callback number as digits, spaces and a leading '+'; hyphens become spaces.

    Full-width digits (as speech recognisers and Chinese keyboards produce them) are accepted.
    """
    if number is None:
        return None
    cleaned = " ".join(unicodedata.normalize("NFKC", number).replace("-", " ").split())
    if not cleaned:
        return None
    digits = sum(ch.isdigit() for ch in cleaned)
    if not _CALLBACK.fullmatch(cleaned) or not 3 <= digits <= 20 or len(cleaned) > MAX_CALLBACK:
        raise ValueError(
            f"a callback number may hold only digits, spaces and a leading '+' (3 to 20 digits), not {number!r}"
        )
    return cleaned


# ---------------------------------------------------------------------------------- lifecycle


def mark_notified(session: Session, message_id: int, at: dt.datetime | None = None) -> MessageRecord:
    """Record that the message was e-mailed: new → notified, or one more send of a notified one."""
    when = aware(at)
    first = transition(session, MessageRow, message_id, [MessageStatus.NEW], status=MessageStatus.NOTIFIED.value,
                        notified_at=when, last_sent_at=when, send_count=MessageRow.send_count + 1, last_error=None)
    if not first:
        again = transition(session, MessageRow, message_id, [MessageStatus.NOTIFIED], last_sent_at=when,
                            send_count=MessageRow.send_count + 1, last_error=None)
        if not again:
            current = _existing(session, message_id)
            raise ValueError(f"message {message_id} is already {current.status.value}: it is not sent again")
    return get_message(session, message_id)  # type: ignore[return-value]


def acknowledge(session: Session, message_id: int, at: dt.datetime | None = None) -> MessageRecord:
    """Someone has the message: new or notified → acknowledged (again: no change)."""
    if not transition(session, MessageRow, message_id, [MessageStatus.NEW, MessageStatus.NOTIFIED],
                       status=MessageStatus.ACKNOWLEDGED.value, acknowledged_at=aware(at)):
        current = _existing(session, message_id)
        if current.status is MessageStatus.CLOSED:
            raise ValueError(f"message {message_id} is closed: it cannot be acknowledged any more")
    return get_message(session, message_id)  # type: ignore[return-value]


def close(session: Session, message_id: int, at: dt.datetime | None = None) -> MessageRecord:
    """The message needs nothing more, from any state (closing again: no change)."""
    open_states = [MessageStatus.NEW, MessageStatus.NOTIFIED, MessageStatus.ACKNOWLEDGED]
    if not transition(session, MessageRow, message_id, open_states, status=MessageStatus.CLOSED.value, closed_at=aware(at)):
        _existing(session, message_id)
    return get_message(session, message_id)  # type: ignore[return-value]


def record_failure(session: Session, message_id: int, error: str) -> bool:
    """Note why a delivery failed; the status stays as it was so the next sweep retries."""
    return transition(session, MessageRow, message_id, [MessageStatus.NEW, MessageStatus.NOTIFIED],
                       last_error=clip(error, MAX_ERROR))


def mark_flagged(session: Session, message_id: int, at: dt.datetime | None = None) -> bool:
    """Record that the operator was told nobody acknowledged the message (only while notified)."""
    return transition(session, MessageRow, message_id, [MessageStatus.NOTIFIED], flagged_at=aware(at))


# ---------------------------------------------------------------------------------- reading


def get_message(session: Session, message_id: int) -> MessageRecord | None:
    query = select(MessageRow).where(MessageRow.id == message_id)
    row = session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
    return _record(row) if row is not None else None


def list_messages(session: Session, status: MessageStatus | str | None = None, recipient: str | None = None,
                  limit: int = 200) -> list[MessageRecord]:
    """Messages newest first, optionally only one status or one recipient."""
    query = select(MessageRow)
    if status is not None:
        query = query.where(MessageRow.status == MessageStatus(status).value)
    if recipient:
        query = query.where(MessageRow.recipient == recipient)
    query = query.order_by(MessageRow.created_at.desc(), MessageRow.id.desc()).limit(max(0, limit))
    return [_record(row) for row in _fresh(session, query)]


def pending_delivery(session: Session) -> list[MessageRecord]:
    """New messages, oldest first: the order they are e-mailed in."""
    query = select(MessageRow).where(MessageRow.status == MessageStatus.NEW.value)
    return [_record(row) for row in _fresh(session, query.order_by(MessageRow.created_at, MessageRow.id))]


def awaiting_acknowledgement(session: Session) -> list[MessageRecord]:
    """Notified messages, oldest first."""
    query = select(MessageRow).where(MessageRow.status == MessageStatus.NOTIFIED.value)
    return [_record(row) for row in _fresh(session, query.order_by(MessageRow.created_at, MessageRow.id))]


def overdue_messages(session: Session, directory: Directory, now: dt.datetime | None = None) -> list[MessageRecord]:
    """Notified messages nobody acknowledged within the policy's time since they were last e-mailed."""
    moment = aware(now)
    return [m for m in awaiting_acknowledgement(session) if m.is_overdue(directory.policy, moment)]


# ---------------------------------------------------------------------------------- helpers


def _fresh(session: Session, query: Select) -> list[MessageRow]:
    """Rows as the database has them now (changes are conditional UPDATEs, so cached rows may be stale)."""
    return list(session.execute(query.execution_options(populate_existing=True)).scalars())



def _existing(session: Session, message_id: int) -> MessageRecord:
    record = get_message(session, message_id)
    if record is None:
        raise UnknownMessage(f"no message has the id {message_id}")
    return record


def _record(row: MessageRow) -> MessageRecord:
    return MessageRecord(
        id=row.id, recipient=row.recipient, caller_name=row.caller_name or "", text=row.text,
        created_at=row.created_at, status=MessageStatus(row.status), urgent=row.urgent,
        callback_number=row.callback_number, caller_company=row.caller_company, conversation=row.conversation,
        notified_at=row.notified_at, acknowledged_at=row.acknowledged_at, closed_at=row.closed_at,
        send_count=row.send_count or 0, last_sent_at=row.last_sent_at, flagged_at=row.flagged_at,
        last_error=row.last_error,
    )


def _required(value: str | None, what: str, limit: int, keep_lines: bool = False) -> str:
    cleaned = _optional(value, what, limit, keep_lines)
    if not cleaned:
        raise ValueError(f"a message needs a {what}")
    return cleaned


def _optional(value: str | None, what: str, limit: int, keep_lines: bool = False) -> str | None:
    if value is None:
        return None
    if keep_lines:
        cleaned = "\n".join(" ".join(line.split()) for line in str(value).strip().splitlines()).strip()
    else:
        cleaned = " ".join(str(value).split())
    if len(cleaned) > limit:
        raise ValueError(f"the {what} is too long ({len(cleaned)} characters, at most {limit})")
    return cleaned or None




def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None
