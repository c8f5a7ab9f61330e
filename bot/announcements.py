"""Lobby announcements (#12, point 7): what the lobby kiosk says on a schedule, like a service desk's
broadcast timetable (开门迎宾词, 温馨提示 at set times, 送宾词 at closing), or once at a requested time.

An announcement has a text in Chinese, English or both, and a schedule: days of the week and times of
day (optionally only from one date to another), or one local date and time; each time it is said
`repeat` times in a row. Times are the organisation's wall-clock times (bot/rules/calendar `to_local`).

The kiosk asks every few seconds what is `due` since it last asked (bot/web/pages/announcements.py):
a scheduled time falls in exactly one of the half-open windows (since, now] the kiosk asks about, so
each plays once; a kiosk that was off (or asks with an old `since`) hears nothing older than
`LATE_LIMIT`. Nothing a staff member must not be told to a visitor is ever announced: a text with a
protected number is refused when saved, and what is spoken is scrubbed again (`spoken`), since the
staff list may change after it was saved (bot/privacy.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.tables import AnnouncementRow, utcnow
from bot.org.model import Directory
from bot.org.store import load_directory
from bot.privacy import scrub_for_caller
from bot.records.common import aware, clip
from bot.rules.calendar import org_zone, to_local

LANGUAGES = ("zh", "en")
LANGUAGE_MODES = ("kiosk", "both")
"""kiosk: in the kiosk's current language (or the one text there is); both: every text, in the
organisation's language order."""
MAX_TEXT = 500
MAX_TIMES = 24
MAX_REPEAT = 5
MAX_BY = 100
LATE_LIMIT = dt.timedelta(minutes=3)
"""An announcement is never said later than this after its time (a kiosk that was off, or reloaded)."""
_LOOKAHEAD_DAYS = 8
_TIME = re.compile(r"^([01]?\d|2[0-3])[:：.]([0-5]\d)$")


class AnnouncementError(ValueError):
    """A mistake in an announcement (the message is fixed English text, translated by the console)."""


@dataclass(frozen=True)
class Schedule:
    days: tuple[int, ...] = ()
    """ISO weekdays (1 Monday … 7 Sunday)."""
    times: tuple[dt.time, ...] = ()
    once_at: dt.datetime | None = None
    """A one-off: local date and time, no zone."""
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None

    @property
    def once(self) -> bool:
        return self.once_at is not None


@dataclass(frozen=True)
class Announcement:
    id: int
    text_zh: str | None
    text_en: str | None
    schedule: Schedule
    repeat: int
    languages: str
    active: bool
    created_by: str | None
    created_at: dt.datetime
    updated_by: str | None
    updated_at: dt.datetime

    def text(self, language: str) -> str | None:
        return self.text_zh if language == "zh" else self.text_en


@dataclass(frozen=True)
class Due:
    announcement: Announcement
    at: dt.datetime
    """The scheduled time it is due for (UTC)."""


# ---------------------------------------------------------------------------------- parsing form input


def parse_times(text: str) -> tuple[dt.time, ...]:
    """"9:00, 17:20" (commas, spaces or 、 between; a full-width colon too) → the times, sorted, once each."""
    found = set()
    for part in re.split(r"[,，、;；\s]+", text.strip()):
        if not part:
            continue
        match = _TIME.match(part)
        if match is None:
            raise AnnouncementError("A time of day is not HH:MM.")
        found.add(dt.time(int(match.group(1)), int(match.group(2))))
    return tuple(sorted(found))


def parse_days(values: list[str]) -> tuple[int, ...]:
    days = set()
    for value in values:
        if not value.isdigit() or not 1 <= int(value) <= 7:
            raise AnnouncementError("A day of the week is not known.")
        days.add(int(value))
    return tuple(sorted(days))


def parse_date(text: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise AnnouncementError("A date is not YYYY-MM-DD.") from None


def parse_local_datetime(text: str) -> dt.datetime | None:
    """"2026-12-05T09:30" (a datetime-local input) → a naive local datetime, to the minute."""
    if not text.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        raise AnnouncementError("The date and time is not YYYY-MM-DD HH:MM.") from None
    return moment.replace(tzinfo=None, second=0, microsecond=0)


# ---------------------------------------------------------------------------------- changes


def save(session: Session, directory: Directory, *, text_zh: str | None, text_en: str | None, schedule: Schedule,
         repeat: int = 1, languages: str = "kiosk", by: str | None = None, now: dt.datetime | None = None,
         announcement_id: int | None = None) -> Announcement:
    """Add an announcement (or change `announcement_id`'s); a mistake raises AnnouncementError and stores
    nothing. A text that names a protected staff number is refused: it would be said to the lobby."""
    texts = {"zh": _text(text_zh, directory), "en": _text(text_en, directory)}
    if not any(texts.values()):
        raise AnnouncementError("Give the text in Chinese or English (or both).")
    _check_schedule(schedule)
    if not 1 <= repeat <= MAX_REPEAT:
        raise AnnouncementError("Say it 1 to 5 times in a row.")
    if languages not in LANGUAGE_MODES:
        raise AnnouncementError("The languages are not known.")
    moment, who = aware(now), clip(by, MAX_BY) if by else None
    row = session.get(AnnouncementRow, announcement_id) if announcement_id is not None else None
    if announcement_id is not None and row is None:
        raise LookupError(f"no announcement {announcement_id}")
    if row is None:
        row = AnnouncementRow(active=True, created_by=who, created_at=moment)
        session.add(row)
    once = schedule.once_at is not None
    row.text_zh, row.text_en = texts["zh"], texts["en"]
    row.days = None if once else "".join(str(day) for day in schedule.days)
    row.times = None if once else ",".join(t.strftime("%H:%M") for t in schedule.times)
    row.once_at = schedule.once_at
    row.starts_on, row.ends_on = (None, None) if once else (schedule.starts_on, schedule.ends_on)
    row.repeat, row.languages, row.updated_by, row.updated_at = repeat, languages, who, moment
    session.flush()
    return _record(row)


def set_active(session: Session, announcement_id: int, active: bool, by: str | None = None,
               now: dt.datetime | None = None) -> Announcement | None:
    """Switch an announcement on or off (it is kept, with its history); None when there is none."""
    row = session.get(AnnouncementRow, announcement_id)
    if row is None:
        return None
    row.active, row.updated_by, row.updated_at = bool(active), clip(by, MAX_BY) if by else None, aware(now)
    session.flush()
    return _record(row)


def get(session: Session, announcement_id: int) -> Announcement | None:
    row = session.get(AnnouncementRow, announcement_id)
    return _record(row) if row is not None else None


def list_all(session: Session, active_only: bool = False) -> list[Announcement]:
    """Every announcement, the active first, oldest first."""
    query = select(AnnouncementRow).order_by(AnnouncementRow.active.desc(), AnnouncementRow.id)
    if active_only:
        query = query.where(AnnouncementRow.active.is_(True))
    return [_record(row) for row in session.execute(query).scalars()]


# ---------------------------------------------------------------------------------- when they play


def occurrences(announcement: Announcement, zone: dt.tzinfo, after: dt.datetime,
                until: dt.datetime) -> list[dt.datetime]:
    """The announcement's scheduled times in (after, until], in UTC, earliest first."""
    schedule, after, until = announcement.schedule, aware(after), aware(until)
    if schedule.once_at is not None:
        candidates = [schedule.once_at.replace(tzinfo=zone)]
    else:
        first, last = after.astimezone(zone).date(), until.astimezone(zone).date()
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        candidates = [dt.datetime.combine(day, moment, tzinfo=zone) for day in days if _plays_on(schedule, day)
                      for moment in schedule.times]
    found = (moment.astimezone(dt.timezone.utc) for moment in candidates)
    return sorted(moment for moment in found if after < moment <= until)


def due(session: Session, now: dt.datetime, since: dt.datetime | None,
        directory: Directory | None = None) -> list[Due]:
    """The active announcements with a scheduled time in (since, now], each once (its latest time),
    in time order. `since` is when the asker last asked: never further back than LATE_LIMIT (None: that
    far), and a `since` after `now` finds nothing."""
    now = aware(now)
    since = max(aware(since), now - LATE_LIMIT) if since is not None else now - LATE_LIMIT
    if since >= now:
        return []
    zone = org_zone(directory or load_directory(session))
    found = []
    for announcement in list_all(session, active_only=True):
        times = occurrences(announcement, zone, since, now)
        if times:
            found.append(Due(announcement, times[-1]))
    return sorted(found, key=lambda item: (item.at, item.announcement.id))


def next_time(announcement: Announcement, directory: Directory, now: dt.datetime | None = None) -> dt.datetime | None:
    """When it plays next (local time); None when inactive or never again."""
    if not announcement.active:
        return None
    now = aware(now)
    start = announcement.schedule.starts_on
    if announcement.schedule.once_at is None and start is not None and start > to_local(directory, now).date():
        now = dt.datetime.combine(start, dt.time(), tzinfo=org_zone(directory)) - dt.timedelta(microseconds=1)
    if announcement.schedule.once_at is not None:
        until = dt.datetime.max.replace(tzinfo=dt.timezone.utc) - dt.timedelta(days=1)
    else:
        until = now + dt.timedelta(days=_LOOKAHEAD_DAYS)
    found = occurrences(announcement, org_zone(directory), now, until)
    return to_local(directory, found[0]) if found else None


def spoken(announcement: Announcement, language: str, directory: Directory) -> list[tuple[str, str]]:
    """(language, text) in the order said once: the kiosk's `language` (or the text there is), or every
    text in the organisation's language order; each scrubbed of protected numbers."""
    order = [lang for lang in (*directory.organization.languages, *LANGUAGES) if lang in LANGUAGES]
    if announcement.languages == "both":
        chosen = list(dict.fromkeys(order))
    else:
        chosen = [language if announcement.text(language) else next(lang for lang in order if announcement.text(lang))]
    return [(lang, scrub_for_caller(text, directory)) for lang in chosen if (text := announcement.text(lang))]


def describe_days(days: tuple[int, ...]) -> list[str]:
    """The weekday keys ("mon" …) of ISO weekdays, as the console translates them."""
    return [("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day - 1] for day in days]


# ---------------------------------------------------------------------------------- helpers


def _text(value: str | None, directory: Directory) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(str(value).split())
    if len(cleaned) > MAX_TEXT:
        raise AnnouncementError("A text is too long (at most 500 characters).")
    if cleaned and scrub_for_caller(cleaned, directory) != cleaned:
        raise AnnouncementError("The text has a staff member's private number: it is never announced.")
    return cleaned or None


def _check_schedule(schedule: Schedule) -> None:
    if schedule.once_at is not None:
        if schedule.days or schedule.times:
            raise AnnouncementError("Give either days and times, or one date and time.")
        return
    if not schedule.days:
        raise AnnouncementError("Choose at least one day of the week.")
    if not schedule.times:
        raise AnnouncementError("Give at least one time of day.")
    if len(schedule.times) > MAX_TIMES:
        raise AnnouncementError("At most 24 times a day.")
    if schedule.starts_on and schedule.ends_on and schedule.ends_on < schedule.starts_on:
        raise AnnouncementError("The last day is before the first.")


def _plays_on(schedule: Schedule, day: dt.date) -> bool:
    return (day.isoweekday() in schedule.days and (schedule.starts_on is None or day >= schedule.starts_on)
            and (schedule.ends_on is None or day <= schedule.ends_on))


def _record(row: AnnouncementRow) -> Announcement:
    schedule = Schedule(
        days=tuple(int(day) for day in row.days or ""),
        times=tuple(dt.time.fromisoformat(t) for t in (row.times or "").split(",") if t),
        once_at=row.once_at, starts_on=row.starts_on, ends_on=row.ends_on)
    return Announcement(id=row.id, text_zh=row.text_zh, text_en=row.text_en, schedule=schedule,
                        repeat=row.repeat or 1, languages=row.languages or "kiosk", active=bool(row.active),
                        created_by=row.created_by, created_at=row.created_at, updated_by=row.updated_by,
                        updated_at=row.updated_at or utcnow())
