"""Wake-up calls: booked for a room's guest, dialled at the time by the gateway, retried, escalated.

    booked ──(due: a dialler claims it)──▶ dialling ──answered──▶ answered
                                              │
                                              └─no answer / busy / failed──▶ retry (5 min later) ──▶ dialling …
                                                   after the 2nd retry ──▶ failed + a message for the front desk
    booked / retry / dialling ──(guest, operator, CLI)──▶ cancelled
    dialling, but the guest's stay has ended ──▶ cancelled (last_result "checked_out": the next guest is not woken)

Exactly once. A dialler (voice/wakeup.py) takes due bookings with `claim_due`: ONE conditional
UPDATE sets them `dialling` with its lease (a holder name unique to that claim, and an expiry),
only where they are due and either not taken or taken by a lease that has expired; on PostgreSQL
the rows are picked `FOR UPDATE SKIP LOCKED`, so two diallers never wait for each other, and the
UPDATE's own condition is re-checked on the row it finally writes. This is the conditional
UPDATE of bot/records/leases.py, per booking instead of per job: two processes (two gateways, a
restarted one and the old one) never both take a booking while its lease runs. Only the lease's
holder records the result (`record_result`, again conditional on the lease). A dialler stopped
cleanly gives back what it has not dialled (`release`); one that dies mid-dial loses its claims
when their lease expires (`WAKEUP_LEASE_S`, longer than a ring and the message), and they are
dialled again then: at least once, never twice while a dial may still be under way.

Times are aware UTC in the database; what people type and read is the hotel's time zone
(`bot.hotel.stays.organisation_zone`).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from bot.db.tables import RoomRow, StayRow, WakeupRow
from bot.hotel.rooms import get_room
from bot.hotel.stays import (
    DEFAULT_CHECKOUT,
    StayRecord,
    active_stay,
    checkout_moment,
    last_departure_due,
    organisation_zone,
)
from bot.org.model import Directory, WakeupNote
from bot.org.orgfile import directory_to_data, parse_org_data
from bot.org.store import NoOrganization, load_directory, replace_directory
from bot.privacy import scrub_for_caller
from bot.records import messages
from bot.records.common import aware

RETRY_DELAY = dt.timedelta(minutes=5)
"""Between an unanswered attempt and the next."""
MAX_RETRIES = 2
"""Attempts after the first; then the front desk is alerted."""
WAKEUP_LEASE_S = 180.0
"""How long a claim holds a booking: longer than the ring (voice/wakeup.py RING_TIMEOUT_S), the message
twice and the hang-up. A dialler that dies mid-dial delays that booking's next try by at most this."""
LANGUAGES = ("zh", "en")
"""The wake-up message exists in these languages."""


class WakeupStatus(str, Enum):
    BOOKED = "booked"
    DIALLING = "dialling"
    ANSWERED = "answered"
    RETRY = "retry"
    FAILED = "failed"
    CANCELLED = "cancelled"


PENDING = (WakeupStatus.BOOKED, WakeupStatus.DIALLING, WakeupStatus.RETRY)
WAITING = (WakeupStatus.BOOKED, WakeupStatus.RETRY)


class BookedBy(str, Enum):
    GUEST = "guest"
    OPERATOR = "operator"
    CLI = "cli"


class DialResult(str, Enum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"


class BookingError(ValueError):
    """A wake-up call that cannot be booked: the text says why, for the operator; `reason` says it
    for the dialogue ("past", "after_checkout", "invalid")."""

    def __init__(self, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.reason = reason


class UnknownWakeup(KeyError):
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown wake-up call"


@dataclass(frozen=True)
class WakeupRecord:
    id: int
    room: str
    due_at: dt.datetime
    next_attempt_at: dt.datetime
    language: str
    status: WakeupStatus
    attempts: int
    booked_by: str
    last_result: str | None = None
    history: tuple[dict[str, Any], ...] = ()
    stay_id: int | None = None
    conversation: str | None = None
    alert_message: int | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None

    def to_json(self, zone: dt.tzinfo | None = None) -> dict[str, Any]:
        local = self.due_at.astimezone(zone) if zone else self.due_at
        return {
            "id": self.id, "room": self.room, "due_at": self.due_at.isoformat(), "due_local": f"{local:%Y-%m-%d %H:%M}",
            "language": self.language, "status": self.status.value, "attempts": self.attempts,
            "last_result": self.last_result, "next_attempt_at": self.next_attempt_at.isoformat(),
            "booked_by": self.booked_by, "stay_id": self.stay_id, "conversation": self.conversation,
            "alert_message": self.alert_message, "history": list(self.history),
            "created_at": _iso(self.created_at), "updated_at": _iso(self.updated_at),
            "finished_at": _iso(self.finished_at),
        }


@dataclass(frozen=True)
class WakeupClaim:
    """A booking a dialler has taken: dial `extension`, then `record_result` (or `release`)."""

    id: int
    room: str
    extension: str | None
    """None when the room has lost its phone since the booking: recorded as failed without a dial."""
    language: str
    due_at: dt.datetime
    attempt: int
    """1 for the first dial, 2 and 3 for the retries."""
    lease: str
    previous: WakeupStatus = field(default=WakeupStatus.BOOKED)


# ---------------------------------------------------------------------------------- booking


_CLOCK = re.compile(r"^\s*([01]?[0-9]|2[0-3])\s*[:：.]\s*([0-5][0-9])\s*$")


def parse_due(text: str, now: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """"07:00" (the next 07:00 in the hotel's time zone after `now`) or an ISO date and time (the hotel's
    zone unless it names one), as aware UTC."""
    found = _CLOCK.match(text)
    if found:
        local_now = aware(now).astimezone(zone)
        wanted = dt.time(int(found[1]), int(found[2]))
        moment = dt.datetime.combine(local_now.date(), wanted, tzinfo=zone)
        if moment <= local_now:
            moment = dt.datetime.combine(local_now.date() + dt.timedelta(days=1), wanted, tzinfo=zone)
        return moment.astimezone(dt.timezone.utc)
    try:
        cleaned = text.strip()
        moment = dt.datetime.fromisoformat(cleaned[:-1] + "+00:00" if cleaned.endswith(("Z", "z")) else cleaned)
    except ValueError:
        raise BookingError(f"a wake-up time is HH:MM or an ISO date and time (2026-12-05T07:00), not {text!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(dt.timezone.utc)


def guest_language(stay: StayRecord, wanted: str | None = None) -> str:
    """The wake-up message's language: the one asked for, else the stay's when it is zh or en, else
    Chinese for a guest registered with a Chinese name and English for everyone else."""
    for candidate in (wanted, stay.language):
        if candidate and candidate.strip().lower()[:2] in LANGUAGES:
            return candidate.strip().lower()[:2]
    return "zh" if stay.guest_name_zh else "en"


def book(session: Session, room: str, due: dt.datetime, now: dt.datetime | None = None, language: str | None = None,
         booked_by: BookedBy | str = BookedBy.OPERATOR, conversation: str | None = None,
         zone: dt.tzinfo | None = None, checkout_time: dt.time = DEFAULT_CHECKOUT) -> WakeupRecord:
    """Book a wake-up call for the guest now staying in `room`, at `due` (aware).

    Refused (`BookingError`): a room not on the room list or without a phone, a room with no guest in
    house, a time not in the future or after the guest's checkout, a language without a message. The
    same room and time booked again (a repeated request) returns the booking already there."""
    moment = aware(now)
    zone = zone or organisation_zone(session)
    by = BookedBy(booked_by)
    if language is not None and language not in LANGUAGES:
        raise BookingError(f"the wake-up message is in {' or '.join(LANGUAGES)}, not {language!r}")
    found = get_room(session, room)
    if found is None:
        raise BookingError(f"no room {room.strip().upper()!r} on the room list")
    if not found.extension:
        raise BookingError(f"room {found.number} has no phone extension on the room list")
    stay = active_stay(session, found.number, moment, zone, checkout_time)
    if stay is None:
        raise BookingError(f"no guest is staying in room {found.number}")
    due_utc = aware(due)
    if due_utc <= moment:
        raise BookingError(f"{_local(due_utc, zone)} is not in the future (now {_local(moment, zone)})", "past")
    leaving = checkout_moment(stay.departure, zone, checkout_time)
    if due_utc >= leaving:
        raise BookingError(f"{_local(due_utc, zone)} is after the guest's checkout ({_local(leaving, zone)})",
                           "after_checkout")
    same = session.execute(select(WakeupRow).where(
        WakeupRow.room == found.number, WakeupRow.due_at == due_utc, WakeupRow.stay_id == stay.id,
        WakeupRow.status.in_([s.value for s in PENDING]))).scalars().first()
    if same is not None:
        return _record(same)
    row = WakeupRow(room=found.number, stay_id=stay.id, due_at=due_utc, next_attempt_at=due_utc,
                    language=guest_language(stay, language), status=WakeupStatus.BOOKED.value, attempts=0, history=[],
                    booked_by=by.value, conversation=(conversation or "")[:128] or None, created_at=moment,
                    updated_at=moment)
    session.add(row)
    session.flush()
    return _record(row)


def cancel(session: Session, wakeup_id: int, now: dt.datetime | None = None) -> WakeupRecord:
    """Cancel a booking that is still to come (or ringing: its result is then not recorded). Cancelling
    twice is a no-op; an answered or failed one is an error."""
    moment = aware(now)
    current = get_wakeup(session, wakeup_id)
    if current is None:
        raise UnknownWakeup(f"no wake-up call {wakeup_id}")
    if current.status is WakeupStatus.CANCELLED:
        return current
    done = session.execute(update(WakeupRow).where(
        WakeupRow.id == wakeup_id, WakeupRow.status.in_([s.value for s in PENDING]))
        .values(status=WakeupStatus.CANCELLED.value, lease_holder=None, lease_expires_at=None, updated_at=moment,
                finished_at=moment).execution_options(synchronize_session=False)).rowcount
    after = get_wakeup(session, wakeup_id)
    assert after is not None
    if not done and after.status is not WakeupStatus.CANCELLED:
        raise BookingError(f"wake-up call {wakeup_id} is {after.status.value} already; it cannot be cancelled")
    return after


def get_wakeup(session: Session, wakeup_id: int) -> WakeupRecord | None:
    row = session.get(WakeupRow, wakeup_id, populate_existing=True)
    return _record(row) if row is not None else None


def list_wakeups(session: Session, include_finished: bool = False, room: str | None = None,
                 limit: int = 1000) -> list[WakeupRecord]:
    """Bookings by due time: those still to come (booked, dialling, retry), or every one (`include_finished`)."""
    query = select(WakeupRow)
    if not include_finished:
        query = query.where(WakeupRow.status.in_([s.value for s in PENDING]))
    if room is not None:
        query = query.where(WakeupRow.room == room.strip().upper())
    rows = session.execute(query.order_by(WakeupRow.due_at, WakeupRow.id).limit(max(0, limit))).scalars()
    return [_record(row) for row in rows]


def count_failed_since(session: Session, since: dt.datetime) -> int:
    """Wake-up calls that went unanswered after every retry since `since`: the live board's alert tile."""
    return session.execute(select(func.count(WakeupRow.id)).where(
        WakeupRow.status == WakeupStatus.FAILED.value, WakeupRow.finished_at >= aware(since))).scalar_one()


def today_and_upcoming(session: Session, now: dt.datetime, zone: dt.tzinfo | None = None,
                       limit: int = 1000) -> list[WakeupRecord]:
    """The front desk's list (the console's wake-up page): every booking due since the start of `now`'s
    day in the hotel's time zone, finished ones too, and every one still to come or under way whenever
    it was due; by due time."""
    zone = zone or organisation_zone(session)
    start = dt.datetime.combine(aware(now).astimezone(zone).date(), dt.time(), tzinfo=zone)
    query = (select(WakeupRow).where(or_(WakeupRow.due_at >= start,
                                         WakeupRow.status.in_([s.value for s in PENDING])))
             .order_by(WakeupRow.due_at, WakeupRow.id).limit(max(0, limit)))
    return [_record(row) for row in session.execute(query).scalars()]


def cancel_for_stay(session: Session, stay_id: int, now: dt.datetime | None = None) -> list[int]:
    """Cancel the bookings still to come (or ringing) of one stay, as when the guest is checked out by
    hand; their ids."""
    pending = session.execute(select(WakeupRow.id).where(
        WakeupRow.stay_id == stay_id, WakeupRow.status.in_([s.value for s in PENDING]))
        .order_by(WakeupRow.due_at, WakeupRow.id)).scalars().all()
    return [wakeup_id for wakeup_id in pending if cancel(session, wakeup_id, now).status is WakeupStatus.CANCELLED]


# ---------------------------------------------------------------------------------- dialling


def any_due(session: Session, now: dt.datetime) -> bool:
    """Whether something is due (a read: a dialler polling an idle hotel takes no write lock)."""
    return session.execute(select(WakeupRow.id).where(_due(WakeupRow, aware(now))).limit(1)).first() is not None


def claim_due(session: Session, now: dt.datetime, limit: int, holder: str,
              lease_s: float = WAKEUP_LEASE_S) -> list[WakeupClaim]:
    """Take up to `limit` bookings due at `now` for `holder` (module docstring): one conditional UPDATE,
    so a booking is taken by one claim until its lease expires (on PostgreSQL the rows are first
    locked by a SELECT … FOR UPDATE SKIP LOCKED in the same transaction). Bookings whose stay has ended meanwhile
    are cancelled (last_result "checked_out") instead of returned. Commit before dialling."""
    if limit <= 0:
        return []
    moment = aware(now)
    lease = f"{holder[:110]}/{secrets.token_hex(6)}"
    candidate = aliased(WakeupRow)  # its own FROM: the subquery is not correlated with the UPDATE's row
    pick = (select(candidate.id).where(_due(candidate, moment))
            .order_by(candidate.next_attempt_at, candidate.id).limit(limit))
    chosen: Any
    if session.get_bind().dialect.name == "postgresql":
        # Lock the picked rows first, in their own statement: inside the UPDATE, PostgreSQL may run a
        # SKIP LOCKED subquery again for rows re-checked after a concurrent update, and take more than `limit`.
        chosen = session.execute(pick.with_for_update(skip_locked=True)).scalars().all()
        if not chosen:
            return []
    else:  # SQLite: one statement, so the write lock is taken before anything is read (no stale snapshot)
        chosen = pick.scalar_subquery()
    session.execute(update(WakeupRow).where(WakeupRow.id.in_(chosen), _due(WakeupRow, moment))
                    .values(status=WakeupStatus.DIALLING.value, lease_holder=lease,
                            lease_expires_at=moment + dt.timedelta(seconds=lease_s), updated_at=moment)
                    .execution_options(synchronize_session=False))
    rows = session.execute(select(WakeupRow).where(WakeupRow.lease_holder == lease)
                           .order_by(WakeupRow.next_attempt_at, WakeupRow.id)
                           .execution_options(populate_existing=True)).scalars().all()
    if not rows:
        return []
    zone = organisation_zone(session)
    staying = set(session.execute(select(StayRow.id).where(
        StayRow.id.in_({r.stay_id for r in rows if r.stay_id is not None}), StayRow.status == "active",
        StayRow.departure > last_departure_due(moment, zone))).scalars())
    phones = dict(session.execute(select(RoomRow.number, RoomRow.extension)
                                  .where(RoomRow.number.in_({r.room for r in rows}))).all())
    claims = []
    for row in rows:
        if row.stay_id is not None and row.stay_id not in staying:
            _finish(session, row.id, lease, WakeupStatus.CANCELLED, "checked_out", moment, list(row.history or []))
            continue
        claims.append(WakeupClaim(id=row.id, room=row.room, extension=phones.get(row.room), language=row.language,
                                  due_at=row.due_at, attempt=row.attempts + 1, lease=lease,
                                  previous=WakeupStatus.RETRY if row.attempts else WakeupStatus.BOOKED))
    return claims


def _due(table: Any, moment: dt.datetime) -> Any:
    """Due at `moment`: waiting and its time has come, or being dialled under a lease that has expired."""
    return or_(and_(table.status.in_([s.value for s in WAITING]), table.next_attempt_at <= moment),
               and_(table.status == WakeupStatus.DIALLING.value, table.lease_expires_at <= moment))


def release(session: Session, claim: WakeupClaim, now: dt.datetime | None = None) -> bool:
    """Give a claimed booking back undialled (the dialler is stopping): due again at once for the next
    dialler, the attempt not counted. False when the lease was no longer this claim's."""
    return session.execute(update(WakeupRow).where(
        WakeupRow.id == claim.id, WakeupRow.lease_holder == claim.lease,
        WakeupRow.status == WakeupStatus.DIALLING.value)
        .values(status=claim.previous.value, lease_holder=None, lease_expires_at=None, updated_at=aware(now))
        .execution_options(synchronize_session=False)).rowcount == 1


def record_result(session: Session, claim: WakeupClaim, result: DialResult | str, now: dt.datetime | None = None,
                  retry_delay: dt.timedelta = RETRY_DELAY, max_retries: int = MAX_RETRIES,
                  seconds: float | None = None) -> WakeupRecord | None:
    """Record how an attempt went. Answered: done. Otherwise retried `retry_delay` later, up to
    `max_retries` times, then failed, and an urgent message is filed for the front desk (the hotel's
    general mailbox: e-mailed by the message sweep, shown on the console's messages board). None when
    this claim's lease was lost meanwhile (cancelled, or expired and taken by another dialler)."""
    moment = aware(now)
    outcome = DialResult(result)
    row = session.get(WakeupRow, claim.id, populate_existing=True)
    if row is None or row.lease_holder != claim.lease or row.status != WakeupStatus.DIALLING.value:
        return None
    attempts = row.attempts + 1
    entry: dict[str, Any] = {"attempt": attempts, "at": moment.isoformat(), "result": outcome.value}
    if seconds is not None:
        entry["seconds"] = round(seconds, 1)
    history = [*(row.history or []), entry]
    if outcome is DialResult.ANSWERED:
        status, next_at = WakeupStatus.ANSWERED, row.next_attempt_at
    elif attempts <= max_retries:
        status, next_at = WakeupStatus.RETRY, moment + retry_delay
    else:
        status, next_at = WakeupStatus.FAILED, row.next_attempt_at
    finished = moment if status in (WakeupStatus.ANSWERED, WakeupStatus.FAILED) else None
    written = session.execute(update(WakeupRow).where(
        WakeupRow.id == claim.id, WakeupRow.lease_holder == claim.lease,
        WakeupRow.status == WakeupStatus.DIALLING.value)
        .values(status=status.value, attempts=attempts, last_result=outcome.value, history=history,
                next_attempt_at=next_at, lease_holder=None, lease_expires_at=None, updated_at=moment,
                finished_at=finished)
        .execution_options(synchronize_session=False)).rowcount
    if written != 1:
        return None
    if status is WakeupStatus.FAILED:
        alert = _alert_front_desk(session, claim, history, moment)
        session.execute(update(WakeupRow).where(WakeupRow.id == claim.id).values(alert_message=alert)
                        .execution_options(synchronize_session=False))
    return get_wakeup(session, claim.id)


# ---------------------------------------------------------------------------------- the message


_ZH_DIGITS = "零一二三四五六七八九"
_EN_NUMBERS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
               "sixteen seventeen eighteen nineteen").split()
_EN_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty"}


def wakeup_message(local: dt.datetime | dt.time, language: str, extra: str | None = None) -> str:
    """What the guest hears: "早上好，现在是七点整，这是您的叫醒服务。" / "Good morning, it is seven
    o'clock. This is your wake-up call." at the hotel's local time `local`; `extra` (a weather line) after it."""
    hour, minute = local.hour, local.minute
    if language == "zh":
        greeting = ("您好" if hour < 4 else "早上好" if hour < 11 else "中午好" if hour < 13 else "下午好" if hour < 18
                    else "晚上好")
        text = f"{greeting}，现在是{_zh_hour(hour)}点{_zh_minute(minute)}，这是您的叫醒服务。"
    else:
        greeting = ("Hello" if hour < 4 else "Good morning" if hour < 12 else "Good afternoon" if hour < 18
                    else "Good evening")
        text = f"{greeting}, it is {_en_clock(hour, minute)}. This is your wake-up call."
    return f"{text}{' ' if language != 'zh' else ''}{extra}" if extra else text


def spoken_due(local: dt.datetime, today: dt.date, language: str) -> str:
    """A booked time as a guest hears it read back: "明天早上七点整", "今天晚上十一点半",
    "seven a.m. tomorrow", "six thirty a.m. on December 6" (`local` in the hotel's time zone)."""
    hour, minute = local.hour, local.minute
    days = (local.date() - today).days
    if language == "zh":
        day = {0: "今天", 1: "明天", 2: "后天"}.get(days, f"{local.month}月{local.day}日")
        part = ("凌晨" if hour < 5 else "早上" if hour < 9 else "上午" if hour < 12 else "中午" if hour < 13
                else "下午" if hour < 18 else "晚上")
        return f"{day}{part}{_zh_hour(hour)}点{_zh_minute(minute)}"
    clock = _en_number(hour % 12 or 12) + (f" {_en_minute_words(minute)}" if minute else "")
    day = {0: "today", 1: "tomorrow"}.get(days, f"on {local:%B} {local.day}")
    return f"{clock} {'a.m.' if hour < 12 else 'p.m.'} {day}"


def _en_minute_words(minute: int) -> str:
    return f"oh {_EN_NUMBERS[minute]}" if minute < 10 else _en_number(minute)


def wakeup_note(directory: Directory, language: str) -> str | None:
    """The hotel's note for the end of the wake-up message in `language` (`policy.wakeup_note`, a weather
    line), or None. Checked when stored (plain text, one line, no protected number), and scrubbed here
    again all the same, as everything said to a guest is."""
    note = directory.policy.wakeup_note.for_language(language)
    return scrub_for_caller(note, directory) if note else None


def set_wakeup_note(session: Session, notes: Mapping[str, str]) -> tuple[WakeupNote, WakeupNote]:
    """Make the stored hotel's `policy.wakeup_note` what `notes` says (language → text; empty or missing:
    none in that language), the rest of the organisation as it is; (before, after). Checked as the
    organisation file's key is: `OrgFileError` naming `policy.wakeup_note.<language>` on a mistake (an
    organisation other than a hotel: `policy.wakeup_note`), changing nothing; `DirectoryChanged` when
    the organisation changed meanwhile (a presence, a save). `NoOrganization` when none is stored."""
    current = load_directory(session)
    data = directory_to_data(current)
    wanted = {language: text.strip() for language, text in notes.items() if text and text.strip()}
    policy = data.setdefault("policy", {})
    if wanted:
        policy["wakeup_note"] = wanted
    else:
        policy.pop("wakeup_note", None)
    changed = parse_org_data(data, "wake-up note")
    before, after = current.policy.wakeup_note, changed.policy.wakeup_note
    if after != before:
        replace_directory(session, changed, expected_version=current.version)
    return before, after


def _zh_number(n: int) -> str:
    if n < 10:
        return _ZH_DIGITS[n]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else _ZH_DIGITS[tens]}十{_ZH_DIGITS[ones] if ones else ''}"


def _zh_hour(hour: int) -> str:
    twelve = hour % 12 or 12
    return "两" if twelve == 2 else _zh_number(twelve)


def _zh_minute(minute: int) -> str:
    if minute == 0:
        return "整"
    if minute == 30:
        return "半"
    return f"零{_ZH_DIGITS[minute]}分" if minute < 10 else f"{_zh_number(minute)}分"


def _en_number(n: int) -> str:
    if n < 20:
        return _EN_NUMBERS[n]
    tens, ones = divmod(n, 10)
    return _EN_TENS[tens] + (f"-{_EN_NUMBERS[ones]}" if ones else "")


def _en_clock(hour: int, minute: int) -> str:
    twelve = _en_number(hour % 12 or 12)
    if minute == 0:
        return f"{twelve} o'clock"
    return f"{twelve} oh {_EN_NUMBERS[minute]}" if minute < 10 else f"{twelve} {_en_number(minute)}"


# ---------------------------------------------------------------------------------- helpers


def _alert_front_desk(session: Session, claim: WakeupClaim, history: list[dict[str, Any]], moment: dt.datetime) -> int:
    """An urgent message for the front desk: every attempt went unanswered."""
    try:
        directory = load_directory(session)
        recipient = directory.policy.general_mailbox or (directory.departments[0].id if directory.departments
                                                         else "operator")
    except NoOrganization:
        recipient = "operator"
    zone = organisation_zone(session)
    stay_id = _stay_of(session, claim.id)
    stay = session.get(StayRow, stay_id) if stay_id is not None else None
    guest = " / ".join(n for n in (stay.guest_name_zh, stay.guest_name_latin) if n) if stay else ""
    tries = "、".join(f"{_local(dt.datetime.fromisoformat(h['at']), zone)[-5:]} {h['result']}" for h in history)
    due = _local(claim.due_at, zone)
    who = f"（{guest}）" if guest else ""
    text = (f"叫醒服务无人应答：{claim.room} 房间{who}预订 {due} 的叫醒电话，已拨打 {len(history)} 次均未接通"
            f"（{tries}）。请立即致电或派人到房间查看。\n"
            f"Wake-up call not answered: room {claim.room}{f' ({guest})' if guest else ''}, booked for {due}, was "
            f"called {len(history)} times with no answer ({tries.replace('、', ', ')}). Please call or send someone "
            "to the room now.")
    try:
        callback = messages.normalize_callback_number(claim.extension) if claim.extension else None
    except ValueError:
        callback = None
    message = messages.take_message(session, recipient, text, caller_name="叫醒服务 / Wake-up calls",
                                    callback_number=callback, urgent=True, conversation=f"wakeup-{claim.id}",
                                    at=moment)
    return message.id


def _stay_of(session: Session, wakeup_id: int) -> int | None:
    return session.execute(select(WakeupRow.stay_id).where(WakeupRow.id == wakeup_id)).scalar()


def _finish(session: Session, wakeup_id: int, lease: str, status: WakeupStatus, result: str, moment: dt.datetime,
            history: list[dict[str, Any]]) -> None:
    session.execute(update(WakeupRow).where(WakeupRow.id == wakeup_id, WakeupRow.lease_holder == lease)
                    .values(status=status.value, last_result=result, lease_holder=None, lease_expires_at=None,
                            updated_at=moment, finished_at=moment,
                            history=[*history, {"at": moment.isoformat(), "result": result}])
                    .execution_options(synchronize_session=False))


def _local(moment: dt.datetime, zone: dt.tzinfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _record(row: WakeupRow) -> WakeupRecord:
    return WakeupRecord(
        id=row.id, room=row.room, due_at=row.due_at, next_attempt_at=row.next_attempt_at, language=row.language,
        status=WakeupStatus(row.status), attempts=row.attempts, booked_by=row.booked_by, last_result=row.last_result,
        history=tuple(row.history or ()), stay_id=row.stay_id, conversation=row.conversation,
        alert_message=row.alert_message, created_at=row.created_at, updated_at=row.updated_at,
        finished_at=row.finished_at,
    )
