"""Hotline cases (工单), from the call to the caller's evaluation (#12, point 1; the seed 政务热线处理工作流程).

    registered ─classify─▶ classified ─dispatch─▶ dispatched ─accept─▶ in_progress ─reply─▶ replied
        (登记)                (分类)                 (派单)       │          (办理)                 │
                                 ▲                             └─send_back─┐                   feed_back (反馈)
                                 └──────────────── send_back ◀─────────────┘                    ▼
    evaluated ◀─evaluate─ closed ◀─close─ fed_back
    (回访评价)              (办结)

Supervision (督办) is not a step: a dispatched or in-progress case past its deadline is marked
overdue and its department reminded (`supervise`), again every `REMIND_EVERY` until it is replied to.

Every change is one conditional UPDATE on the status it expects, so two people acting on a case at
once cannot both move it, and no step can be skipped (`CaseStepError` names the steps missing). Each
change adds a `case_events` row: what, by whom, when. Times are aware UTC; the case number is the
local date and a daily sequence ("202612040007") in the organisation's time zone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.db.tables import CaseEventRow, CaseRow
from bot.records.common import aware, clip
from bot.records.messages import normalize_callback_number

MAX_TEXT = 4_000
MAX_REPLY = 4_000
MAX_NOTE = 1_000
MAX_ACTOR = 100
REMIND_EVERY = dt.timedelta(hours=24)
"""Between two reminders of an overdue case."""
DEFAULT_DEADLINE = dt.timedelta(days=5)
"""For a category that names none (12345 hotlines commonly allow 5 working days)."""


class CaseStatus(str, Enum):
    REGISTERED = "registered"
    CLASSIFIED = "classified"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    REPLIED = "replied"
    FED_BACK = "fed_back"
    CLOSED = "closed"
    EVALUATED = "evaluated"


ORDER = list(CaseStatus)
OPEN = (CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS)
"""With a department, not yet answered: these can be overdue."""

STATUS_ZH = {CaseStatus.REGISTERED: "已登记", CaseStatus.CLASSIFIED: "已分类", CaseStatus.DISPATCHED: "已派单",
             CaseStatus.IN_PROGRESS: "办理中", CaseStatus.REPLIED: "已答复", CaseStatus.FED_BACK: "已反馈",
             CaseStatus.CLOSED: "已办结", CaseStatus.EVALUATED: "已回访评价"}
STATUS_EN = {CaseStatus.REGISTERED: "registered", CaseStatus.CLASSIFIED: "classified",
             CaseStatus.DISPATCHED: "sent to the department", CaseStatus.IN_PROGRESS: "being handled",
             CaseStatus.REPLIED: "answered by the department", CaseStatus.FED_BACK: "answered",
             CaseStatus.CLOSED: "closed", CaseStatus.EVALUATED: "closed and rated"}


class Action(str, Enum):
    REGISTER = "register"
    CLASSIFY = "classify"
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    SEND_BACK = "send_back"
    REPLY = "reply"
    FEED_BACK = "feed_back"
    CLOSE = "close"
    EVALUATE = "evaluate"
    REMIND = "remind"


TRANSITIONS: dict[Action, tuple[tuple[CaseStatus, ...], CaseStatus]] = {
    Action.CLASSIFY: ((CaseStatus.REGISTERED, CaseStatus.CLASSIFIED), CaseStatus.CLASSIFIED),
    Action.DISPATCH: ((CaseStatus.CLASSIFIED,), CaseStatus.DISPATCHED),
    Action.ACCEPT: ((CaseStatus.DISPATCHED,), CaseStatus.IN_PROGRESS),
    Action.SEND_BACK: ((CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS), CaseStatus.CLASSIFIED),
    Action.REPLY: ((CaseStatus.IN_PROGRESS,), CaseStatus.REPLIED),
    Action.FEED_BACK: ((CaseStatus.REPLIED,), CaseStatus.FED_BACK),
    Action.CLOSE: ((CaseStatus.FED_BACK,), CaseStatus.CLOSED),
    Action.EVALUATE: ((CaseStatus.CLOSED,), CaseStatus.EVALUATED),
}
"""Which statuses each action may start from, and where it leaves the case."""


class CaseError(ValueError):
    """A change that cannot be made; the text says why, for the person making it."""


class CaseStepError(CaseError):
    """A step out of order (skipped, or done already)."""


class UnknownCase(KeyError):
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown case"


@dataclass(frozen=True)
class CaseEvent:
    at: dt.datetime
    actor: str
    action: str
    status_before: str | None
    status_after: str
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "actor": self.actor, "action": self.action,
                "status_before": self.status_before, "status_after": self.status_after, "note": self.note}


@dataclass(frozen=True)
class CaseRecord:
    id: int
    number: str
    status: CaseStatus
    text: str
    caller_name: str
    callback_number: str | None
    category: str | None
    department: str | None
    urgent: bool
    channel: str | None
    conversation: str | None
    deadline_at: dt.datetime | None
    reply: str | None
    satisfaction: int | None
    reminders: int
    overdue_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    events: tuple[CaseEvent, ...] = ()

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.status in OPEN and self.deadline_at is not None and self.deadline_at < aware(now)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "number": self.number, "status": self.status.value, "text": self.text,
            "caller_name": self.caller_name, "callback_number": self.callback_number, "category": self.category,
            "department": self.department, "urgent": self.urgent, "channel": self.channel,
            "conversation": self.conversation, "deadline_at": _iso(self.deadline_at), "reply": self.reply,
            "satisfaction": self.satisfaction, "reminders": self.reminders, "overdue_at": _iso(self.overdue_at),
            "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat(),
            "events": [event.to_json() for event in self.events],
        }


# ---------------------------------------------------------------------------------- registering


def register(session: Session, text: str, caller_name: str = "", callback_number: str | None = None,
             zone: dt.tzinfo = dt.timezone.utc, now: dt.datetime | None = None, actor: str = "receptionist",
             category: str | None = None, urgent: bool = False, channel: str | None = None,
             conversation: str | None = None) -> CaseRecord:
    """Register a caller's matter (登记) with a new case number. With `category`, it is classified at
    once (the receptionist matched the caller's words to the category tree)."""
    moment = aware(now)
    matter = " ".join((text or "").split())
    if not matter:
        raise CaseError("a case needs the caller's matter (its text is empty)")
    callback = normalize_callback_number(callback_number) if callback_number else None
    for _attempt in range(20):  # two registrations at the same moment: the loser takes the next number
        number = _next_number(session, moment, zone)
        row = CaseRow(number=number, status=CaseStatus.REGISTERED.value, text=clip(matter, MAX_TEXT),
                      caller_name=clip(" ".join((caller_name or "").split()), 200), callback_number=callback,
                      urgent=bool(urgent), channel=channel, conversation=(conversation or "")[:128] or None,
                      reminders=0, created_at=moment, updated_at=moment)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            continue
        _event(session, row.id, actor, Action.REGISTER, None, CaseStatus.REGISTERED, None, moment)
        if category:
            return classify(session, number, category, actor=actor, now=moment)
        return _get(session, number)
    raise CaseError("no free case number could be taken; try again")


def _next_number(session: Session, moment: dt.datetime, zone: dt.tzinfo) -> str:
    day = moment.astimezone(zone).strftime("%Y%m%d")
    last = session.execute(select(func.max(CaseRow.number)).where(CaseRow.number.like(f"{day}%"))).scalar()
    sequence = int(last[8:]) + 1 if last else 1
    return f"{day}{sequence:04d}"


# ---------------------------------------------------------------------------------- the steps


def classify(session: Session, number: str, category: str, actor: str, now: dt.datetime | None = None,
             note: str | None = None) -> CaseRecord:
    """分类: the case's category (changed again until it is dispatched)."""
    if not category or len(category) > 64:
        raise CaseError("a category id is 1 to 64 characters")
    return _move(session, number, Action.CLASSIFY, actor, now, note, category=category)


def dispatch(session: Session, number: str, department: str, deadline: dt.timedelta | dt.datetime, actor: str,
             now: dt.datetime | None = None, note: str | None = None) -> CaseRecord:
    """派单: to a department, to be answered by the deadline (a time, or a span from now)."""
    moment = aware(now)
    if not department or len(department) > 64:
        raise CaseError("a department id is 1 to 64 characters")
    due = moment + deadline if isinstance(deadline, dt.timedelta) else aware(deadline)
    if due <= moment:
        raise CaseError("the deadline must be in the future")
    return _move(session, number, Action.DISPATCH, actor, moment, note, department=department, deadline_at=due,
                 overdue_at=None, reminders=0, last_reminded_at=None)


def accept(session: Session, number: str, actor: str, now: dt.datetime | None = None,
           note: str | None = None) -> CaseRecord:
    """办理: the department has taken the case on."""
    return _move(session, number, Action.ACCEPT, actor, now, note)


def send_back(session: Session, number: str, actor: str, note: str, now: dt.datetime | None = None) -> CaseRecord:
    """退单: not this department's; back to the hotline to classify and dispatch again (why: `note`)."""
    if not (note or "").strip():
        raise CaseError("say why the case is sent back")
    return _move(session, number, Action.SEND_BACK, actor, now, note, department=None, deadline_at=None)


def reply(session: Session, number: str, text: str, actor: str, now: dt.datetime | None = None) -> CaseRecord:
    """The department's answer (办理结果), to be fed back to the caller."""
    answer = " ".join((text or "").split())
    if not answer:
        raise CaseError("the reply is empty")
    return _move(session, number, Action.REPLY, actor, now, None, reply=clip(answer, MAX_REPLY))


def feed_back(session: Session, number: str, actor: str, how: str, now: dt.datetime | None = None) -> CaseRecord:
    """反馈: the caller has been told the answer (`how`: "callback", "phone query", "sms"…)."""
    return _move(session, number, Action.FEED_BACK, actor, now, how or None)


def close(session: Session, number: str, actor: str, now: dt.datetime | None = None,
          note: str | None = None) -> CaseRecord:
    """办结."""
    return _move(session, number, Action.CLOSE, actor, now, note)


def evaluate(session: Session, number: str, score: int, actor: str, now: dt.datetime | None = None,
             note: str | None = None) -> CaseRecord:
    """回访评价: the caller's satisfaction, 1 (poor) to 5 (very satisfied)."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise CaseError(f"a satisfaction score is a whole number from 1 to 5, not {score!r}")
    return _move(session, number, Action.EVALUATE, actor, now, note, satisfaction=score)


def _move(session: Session, number: str, action: Action, actor: str, now: dt.datetime | None, note: str | None,
          **values: Any) -> CaseRecord:
    moment = aware(now)
    sources, target = TRANSITIONS[action]
    current = _get(session, number)
    if current.status not in sources:
        raise CaseStepError(_out_of_order(current, action, sources))
    done = session.execute(
        update(CaseRow).where(CaseRow.id == current.id, CaseRow.status == current.status.value)
        .values(status=target.value, updated_at=moment, **values).execution_options(synchronize_session=False)
    ).rowcount
    if not done:  # someone else moved it meanwhile
        raise CaseStepError(_out_of_order(_get(session, number), action, sources))
    _event(session, current.id, actor, action, current.status, target, note, moment)
    return _get(session, number)


def _out_of_order(case: CaseRecord, action: Action, sources: tuple[CaseStatus, ...]) -> str:
    wanted = " or ".join(s.value for s in sources)
    if ORDER.index(case.status) < min(ORDER.index(s) for s in sources):
        missing = [s.value for s in ORDER[ORDER.index(case.status) + 1:min(ORDER.index(s) for s in sources) + 1]]
        return (f"case {case.number} is {case.status.value}: it must be {' then '.join(missing)} before it can be "
                f"{action.value.replace('_', ' ')}ed")
    return f"case {case.number} is {case.status.value}; {action.value.replace('_', ' ')} needs it {wanted}"


# ---------------------------------------------------------------------------------- supervision


def supervise(session: Session, now: dt.datetime | None = None, actor: str = "supervision",
              every: dt.timedelta = REMIND_EVERY) -> list[CaseRecord]:
    """督办: dispatched and in-progress cases past their deadline are marked overdue (once) and due a
    reminder (again every `every`); returns those to remind now, each with its `reminders` counted."""
    moment = aware(now)
    rows = session.execute(select(CaseRow).where(
        CaseRow.status.in_([s.value for s in OPEN]), CaseRow.deadline_at < moment)
        .order_by(CaseRow.deadline_at)).scalars().all()
    due = []
    for row in rows:
        if row.last_reminded_at is not None and aware(row.last_reminded_at) > moment - every:
            continue
        done = session.execute(update(CaseRow).where(
            CaseRow.id == row.id, CaseRow.status == row.status, CaseRow.reminders == row.reminders)
            .values(reminders=row.reminders + 1, last_reminded_at=moment, overdue_at=row.overdue_at or moment)
            .execution_options(synchronize_session=False)).rowcount
        if done:
            _event(session, row.id, actor, Action.REMIND, CaseStatus(row.status), CaseStatus(row.status),
                   f"overdue since {aware(row.deadline_at).isoformat()}; reminder {row.reminders + 1}", moment)
            due.append(_get(session, row.number))
    return due


# ---------------------------------------------------------------------------------- reading


def get_case(session: Session, number: str) -> CaseRecord | None:
    row = session.execute(select(CaseRow).where(CaseRow.number == _clean_number(number))
                          .options(selectinload(CaseRow.events))).scalar_one_or_none()
    return _record(row) if row is not None else None


def list_cases(session: Session, status: CaseStatus | str | None = None, department: str | None = None,
               overdue_at: dt.datetime | None = None, limit: int = 100, offset: int = 0) -> list[CaseRecord]:
    """Newest first, without their history; `overdue_at`: only those past their deadline then."""
    query = select(CaseRow)
    if status is not None:
        query = query.where(CaseRow.status == CaseStatus(status).value)
    if department is not None:
        query = query.where(CaseRow.department == department)
    if overdue_at is not None:
        query = query.where(CaseRow.status.in_([s.value for s in OPEN]), CaseRow.deadline_at < aware(overdue_at))
    query = query.order_by(CaseRow.created_at.desc(), CaseRow.id.desc()).offset(max(0, offset)).limit(max(0, limit))
    return [_record(row, with_events=False) for row in session.execute(query).scalars()]


def count_cases(session: Session, status: CaseStatus | str | None = None, department: str | None = None) -> int:
    query = select(func.count(CaseRow.id))
    if status is not None:
        query = query.where(CaseRow.status == CaseStatus(status).value)
    if department is not None:
        query = query.where(CaseRow.department == department)
    return session.execute(query).scalar_one()


def case_for_caller(session: Session, number: str, caller_number: str | None) -> CaseRecord | None:
    """A case as a caller may hear it by phone ("查询工单 2026…"): only when they call from the number it
    was registered with (the same national number, with or without the country code); else None, the
    same answer as for a number that does not exist."""
    found = get_case(session, number)
    if found is None or not caller_number or not found.callback_number:
        return None
    return found if same_phone(found.callback_number, caller_number) else None


def same_phone(a: str, b: str) -> bool:
    """"+86 138 0000 0000", "13800000000" and "008613800000000" are one number; "0571 8888 0000" and
    "+86 571 8888 0000" too."""
    return bool(_national(a)) and _national(a) == _national(b)


def _national(number: str) -> str:
    digits = re.sub(r"\D", "", number or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 10:
            digits = digits[len(prefix):]
            break
    return digits.lstrip("0")


def case_numbers_in(text: str) -> list[str]:
    """Case numbers said or keyed: 12 digits starting with a plausible year ("工单号 2026 1204 0007")."""
    digits = re.sub(r"[\s\-－—]", "", text)
    return re.findall(r"(?<!\d)(20\d{10})(?!\d)", digits)


# ---------------------------------------------------------------------------------- helpers


def _get(session: Session, number: str) -> CaseRecord:
    found = get_case(session, number)
    if found is None:
        raise UnknownCase(f"no case {number!r}")
    return found


def _clean_number(number: str) -> str:
    return re.sub(r"\s", "", number or "")


def _event(session: Session, case_id: int, actor: str, action: Action, before: CaseStatus | None,
           after: CaseStatus, note: str | None, moment: dt.datetime) -> None:
    session.add(CaseEventRow(case_id=case_id, at=moment, actor=clip(actor or "unknown", MAX_ACTOR),
                             action=action.value, status_before=before.value if before else None,
                             status_after=after.value, note=clip(note, MAX_NOTE) if note else None))
    session.flush()
    session.expire_all()


def _record(row: CaseRow, with_events: bool = True) -> CaseRecord:
    return CaseRecord(
        id=row.id, number=row.number, status=CaseStatus(row.status), text=row.text, caller_name=row.caller_name,
        callback_number=row.callback_number, category=row.category, department=row.department, urgent=row.urgent,
        channel=row.channel, conversation=row.conversation, deadline_at=_opt(row.deadline_at), reply=row.reply,
        satisfaction=row.satisfaction, reminders=row.reminders, overdue_at=_opt(row.overdue_at),
        created_at=aware(row.created_at), updated_at=aware(row.updated_at),
        events=tuple(CaseEvent(aware(e.at), e.actor, e.action, e.status_before, e.status_after, e.note)
                     for e in row.events) if with_events else (),
    )


def _opt(moment: dt.datetime | None) -> dt.datetime | None:
    return aware(moment) if moment is not None else None


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None
