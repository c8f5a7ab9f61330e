"""Phone-use requests (长途电话申请单) and their approval, as the seed's 机关电话接打管理规定 sets them out:

- A member of staff fills in the form themselves: their department, the number, who and where is
  called (对方地区及单位), the purpose, the expected minutes, and the kind of call: a local outside call,
  domestic long distance, Hong Kong or Macau, or international (the seed fines the three differently
  when made privately, so the kind is recorded). The organisation has no city or area code in its
  file, so the requester picks the kind; a number with a country code must match it (+852 is Hong
  Kong, +44 international), and an international kind needs a country code.
- The head of the requester's department approves or declines: a console user tied to that department
  (console_users.department) with the supervisor role or above. An admin may act for any department
  (the seed's 主管领导 and 办公室主任 when the head is away). Nobody decides their own request, and a
  request is decided once: requested → approved | declined, each a conditional UPDATE.
- An urgent call made before approval (`urgent_made_at`, 先行挂拨) must be decided within 3 days of when
  it was made (三日内补办审批手续). Undecided after that, it is flagged: `is_flagged(request, now)` says so
  at any moment from the clock it is given, and the message sweep (`flag_overdue`, called from
  bot/records/mailer.py `run_sweep`) stamps `flagged_at` once and files an urgent message for the
  department, which reaches its head by e-mail. A decline within the 3 days is a decision (the call is
  then the caller's own, as the seed says), not a flag; an approval after the deadline keeps the flag.

Nothing here knows about the web: the console (bot/web/pages/phone_use.py) and the tests call it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.tables import ConsoleUserRow, PhoneUseRow
from bot.dialogue.parse.numbers import phone_number
from bot.org.model import Directory
from bot.records import messages
from bot.records.common import aware, one_line

DECISION_WINDOW = dt.timedelta(days=3)
"""An urgent call made before approval must be decided this long after it was made."""
MAX_MINUTES = 240
MAX_PURPOSE = 1000
MAX_CALLEE = 200
MAX_NOTE = 1000
MAX_NUMBER_TEXT = 40
HEAD_ROLES = ("supervisor", "admin")
"""Roles that may decide for their own department; an admin decides for any."""
_WRITTEN = re.compile(r"^\+?[0-9 ()\-.]+$")
_HK_MACAU = ("852", "853")


class Kind(str, Enum):
    OUTSIDE = "outside"
    LONG_DISTANCE = "long_distance"
    HK_MACAU = "hk_macau"
    INTERNATIONAL = "international"


class Status(str, Enum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"


class PhoneUseError(ValueError):
    """A mistake in a request (shown to whoever filled in the form; nothing is stored)."""


class NotAllowed(PermissionError):
    """The user may not decide this request (not the department's head, or their own request)."""


class AlreadyDecided(RuntimeError):
    """The request was approved or declined already (perhaps a moment ago, by someone else)."""


class UnknownRequest(KeyError):
    pass


@dataclass(frozen=True)
class Actor:
    """A console user as this module sees them."""

    username: str
    name: str
    role: str
    department: str | None

    @property
    def is_head(self) -> bool:
        """Decides for a department: an admin, or a supervisor tied to one."""
        return self.role == "admin" or (self.role in HEAD_ROLES and bool(self.department))

    def heads(self, department: str) -> bool:
        return self.role == "admin" or (self.role in HEAD_ROLES and self.department == department)


@dataclass(frozen=True)
class PhoneRequest:
    id: int
    requester: str
    requester_name: str
    department: str
    number: str
    kind: Kind
    purpose: str
    minutes: int
    status: Status
    created_at: dt.datetime
    callee: str | None = None
    urgent_made_at: dt.datetime | None = None
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    decision_note: str | None = None
    flagged_at: dt.datetime | None = None
    flag_message: int | None = None

    @property
    def deadline(self) -> dt.datetime | None:
        """When an urgent call made before approval must have been decided by."""
        return self.urgent_made_at + DECISION_WINDOW if self.urgent_made_at else None

    @property
    def called_at(self) -> dt.datetime:
        """When the call was (or is to be) made: what the monthly report counts by."""
        return self.urgent_made_at or self.created_at


def is_flagged(request: PhoneRequest, now: dt.datetime) -> bool:
    """Whether an urgent call made before approval went undecided for 3 days, as of `now`."""
    deadline = request.deadline
    if deadline is None:
        return False
    if request.flagged_at is not None:
        return True
    if aware(now) <= deadline:
        return False
    return request.decided_at is None or request.decided_at > deadline


# ---------------------------------------------------------------------------------- filing


def actor(session: Session, username: str) -> Actor:
    """The active console user called `username`; NotAllowed when there is none."""
    row = session.execute(select(ConsoleUserRow).where(ConsoleUserRow.username == username,
                                                       ConsoleUserRow.active.is_(True))).scalar_one_or_none()
    if row is None:
        raise NotAllowed(f"no active console user is called {username[:64]!r}")
    return Actor(row.username, row.display_name or row.username, row.role, row.department)


def normalise_number(text: str) -> str:
    """The number as digits with an optional leading + ("+44 20 7946 0958" → "+442079460958"); a number
    written any other way, or of fewer than 5 or more than 15 digits, is a PhoneUseError."""
    written = (text or "").strip()
    number = phone_number(written) if len(written) <= MAX_NUMBER_TEXT and _WRITTEN.match(written) else None
    if number is None:
        raise PhoneUseError("the number is not a phone number (5 to 15 digits, an optional leading +)")
    return number


def evident_kind(number: str) -> Kind | None:
    """The kind a number shows by its country code (+852 → HK_MACAU, +44 → INTERNATIONAL); None for a
    number in China (+86, or no country code), whose kind the requester knows."""
    digits = number.lstrip("+")
    if number.startswith("+"):
        country = digits
    elif digits.startswith("00"):
        country = digits[2:]
    else:
        return None
    if country.startswith("86"):
        return None
    return Kind.HK_MACAU if country.startswith(_HK_MACAU) else Kind.INTERNATIONAL


def create_request(session: Session, requester: str, *, number: str, purpose: str, minutes: int | str,
                   kind: Kind | str, department: str | None = None, callee: str | None = None,
                   urgent_made_at: dt.datetime | None = None, known_departments: set[str] | None = None,
                   now: dt.datetime | None = None) -> PhoneRequest:
    """File a request for `requester` (a console user name). Their own department is used when they
    have one, else `department` (one of `known_departments` when given). `urgent_made_at`: the call was
    made already, urgently, at that time. Any mistake is a PhoneUseError and nothing is stored."""
    who = actor(session, requester)
    moment = aware(now)
    row = PhoneUseRow(requester=who.username, requester_name=who.name[:200],
                      department=_department(who, department, known_departments),
                      **_call(number, kind), purpose=_purpose(purpose), minutes=_minutes(minutes),
                      callee=_text(callee, "callee", MAX_CALLEE), status=Status.REQUESTED.value,
                      urgent_made_at=_made_at(urgent_made_at, moment), created_at=moment)
    session.add(row)
    session.flush()
    return _record(row)


def _department(who: Actor, chosen: str | None, known: set[str] | None) -> str:
    department = who.department or (chosen or "").strip()
    if not department:
        raise PhoneUseError("choose the department the call is for")
    if not who.department and known is not None and department not in known:
        raise PhoneUseError(f"there is no department {department[:64]!r}")
    return department[:64]


def _call(number: str, kind: Kind | str) -> dict[str, str]:
    normal = normalise_number(number)
    try:
        chosen = Kind(kind)
    except ValueError:
        raise PhoneUseError("choose the kind of call") from None
    shown = evident_kind(normal)
    if shown is not None and shown is not chosen:
        raise PhoneUseError(f"{normal} is a {shown.value.replace('_', ' ')} number: choose that kind")
    if shown is None and chosen in (Kind.HK_MACAU, Kind.INTERNATIONAL):
        raise PhoneUseError("a call outside mainland China needs its country code (+852…, +44…)")
    return {"number": normal, "kind": chosen.value}


def _purpose(text: str) -> str:
    purpose = _text(text, "purpose", MAX_PURPOSE)
    if not purpose:
        raise PhoneUseError("say what the call is for")
    return purpose


def _minutes(value: int | str) -> int:
    try:
        minutes = int(str(value).strip())
    except ValueError:
        raise PhoneUseError("the expected minutes are a whole number") from None
    if not 1 <= minutes <= MAX_MINUTES:
        raise PhoneUseError(f"the expected minutes are 1 to {MAX_MINUTES}")
    return minutes


def _made_at(moment: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    if moment is None:
        return None
    made = aware(moment)
    if made > now + dt.timedelta(minutes=5):
        raise PhoneUseError("an urgent call already made cannot be in the future")
    return made


def _text(value: str | None, what: str, limit: int) -> str | None:
    try:
        return one_line(value, what, limit)
    except ValueError as exc:
        raise PhoneUseError(str(exc)) from None


# ---------------------------------------------------------------------------------- deciding


def approve(session: Session, request_id: int, username: str, note: str | None = None,
            now: dt.datetime | None = None) -> PhoneRequest:
    return decide(session, request_id, username, Status.APPROVED, note, now)


def decline(session: Session, request_id: int, username: str, note: str | None = None,
            now: dt.datetime | None = None) -> PhoneRequest:
    return decide(session, request_id, username, Status.DECLINED, note, now)


def decide(session: Session, request_id: int, username: str, outcome: Status, note: str | None = None,
           now: dt.datetime | None = None) -> PhoneRequest:
    """Approve or decline a request as `username`: only the head of its department (or an admin), never
    the requester, and only while it is requested (a conditional UPDATE: of two heads deciding at once,
    one wins and the other gets AlreadyDecided)."""
    if outcome is Status.REQUESTED:
        raise ValueError("a decision approves or declines")
    request = get_request(session, request_id)
    who = actor(session, username)
    if not who.heads(request.department):
        raise NotAllowed(f"only the head of {request.department} or an admin decides this request")
    if who.username == request.requester:
        raise NotAllowed("nobody decides their own request")
    decided = session.execute(
        update(PhoneUseRow)
        .where(PhoneUseRow.id == request_id, PhoneUseRow.status == Status.REQUESTED.value,
               PhoneUseRow.requester != who.username)
        .values(status=outcome.value, decided_by=who.username, decided_at=aware(now),
                decision_note=_text(note, "note", MAX_NOTE))
        .execution_options(synchronize_session=False)).rowcount
    if decided != 1:
        raise AlreadyDecided(f"request {request_id} was {get_request(session, request_id).status.value} already")
    return get_request(session, request_id)


# ---------------------------------------------------------------------------------- the 3-day rule


def flag_overdue(session: Session, directory: Directory | None, now: dt.datetime | None = None) -> list[int]:
    """Stamp `flagged_at` on urgent calls still undecided 3 days after they were made, and file an urgent
    message for each one's department (its head gets it by e-mail from the sweep). Each is flagged once:
    the stamp is a conditional UPDATE, so two sweeps never both tell the head. The ids flagged."""
    moment = aware(now)
    due = session.execute(select(PhoneUseRow.id).where(
        PhoneUseRow.status == Status.REQUESTED.value, PhoneUseRow.flagged_at.is_(None),
        PhoneUseRow.urgent_made_at.is_not(None), PhoneUseRow.urgent_made_at < moment - DECISION_WINDOW)
        .order_by(PhoneUseRow.id)).scalars().all()
    flagged = []
    for request_id in due:
        stamped = session.execute(
            update(PhoneUseRow)
            .where(PhoneUseRow.id == request_id, PhoneUseRow.status == Status.REQUESTED.value,
                   PhoneUseRow.flagged_at.is_(None))
            .values(flagged_at=moment).execution_options(synchronize_session=False)).rowcount
        if stamped == 1:
            _tell_the_head(session, get_request(session, request_id), directory, moment)
            flagged.append(request_id)
    return flagged


def _tell_the_head(session: Session, request: PhoneRequest, directory: Directory | None,
                   moment: dt.datetime) -> None:
    known = directory is not None and directory.department(request.department) is not None
    recipient = request.department if known else (directory and directory.policy.general_mailbox) or "operator"
    zone = ZoneInfo(directory.organization.timezone) if directory else dt.timezone.utc
    made = request.urgent_made_at.astimezone(zone) if request.urgent_made_at else moment
    text = (f"电话使用：{request.requester_name}（{request.department}）于 {made:%Y-%m-%d %H:%M} 未经审批先行拨打"
            f" {request.number}（{request.minutes} 分钟，{request.purpose}），三日内未补办审批，已标记为逾期。"
            f"请在控制台“电话使用”页面审批或拒绝（申请 #{request.id}）。\n"
            f"Phone use: {request.requester_name} ({request.department}) called {request.number} without approval"
            f" at {made:%Y-%m-%d %H:%M}; it was not approved within 3 days and is now flagged. Please approve or"
            f" decline request #{request.id} on the console's Phone use page.")
    message = messages.take_message(session, recipient, text, caller_name=request.requester_name, urgent=True,
                                    conversation=f"phone-use-{request.id}", at=moment)
    session.execute(update(PhoneUseRow).where(PhoneUseRow.id == request.id).values(flag_message=message.id)
                    .execution_options(synchronize_session=False))


# ---------------------------------------------------------------------------------- reading


def get_request(session: Session, request_id: int) -> PhoneRequest:
    row = session.get(PhoneUseRow, request_id, populate_existing=True)
    if row is None:
        raise UnknownRequest(request_id)
    return _record(row)


def own_requests(session: Session, username: str, limit: int = 200) -> list[PhoneRequest]:
    """A user's own requests, newest first."""
    rows = session.execute(select(PhoneUseRow).where(PhoneUseRow.requester == username)
                           .order_by(PhoneUseRow.id.desc()).limit(limit)).scalars()
    return [_record(row) for row in rows]


def pending_for(session: Session, who: Actor, now: dt.datetime | None = None, limit: int = 500) -> list[PhoneRequest]:
    """The requests `who` may decide (their department's, or every department's for an admin), not their
    own: the flagged ones first, then the oldest first."""
    if not who.is_head:
        return []
    query = select(PhoneUseRow).where(PhoneUseRow.status == Status.REQUESTED.value,
                                      PhoneUseRow.requester != who.username)
    if who.role != "admin":
        query = query.where(PhoneUseRow.department == who.department)
    found = [_record(row) for row in session.execute(query.order_by(PhoneUseRow.id).limit(limit)).scalars()]
    moment = aware(now)
    return sorted(found, key=lambda r: (not is_flagged(r, moment), r.called_at))


def list_requests(session: Session, start: dt.datetime | None = None, end: dt.datetime | None = None,
                  department: str | None = None, limit: int = 5000) -> list[PhoneRequest]:
    """Requests whose call falls in [start, end) (urgent: when made; else when requested), oldest first."""
    query = select(PhoneUseRow)
    if department:
        query = query.where(PhoneUseRow.department == department)
    if start is not None and end is not None:
        made_in = PhoneUseRow.urgent_made_at.is_not(None) & (PhoneUseRow.urgent_made_at >= start) & (
            PhoneUseRow.urgent_made_at < end)
        asked_in = PhoneUseRow.urgent_made_at.is_(None) & (PhoneUseRow.created_at >= start) & (
            PhoneUseRow.created_at < end)
        query = query.where(made_in | asked_in)
    rows = session.execute(query.order_by(PhoneUseRow.id).limit(limit)).scalars()
    return [_record(row) for row in rows]


def _record(row: PhoneUseRow) -> PhoneRequest:
    return PhoneRequest(id=row.id, requester=row.requester, requester_name=row.requester_name,
                        department=row.department, number=row.number, kind=Kind(row.kind), purpose=row.purpose,
                        minutes=row.minutes, status=Status(row.status), created_at=row.created_at,
                        callee=row.callee, urgent_made_at=row.urgent_made_at, decided_by=row.decided_by,
                        decided_at=row.decided_at, decision_note=row.decision_note, flagged_at=row.flagged_at,
                        flag_message=row.flag_message)
