"""The hotel's PMS export as CSV: the room list, and the guests' stays.

Both files start with a header row naming the columns, in English or Chinese, in any order;
UTF-8 (with or without BOM) and GB18030 are read. Every mistake is reported with its line and
column, all at once, and a file with any mistake changes nothing. `dry_run` reports what an
import would do and stores nothing.

Rooms (`receptionist hotel rooms import FILE`): the whole room list; a room no longer on it is
removed, unless a stay in it is still active (an error: check the stay out first).

| column | also | required |
| --- | --- | --- |
| `room` | number, 房号, 房间号 | yes: letters, digits and `-` ("0812", "A-1203"), stored in upper case |
| `extension` | phone, 分机, 分机号 | no: digits, unique, not a directory extension |
| `floor` | 楼层 | no: as the hotel names it ("8", "B1") |

Stays (`receptionist hotel stays import FILE`): the PMS's in-house and expected guests. A stay is
identified by its room and arrival day. A stay the export no longer lists is checked out (the
guest left early, or the booking was cancelled); a stay is active until its departure day's
checkout time (12:00 unless given), so a listed stay already past it is stored checked out.

| column | also | required |
| --- | --- | --- |
| `room` | number, 房号, 房间号 | yes: a room on the room list |
| `guest_name_zh` | name_zh, 中文名, 姓名 | one of the two names: Chinese characters ("张伟", "买买提·艾力") |
| `guest_name_latin` | name_latin, name_en, 英文名, 外文名 | one of the two names: Latin letters, any order ("Anna Miller", "ZHANG/WEI") |
| `arrival` | check_in, 到店日期, 入住日期 | yes: YYYY-MM-DD (also 2026/12/1; a time after it is ignored) |
| `departure` | check_out, 离店日期, 退房日期 | yes: the checkout day, after the arrival |
| `vip` | 贵宾 | no: yes/no, 1/0, 是/否, x; empty is no |
| `dnd` | do_not_disturb, 免打扰, 请勿打扰 | no: calls go to a message |
| `no_calls` | privacy, 保密, 谢绝来电 | no: callers are never told the guest is staying |
| `language` | lang, 语言 | no: zh, en (中文, 英文) or another ISO 639 code |

A column left out keeps what was stored for the stays the file lists (new stays: no, none).

`shift_to` (`receptionist hotel stays import FILE --shift-to-today`) moves every arrival and
departure by the same number of days so that the earliest arrival is that day: a file of fixed
dates, such as the demo's (December 2026), stays a picture of a hotel in business whenever it is
loaded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.db.tables import RoomRow, StayRow
from bot.directory.pinyin import is_han
from bot.hotel.csvfile import Cells, CsvTable
from bot.hotel.rooms import EXTENSION, ROOM_NUMBER
from bot.hotel.stays import DEFAULT_CHECKOUT, LANGUAGE, StayStatus, checkout_moment, organisation_zone
from bot.org.model import Directory
from bot.org.orgfile import OrgFileError, Problem
from bot.records.common import aware

_ROOM_WORDS = ("room", "number", "room_number", "房号", "房间号", "房间")
ROOM_COLUMNS: dict[str, tuple[str, ...]] = {
    "room": _ROOM_WORDS,
    "extension": ("extension", "phone", "分机", "分机号"),
    "floor": ("floor", "楼层"),
}
STAY_COLUMNS: dict[str, tuple[str, ...]] = {
    "room": _ROOM_WORDS,
    "guest_name_zh": ("guest_name_zh", "name_zh", "中文名", "姓名"),
    "guest_name_latin": ("guest_name_latin", "name_latin", "name_en", "英文名", "外文名"),
    "arrival": ("arrival", "check_in", "到店日期", "入住日期"),
    "departure": ("departure", "check_out", "离店日期", "退房日期"),
    "vip": ("vip", "贵宾"),
    "dnd": ("dnd", "do_not_disturb", "免打扰", "请勿打扰"),
    "no_calls": ("no_calls", "privacy", "保密", "谢绝来电"),
    "language": ("language", "lang", "语言"),
}
ROOM_REQUIRED = ("room",)
STAY_REQUIRED = ("room", "arrival", "departure")
MAX_NAME = 200
_LANGUAGE = LANGUAGE
_LANGUAGE_WORDS = {"中文": "zh", "汉语": "zh", "普通话": "zh", "chinese": "zh", "英文": "en", "英语": "en",
                   "english": "en"}
_FLAGS = {"vip": "vip", "dnd": "do_not_disturb", "no_calls": "no_calls"}
"""CSV column → stay field."""
_STAY_FIELDS = ("guest_name_zh", "guest_name_latin", "departure", "vip", "do_not_disturb", "no_calls", "language")


# ---------------------------------------------------------------------------------- rooms


@dataclass(frozen=True)
class RoomChange:
    number: str
    fields: tuple[str, ...] = ()


@dataclass
class RoomsImport:
    added: list[RoomChange] = field(default_factory=list)
    changed: list[RoomChange] = field(default_factory=list)
    removed: list[RoomChange] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> list[str]:
        lines = [f"rooms: added {len(self.added)}, changed {len(self.changed)}, removed {len(self.removed)}, "
                 f"unchanged {self.unchanged}"]
        lines += [f"  + {c.number}" for c in self.added]
        lines += [f"  ~ {c.number}: {', '.join(c.fields)}" for c in self.changed]
        lines += [f"  - {c.number}" for c in self.removed]
        return lines


def import_rooms(session: Session, table: CsvTable, directory: Directory | None = None,
                 dry_run: bool = False) -> RoomsImport:
    """Make the room list what `table` says; raises `OrgFileError` (nothing changed) on any mistake.
    With `directory`, a room extension that is also a staff, department or switchboard one is a mistake."""
    problems: list[Problem] = []
    wanted = _room_rows(table, _directory_extensions(directory), problems)
    existing = {row.number: row for row in session.execute(select(RoomRow)).scalars()}
    removed = [number for number in existing if number not in wanted]
    _check_removable(session, removed, problems)
    if problems:
        raise OrgFileError(problems, table.source)
    report = RoomsImport(removed=[RoomChange(n) for n in sorted(removed)])
    for number, values in wanted.items():
        old = existing.get(number)
        changed = tuple(k for k, v in values.items() if old is not None and getattr(old, k) != v)
        if old is None:
            report.added.append(RoomChange(number))
        elif changed:
            report.changed.append(RoomChange(number, changed))
        else:
            report.unchanged += 1
    if not dry_run:
        _store_rooms(session, wanted, existing, removed)
    return report


def _room_rows(table: CsvTable, taken: dict[str, str], problems: list[Problem]) -> dict[str, dict[str, Any]]:
    """Room number → the columns the file has, checked."""
    rooms: dict[str, dict[str, Any]] = {}
    lines: dict[str, int] = {}
    extensions: dict[str, int] = {}
    for row in table.rows:
        cells = Cells(table, row, problems)
        number = (cells.text("room", 16) or "").upper()
        if not number:
            cells.error("room", "a room number is needed")
            continue
        if not ROOM_NUMBER.fullmatch(number):
            cells.error("room", f"{number!r} is not a room number (letters, digits and '-', e.g. 0812, A-1203)")
            continue
        if number in lines:
            cells.error("room", f"room {number} is already at line {lines[number]}")
            continue
        lines[number] = row.line
        values: dict[str, Any] = {}
        if cells.present("extension"):
            values["extension"] = cells.text("extension", 16, EXTENSION, "an extension (digits)")
            _check_extension(cells, values["extension"], extensions, taken)
        if cells.present("floor"):
            values["floor"] = cells.text("floor", 16)
        rooms[number] = values
    return rooms


def _check_extension(cells: Cells, extension: str | None, seen: dict[str, int], taken: dict[str, str]) -> None:
    if extension is None:
        return
    if extension in seen:
        cells.error("extension", f"extension {extension} is already used at line {seen[extension]}")
    elif extension in taken:
        cells.error("extension", f"extension {extension} is {taken[extension]}'s in the directory")
    seen.setdefault(extension, cells.row.line)


def _directory_extensions(directory: Directory | None) -> dict[str, str]:
    if directory is None:
        return {}
    taken = {p.extension: p.name for p in directory.people if p.extension}
    taken.update({d.extension: d.name for d in directory.departments if d.extension})
    for number, what in ((directory.organization.operator, "the operator"),
                         (directory.after_hours.duty_phone, "the duty line")):
        if number:
            taken[number] = what
    return taken


def _check_removable(session: Session, removed: list[str], problems: list[Problem]) -> None:
    if not removed:
        return
    busy = session.execute(select(StayRow).where(StayRow.room.in_(removed), StayRow.status == StayStatus.ACTIVE.value)
                           .order_by(StayRow.room)).scalars()
    for stay in busy:
        problems.append(Problem(f"room {stay.room}", None,
                                f"not on the list but stay {stay.id} there is active (departure {stay.departure}): "
                                "keep the room, or check the stay out first"))


def _store_rooms(session: Session, wanted: dict[str, dict[str, Any]], existing: dict[str, RoomRow],
                 removed: list[str]) -> None:
    """Removed rooms go and moved extensions are cleared first, so two rooms may swap extensions."""
    now = aware(None)
    changes = {number: {k: v for k, v in values.items() if getattr(existing[number], k) != v}
               for number, values in wanted.items() if number in existing}
    for number in removed:
        session.delete(existing[number])
    for number, changed in changes.items():
        if "extension" in changed:
            existing[number].extension = None
    session.flush()
    for number, values in wanted.items():
        if number not in existing:
            session.add(RoomRow(number=number, created_at=now, updated_at=now, **values))
        elif changes[number]:
            for key, value in changes[number].items():
                setattr(existing[number], key, value)
            existing[number].updated_at = now
    session.flush()


# ---------------------------------------------------------------------------------- stays


@dataclass(frozen=True)
class StayChange:
    room: str
    guest: str
    arrival: dt.date
    departure: dt.date
    fields: tuple[str, ...] = ()
    """Changed: which fields. Checked out: why ("not in the export", "departed")."""

    def describe(self) -> str:
        return f"{self.room} {self.guest} ({self.arrival} → {self.departure})"


@dataclass
class StaysImport:
    added: list[StayChange] = field(default_factory=list)
    changed: list[StayChange] = field(default_factory=list)
    checked_out: list[StayChange] = field(default_factory=list)
    unchanged: int = 0
    shifted_days: int | None = None
    """Days every date was moved by (`shift_to`); None: the file's dates as written."""

    def summary(self) -> list[str]:
        lines = [f"stays: added {len(self.added)}, changed {len(self.changed)}, "
                 f"checked out {len(self.checked_out)}, unchanged {self.unchanged}"]
        if self.shifted_days is not None:
            lines.append(f"  (every arrival and departure moved by {self.shifted_days:+d} day(s))")
        lines += [f"  + {c.describe()}" + (" (already departed)" if c.fields else "") for c in self.added]
        lines += [f"  ~ {c.describe()}: {', '.join(c.fields)}" for c in self.changed]
        lines += [f"  - {c.describe()}: {', '.join(c.fields)}" for c in self.checked_out]
        return lines


@dataclass(frozen=True)
class _StayLine:
    line: int
    room: str
    arrival: dt.date
    values: dict[str, Any]
    """The stay's fields the file gives (see _STAY_FIELDS)."""


def import_stays(session: Session, table: CsvTable, now: dt.datetime | None = None, zone: dt.tzinfo | None = None,
                 checkout_time: dt.time = DEFAULT_CHECKOUT, dry_run: bool = False,
                 shift_to: dt.date | None = None) -> StaysImport:
    """Make the stays what the export says (module docstring); raises `OrgFileError`, changing
    nothing, on any mistake. `now` decides which listed stays have already departed. `shift_to`:
    every date is first moved by the same number of days, so that the earliest arrival is that day."""
    moment = aware(now)
    zone = zone or organisation_zone(session)
    if not ({"guest_name_zh", "guest_name_latin"} & set(table.columns)):
        raise OrgFileError([Problem("(header)", 1, "missing column(s): guest_name_zh or guest_name_latin")],
                           table.source)
    if not table.rows:
        raise OrgFileError([Problem("(file)", None, "no stays: an empty export would check every guest out")],
                           table.source)
    rooms = set(session.execute(select(RoomRow.number)).scalars())
    problems: list[Problem] = []
    lines = _stay_lines(table, rooms, problems)
    if problems:
        raise OrgFileError(problems, table.source)
    report = StaysImport()
    if shift_to is not None:
        days = (shift_to - min(line.arrival for line in lines)).days
        lines = [_shifted(line, dt.timedelta(days=days)) for line in lines]
        report.shifted_days = days
    plan = _plan_stays(session, lines, moment, zone, checkout_time, report)
    if not dry_run:
        _store_stays(session, plan, moment)
    return report


def _stay_lines(table: CsvTable, rooms: set[str], problems: list[Problem]) -> list[_StayLine]:
    found: list[_StayLine] = []
    for row in table.rows:
        cells = Cells(table, row, problems)
        before = len(problems)
        room = (cells.text("room", 16) or "").upper()
        if not room:
            cells.error("room", "a room number is needed")
        elif room not in rooms:
            cells.error("room", f"no room {room} on the room list (receptionist hotel rooms import)")
        values = _guest_names(cells)
        arrival, departure = cells.date("arrival"), cells.date("departure")
        if arrival and departure and departure <= arrival:
            cells.error("departure", f"the departure {departure} is not after the arrival {arrival}")
        values["departure"] = departure
        for column, name in _FLAGS.items():
            if cells.present(column):
                values[name] = cells.flag(column)
        if cells.present("language"):
            values["language"] = _language(cells)
        if len(problems) == before and arrival is not None:
            _check_overlap(cells, found, room, arrival, departure)
        if len(problems) == before and arrival is not None:
            found.append(_StayLine(row.line, room, arrival, values))
    return found


def _shifted(line: _StayLine, by: dt.timedelta) -> _StayLine:
    return dataclasses.replace(line, arrival=line.arrival + by,
                               values={**line.values, "departure": line.values["departure"] + by})


def _guest_names(cells: Cells) -> dict[str, Any]:
    names: dict[str, Any] = {}
    if cells.present("guest_name_zh"):
        zh = cells.text("guest_name_zh", MAX_NAME)
        if zh and not any(is_han(ch) for ch in zh):
            cells.error("guest_name_zh", f"{zh!r} has no Chinese characters (put it under guest_name_latin)")
        names["guest_name_zh"] = zh
    if cells.present("guest_name_latin"):
        latin = cells.text("guest_name_latin", MAX_NAME)
        if latin and (any(is_han(ch) for ch in latin) or not any(ch.isalpha() for ch in latin)):
            cells.error("guest_name_latin", f"{latin!r} is not a name in Latin letters")
        names["guest_name_latin"] = latin
    if not any(names.values()) and not any(cells.raw(c) for c in ("guest_name_zh", "guest_name_latin")):
        first = "guest_name_zh" if cells.present("guest_name_zh") else "guest_name_latin"
        cells.error(first, "a guest name is needed (guest_name_zh or guest_name_latin)")
    return names


def _language(cells: Cells) -> str | None:
    value = cells.raw("language").strip().lower()
    value = _LANGUAGE_WORDS.get(value, value.replace("_", "-"))
    if value and not _LANGUAGE.fullmatch(value):
        cells.error("language", f"{cells.raw('language')!r} is not a language (zh, en, or an ISO 639 code)")
        return None
    return value or None


def _check_overlap(cells: Cells, found: list[_StayLine], room: str, arrival: dt.date,
                   departure: dt.date | None) -> None:
    for other in found:
        if other.room != room:
            continue
        if other.arrival == arrival:
            cells.error("arrival", f"room {room} arriving {arrival} is already at line {other.line}")
            return
        if departure and arrival < other.values["departure"] and other.arrival < departure:
            cells.error("arrival", f"room {room} is taken from {other.arrival} to {other.values['departure']} "
                                   f"at line {other.line}")
            return


@dataclass
class _Plan:
    add: list[dict[str, Any]] = field(default_factory=list)
    update: list[tuple[StayRow, dict[str, Any]]] = field(default_factory=list)


def _plan_stays(session: Session, lines: list[_StayLine], now: dt.datetime, zone: dt.tzinfo,
                checkout_time: dt.time, report: StaysImport) -> _Plan:
    earliest = min(line.arrival for line in lines)
    relevant = select(StayRow).where(or_(StayRow.status == StayStatus.ACTIVE.value, StayRow.arrival >= earliest))
    existing = {(row.room, row.arrival): row for row in session.execute(relevant).scalars()}
    plan = _Plan()
    for line in lines:
        departed = checkout_moment(line.values["departure"], zone, checkout_time) <= now
        status = (StayStatus.CHECKED_OUT if departed else StayStatus.ACTIVE).value
        old = existing.pop((line.room, line.arrival), None)
        if old is None:
            plan.add.append({"room": line.room, "arrival": line.arrival, **line.values, "status": status})
            report.added.append(_change(line.room, line.arrival, line.values, ("departed",) if departed else ()))
            continue
        changes = {k: v for k, v in {**line.values, "status": status}.items() if getattr(old, k) != v}
        if old.status == StayStatus.CHECKED_OUT.value and departed:
            changes.pop("status", None)  # a stay checked out early stays checked out
        entry = _change(line.room, line.arrival, {**_values(old), **line.values}, ())
        if changes.get("status") == StayStatus.CHECKED_OUT.value:
            report.checked_out.append(_with(entry, ("departed",)))
        elif changes:
            report.changed.append(_with(entry, tuple(changes)))
        else:
            report.unchanged += 1
        if changes:
            plan.update.append((old, changes))
    for old in sorted(existing.values(), key=lambda row: (row.room, row.arrival)):
        if old.status == StayStatus.ACTIVE.value:
            report.checked_out.append(_change(old.room, old.arrival, _values(old), ("not in the export",)))
            plan.update.append((old, {"status": StayStatus.CHECKED_OUT.value}))
    return plan


def _store_stays(session: Session, plan: _Plan, now: dt.datetime) -> None:
    for row, changes in plan.update:
        for key, value in changes.items():
            setattr(row, key, value)
        if "status" in changes:
            row.checked_out_at = now if changes["status"] == StayStatus.CHECKED_OUT.value else None
        row.updated_at = now
    for values in plan.add:
        out = values["status"] == StayStatus.CHECKED_OUT.value
        session.add(StayRow(**values, created_at=now, updated_at=now, checked_out_at=now if out else None))
    session.flush()


def _values(row: StayRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _STAY_FIELDS}


def _change(room: str, arrival: dt.date, values: dict[str, Any], fields: tuple[str, ...]) -> StayChange:
    guest = " / ".join(n for n in (values.get("guest_name_zh"), values.get("guest_name_latin")) if n)
    return StayChange(room, guest, arrival, values["departure"], fields)


def _with(change: StayChange, fields: tuple[str, ...]) -> StayChange:
    return StayChange(change.room, change.guest, change.arrival, change.departure, fields)
