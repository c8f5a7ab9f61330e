"""Is the office open, when does it open next, and who holds the duty line.

Everything is computed in the organisation's time zone (`organization.timezone`): a moment
given in UTC (or any zone) is converted first, a naive moment is taken as local time.

A day's hours come from, in order: a holiday entry covering the day (a make-up working day or
special hours win over a closed range, so a make-up Saturday inside a long holiday still
opens), then the regular weekly `hours`.

Duty nights belong to the day the evening started: the duty line changes hands at the
*handover time*, the earliest regular opening time of the week (08:00 when the office has no
hours). So at 02:00 on Saturday the duty person is Friday's, at 09:00 on Saturday Saturday's.
A roster entry for a date wins over an entry for that weekday.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.org.model import WEEKDAYS, Directory, DutyAssignment, Holiday, Person, Span

LOOKAHEAD_DAYS = 60
"""How far ahead `next_open` looks for an opening."""

DEFAULT_HANDOVER = dt.time(8, 0)

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_NAMES_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


@dataclass(frozen=True)
class DayHours:
    """The opening hours of one calendar day and where they come from."""

    day: dt.date
    span: Span | None
    """None: closed all day."""
    reason: str
    """e.g. "Friday 08:30-17:30", "holiday 国庆节", "make-up working day 调休上班", "closed on Saturday"."""
    reason_zh: str
    holiday: Holiday | None = None


@dataclass(frozen=True)
class OpenState:
    """Whether the office is open at one moment, and why."""

    open: bool
    local_time: dt.datetime
    """The moment in the organisation's time zone."""
    reason: str
    """For staff, e.g. "Friday 08:30-17:30", "holiday 国庆节 (opens Thursday 2026-10-08 08:30)"."""
    reason_zh: str
    today: Span | None
    """Today's hours (None: closed all day)."""
    next_open: dt.datetime | None
    """When the office opens next (None while open, or when it does not open within 60 days)."""
    closes_at: dt.datetime | None = None
    """While open: when today's hours end."""


def org_zone(directory: Directory) -> ZoneInfo:
    return ZoneInfo(directory.organization.timezone)


def to_local(directory: Directory, at: dt.datetime) -> dt.datetime:
    """`at` in the organisation's zone; a naive datetime is already local time."""
    zone = org_zone(directory)
    if at.tzinfo is None or at.tzinfo.utcoffset(at) is None:
        return at.replace(tzinfo=zone)
    return at.astimezone(zone)


def weekday_key(day: dt.date) -> str:
    """The weekday key of `day` ("mon" … "sun"), as in the organisation file."""
    return WEEKDAYS[day.weekday()]


def day_hours(directory: Directory, day: dt.date) -> DayHours:
    holiday = _holiday_for(directory, day)
    regular = directory.hours.get(weekday_key(day))
    name, name_zh = _DAY_NAMES[day.weekday()], _DAY_NAMES_ZH[day.weekday()]
    if holiday is not None and holiday.closed:
        return DayHours(day, None, f"holiday {holiday.name}".rstrip(), f"{holiday.name or '节假日'}放假", holiday)
    if holiday is not None and holiday.hours is not None:
        if regular is None:
            reason = f"make-up working day {holiday.name}".rstrip()
            reason_zh = holiday.name if "调休" in holiday.name else f"调休上班（{holiday.name or '工作日'}）"
        else:
            reason, reason_zh = f"special hours {holiday.name}".rstrip(), f"特别安排（{holiday.name}）"
        return DayHours(day, holiday.hours, reason, reason_zh, holiday)
    if regular is None:
        return DayHours(day, None, f"closed on {name}", f"{name_zh}休息")
    return DayHours(day, regular, f"{name} {regular}", f"{name_zh} {regular}")


def _holiday_for(directory: Directory, day: dt.date) -> Holiday | None:
    """The holiday entry for `day`; a working-day entry beats a closed range that also covers it."""
    covering = [h for h in directory.holidays if h.covers(day)]
    working = [h for h in covering if not h.closed and h.hours is not None]
    return (working or covering or [None])[0]


def open_state(directory: Directory, at: dt.datetime) -> OpenState:
    local = to_local(directory, at)
    today = day_hours(directory, local.date())
    now = local.time().replace(tzinfo=None)
    if today.span is not None and today.span.contains(now):
        closes = _at(directory, local.date(), today.span.closes)
        return OpenState(True, local, _open_reason(today), _open_reason_zh(today), today.span, None, closes)
    upcoming = next_opening(directory, local)
    base, base_zh = _closed_reason(today, now)
    return OpenState(
        open=False,
        local_time=local,
        reason=f"{base} ({_when(local, upcoming)})",
        reason_zh=f"{base_zh}（{_when_zh(local, upcoming)}）",
        today=today.span,
        next_open=upcoming,
    )


def next_opening(directory: Directory, at: dt.datetime) -> dt.datetime | None:
    """The first opening time strictly after `at` within `LOOKAHEAD_DAYS` days."""
    local = to_local(directory, at)
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = local.date() + dt.timedelta(days=offset)
        span = day_hours(directory, day).span
        if span is None:
            continue
        opens = _at(directory, day, span.opens)
        if opens > local:
            return opens
    return None


def _at(directory: Directory, day: dt.date, moment: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, moment, tzinfo=org_zone(directory))


def _open_reason(today: DayHours) -> str:
    return today.reason if today.holiday is None else f"{today.reason} {today.span}"


def _open_reason_zh(today: DayHours) -> str:
    return today.reason_zh if today.holiday is None else f"{today.reason_zh} {today.span}"


def _closed_reason(today: DayHours, now: dt.time) -> tuple[str, str]:
    if today.span is None:
        return today.reason, today.reason_zh
    if now < today.span.opens:
        return "before hours", "尚未上班"
    return "after hours", "已下班"


def _when(local: dt.datetime, upcoming: dt.datetime | None) -> str:
    if upcoming is None:
        return f"no opening in the next {LOOKAHEAD_DAYS} days"
    days = (upcoming.date() - local.date()).days
    clock = f"{upcoming:%H:%M}"
    if days == 0:
        return f"opens {clock}"
    if days == 1:
        return f"opens tomorrow {clock}"
    return f"opens {_DAY_NAMES[upcoming.weekday()]} {upcoming:%Y-%m-%d} {clock}"


def _when_zh(local: dt.datetime, upcoming: dt.datetime | None) -> str:
    if upcoming is None:
        return f"未来{LOOKAHEAD_DAYS}天内没有上班时间"
    days = (upcoming.date() - local.date()).days
    clock = f"{upcoming:%H:%M}"
    if days == 0:
        return f"今天{clock}上班"
    if days == 1:
        return f"明天{clock}上班"
    return f"{upcoming.month}月{upcoming.day}日（{_DAY_NAMES_ZH[upcoming.weekday()]}）{clock}上班"


# --------------------------------------------------------------------------------------
# The duty roster


def handover_time(directory: Directory) -> dt.time:
    """When the duty line changes hands: the earliest regular opening time of the week."""
    opens = [span.opens for span in directory.hours.values() if span is not None]
    return min(opens) if opens else DEFAULT_HANDOVER


def duty_day(directory: Directory, at: dt.datetime) -> dt.date:
    """The day whose duty shift `at` falls in: before the handover time it is still yesterday's night."""
    local = to_local(directory, at)
    if local.time().replace(tzinfo=None) < handover_time(directory):
        return local.date() - dt.timedelta(days=1)
    return local.date()


def duty_assignment(directory: Directory, at: dt.datetime) -> DutyAssignment | None:
    """The roster entry in force at `at`: a date entry wins over a weekday entry."""
    day = duty_day(directory, at)
    by_date = [d for d in directory.duty_roster if d.date == day]
    by_weekday = [d for d in directory.duty_roster if d.date is None and d.weekday == weekday_key(day)]
    return (by_date or by_weekday or [None])[0]


def duty_person(directory: Directory, at: dt.datetime) -> Person | None:
    assignment = duty_assignment(directory, at)
    return directory.person(assignment.person) if assignment else None
