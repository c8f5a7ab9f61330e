"""The database schema: the organisation, and the records (calls, messages, visits).

Changes to this module go with an Alembic migration in `bot/db/migrations/versions/`;
`tests/test_migrations.py` fails when the two disagree.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every backend (SQLite drops the zone; it is restored)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


# ---------------------------------------------------------------------------------- org


class OrganizationRow(Base):
    """The single organisation: its settings as the file gives them, and a change counter."""

    __tablename__ = "organization"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    settings = Column(JSON, nullable=False)
    """organization, hours, holidays, after_hours, policy sections, as plain data."""
    version = Column(Integer, nullable=False, default=1)
    """Bumped on every directory change; caches compare it to know when to reload."""
    updated_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class DepartmentRow(Base):
    __tablename__ = "departments"

    id = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False, default=0)
    name = Column(String(200), nullable=False)
    name_en = Column(String(200), nullable=False, default="")
    aliases = Column(JSON, nullable=False, default=list)
    extension = Column(String(16))
    topics = Column(JSON, nullable=False, default=list)


class PersonRow(Base):
    __tablename__ = "people"

    id = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False, default=0)
    name = Column(String(200), nullable=False)
    name_en = Column(String(200), nullable=False, default="")
    aliases = Column(JSON, nullable=False, default=list)
    title = Column(String(200), nullable=False, default="")
    title_en = Column(String(200), nullable=False, default="")
    level = Column(String(16), nullable=False, default="staff")
    department = Column(String(64), ForeignKey("departments.id"), nullable=False)
    extension = Column(String(16))
    mobile = Column(String(32))
    email = Column(String(200))
    assistant = Column(String(64))
    location = Column(String(16))
    presence = Column(String(16), nullable=False, default="available")


class DutyRow(Base):
    __tablename__ = "duty_roster"

    id = Column(Integer, primary_key=True)
    position = Column(Integer, nullable=False, default=0)
    date = Column(Date)
    weekday = Column(String(3))
    person = Column(String(64), ForeignKey("people.id"), nullable=False)


# ---------------------------------------------------------------------------------- records


class CallRow(Base):
    """One conversation on any channel (phone, kiosk, chat), keyed by the channel's sender id."""

    __tablename__ = "calls"

    id = Column(Integer, primary_key=True)
    conversation = Column(String(128), nullable=False, unique=True, index=True)
    channel = Column(String(16), nullable=False, default="phone")
    caller_id = Column(String(64))
    caller_name = Column(String(200))
    internal = Column(Boolean, nullable=False, default=False)
    language = Column(String(8))
    started_at = Column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    ended_at = Column(UTCDateTime())
    outcome = Column(String(16))
    transferred_to = Column(String(64))
    satisfaction = Column(Integer)
    recording = Column(String(500))
    attention = Column(String(200))
    """A note for the operator while the call is live (a hotel's VIP guest calling or called); staff only."""

    turns = relationship("TurnRow", order_by="TurnRow.id", cascade="all, delete-orphan", back_populates="call")


class TurnRow(Base):
    __tablename__ = "turns"

    id = Column(Integer, primary_key=True)
    call_id = Column(Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, index=True)
    who = Column(String(16), nullable=False)
    text = Column(Text, nullable=False, default="")
    intent = Column(String(64))
    confidence = Column(Float)
    at = Column(UTCDateTime(), nullable=False, default=utcnow)
    misunderstood = Column(Boolean, nullable=False, default=False)

    call = relationship("CallRow", back_populates="turns")


class MessageRow(Base):
    """A message taken for a person or department: new → notified → acknowledged → closed."""

    __tablename__ = "messages"

    id = Column(Integer, primary_key=True)
    recipient = Column(String(64), nullable=False, index=True)
    caller_name = Column(String(200), nullable=False, default="")
    caller_company = Column(String(200))
    callback_number = Column(String(32))
    text = Column(Text, nullable=False)
    urgent = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    status = Column(String(16), nullable=False, default="new", index=True)
    conversation = Column(String(128), index=True)
    """Indexed: each message a caller files counts the conversation's messages first. Migration: 0013."""
    notified_at = Column(UTCDateTime())
    acknowledged_at = Column(UTCDateTime())
    closed_at = Column(UTCDateTime())
    send_count = Column(Integer, nullable=False, default=0)
    last_sent_at = Column(UTCDateTime())
    flagged_at = Column(UTCDateTime())
    """When the operator was told that nobody acknowledged it."""
    last_error = Column(Text)


class VisitRow(Base):
    __tablename__ = "visits"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    company = Column(String(200))
    purpose = Column(Text)
    host = Column(String(64))
    appointment = Column(Boolean, nullable=False, default=False)
    appointment_time = Column(String(5))
    """"HH:MM", local time, when the visitor said it. Migration: 0004_appointment_time."""
    arrived_at = Column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    left_at = Column(UTCDateTime())
    status = Column(String(16), nullable=False, default="waiting")
    conversation = Column(String(128))
    contact = Column(String(64))


# ---------------------------------------------------------------------------------- console
# The staff console's own tables (bot/web): who may sign in, their sessions, what they did.
# Migration: 0002_console.


class ConsoleUserRow(Base):
    """A member of staff who signs in to the console; `role` is operator, supervisor or admin."""

    __tablename__ = "console_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True, index=True)
    display_name = Column(String(200), nullable=False, default="")
    password_hash = Column(String(200), nullable=False)
    """argon2id hash (argon2-cffi's encoded form, parameters included)."""
    role = Column(String(16), nullable=False, default="operator")
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    failed_count = Column(Integer, nullable=False, default=0)
    """Failed sign-ins in the current window (reset by a successful one)."""
    failed_since = Column(UTCDateTime())
    locked_until = Column(UTCDateTime())
    department = Column(String(64))
    """A department user's department (a directory department id): an operator with one sees and acts
    on only that department's hotline cases (bot/web/pages/cases.py). Migration: 0009."""


class ConsoleSessionRow(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored here."""

    __tablename__ = "console_sessions"

    id = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("console_users.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    last_seen_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class AuditRow(Base):
    """Who viewed a transcript or changed what, and when (never deleted by the console)."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    username = Column(String(64), nullable=False, index=True)
    action = Column(String(64), nullable=False)
    target = Column(String(200), nullable=False, default="")
    detail = Column(Text, nullable=False, default="")


class TurnReviewRow(Base):
    """A supervisor's correction of a misunderstood turn: the intent it should have had."""

    __tablename__ = "turn_reviews"

    turn_id = Column(Integer, ForeignKey("turns.id", ondelete="CASCADE"), primary_key=True)
    correct_intent = Column(String(64))
    reviewed_by = Column(String(64), nullable=False)
    reviewed_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class LeaseRow(Base):
    """Who is doing a job that must not run twice at once (the message sweep), and until when."""

    __tablename__ = "leases"

    name = Column(String(64), primary_key=True)
    holder = Column(String(128), nullable=False)
    expires_at = Column(UTCDateTime(), nullable=False)


# ---------------------------------------------------------------------------------- hotel
# A hotel's rooms and its guests' stays (bot/hotel), loaded from the PMS export.
# One organisation per database, as for every other table. Migration: 0005_hotel_rooms_stays.


class RoomRow(Base):
    """A guest room: its number as the hotel writes it ("0812", "A-1203"), its phone, its floor."""

    __tablename__ = "rooms"

    id = Column(Integer, primary_key=True)
    number = Column(String(16), nullable=False, unique=True, index=True)
    extension = Column(String(16), unique=True)
    floor = Column(String(16))
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class StayRow(Base):
    """A guest's stay in a room: active → checked_out (after the departure day's checkout time).

    `room` is the room's number, not a key: a stay stays in the history when its room is removed
    from the room list. One stay per room and arrival day (the PMS export's identity of a stay)."""

    __tablename__ = "stays"
    __table_args__ = (UniqueConstraint("room", "arrival", name="uq_stays_room_arrival"),)

    id = Column(Integer, primary_key=True)
    room = Column(String(16), nullable=False, index=True)
    guest_name_zh = Column(String(200))
    guest_name_latin = Column(String(200))
    arrival = Column(Date, nullable=False)
    departure = Column(Date, nullable=False)
    """The checkout day; the stay ends at the hotel's checkout time that day (12:00 by default)."""
    vip = Column(Boolean, nullable=False, default=False)
    do_not_disturb = Column(Boolean, nullable=False, default=False)
    no_calls = Column(Boolean, nullable=False, default=False)
    """Privacy: the hotel must not even confirm that this guest is staying."""
    language = Column(String(16))
    status = Column(String(16), nullable=False, default="active", index=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    checked_out_at = Column(UTCDateTime())


class WakeupRow(Base):
    """A wake-up call for a room (bot/hotel/wakeups.py): booked → dialling → answered, or → retry
    (no answer, busy, failed; dialled again at `next_attempt_at`) → … → failed (the front desk is
    alerted by a message, `alert_message`); cancelled by the guest, the operator or a checkout.

    A dialler takes a booking by a conditional UPDATE that writes its lease (`lease_holder`,
    `lease_expires_at`); only the lease's holder records the result, and a booking whose holder died
    mid-dial is taken again once the lease has expired. Migration: 0006_wakeups."""

    __tablename__ = "wakeups"

    id = Column(Integer, primary_key=True)
    room = Column(String(16), nullable=False, index=True)
    stay_id = Column(Integer)
    """The stay it was booked for: a guest who has left is not woken (nor the next guest)."""
    due_at = Column(UTCDateTime(), nullable=False, index=True)
    """The time the guest asked for."""
    next_attempt_at = Column(UTCDateTime(), nullable=False, index=True)
    """When it is dialled next: `due_at`, then 5 minutes after each unanswered attempt."""
    language = Column(String(8), nullable=False)
    status = Column(String(16), nullable=False, default="booked", index=True)
    attempts = Column(Integer, nullable=False, default=0)
    """Dials completed (with a result)."""
    last_result = Column(String(16))
    """answered, no_answer, busy, failed; checked_out when the stay ended before the call."""
    history = Column(JSON, nullable=False, default=list)
    """Each attempt: {"at": ISO time, "result": ..., "seconds": ...}."""
    booked_by = Column(String(16), nullable=False, default="operator")
    """guest (the dialogue), operator (the console) or cli."""
    conversation = Column(String(128))
    """The call in which the guest booked it (guest bookings)."""
    lease_holder = Column(String(128))
    lease_expires_at = Column(UTCDateTime())
    alert_message = Column(Integer)
    """The message filed for the front desk when every attempt went unanswered."""
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    finished_at = Column(UTCDateTime())


class CaseRow(Base):
    """A hotline case (work order, 工单): registered → classified → dispatched → in progress → resolved →
    fed back → closed → evaluated (bot/cases/cases.py). Migration: 0008_cases."""

    __tablename__ = "cases"

    id = Column(Integer, primary_key=True)
    number = Column(String(16), nullable=False, unique=True)
    """What the caller is told and quotes back: the local date and a daily sequence, "202612040007"."""
    status = Column(String(16), nullable=False, default="registered", index=True)
    text = Column(Text, nullable=False)
    """The caller's matter, in their words."""
    caller_name = Column(String(200), nullable=False, default="")
    callback_number = Column(String(32), index=True)
    """The number the case is fed back to, and the one a status query by phone must come from."""
    category = Column(String(64), index=True)
    department = Column(String(64), index=True)
    urgent = Column(Boolean, nullable=False, default=False)
    channel = Column(String(16))
    conversation = Column(String(128), index=True)
    deadline_at = Column(UTCDateTime(), index=True)
    reply = Column(Text)
    """The department's answer, fed back to the caller."""
    satisfaction = Column(Integer)
    reminders = Column(Integer, nullable=False, default=0)
    """How often the department was reminded of the case past its deadline."""
    overdue_at = Column(UTCDateTime())
    """When the case was first found past its deadline (督办)."""
    last_reminded_at = Column(UTCDateTime())
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    updated_at = Column(UTCDateTime(), nullable=False, default=utcnow)

    events = relationship("CaseEventRow", order_by="CaseEventRow.id", cascade="all, delete-orphan",
                          back_populates="case")


class CaseEventRow(Base):
    """One change to a case: what, by whom, when (the case's history)."""

    __tablename__ = "case_events"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(UTCDateTime(), nullable=False, default=utcnow)
    actor = Column(String(100), nullable=False)
    """"receptionist", "supervisor:li", "department:roads", "cli"."""
    action = Column(String(16), nullable=False)
    status_before = Column(String(16))
    status_after = Column(String(16), nullable=False)
    note = Column(Text)

    case = relationship("CaseRow", back_populates="events")


class CallerNoteRow(Base):
    """What the front desk knows of an outside number (caller ID): who it is, VIP, nuisance
    (bot/records/caller_notes.py). Migration: 0010_caller_notes."""

    __tablename__ = "caller_notes"

    id = Column(Integer, primary_key=True)
    number = Column(String(24), nullable=False, unique=True)
    """Digits with an optional leading +, as entered ("+8613800138000", "057188880000")."""
    name = Column(String(100))
    company = Column(String(200))
    vip = Column(Boolean, nullable=False, default=False)
    nuisance = Column(Boolean, nullable=False, default=False)
    note = Column(Text)
    updated_by = Column(String(100))
    updated_at = Column(UTCDateTime(), nullable=False, default=utcnow)


# ---------------------------------------------------------------------------------- inquiries
# Questions callers asked, with the answer given or the department they were passed to, and the
# follow-ups a low satisfaction score opens (bot/records/inquiries.py). Migration: 0013_inquiries.


class InquiryRow(Base):
    """One question a caller asked: answered by the receptionist (address, hours, directions, an FAQ
    entry) with the answer it gave, or not answered and passed to the department owning the topic."""

    __tablename__ = "inquiries"

    id = Column(Integer, primary_key=True)
    conversation = Column(String(128), index=True)
    asked_at = Column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    language = Column(String(8))
    question = Column(Text, nullable=False)
    kind = Column(String(16), nullable=False)
    """"address", "hours", "directions", "faq" (answered) or "unanswered"."""
    faq_id = Column(String(64))
    answer = Column(Text)
    """What the caller was told; for an unanswered question, the department's reply once given."""
    department = Column(String(64), index=True)
    """The department owning the topic of an unanswered question (None: nobody clear, the operator)."""
    status = Column(String(16), nullable=False, default="answered", index=True)
    """"answered"; an unanswered one: "open" → "connected" (put through) or "replied" (answer recorded)."""
    message_id = Column(Integer)
    """The callback message the caller left for the department, when they left one."""
    callback_number = Column(String(32))
    replied_by = Column(String(100))
    replied_at = Column(UTCDateTime())


class FollowUpRow(Base):
    """A call the supervisor should follow up: a satisfaction score of 2 or less (any call, or a
    hotline case's evaluation). open → done, with who, when and what was done."""

    __tablename__ = "follow_ups"

    id = Column(Integer, primary_key=True)
    conversation = Column(String(128), index=True)
    reason = Column(String(24), nullable=False)
    """"low_rating" (the call's satisfaction question) or "case_rating" (a hotline case evaluated)."""
    score = Column(Integer)
    case_number = Column(String(24))
    caller_id = Column(String(64))
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    status = Column(String(16), nullable=False, default="open", index=True)
    done_by = Column(String(100))
    done_at = Column(UTCDateTime())
    note = Column(Text)


# lobby announcements (#12, point 7)


class AnnouncementRow(Base):
    """A scheduled lobby announcement, spoken by the kiosk and listed in the console
    (bot/announcements.py). Migration: 0014_announcements."""

    __tablename__ = "announcements"

    id = Column(Integer, primary_key=True)
    text_zh = Column(Text)
    text_en = Column(Text)
    days = Column(String(7))
    """ISO weekdays it plays on, "12345" for Monday to Friday; None for a one-off."""
    times = Column(String(200))
    """Local times of day, "09:00,17:20"; None for a one-off."""
    once_at = Column(DateTime)
    """A one-off's local date and time (the organisation's zone), without a zone; None when weekly."""
    starts_on = Column(Date)
    ends_on = Column(Date)
    repeat = Column(Integer, nullable=False, default=1)
    """Times it is said in a row at each scheduled time."""
    languages = Column(String(8), nullable=False, default="kiosk")
    """"kiosk": in the kiosk's current language; "both": every language it has, in order."""
    active = Column(Boolean, nullable=False, default=True)
    created_by = Column(String(100))
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    updated_by = Column(String(100))
    updated_at = Column(UTCDateTime(), nullable=False, default=utcnow)


# ---------------------------------------------------------------------------------- expected visitors
# Visitors staff pre-register on the console, matched at the kiosk when they arrive
# (bot/records/expected_visits.py). Migration: 0012_expected_visitors.


class ExpectedVisitorRow(Base):
    """A visitor staff expect on a day (and perhaps a time window): who, from where, for whom, why.
    Arriving at the kiosk links it to the visit registered (`arrived_visit_id`, `arrived_at`)."""

    __tablename__ = "expected_visitors"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    company = Column(String(200))
    phone = Column(String(64))
    """Kept for the host and staff; never said or shown at the kiosk."""
    host = Column(String(64), nullable=False, index=True)
    """Person id of whom the visitor comes to see."""
    day = Column(Date, nullable=False, index=True)
    """The expected day, in the organisation's time zone."""
    time_from = Column(String(5))
    """"HH:MM" local; None: any time that day."""
    time_to = Column(String(5))
    purpose = Column(Text)
    note = Column(Text)
    created_by = Column(String(100))
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    arrived_visit_id = Column(Integer)
    """The visit registered when the visitor arrived (visits.id)."""
    arrived_at = Column(UTCDateTime())
    cancelled = Column(Boolean, nullable=False, default=False)


# ---------------------------------------------------------------------------------- phone use
# Staff's requests for outside and long-distance calls and their head's approval (bot/phone_use).
# Migration: 0011_phone_use.


class PhoneUseRow(Base):
    """A request to make an outside or long-distance call (长途电话申请单): requested → approved | declined,
    decided once by the head of the requester's department. An urgent call made before approval
    (`urgent_made_at`) must be decided within 3 days; the message sweep stamps `flagged_at` when it was
    not (bot/phone_use/requests.py)."""

    __tablename__ = "phone_use_requests"

    id = Column(Integer, primary_key=True)
    requester = Column(String(64), nullable=False, index=True)
    """The console user name of who makes the call (通话人)."""
    requester_name = Column(String(200), nullable=False, default="")
    department = Column(String(64), nullable=False, index=True)
    number = Column(String(24), nullable=False)
    kind = Column(String(16), nullable=False)
    """outside (a local outside line), long_distance (domestic), hk_macau, international."""
    callee = Column(String(200))
    """Who is called, and where (对方地区及单位)."""
    purpose = Column(Text, nullable=False)
    minutes = Column(Integer, nullable=False)
    """The expected length of the call."""
    status = Column(String(16), nullable=False, default="requested", index=True)
    urgent_made_at = Column(UTCDateTime(), index=True)
    """When an urgent call was made without approval; None for a request made before the call."""
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    decided_by = Column(String(64))
    decided_at = Column(UTCDateTime())
    decision_note = Column(Text)
    flagged_at = Column(UTCDateTime())
    """When the sweep found an urgent call still undecided 3 days after it was made."""
    flag_message = Column(Integer)
    """The message that told the department's head."""
