"""The visitor book (《来访登记簿》): who came, for whom, why, and when they left.

    waiting ──(the host comes down / the visitor is let in)──▶ in ──(check-out)──▶ left
       └──────────────────────(leaves without meeting anyone)──────────────────────┘

Checking out twice is a no-op; letting in someone who has left is an error (`ValueError`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.tables import VisitRow
from bot.records.common import aware, one_line, transition
from bot.records.messages import ConversationFull

MAX_NAME = 200
MAX_COMPANY = 200
MAX_PURPOSE = 2_000
MAX_HOST = 64
MAX_CONTACT = 64
MAX_VISITS_PER_CONVERSATION = 3
"""Visits one kiosk conversation may register. A visitor registers once; a small group at the
kiosk together, or a visitor seeing two people, a second or third; each visit e-mails its host a
notice, so a flood of sign-ins from one conversation stops here (issue #16). Visits staff
register on the console have no conversation and no cap."""


class VisitStatus(str, Enum):
    WAITING = "waiting"
    """Registered at the desk, the host has been told; the visitor waits in the lobby."""
    IN = "in"
    """Met by the host or let in."""
    LEFT = "left"
    """Checked out."""


class UnknownVisit(KeyError):
    """No visit has this id."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown visit"


@dataclass(frozen=True)
class VisitRecord:
    id: int
    name: str
    arrived_at: dt.datetime
    status: VisitStatus
    company: str | None = None
    purpose: str | None = None
    host: str | None = None
    """Person or department id of whom the visitor came to see."""
    appointment: bool = False
    appointment_time: str | None = None
    """"HH:MM" (the organisation's local time) when the visitor said it."""
    left_at: dt.datetime | None = None
    contact: str | None = None
    """How to reach the visitor (kept for the host; never shown on the kiosk)."""
    conversation: str | None = None

    def to_contract(self) -> dict[str, Any]:
        """The contract's JSON object (section 5) plus extra fields; plain JSON types only."""
        return {
            "id": self.id,
            "name": self.name,
            "company": self.company,
            "purpose": self.purpose,
            "host": self.host,
            "appointment": self.appointment,
            "appointment_time": self.appointment_time,
            "arrived_at": self.arrived_at.isoformat(),
            "left_at": self.left_at.isoformat() if self.left_at else None,
            "status": self.status.value,
            "contact": self.contact,
            "conversation": self.conversation,
        }


_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def _clock(value: str | None) -> str | None:
    """An appointment time as "HH:MM"; anything else is refused with a clear error."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _CLOCK.fullmatch(value.strip()):
        raise ValueError(f"an appointment time must be HH:MM, not {str(value)[:20]!r}")
    return value.strip()


def register_visit(session: Session, name: str, company: str | None = None, purpose: str | None = None,
                   host: str | None = None, appointment: bool = False, contact: str | None = None,
                   conversation: str | None = None, at: dt.datetime | None = None,
                   appointment_time: str | None = None, capped: bool = False) -> VisitRecord:
    """Write a visitor into the book; they wait until the host comes (status `waiting`). When
    `capped` (a visitor signing in at the kiosk: the dialogue), `ConversationFull` (a ValueError)
    once `conversation` registered `MAX_VISITS_PER_CONVERSATION`; staff on the console are not capped."""
    if capped and conversation and not room_for_visit(session, conversation):
        raise ConversationFull(f"conversation {conversation[:128]!r} has registered "
                               f"{MAX_VISITS_PER_CONVERSATION} visits already")
    visitor = one_line(name, "visitor's name", MAX_NAME)
    if not visitor:
        raise ValueError("a visit needs the visitor's name")
    row = VisitRow(
        name=visitor, company=one_line(company, "company", MAX_COMPANY), purpose=one_line(purpose, "purpose", MAX_PURPOSE),
        host=one_line(host, "host", MAX_HOST), appointment=bool(appointment), contact=one_line(contact, "contact", MAX_CONTACT),
        appointment_time=_clock(appointment_time) if appointment else None,
        conversation=one_line(conversation, "conversation id", 128), arrived_at=aware(at),
        status=VisitStatus.WAITING.value,
    )
    session.add(row)
    session.flush()
    return _record(row)


def room_for_visit(session: Session, conversation: str) -> bool:
    """Whether `conversation` may register one more visit (`MAX_VISITS_PER_CONVERSATION`)."""
    registered = session.scalar(select(func.count()).select_from(VisitRow)
                                .where(VisitRow.conversation == conversation)) or 0
    return registered < MAX_VISITS_PER_CONVERSATION


def admit(session: Session, visit_id: int) -> VisitRecord:
    """The host met the visitor (waiting → in; again: no change)."""
    if not transition(session, VisitRow, visit_id, [VisitStatus.WAITING], status=VisitStatus.IN.value):
        current = _existing(session, visit_id)
        if current.status is VisitStatus.LEFT:
            raise ValueError(f"visit {visit_id} has already checked out")
    return _existing(session, visit_id)


def check_out(session: Session, visit_id: int, at: dt.datetime | None = None) -> VisitRecord:
    """The visitor left (from waiting or in; checking out again: no change)."""
    transition(session, VisitRow, visit_id, [VisitStatus.WAITING, VisitStatus.IN], status=VisitStatus.LEFT.value,
                left_at=aware(at))
    return _existing(session, visit_id)


def get_visit(session: Session, visit_id: int) -> VisitRecord | None:
    query = select(VisitRow).where(VisitRow.id == visit_id).execution_options(populate_existing=True)
    row = session.execute(query).scalar_one_or_none()
    return _record(row) if row is not None else None


def list_visits(session: Session, day: dt.date | None = None, status: VisitStatus | str | None = None,
                zone: dt.tzinfo = dt.timezone.utc, limit: int = 500) -> list[VisitRecord]:
    """Visits newest first; `day` is a calendar day in `zone` (the organisation's time zone)."""
    query = select(VisitRow)
    if day is not None:
        start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        query = query.where(VisitRow.arrived_at >= start, VisitRow.arrived_at < start + dt.timedelta(days=1))
    if status is not None:
        query = query.where(VisitRow.status == VisitStatus(status).value)
    query = query.order_by(VisitRow.arrived_at.desc(), VisitRow.id.desc()).limit(max(0, limit))
    rows = session.execute(query.execution_options(populate_existing=True)).scalars()
    return [_record(row) for row in rows]


# ---------------------------------------------------------------------------------- helpers



def _existing(session: Session, visit_id: int) -> VisitRecord:
    record = get_visit(session, visit_id)
    if record is None:
        raise UnknownVisit(f"no visit has the id {visit_id}")
    return record


def _record(row: VisitRow) -> VisitRecord:
    return VisitRecord(
        id=row.id, name=row.name, arrived_at=row.arrived_at, status=VisitStatus(row.status), company=row.company,
        purpose=row.purpose, host=row.host, appointment=row.appointment, appointment_time=row.appointment_time,
        left_at=row.left_at, contact=row.contact,
        conversation=row.conversation,
    )

