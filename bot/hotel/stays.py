"""Guests' stays: who is in which room, found by room, by extension or by name; checkout.

    active ──(the departure day's checkout time has passed, or the PMS no longer lists it)──▶ checked_out

A stay is *in house* at a moment when it is active, has arrived (its arrival day has begun in
the hotel's time zone) and its departure day's checkout time (12:00 unless the hotel says
otherwise) has not come. Checkout is a conditional UPDATE per stay, so running it twice, or
from two processes at once, checks a stay out once.

Names are matched the way the directory matches staff (`bot.directory`): Chinese by
tone-less pinyin (张伟 / 张玮), Latin letters without case or accents and in any order (Miller
Anna / anna MILLER, Zoë / Zoe), and either script against the other (张伟 / "Zhang Wei" /
"ZHANG/WEI"). A "no calls" guest is returned like any other: the layer that answers callers
must treat them as absent (issue #11: the hotel does not even confirm such a guest stays).

Staff change a stay by hand with `update_stay` (the console's stay page, `receptionist hotel stays
set`): its flags, language and departure; the PMS export is the usual way in, and its next import
sets again whatever its columns give.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.tables import OrganizationRow, RoomRow, StayRow
from bot.directory.pinyin import is_han, readings, sounds_alike
from bot.directory.resolve import HOMOPHONE_SCORE, latin_tokens, split_chinese_name
from bot.hotel.rooms import room_number
from bot.records.common import aware, transition

DEFAULT_CHECKOUT = dt.time(12, 0)
"""Checkout time on the departure day, in the hotel's time zone, unless the hotel says otherwise."""
DEFAULT_ZONE = "Asia/Shanghai"
"""An organisation file without `timezone` means this one (bot.org.orgfile)."""

NAME_SCORE = 1.0
"""The name as registered (Chinese characters, or the Latin words in any order and case)."""
PINYIN_SCORE = 0.95
"""A Chinese name spelled in pinyin, or a pinyin-registered name said in characters."""
SOUND_SCORE = HOMOPHONE_SCORE
"""Chinese characters that sound the same (张玮 for 张伟), as for staff."""
PART_SCORE = 0.6
"""Only part of the name: the surname with a title (王先生, Mr. Miller), or some of the words."""

LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})?")
"""A stay's language: zh, en or another ISO 639 code (with a region: pt-br)."""
STAY_FLAGS = ("do_not_disturb", "no_calls", "vip")
"""A stay's yes/no fields, changed by hand with `update_stay` as well as by the PMS export."""

_TITLES_LATIN = frozenset({"mr", "mrs", "ms", "miss", "mister", "madam", "madame", "sir", "dr", "prof"})
_TITLES_ZH = ("先生", "女士", "小姐", "太太", "夫人")


class StayStatus(str, Enum):
    ACTIVE = "active"
    CHECKED_OUT = "checked_out"


@dataclass(frozen=True)
class StayRecord:
    id: int
    room: str
    arrival: dt.date
    departure: dt.date
    status: StayStatus
    guest_name_zh: str | None = None
    guest_name_latin: str | None = None
    vip: bool = False
    do_not_disturb: bool = False
    no_calls: bool = False
    """Privacy: callers are never told the guest is staying."""
    language: str | None = None
    checked_out_at: dt.datetime | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    @property
    def guest(self) -> str:
        """The guest's name for staff: both forms when the PMS has both."""
        names = [n for n in (self.guest_name_zh, self.guest_name_latin) if n]
        return " / ".join(names)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "room": self.room, "guest_name_zh": self.guest_name_zh,
            "guest_name_latin": self.guest_name_latin, "arrival": self.arrival.isoformat(),
            "departure": self.departure.isoformat(), "vip": self.vip, "do_not_disturb": self.do_not_disturb,
            "no_calls": self.no_calls, "language": self.language, "status": self.status.value,
            "checked_out_at": _iso(self.checked_out_at), "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
        }


class UnknownStay(LookupError):
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown stay"


class StayError(ValueError):
    """A change to a stay that cannot be made; `errors` gives every reason, for staff."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class GuestMatch:
    stay: StayRecord
    score: float
    matched: str
    """How: "name", "pinyin", "sound" or "part"."""


# ---------------------------------------------------------------------------------- time


def organisation_zone(session: Session) -> dt.tzinfo:
    """The hotel's time zone from the stored organisation (UTC while none is imported)."""
    settings = session.execute(select(OrganizationRow.settings)).scalar_one_or_none()
    if settings is None:
        return dt.timezone.utc
    return ZoneInfo((settings.get("organization") or {}).get("timezone") or DEFAULT_ZONE)


def checkout_moment(departure: dt.date, zone: dt.tzinfo, checkout_time: dt.time = DEFAULT_CHECKOUT) -> dt.datetime:
    """When a stay departing on `departure` ends."""
    return dt.datetime.combine(departure, checkout_time, tzinfo=zone)


def last_departure_due(now: dt.datetime, zone: dt.tzinfo, checkout_time: dt.time = DEFAULT_CHECKOUT) -> dt.date:
    """The latest departure day whose checkout time has come at `now`."""
    local = aware(now).astimezone(zone)
    today = local.date()
    return today if local.time() >= checkout_time else today - dt.timedelta(days=1)


# ---------------------------------------------------------------------------------- queries


def in_house(session: Session, now: dt.datetime, zone: dt.tzinfo | None = None,
             checkout_time: dt.time = DEFAULT_CHECKOUT, room: str | None = None) -> list[StayRecord]:
    """The stays in house at `now` (module docstring), by room then arrival; only `room`'s when given."""
    zone = zone or organisation_zone(session)
    today = aware(now).astimezone(zone).date()
    query = select(StayRow).where(StayRow.status == StayStatus.ACTIVE.value, StayRow.arrival <= today,
                                  StayRow.departure > last_departure_due(now, zone, checkout_time))
    if room is not None:
        query = query.where(StayRow.room == room_number(room))
    rows = session.execute(query.order_by(StayRow.room, StayRow.arrival, StayRow.id)).scalars()
    return [_record(row) for row in rows]


def active_stay(session: Session, room: str, now: dt.datetime, zone: dt.tzinfo | None = None,
                checkout_time: dt.time = DEFAULT_CHECKOUT) -> StayRecord | None:
    """The guest in `room` at `now`, or None. On a changeover day, before checkout time, the
    departing guest (the earlier arrival) is still the room's guest."""
    found = in_house(session, now, zone, checkout_time, room=room)
    return found[0] if found else None


def stay_by_extension(session: Session, extension: str, now: dt.datetime, zone: dt.tzinfo | None = None,
                      checkout_time: dt.time = DEFAULT_CHECKOUT) -> StayRecord | None:
    """The guest of the room whose phone is `extension` (an internal call from a room)."""
    number = session.execute(select(RoomRow.number).where(RoomRow.extension == extension.strip())).scalar()
    return active_stay(session, number, now, zone, checkout_time) if number else None


def find_stays_by_name(session: Session, name: str, now: dt.datetime, zone: dt.tzinfo | None = None,
                       checkout_time: dt.time = DEFAULT_CHECKOUT) -> list[GuestMatch]:
    """The in-house stays whose guest `name` may mean, best first (no-calls guests included: see above)."""
    matches = []
    for stay in in_house(session, now, zone, checkout_time):
        found = name_match(name, stay.guest_name_zh, stay.guest_name_latin)
        if found is not None:
            matches.append(GuestMatch(stay, *found))
    return sorted(matches, key=lambda m: (-m.score, m.stay.room, m.stay.id))


def get_stay(session: Session, stay_id: int) -> StayRecord | None:
    row = session.get(StayRow, stay_id, populate_existing=True)
    return _record(row) if row is not None else None


def guest_names(session: Session, stay_ids: Iterable[int]) -> dict[int, str]:
    """Each stay's guest as staff read it (`StayRecord.guest`: both forms when the PMS has both), by id."""
    wanted = set(stay_ids)
    if not wanted:
        return {}
    rows = session.execute(select(StayRow).where(StayRow.id.in_(wanted))).scalars()
    return {row.id: _record(row).guest for row in rows}


def list_stays(session: Session, status: StayStatus | str | None = None, limit: int = 1000) -> list[StayRecord]:
    """Stays by room then arrival (newest arrivals of a room last); all statuses unless `status`."""
    query = select(StayRow)
    if status is not None:
        query = query.where(StayRow.status == StayStatus(status).value)
    rows = session.execute(query.order_by(StayRow.room, StayRow.arrival, StayRow.id).limit(max(0, limit))).scalars()
    return [_record(row) for row in rows]


# ---------------------------------------------------------------------------------- by hand


def update_stay(session: Session, stay_id: int, changes: Mapping[str, Any], now: dt.datetime | None = None,
                zone: dt.tzinfo | None = None, checkout_time: dt.time = DEFAULT_CHECKOUT) -> dict[str, Any]:
    """Change an active stay by hand: any of STAY_FLAGS (true or false), `language` (an ISO 639 code;
    empty or None: none) and `departure` (a date, or its ISO text); a key left out is kept. Returns what
    changed, with the new values ({} when nothing did).

    Raises `StayError` with every reason, changing nothing: a checked-out stay, a language that is not
    an ISO 639 code, a departure not after the arrival, already past its checkout time (a guest leaving
    now is checked out instead: `check_out`), or into the room's next stay. `UnknownStay`: no such stay."""
    unknown = set(changes) - {*STAY_FLAGS, "language", "departure"}
    if unknown:
        raise ValueError(f"a stay's {', '.join(sorted(unknown))} is not changed by hand")
    moment = aware(now)
    row = session.get(StayRow, stay_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise UnknownStay(f"no stay {stay_id}")
    errors = []
    if row.status != StayStatus.ACTIVE.value:
        errors.append("this stay is checked out: it can no longer be changed")
    wanted: dict[str, Any] = {flag: bool(changes[flag]) for flag in STAY_FLAGS if flag in changes}
    if "language" in changes:
        language = str(changes["language"] or "").strip().lower() or None
        if language is not None and not LANGUAGE.fullmatch(language):
            errors.append(f"the language is an ISO 639 code like zh, en or fr, not {language!r}")
        wanted["language"] = language
    if "departure" in changes:
        departure = changes["departure"]
        if not isinstance(departure, dt.date):
            try:
                departure = dt.date.fromisoformat(str(departure).strip())
            except ValueError:
                errors.append(f"the departure is a date like 2026-12-06, not {changes['departure']!r}")
                departure = row.departure
        if departure != row.departure:
            _check_departure(session, row, departure, moment, zone or organisation_zone(session), checkout_time,
                             errors)
        wanted["departure"] = departure
    if errors:
        raise StayError(errors)
    changed = {key: value for key, value in wanted.items() if getattr(row, key) != value}
    for key, value in changed.items():
        setattr(row, key, value)
    if changed:
        row.updated_at = moment
        session.flush()
    return changed


def _check_departure(session: Session, row: StayRow, departure: dt.date, now: dt.datetime, zone: dt.tzinfo,
                     checkout_time: dt.time, errors: list[str]) -> None:
    if departure <= row.arrival:
        errors.append(f"the departure {departure} is not after the arrival {row.arrival}")
    elif checkout_moment(departure, zone, checkout_time) <= now:
        errors.append(f"the departure {departure} has passed its checkout time: check the guest out instead")
    overlap = session.execute(select(StayRow.id).where(
        StayRow.room == row.room, StayRow.id != row.id, StayRow.status == StayStatus.ACTIVE.value,
        StayRow.arrival >= row.arrival, StayRow.arrival < departure)).first()
    if overlap is not None:
        errors.append(f"room {row.room} has another guest arriving before {departure}")


# ---------------------------------------------------------------------------------- checkout


def check_out_departed(session: Session, now: dt.datetime, zone: dt.tzinfo | None = None,
                       checkout_time: dt.time = DEFAULT_CHECKOUT) -> list[StayRecord]:
    """Check out every active stay whose departure day's checkout time has passed at `now`;
    returns those this call checked out (none the second time)."""
    zone = zone or organisation_zone(session)
    moment = aware(now)
    due = session.execute(select(StayRow.id).where(StayRow.status == StayStatus.ACTIVE.value,
                                                   StayRow.departure <= last_departure_due(moment, zone, checkout_time))
                          .order_by(StayRow.id)).scalars().all()
    done = [stay_id for stay_id in due if check_out(session, stay_id, moment)]
    return [_record(session.get(StayRow, stay_id, populate_existing=True)) for stay_id in done]


def check_out(session: Session, stay_id: int, now: dt.datetime | None = None) -> bool:
    """Check one stay out now; False when it was not active (already checked out: a no-op)."""
    moment = aware(now)
    return transition(session, StayRow, stay_id, [StayStatus.ACTIVE], status=StayStatus.CHECKED_OUT.value,
                      checked_out_at=moment, updated_at=moment)


# ---------------------------------------------------------------------------------- names


def name_match(query: str, name_zh: str | None, name_latin: str | None) -> tuple[float, str] | None:
    """How well what a caller said (`query`) names a guest registered as `name_zh` / `name_latin`:
    (score, how) or None. Chinese and Latin parts of `query` are each tried against both names."""
    han = "".join(ch for ch in query if is_han(ch))
    for title in _TITLES_ZH:
        if han.endswith(title) and len(han) > len(title):
            han = han[: -len(title)]
            break
    words = [w for w in latin_tokens(query) if w not in _TITLES_LATIN]
    found = [m for m in (_han_match(han, name_zh, name_latin, titled=han != _han(query)),
                         _latin_match(words, name_zh, name_latin)) if m]
    return max(found, key=lambda m: m[0]) if found else None


def _han_match(han: str, name_zh: str | None, name_latin: str | None, titled: bool) -> tuple[float, str] | None:
    if not han:
        return None
    registered = _han(name_zh or "")
    if registered:
        if han == registered:
            return NAME_SCORE, "name"
        if len(han) >= 2 and sounds_alike(han, registered):
            return SOUND_SCORE, "sound"
        surname = split_chinese_name(registered)[0]
        if titled and surname and sounds_alike(han, surname):
            return PART_SCORE, "part"
    latin = "".join(latin_tokens(name_latin or ""))
    if latin and len(han) >= 2 and latin in _spellings(han):
        return PINYIN_SCORE, "pinyin"
    return None


def _latin_match(words: list[str], name_zh: str | None, name_latin: str | None) -> tuple[float, str] | None:
    if not words:
        return None
    registered = latin_tokens(name_latin or "")
    if registered and sorted(words) == sorted(registered):
        return NAME_SCORE, "name"
    han = _han(name_zh or "")
    spoken = "".join(words)
    if han and len(han) >= 2 and spoken in _spellings(han):
        return PINYIN_SCORE, "pinyin"
    if registered and "".join(registered) in (spoken, "".join(reversed(words))):
        return PINYIN_SCORE, "pinyin"  # "lina" for "Li Na", "Na Li" typed as one word
    if registered and set(words) < set(registered):
        return PART_SCORE, "part"
    return None


def _spellings(han: str) -> set[str]:
    """A Chinese name in pinyin without spaces, surname first or last: 李娜 → lina, nali. Names
    only (at most 4 characters): every reading of every character is combined."""
    surname, given = split_chinese_name(han)
    if not surname or len(han) > 4:
        return set()
    spell = {"".join(parts) for parts in itertools.product(*(readings(ch) for ch in han))}
    spell |= {"".join(parts) for parts in itertools.product(*(readings(ch) for ch in given + surname))}
    return spell


def _han(text: str) -> str:
    return "".join(ch for ch in text if is_han(ch))


# ---------------------------------------------------------------------------------- helpers


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _record(row: StayRow) -> StayRecord:
    return StayRecord(
        id=row.id, room=row.room, arrival=row.arrival, departure=row.departure, status=StayStatus(row.status),
        guest_name_zh=row.guest_name_zh, guest_name_latin=row.guest_name_latin, vip=row.vip,
        do_not_disturb=row.do_not_disturb, no_calls=row.no_calls, language=row.language,
        checked_out_at=row.checked_out_at, created_at=row.created_at, updated_at=row.updated_at,
    )
