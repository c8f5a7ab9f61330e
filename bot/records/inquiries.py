"""Inquiries and follow-ups (#12, point 3; seeds: 咨询 is answered and recorded, what cannot be
answered goes to the department responsible, and a dissatisfied caller is called back).

- An answered question is stored with the answer the caller heard (address, hours, directions, an
  FAQ entry), so staff see what callers ask and what they were told.
- A question the receptionist cannot answer is stored as `open` for the department owning its topic
  (None when no department clearly owns it: the operator's). The caller is offered a callback: the
  message they leave for that department is linked here (`link_message`), and the message sweep
  delivers and chases it like any message. The department records its answer (`reply`).
- A satisfaction score of 2 or less opens a follow-up for the supervisor (`open_follow_up`), who
  closes it with what was done (`close_follow_up`).

Every text is caller-supplied and clipped; a conversation files at most `MAX_PER_CONVERSATION`
inquiries, so a scripted client cannot fill the table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.tables import FollowUpRow, InquiryRow
from bot.records.common import aware, clip, one_line, transition

MAX_QUESTION = 500
MAX_ANSWER = 2000
MAX_NOTE = 1000
MAX_PER_CONVERSATION = 20
LOW_SCORE = 2
"""A satisfaction score at or under this opens a follow-up."""

ANSWERED_KINDS = ("address", "hours", "directions", "faq")
UNANSWERED = "unanswered"


class InquiryStatus(str, Enum):
    ANSWERED = "answered"
    OPEN = "open"
    CONNECTED = "connected"
    """Put through to the department, who answered the call: theirs to answer there and then."""
    REPLIED = "replied"


class FollowUpStatus(str, Enum):
    OPEN = "open"
    DONE = "done"


@dataclass(frozen=True)
class Inquiry:
    id: int
    conversation: str | None
    asked_at: dt.datetime
    language: str | None
    question: str
    kind: str
    faq_id: str | None
    answer: str | None
    department: str | None
    status: InquiryStatus
    message_id: int | None
    callback_number: str | None
    replied_by: str | None
    replied_at: dt.datetime | None


@dataclass(frozen=True)
class FollowUp:
    id: int
    conversation: str | None
    reason: str
    score: int | None
    case_number: str | None
    caller_id: str | None
    created_at: dt.datetime
    status: FollowUpStatus
    done_by: str | None
    done_at: dt.datetime | None
    note: str | None


# ---------------------------------------------------------------------------------- inquiries


def record_answered(session: Session, conversation: str | None, question: str, kind: str, answer: str,
                    language: str | None = None, faq_id: str | None = None,
                    at: dt.datetime | None = None) -> Inquiry | None:
    """A question the receptionist answered, with the answer it gave. None when the conversation has
    filed its share already (the caller still got the answer)."""
    if kind not in ANSWERED_KINDS:
        raise ValueError(f"an answered inquiry is one of {', '.join(ANSWERED_KINDS)}, not {kind!r}")
    return _add(session, conversation, question, kind=kind, answer=clip(answer.strip(), MAX_ANSWER),
                faq_id=faq_id, language=language, status=InquiryStatus.ANSWERED, at=at)


def record_unanswered(session: Session, conversation: str | None, question: str, department: str | None,
                      language: str | None = None, at: dt.datetime | None = None) -> Inquiry | None:
    """A question nobody here could answer, open for `department` (None: the operator's)."""
    return _add(session, conversation, question, kind=UNANSWERED, answer=None, faq_id=None,
                department=department, language=language, status=InquiryStatus.OPEN, at=at)


def link_message(session: Session, inquiry_id: int, message_id: int, callback_number: str | None) -> None:
    """The callback message the caller left for the department about this question."""
    row = session.get(InquiryRow, inquiry_id)
    if row is None:
        raise LookupError(f"no inquiry {inquiry_id}")
    row.message_id, row.callback_number = message_id, callback_number
    session.flush()


def put_through(session: Session, inquiry_id: int, at: dt.datetime | None = None) -> bool:
    """The caller reached the owning department on the phone; False when it was no longer open."""
    return transition(session, InquiryRow, inquiry_id, [InquiryStatus.OPEN], status=InquiryStatus.CONNECTED.value,
                      replied_by="department (on the phone)", replied_at=aware(at))


def reply(session: Session, inquiry_id: int, answer: str, by: str, at: dt.datetime | None = None) -> Inquiry:
    """The department's answer to an open question (or one put through, for the record); only once
    (a conditional UPDATE)."""
    text = (answer or "").strip()
    if not text:
        raise ValueError("the answer is empty")
    if len(text) > MAX_ANSWER:
        raise ValueError(f"the answer is too long ({len(text)} characters, at most {MAX_ANSWER})")
    who = one_line(by, "name", 100) or "?"
    if not transition(session, InquiryRow, inquiry_id, [InquiryStatus.OPEN, InquiryStatus.CONNECTED],
                      status=InquiryStatus.REPLIED.value,
                      answer=text, replied_by=who, replied_at=aware(at)):
        raise ValueError(f"inquiry {inquiry_id} is not open")
    return get_inquiry(session, inquiry_id)  # type: ignore[return-value]


def get_inquiry(session: Session, inquiry_id: int) -> Inquiry | None:
    row = session.execute(select(InquiryRow).where(InquiryRow.id == inquiry_id)
                          .execution_options(populate_existing=True)).scalar_one_or_none()
    return _inquiry(row) if row is not None else None


def list_inquiries(session: Session, status: InquiryStatus | str | None = None, department: str | None = None,
                   answered: bool | None = None, limit: int = 200) -> list[Inquiry]:
    """Newest first; `answered` False gives the questions passed on (open or replied)."""
    query = select(InquiryRow).order_by(InquiryRow.asked_at.desc(), InquiryRow.id.desc()).limit(limit)
    if status is not None:
        query = query.where(InquiryRow.status == InquiryStatus(status).value)
    if department is not None:
        query = query.where(InquiryRow.department == department)
    if answered is True:
        query = query.where(InquiryRow.kind != UNANSWERED)
    elif answered is False:
        query = query.where(InquiryRow.kind == UNANSWERED)
    return [_inquiry(row) for row in session.execute(query).scalars()]


def count_open_inquiries(session: Session, department: str | None = None) -> int:
    query = select(func.count(InquiryRow.id)).where(InquiryRow.status == InquiryStatus.OPEN.value)
    if department is not None:
        query = query.where(InquiryRow.department == department)
    return int(session.execute(query).scalar_one())


def _add(session: Session, conversation: str | None, question: str, *, kind: str, answer: str | None,
         faq_id: str | None, language: str | None, status: InquiryStatus, at: dt.datetime | None,
         department: str | None = None) -> Inquiry | None:
    text = " ".join((question or "").split())
    if not text:
        raise ValueError("the question is empty")
    if conversation:
        filed = session.execute(select(func.count(InquiryRow.id))
                                .where(InquiryRow.conversation == conversation)).scalar_one()
        if filed >= MAX_PER_CONVERSATION:
            return None
    row = InquiryRow(conversation=(conversation or None) and conversation[:128], asked_at=aware(at),
                     language=(language or None) and language[:8], question=clip(text, MAX_QUESTION), kind=kind,
                     faq_id=(faq_id or None) and faq_id[:64], answer=answer, department=department,
                     status=status.value)
    session.add(row)
    session.flush()
    return _inquiry(row)


def _inquiry(row: InquiryRow) -> Inquiry:
    return Inquiry(id=row.id, conversation=row.conversation, asked_at=row.asked_at, language=row.language,
                   question=row.question, kind=row.kind, faq_id=row.faq_id, answer=row.answer,
                   department=row.department, status=InquiryStatus(row.status), message_id=row.message_id,
                   callback_number=row.callback_number, replied_by=row.replied_by, replied_at=row.replied_at)


# ---------------------------------------------------------------------------------- follow-ups


def open_follow_up(session: Session, conversation: str | None, score: int, reason: str = "low_rating",
                   case_number: str | None = None, caller_id: str | None = None,
                   at: dt.datetime | None = None) -> FollowUp | None:
    """A follow-up for the supervisor when `score` is `LOW_SCORE` or less; None otherwise, and
    None when this conversation already has one open for the same reason (said twice, opened once)."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValueError(f"a satisfaction score is a whole number from 1 to 5, not {score!r}")
    if score > LOW_SCORE:
        return None
    if conversation and session.execute(select(FollowUpRow.id).where(
            FollowUpRow.conversation == conversation, FollowUpRow.reason == reason,
            FollowUpRow.status == FollowUpStatus.OPEN.value)).first():
        return None
    row = FollowUpRow(conversation=(conversation or None) and conversation[:128], reason=reason[:24], score=score,
                      case_number=(case_number or None) and case_number[:24],
                      caller_id=(caller_id or None) and caller_id[:64], created_at=aware(at),
                      status=FollowUpStatus.OPEN.value)
    session.add(row)
    session.flush()
    return _follow_up(row)


def close_follow_up(session: Session, follow_up_id: int, by: str, note: str,
                    at: dt.datetime | None = None) -> FollowUp:
    """The supervisor's record of what was done (called back, apologised, passed on); only once."""
    text = (note or "").strip()
    if not text:
        raise ValueError("say what was done")
    if len(text) > MAX_NOTE:
        raise ValueError(f"the note is too long ({len(text)} characters, at most {MAX_NOTE})")
    who = one_line(by, "name", 100) or "?"
    if not transition(session, FollowUpRow, follow_up_id, [FollowUpStatus.OPEN], status=FollowUpStatus.DONE.value,
                      done_by=who, done_at=aware(at), note=text):
        raise ValueError(f"follow-up {follow_up_id} is not open")
    return get_follow_up(session, follow_up_id)  # type: ignore[return-value]


def get_follow_up(session: Session, follow_up_id: int) -> FollowUp | None:
    row = session.execute(select(FollowUpRow).where(FollowUpRow.id == follow_up_id)
                          .execution_options(populate_existing=True)).scalar_one_or_none()
    return _follow_up(row) if row is not None else None


def list_follow_ups(session: Session, status: FollowUpStatus | str | None = None, limit: int = 200) -> list[FollowUp]:
    """Open ones oldest first (the longest waiting at the top); otherwise newest first."""
    query = select(FollowUpRow).limit(limit)
    if status is not None:
        query = query.where(FollowUpRow.status == FollowUpStatus(status).value)
    if status is not None and FollowUpStatus(status) is FollowUpStatus.OPEN:
        query = query.order_by(FollowUpRow.created_at, FollowUpRow.id)
    else:
        query = query.order_by(FollowUpRow.created_at.desc(), FollowUpRow.id.desc())
    return [_follow_up(row) for row in session.execute(query).scalars()]


def count_open_follow_ups(session: Session) -> int:
    return int(session.execute(select(func.count(FollowUpRow.id))
                               .where(FollowUpRow.status == FollowUpStatus.OPEN.value)).scalar_one())


def _follow_up(row: FollowUpRow) -> FollowUp:
    return FollowUp(id=row.id, conversation=row.conversation, reason=row.reason, score=row.score,
                    case_number=row.case_number, caller_id=row.caller_id, created_at=row.created_at,
                    status=FollowUpStatus(row.status), done_by=row.done_by, done_at=row.done_at, note=row.note)
