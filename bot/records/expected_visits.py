"""Expected visitors (#12, point 4): staff pre-register who is coming, for whom, on what day and
perhaps at what time; the kiosk matches an arriving visitor to that entry (`match`), registers the
visit as an appointment and marks the entry arrived.

    expected ──(the visitor arrives: `arrive`)──▶ arrived
        └──────────(`cancel`)──────────▶ cancelled

A visitor says their name the way people do: "王建国", "我姓王" (a surname, with the host named),
"Wang Jianguo" for 王建国, "Mr. Walsh" for Tom Walsh, or a recogniser's homophone (王建过). A full
name that fits is a match; a surname or a first name alone only when it singles out one expected
visitor of the host named (or of the company the visitor gave). Nothing is matched outside the
entry's day, nor outside a window around its time.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import IntEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.tables import ExpectedVisitorRow
from bot.directory.pinyin import is_han, sounds_alike, syllables
from bot.directory.resolve import latin_tokens, normalise, split_chinese_name
from bot.records.common import aware, clip, one_line

MAX_NAME = 200
MAX_COMPANY = 200
MAX_PHONE = 64
MAX_HOST = 64
MAX_PURPOSE = 2_000
MAX_NOTE = 2_000
MAX_CREATED_BY = 100
EARLY = dt.timedelta(hours=2)
"""How early before the expected time a visitor still matches."""
LATE = dt.timedelta(hours=3)
"""How late after the expected time (the end of the window, if given) a visitor still matches."""

_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_ZH_TITLES = re.compile(r"(?:先生|女士|小姐|老师|老板|经理|总监|总|工|博士|同志)$")
_EN_TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam"}


class UnknownExpected(KeyError):
    """No expected visitor has this id."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown expected visitor"


@dataclass(frozen=True)
class ExpectedVisit:
    id: int
    name: str
    host: str
    day: dt.date
    company: str | None = None
    phone: str | None = None
    time_from: str | None = None
    """"HH:MM" local; None: any time that day."""
    time_to: str | None = None
    purpose: str | None = None
    note: str | None = None
    created_by: str | None = None
    created_at: dt.datetime | None = None
    arrived_visit_id: int | None = None
    arrived_at: dt.datetime | None = None
    cancelled: bool = False

    @property
    def arrived(self) -> bool:
        return self.arrived_visit_id is not None

    @property
    def window(self) -> str:
        """"10:00", "10:00–11:00" or "" (all day)."""
        if not self.time_from:
            return ""
        return f"{self.time_from}–{self.time_to}" if self.time_to else self.time_from


class Fit(IntEnum):
    """How a name said at the kiosk fits a pre-registered name."""

    NONE = 0
    PART = 1
    """A surname or a first name alone ("我姓王", "Mr. Walsh", "I'm Tom")."""
    FULL = 2
    """The whole name, in either script or by sound ("王建国", "Wang Jianguo", "王建过")."""


# ---------------------------------------------------------------------------------- staff


def add_expected(session: Session, name: str, host: str, day: dt.date, *, company: str | None = None,
                 phone: str | None = None, time_from: str | None = None, time_to: str | None = None,
                 purpose: str | None = None, note: str | None = None, created_by: str | None = None,
                 now: dt.datetime | None = None) -> ExpectedVisit:
    """Pre-register a visitor; a mistake (no name, no host, a time that is not HH:MM, a window that
    ends before it starts, a field too long) raises ValueError and stores nothing."""
    visitor = one_line(name, "visitor's name", MAX_NAME)
    if not visitor:
        raise ValueError("an expected visitor needs a name")
    host_id = one_line(host, "host", MAX_HOST)
    if not host_id:
        raise ValueError("an expected visitor needs a host")
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise ValueError("an expected visitor needs a day")
    start, end = _clock(time_from, "time"), _clock(time_to, "end time")
    if end and not start:
        raise ValueError("an end time needs a start time")
    if start and end and end < start:
        raise ValueError(f"the window ends ({end}) before it starts ({start})")
    row = ExpectedVisitorRow(
        name=visitor, host=host_id, day=day, company=one_line(company, "company", MAX_COMPANY),
        phone=one_line(phone, "phone", MAX_PHONE), time_from=start, time_to=end,
        purpose=one_line(purpose, "purpose", MAX_PURPOSE), note=_text(note, "note", MAX_NOTE),
        created_by=clip(created_by, MAX_CREATED_BY) if created_by else None, created_at=aware(now), cancelled=False,
    )
    session.add(row)
    session.flush()
    return _record(row)


def cancel(session: Session, expected_id: int) -> ExpectedVisit:
    """Cancel an expected visit (again: no change); one that has arrived cannot be (ValueError)."""
    current = _existing(session, expected_id)
    if current.arrived:
        raise ValueError(f"expected visitor {expected_id} has already arrived")
    session.execute(update(ExpectedVisitorRow).where(ExpectedVisitorRow.id == expected_id)
                    .values(cancelled=True).execution_options(synchronize_session=False))
    return _existing(session, expected_id)


def get_expected(session: Session, expected_id: int) -> ExpectedVisit | None:
    query = select(ExpectedVisitorRow).where(ExpectedVisitorRow.id == expected_id)
    row = session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
    return _record(row) if row is not None else None


def list_expected(session: Session, day: dt.date, days: int = 1, cancelled: bool = False,
                  limit: int = 500) -> list[ExpectedVisit]:
    """Expected visitors from `day` for `days` days, by day and time (all day first); cancelled
    ones only when asked for."""
    query = select(ExpectedVisitorRow).where(ExpectedVisitorRow.day >= day,
                                             ExpectedVisitorRow.day < day + dt.timedelta(days=max(1, days)))
    if not cancelled:
        query = query.where(ExpectedVisitorRow.cancelled.is_(False))
    rows = session.execute(query.order_by(ExpectedVisitorRow.day, ExpectedVisitorRow.time_from,
                                          ExpectedVisitorRow.id).limit(max(0, limit))
                           .execution_options(populate_existing=True)).scalars()
    found = [_record(row) for row in rows]
    return sorted(found, key=lambda e: (e.day, e.time_from or "", e.id))


# ---------------------------------------------------------------------------------- the kiosk


def expects_anyone(session: Session, host: str, at: dt.datetime, zone: dt.tzinfo) -> bool:
    """Whether anyone not yet arrived is expected for `host` around `at`."""
    return bool(_open_for(session, at, zone, host))


def match(session: Session, name: str | None, host: str | None = None, at: dt.datetime | None = None,
          zone: dt.tzinfo = dt.timezone.utc, company: str | None = None) -> ExpectedVisit | None:
    """The expected visitor (not cancelled, not arrived, expected around `at`) whose name fits what
    the visitor said, for `host` when given; None when nobody fits or it is not clear who."""
    if not name or not name.strip():
        return None
    fitting = [(name_fit(name, e.name), e) for e in _open_for(session, aware(at), zone, host)]
    full = [e for fit, e in fitting if fit is Fit.FULL]
    if full:
        return min(full, key=lambda e: _distance(e, aware(at), zone))
    part = [e for fit, e in fitting if fit is Fit.PART]
    if company:
        part = [e for e in part if e.company and _same_company(company, e.company)] or (part if host else [])
    elif not host:
        return None  # a surname alone, with nobody named: not enough to say who it is
    return part[0] if len(part) == 1 else None


def arrive(session: Session, expected_id: int, visit_id: int, at: dt.datetime | None = None) -> bool:
    """Link the visit registered to the expected visitor; False when it had arrived or was
    cancelled meanwhile (a conditional UPDATE: two kiosks never both claim one entry)."""
    statement = (update(ExpectedVisitorRow)
                 .where(ExpectedVisitorRow.id == expected_id, ExpectedVisitorRow.arrived_visit_id.is_(None),
                        ExpectedVisitorRow.cancelled.is_(False))
                 .values(arrived_visit_id=visit_id, arrived_at=aware(at))
                 .execution_options(synchronize_session=False))
    return session.execute(statement).rowcount == 1


# ---------------------------------------------------------------------------------- names


def name_fit(said: str, expected: str) -> Fit:
    """How the name a visitor said fits a pre-registered name (see the module's docstring)."""
    heard, known = _bare(said), _bare(expected)
    if not heard or not known:
        return Fit.NONE
    if heard == known or (_han(heard) and _han(known) and sounds_alike(heard, known)):
        return Fit.FULL
    heard_keys, known_keys = _spellings(heard), _spellings(known)
    if heard_keys and known_keys and heard_keys & known_keys:
        return Fit.FULL
    return Fit.PART if _parts(heard) & _parts(known) else Fit.NONE


def _bare(name: str) -> str:
    """The name without titles and spaces' noise: "王先生" → "王", "Mr. Tom Walsh" → "tom walsh"."""
    text = normalise(name).strip()
    if any(is_han(ch) for ch in text):
        han = "".join(ch for ch in text if is_han(ch))
        return _ZH_TITLES.sub("", han) or han
    words = [w for w in latin_tokens(text) if w not in _EN_TITLES]
    return " ".join(words)


def _han(text: str) -> bool:
    return bool(text) and all(is_han(ch) for ch in text)


def _spellings(name: str) -> set[str]:
    """A whole name as pinyin or Latin words, in either order, joined: 王建国 → {"wangjianguo",
    "jianguowang"}; "Jianguo Wang" → the same. Only names of two parts or more."""
    if _han(name):
        surname, given = split_chinese_name(name)
        if not given:
            return set()
        first, rest = "".join(syllables(surname)), "".join(syllables(given))
        return {first + rest, rest + first}
    words = name.split()
    if len(words) < 2:
        return set()
    return {"".join(words), "".join(reversed(words))}


def _parts(name: str) -> set[str]:
    """What a part of a name may be said as: a Chinese surname (and its pinyin), a Latin word."""
    if _han(name):
        surname, _ = split_chinese_name(name)
        surname = surname or name
        return {surname, "".join(syllables(surname))}
    return set(name.split())


def _same_company(said: str, known: str) -> bool:
    a, b = normalise(said).replace(" ", ""), normalise(known).replace(" ", "")
    return bool(a and b) and (a in b or b in a)


# ---------------------------------------------------------------------------------- helpers


def _open_for(session: Session, at: dt.datetime, zone: dt.tzinfo, host: str | None) -> list[ExpectedVisit]:
    """Not cancelled, not arrived, for `host` (any when None), and `at` inside the window."""
    day = at.astimezone(zone).date()
    query = select(ExpectedVisitorRow).where(
        ExpectedVisitorRow.day == day, ExpectedVisitorRow.cancelled.is_(False),
        ExpectedVisitorRow.arrived_visit_id.is_(None))
    if host:
        query = query.where(ExpectedVisitorRow.host == host)
    rows = session.execute(query.order_by(ExpectedVisitorRow.id).execution_options(populate_existing=True)).scalars()
    return [e for e in (_record(row) for row in rows) if _within(e, at, zone)]


def _within(expected: ExpectedVisit, at: dt.datetime, zone: dt.tzinfo) -> bool:
    if not expected.time_from:
        return True
    start = _moment(expected.day, expected.time_from, zone)
    end = _moment(expected.day, expected.time_to or expected.time_from, zone)
    return start - EARLY <= at <= end + LATE


def _distance(expected: ExpectedVisit, at: dt.datetime, zone: dt.tzinfo) -> dt.timedelta:
    if not expected.time_from:
        return dt.timedelta(days=1)
    return abs(_moment(expected.day, expected.time_from, zone) - at)


def _moment(day: dt.date, clock: str, zone: dt.tzinfo) -> dt.datetime:
    hours, minutes = (int(part) for part in clock.split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=zone)


def _clock(value: str | None, what: str) -> str | None:
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    if not _CLOCK.fullmatch(text):
        raise ValueError(f"the {what} must be HH:MM, not {clip(text, 20)!r}")
    return text


def _text(value: str | None, what: str, limit: int) -> str | None:
    cleaned = (value or "").strip()
    if len(cleaned) > limit:
        raise ValueError(f"the {what} is too long ({len(cleaned)} characters, at most {limit})")
    return cleaned or None


def _existing(session: Session, expected_id: int) -> ExpectedVisit:
    found = get_expected(session, expected_id)
    if found is None:
        raise UnknownExpected(f"no expected visitor has the id {expected_id}")
    return found


def _record(row: ExpectedVisitorRow) -> ExpectedVisit:
    return ExpectedVisit(
        id=row.id, name=row.name, host=row.host, day=row.day, company=row.company, phone=row.phone,
        time_from=row.time_from, time_to=row.time_to, purpose=row.purpose, note=row.note,
        created_by=row.created_by, created_at=row.created_at, arrived_visit_id=row.arrived_visit_id,
        arrived_at=row.arrived_at, cancelled=bool(row.cancelled),
    )
