"""Reading, validating and writing the organisation file (contract section 1).

`parse_org_file` either returns a complete `Directory` or raises `OrgFileError` listing every
mistake with its key path and line; nothing is half-read. The database is only touched after a
file has parsed whole (see `bot.org.store`), so a bad file changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from bot.org.model import (
    WAKEUP_NOTE_MAX,
    WEEKDAYS,
    AfterHours,
    CaseCategory,
    Department,
    Directory,
    DutyAssignment,
    Floor,
    Holiday,
    Level,
    Organization,
    OrgKind,
    Person,
    Policy,
    Presence,
    Rings,
    Span,
    WakeupNote,
)
from bot.privacy import scrub_for_caller

LANGUAGES = ("zh", "en")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_EXTENSION = re.compile(r"^[0-9*#]{1,16}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{3,24}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SPAN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)-([01]?\d|2[0-4]):([0-5]\d)$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_SEXAGESIMAL = re.compile(r"^[0-9]+(?::[0-5]?[0-9])+$")


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path}: {self.message}"


class OrgFileError(ValueError):
    """The organisation file has mistakes; `problems` says where each one is."""

    def __init__(self, problems: list[Problem], source: str = "organisation file") -> None:
        self.problems = problems
        self.source = source
        super().__init__(f"{source}: {len(problems)} problem(s)\n" + "\n".join(f"  {p}" for p in problems))


# --------------------------------------------------------------------------------------
# YAML with line numbers


class _Doc:
    """Plain Python data from YAML plus the line each key path came from."""

    def __init__(self) -> None:
        self.lines: dict[str, int] = {}
        self.problems: list[Problem] = []

    def line(self, path: str) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rsplit(".", 1)[0] if "." in path else path.rsplit("[", 1)[0] if "[" in path else ""
        return None

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, self.line(path), message))


def _load_yaml(text: str, doc: _Doc) -> Any:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise OrgFileError([Problem("(file)", line, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    finally:
        loader.dispose()
    if node is None:
        raise OrgFileError([Problem("(file)", 1, "the file is empty")])
    return _to_python(node, "", doc, loader)


def _to_python(node: yaml.Node, path: str, doc: _Doc, loader: yaml.SafeLoader) -> Any:
    doc.lines.setdefault(path or "(file)", node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node))
            child = f"{path}.{key}" if path else key
            doc.lines[child] = key_node.start_mark.line + 1
            if key in result:
                doc.error(child, "this key is given twice")
            result[key] = _to_python(value_node, child, doc, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = f"{path}[{index}]"
            doc.lines[child] = item.start_mark.line + 1
            items.append(_to_python(item, child, doc, loader))
        return items
    if node.tag == "tag:yaml.org,2002:int" and _SEXAGESIMAL.match(node.value):
        return node.value  # an unquoted 12:00 is a time of day, not YAML 1.1's base-60 number 720
    try:
        return loader.construct_object(node)
    except (yaml.constructor.ConstructorError, ValueError):
        return node.value  # e.g. "2026-13-10": kept as text, so the field's own check explains it


# --------------------------------------------------------------------------------------
# Field readers: each returns the value or records a problem and returns None


class _Section:
    """One mapping of the file, read key by key; unknown keys are reported."""

    def __init__(self, doc: _Doc, data: Any, path: str, allowed: tuple[str, ...]) -> None:
        self.doc, self.path = doc, path
        if not isinstance(data, dict):
            doc.error(path, "must be a mapping of keys to values")
            data = {}
        self.data = data
        for key in data:
            if key not in allowed:
                doc.error(self._at(key), f"unknown key '{key}' (allowed: {', '.join(allowed)})")

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def text(self, key: str, required: bool = False, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                self.doc.error(self._at(key), "is required")
            return default
        if isinstance(value, (dict, list, bool)):
            self.doc.error(self._at(key), "must be text")
            return default
        value = str(value).strip()
        if required and not value:
            self.doc.error(self._at(key), "must not be empty")
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) or None

    def matching(self, key: str, pattern: re.Pattern[str], what: str, required: bool = False) -> str | None:
        value = self.text(key, required=required)
        if value and not pattern.match(value):
            self.doc.error(self._at(key), f"'{value}' is not {what}")
            return None
        return value or None

    def choice(self, key: str, enum: Any, default: Any) -> Any:
        value = self.data.get(key)
        if value is None:
            return default
        try:
            return enum(str(value))
        except ValueError:
            options = ", ".join(m.value for m in enum)
            self.doc.error(self._at(key), f"'{value}' is not one of: {options}")
            return default

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or any(isinstance(v, (dict, list)) or v is None for v in value):
            self.doc.error(self._at(key), "must be a list of words")
            return ()
        return tuple(str(v).strip() for v in value if str(v).strip())

    def items(self, key: str) -> list[tuple[str, Any]]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.doc.error(self._at(key), "must be a list")
            return []
        return [(f"{self._at(key)}[{i}]", item) for i, item in enumerate(value)]

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.doc.error(self._at(key), "must be true or false")
            return default
        return value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.doc.error(self._at(key), f"must be a whole number from {low} to {high}")
            return default
        return value

    def date(self, key: str, required: bool = False) -> dt.date | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.doc.error(self._at(key), "is required")
            return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            try:
                return dt.date.fromisoformat(str(value))
            except ValueError:
                self.doc.error(self._at(key), f"'{value}' is not a date (YYYY-MM-DD)")
                return None
        return value

    def clock(self, key: str, default: dt.time) -> dt.time:
        """A time of day written "HH:MM" (quoted or not)."""
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, dt.time):
            return value
        match = _CLOCK.match(value.strip()) if isinstance(value, str) else None
        if not match:
            self.doc.error(self._at(key), f"'{value}' is not a time of day like \"12:00\" (HH:MM, 00:00 to 23:59)")
            return default
        return dt.time(int(match.group(1)), int(match.group(2)))

    def span(self, key: str) -> Span | None:
        value = self.text(key)
        return parse_span(value, self.doc, self._at(key)) if value else None

    def levels(self, key: str, default: tuple[Level, ...], allow_all: bool = False) -> tuple[Level, ...]:
        """A list of levels; where `allow_all`, also the word `all` (every level)."""
        if key not in self.data:
            return default
        value = self.data.get(key)
        if allow_all and isinstance(value, str):
            if value.strip().lower() == "all":
                return tuple(Level)
            self.doc.error(self._at(key), f"'{value}' is neither 'all' nor a list of levels "
                                          "(staff, manager, director, executive)")
            return default
        result = []
        for word in self.texts(key):
            try:
                result.append(Level(word))
            except ValueError:
                self.doc.error(self._at(key), f"'{word}' is not a level (staff, manager, director, executive)")
        return tuple(result)


def parse_span(value: str, doc: _Doc, path: str) -> Span | None:
    match = _SPAN.match(value.replace(" ", ""))
    if not match:
        doc.error(path, f"'{value}' is not opening hours like \"08:30-17:30\" or \"closed\"")
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    opens = dt.time(h1, m1)
    closes = dt.time.max if (h2, m2) >= (24, 0) else dt.time(h2, m2)
    if closes <= opens:
        doc.error(path, f"'{value}' closes before it opens")
        return None
    return Span(opens, closes)


# --------------------------------------------------------------------------------------
# The sections

_TOP = ("organization", "hours", "holidays", "after_hours", "duty_roster", "departments", "people", "policy", "cases",
        "floors")
_CASES = ("categories",)
_CATEGORY = ("id", "name", "name_en", "keywords", "department", "deadline_days", "parent")
_ORG = ("name", "name_en", "kind", "timezone", "languages", "operator", "address", "address_en", "emergency")
_HOLIDAY = ("date", "to", "closed", "hours", "name")
_DEPARTMENT = ("id", "name", "name_en", "aliases", "extension", "topics")
_FLOOR = ("name", "name_en", "departments", "people")
_PERSON = tuple(f.name for f in fields(Person))
_POLICY = tuple(f.name for f in fields(Policy))
HOTEL_POLICY = ("room_only_connect", "checkout_time", "wakeup_note")
"""The `policy:` keys that only a hotel (organization.kind: hotel) may give."""


def _read_organization(doc: _Doc, data: Any, stored: bool = False) -> Organization:
    section = _Section(doc, data, "organization", _ORG)
    timezone = section.text("timezone", default="Asia/Shanghai")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        doc.error("organization.timezone", f"'{timezone}' is not a known time zone (e.g. Asia/Shanghai)")
    languages = section.texts("languages") or ("zh", "en")
    for language in languages:
        if language not in LANGUAGES:
            doc.error("organization.languages", f"'{language}' is not supported (zh, en)")
    kind = section.choice("kind", OrgKind, OrgKind.COMPANY)
    emergency = section.matching("emergency", _EXTENSION, "an extension")
    if kind is OrgKind.HOTEL and not stored and not str(section.data.get("emergency") or "").strip():
        doc.error("organization.emergency", "is required for a hotel (kind: hotel): the extension of security "
                  "or the front desk's emergency line, where fire, medical and security calls go at once")
    return Organization(
        name=section.text("name", required=True),
        name_en=section.text("name_en"),
        kind=kind,
        timezone=timezone,
        languages=languages,
        operator=section.matching("operator", _EXTENSION, "an extension", required=True) or "",
        address=section.text("address"),
        address_en=section.text("address_en"),
        emergency=emergency,
    )


def _read_hours(doc: _Doc, data: Any) -> dict[str, Span | None]:
    section = _Section(doc, data if data is not None else {}, "hours", WEEKDAYS)
    hours: dict[str, Span | None] = {}
    for day in WEEKDAYS:
        value = section.text(day, default="closed")
        hours[day] = None if value.lower() == "closed" else parse_span(value, doc, f"hours.{day}")
    return hours


def _read_holiday(doc: _Doc, path: str, data: Any) -> Holiday | None:
    section = _Section(doc, data, path, _HOLIDAY)
    start, end = section.date("date", required=True), section.date("to")
    hours = section.span("hours")
    closed = section.boolean("closed", default=hours is None)
    if start and end and end < start:
        doc.error(f"{path}.to", "ends before it starts")
    if closed and hours:
        doc.error(path, "a closed day cannot also have hours")
    if not closed and not hours:
        doc.error(path, "a working day needs its hours (e.g. \"08:30-17:30\")")
    if not start:
        return None
    return Holiday(date=start, to=end, closed=closed, hours=hours, name=section.text("name"))


def _read_duty(doc: _Doc, path: str, data: Any) -> DutyAssignment | None:
    section = _Section(doc, data, path, ("date", "weekday", "person"))
    date = section.date("date")
    weekday = section.text("weekday").lower() or None
    if (date is None) == (weekday is None):
        doc.error(path, "give exactly one of 'date' or 'weekday'")
    if weekday and weekday not in WEEKDAYS:
        doc.error(f"{path}.weekday", f"'{weekday}' is not one of: {', '.join(WEEKDAYS)}")
    person = section.text("person", required=True)
    return DutyAssignment(person=person, date=date, weekday=weekday) if person else None


def _read_department(doc: _Doc, path: str, data: Any) -> Department | None:
    section = _Section(doc, data, path, _DEPARTMENT)
    dept_id = section.matching("id", _ID, "an id (lower-case letters, digits, '-' or '_')", required=True)
    if not dept_id:
        return None
    return Department(
        id=dept_id,
        name=section.text("name", required=True),
        name_en=section.text("name_en"),
        aliases=section.texts("aliases"),
        extension=section.matching("extension", _EXTENSION, "an extension"),
        topics=section.texts("topics"),
    )


def _read_person(doc: _Doc, path: str, data: Any) -> Person | None:
    section = _Section(doc, data, path, _PERSON)
    person_id = section.matching("id", _ID, "an id (lower-case letters, digits, '-' or '_')", required=True)
    if not person_id:
        return None
    return Person(
        id=person_id,
        name=section.text("name", required=True),
        department=section.text("department", required=True),
        extension=section.matching("extension", _EXTENSION, "an extension"),
        name_en=section.text("name_en"),
        aliases=section.texts("aliases"),
        title=section.text("title"),
        title_en=section.text("title_en"),
        level=section.choice("level", Level, Level.STAFF),
        mobile=section.matching("mobile", _PHONE, "a phone number"),
        email=section.matching("email", _EMAIL, "an e-mail address"),
        assistant=section.optional_text("assistant"),
        location=section.matching("location", _EXTENSION, "an extension"),
        presence=section.choice("presence", Presence, Presence.AVAILABLE),
    )


def _read_policy(doc: _Doc, data: Any, kind: OrgKind) -> Policy:
    if data is None:
        return Policy()
    section = _Section(doc, data, "policy", _POLICY)
    if kind is not OrgKind.HOTEL:
        for key in HOTEL_POLICY:
            if key in section.data:
                doc.error(f"policy.{key}", f"is for a hotel only (organization.kind is '{kind.value}', not 'hotel')")
    base = Policy()
    rings = base.rings
    if "rings" in section.data:
        ring_section = _Section(doc, section.data["rings"], "policy.rings", ("default", "executive"))
        rings = Rings(
            default=ring_section.integer("default", base.rings.default, 1, 20),
            executive=ring_section.integer("executive", base.rings.executive, 1, 20),
        )
    must_give_words = ("name", "company", "purpose", "appointment")
    for key in ("external_must_give", "first_visit_must_give"):
        for word in section.texts(key):
            if word not in must_give_words:
                doc.error(f"policy.{key}", f"'{word}' is not one of: {', '.join(must_give_words)}")
    note = WakeupNote()
    if "wakeup_note" in section.data:
        note_section = _Section(doc, section.data["wakeup_note"], "policy.wakeup_note", LANGUAGES)
        note = WakeupNote(**{language: _wakeup_note(note_section, language) for language in LANGUAGES})
    return Policy(
        rings=rings,
        ring_seconds=section.integer("ring_seconds", base.ring_seconds, 1, 30),
        screened_levels=section.levels("screened_levels", base.screened_levels),
        internal_pass_level=section.choice("internal_pass_level", Level, base.internal_pass_level),
        external_must_give=section.texts("external_must_give") if "external_must_give" in section.data else base.external_must_give,
        first_visit_must_give=section.texts("first_visit_must_give") if "first_visit_must_give" in section.data else base.first_visit_must_give,
        block_sales_to=section.levels("block_sales_to", base.block_sales_to, allow_all=True),
        mobile_fallback_levels=section.levels("mobile_fallback_levels", base.mobile_fallback_levels),
        private_extension_levels=section.levels("private_extension_levels", base.private_extension_levels),
        urgent_retry_busy=section.boolean("urgent_retry_busy", base.urgent_retry_busy),
        message_ack_minutes=section.integer("message_ack_minutes", base.message_ack_minutes, 1, 10080),
        message_max_resends=section.integer("message_max_resends", base.message_max_resends, 0, 50),
        satisfaction_survey=section.boolean("satisfaction_survey", base.satisfaction_survey),
        general_mailbox=section.optional_text("general_mailbox"),
        room_only_connect=section.boolean("room_only_connect", base.room_only_connect),
        checkout_time=section.clock("checkout_time", base.checkout_time),
        wakeup_note=note,
    )


def _wakeup_note(section: _Section, language: str) -> str:
    """One language's wake-up note: plain text on one line, at most WAKEUP_NOTE_MAX characters."""
    value = section.text(language)
    path = section._at(language)
    if any(unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp") for ch in value):
        section.doc.error(path, "must be plain text on one line (no line breaks, tabs or control characters)")
        return ""
    if len(value) > WAKEUP_NOTE_MAX:
        section.doc.error(path, f"is {len(value)} characters long; at most {WAKEUP_NOTE_MAX} "
                          "(it is said twice in the wake-up call)")
        return ""
    return value


def _check_references(doc: _Doc, directory: Directory, paths: dict[str, str]) -> None:
    """Cross-checks: unique ids and extensions, and every reference points at something."""
    people = {p.id for p in directory.people}
    departments = {d.id for d in directory.departments}
    _check_unique(doc, [(paths[f"department:{d.id}:{i}"] + ".id", d.id)
                        for i, d in enumerate(directory.departments)], "department id")
    _check_unique(doc, [(paths[f"person:{p.id}:{i}"] + ".id", p.id)
                        for i, p in enumerate(directory.people)], "person id")
    owners: list[tuple[str, str]] = [("organization.operator", directory.organization.operator)]
    owners += [(f"{paths[f'department:{d.id}:{i}']}.extension", d.extension)
               for i, d in enumerate(directory.departments) if d.extension]
    owners += [(f"{paths[f'person:{p.id}:{i}']}.extension", p.extension)
               for i, p in enumerate(directory.people) if p.extension]
    _check_unique(doc, owners, "extension")
    for i, person in enumerate(directory.people):
        path = paths[f"person:{person.id}:{i}"]
        if person.department and person.department not in departments:
            doc.error(f"{path}.department", f"no department has the id '{person.department}'")
        if person.assistant and person.assistant not in people:
            doc.error(f"{path}.assistant", f"no person has the id '{person.assistant}'")
        if person.assistant == person.id:
            doc.error(f"{path}.assistant", "a person cannot be their own assistant")
    manager = directory.after_hours.duty_manager
    if manager and manager not in people:
        doc.error("after_hours.duty_manager", f"no person has the id '{manager}'")
    for i, duty in enumerate(directory.duty_roster):
        if duty.person not in people:
            doc.error(f"duty_roster[{i}].person", f"no person has the id '{duty.person}'")
    mailbox = directory.policy.general_mailbox
    if mailbox and mailbox not in departments:
        doc.error("policy.general_mailbox", f"no department has the id '{mailbox}'")
    for language in LANGUAGES:
        note = directory.policy.wakeup_note.for_language(language)
        if note and scrub_for_caller(note, directory) != note:
            doc.error(f"policy.wakeup_note.{language}", "spells a number guests may not be told (a staff "
                      "mobile or a private extension): the note is said to every guest called")


def _read_cases(doc: _Doc, data: Any) -> tuple[CaseCategory, ...]:
    """`cases.categories`: the hotline's case category tree (docs/organisation.md)."""
    if data is None:
        return ()
    section = _Section(doc, data, "cases", _CASES)
    categories = tuple(c for _, c in _read_list(doc, section, "categories", _read_category))
    return categories


def _read_category(doc: _Doc, path: str, data: Any) -> CaseCategory | None:
    section = _Section(doc, data, path, _CATEGORY)
    category_id = section.matching("id", _ID, "an id (lower-case letters, digits, '-' or '_')", required=True)
    if not category_id:
        return None
    days = section.data.get("deadline_days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, (int, float)) or not 0.04 <= days <= 365):
        doc.error(f"{path}.deadline_days", "must be a number of days from 0.04 (an hour) to 365")
        days = None
    return CaseCategory(id=category_id, name=section.text("name", required=True), name_en=section.optional_text("name_en"),
                        keywords=section.texts("keywords"), department=section.optional_text("department"),
                        deadline_days=float(days) if days is not None else None,
                        parent=section.optional_text("parent"))


def _check_categories(doc: _Doc, directory: Directory) -> None:
    categories = directory.case_categories
    _check_unique(doc, [(f"cases.categories[{i}].id", c.id) for i, c in enumerate(categories)], "category id")
    ids = {c.id for c in categories}
    departments = {d.id for d in directory.departments}
    parents = {c.id: c.parent for c in categories}
    for i, category in enumerate(categories):
        path = f"cases.categories[{i}]"
        if category.department and category.department not in departments:
            doc.error(f"{path}.department", f"no department has the id '{category.department}'")
        if category.parent and category.parent not in ids:
            doc.error(f"{path}.parent", f"no category has the id '{category.parent}'")
        seen, current = {category.id}, category.parent
        while current in parents:
            if current in seen:
                doc.error(f"{path}.parent", f"categories cannot be their own ancestors ({category.id} → {current})")
                break
            seen.add(current)
            current = parents[current]


def _read_floor(doc: _Doc, path: str, data: Any) -> Floor | None:
    """One entry of `floors:` (docs/organisation.md, "`floors:` (optional)"): a name, the departments, any people."""
    section = _Section(doc, data, path, _FLOOR)
    name = section.text("name", required=True)
    if not name:
        return None
    return Floor(name=name, name_en=section.text("name_en"), departments=section.texts("departments"),
                 people=section.texts("people"))


def _check_floors(doc: _Doc, directory: Directory) -> None:
    """Every floor names real departments and people, and nothing is on two floors."""
    floors = directory.floors
    _check_unique(doc, [(f"floors[{i}].name", f.name) for i, f in enumerate(floors)], "floor name")
    known = {"departments": {d.id for d in directory.departments}, "people": {p.id for p in directory.people}}
    what = {"departments": "department", "people": "person"}
    for key in ("departments", "people"):
        placed = [(f"floors[{i}].{key}", value) for i, f in enumerate(floors) for value in getattr(f, key)]
        _check_unique(doc, placed, what[key])  # one floor each
        for path, value in placed:
            if value not in known[key]:
                doc.error(path, f"no {what[key]} has the id '{value}'")


def _check_unique(doc: _Doc, entries: list[tuple[str, str | None]], what: str) -> None:
    seen: dict[str, str] = {}
    for path, value in entries:
        if value is None:
            continue
        if value in seen:
            doc.error(path, f"{what} '{value}' is already used at {seen[value]}")
        else:
            seen[value] = path


def _read_list(doc: _Doc, root: _Section, key: str, reader: Callable[[_Doc, str, Any], Any]) -> list[tuple[str, Any]]:
    return [(path, value) for path, item in root.items(key) if (value := reader(doc, path, item)) is not None]


def parse_org_text(text: str, source: str = "organisation file") -> Directory:
    """Parse and validate an organisation file's text; raise OrgFileError on any mistake."""
    doc = _Doc()
    try:
        data = _load_yaml(text, doc)
    except OrgFileError as exc:
        raise OrgFileError(exc.problems, source) from None
    return _parse(doc, data, source)


def parse_org_data(data: Any, source: str = "organisation data") -> Directory:
    """Validate the file's structure given as plain data (the console's forms, the database).

    The same checks as a file's, but one: a stored hotel without `organization.emergency` (imported
    before hotels needed one) still loads, so that an upgrade does not stop a running hotel; its next
    import must give the line."""
    return _parse(_Doc(), data, source, stored=True)


def _parse(doc: _Doc, data: Any, source: str, stored: bool = False) -> Directory:
    root = _Section(doc, data, "", _TOP)
    if "organization" not in root.data:
        doc.error("organization", "is required")
    departments = _read_list(doc, root, "departments", _read_department)
    people = _read_list(doc, root, "people", _read_person)
    after = _Section(doc, root.data.get("after_hours") or {}, "after_hours", ("duty_phone", "duty_manager"))
    organization = _read_organization(doc, root.data.get("organization") or {}, stored)
    directory = Directory(
        organization=organization,
        hours=_read_hours(doc, root.data.get("hours")),
        holidays=tuple(h for _, h in _read_list(doc, root, "holidays", _read_holiday)),
        after_hours=AfterHours(
            duty_phone=after.matching("duty_phone", _EXTENSION, "an extension"),
            duty_manager=after.optional_text("duty_manager"),
        ),
        duty_roster=tuple(d for _, d in _read_list(doc, root, "duty_roster", _read_duty)),
        departments=tuple(d for _, d in departments),
        people=tuple(p for _, p in people),
        policy=_read_policy(doc, root.data.get("policy"), organization.kind),
        case_categories=_read_cases(doc, root.data.get("cases")),
        floors=tuple(f for _, f in _read_list(doc, root, "floors", _read_floor)),
    )
    paths = {f"department:{d.id}:{i}": path for i, (path, d) in enumerate(departments)}
    paths |= {f"person:{p.id}:{i}": path for i, (path, p) in enumerate(people)}
    _check_references(doc, directory, paths)
    _check_categories(doc, directory)
    _check_floors(doc, directory)
    if doc.problems:
        problems = sorted(doc.problems, key=lambda p: (p.line or 0, p.path))
        raise OrgFileError(problems, source)
    return directory


def parse_org_file(path: str | Path) -> Directory:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise OrgFileError([Problem("(file)", None, f"not UTF-8 text: {exc}")], str(path)) from None
    return parse_org_text(text, str(path))


# --------------------------------------------------------------------------------------
# Export


def directory_to_data(directory: Directory) -> dict[str, Any]:
    """The organisation file's structure for a snapshot; `parse_org_text` reads it back equal."""
    org = directory.organization
    data: dict[str, Any] = {
        "organization": _compact({
            "name": org.name, "name_en": org.name_en, "kind": org.kind.value, "timezone": org.timezone,
            "languages": list(org.languages), "operator": org.operator,
            "address": org.address, "address_en": org.address_en, "emergency": org.emergency,
        }),
        "hours": {day: _span_text(span) if span else "closed" for day, span in directory.hours.items()},
        "holidays": [_compact({
            "date": h.date, "to": h.to, "closed": h.closed, "hours": _span_text(h.hours) if h.hours else None,
            "name": h.name,
        }) for h in directory.holidays],
        "after_hours": _compact({
            "duty_phone": directory.after_hours.duty_phone, "duty_manager": directory.after_hours.duty_manager,
        }),
        "duty_roster": [_compact({"date": d.date, "weekday": d.weekday, "person": d.person}) for d in directory.duty_roster],
        "departments": [_compact({
            "id": d.id, "name": d.name, "name_en": d.name_en, "aliases": list(d.aliases),
            "extension": d.extension, "topics": list(d.topics),
        }) for d in directory.departments],
        "people": [_person_data(p) for p in directory.people],
    }
    if directory.policy != Policy():
        data["policy"] = _policy_data(directory.policy, hotel=org.kind is OrgKind.HOTEL)
    if directory.floors:
        data["floors"] = [_compact({"name": f.name, "name_en": f.name_en, "departments": list(f.departments),
                                    "people": list(f.people)}) for f in directory.floors]
    if directory.case_categories:
        data["cases"] = {"categories": [_compact({
            "id": c.id, "name": c.name, "name_en": c.name_en, "keywords": list(c.keywords),
            "department": c.department, "deadline_days": c.deadline_days, "parent": c.parent,
        }) for c in directory.case_categories]}
    return data


def _span_text(span: Span) -> str:
    """Opening hours as the file writes them; open until midnight is "24:00" (read back as the end of the day)."""
    return f"{span.opens:%H:%M}-24:00" if span.closes == dt.time.max else str(span)


def _person_data(p: Person) -> dict[str, Any]:
    return _compact({
        "id": p.id, "name": p.name, "name_en": p.name_en, "aliases": list(p.aliases), "title": p.title,
        "title_en": p.title_en, "level": p.level.value, "department": p.department, "extension": p.extension,
        "mobile": p.mobile, "email": p.email, "assistant": p.assistant, "location": p.location,
        "presence": p.presence.value,
    })


def _policy_data(policy: Policy, hotel: bool = False) -> dict[str, Any]:
    def levels(values: tuple[Level, ...]) -> list[str]:
        return [v.value for v in values]

    hotel_keys: dict[str, Any] = {
        "room_only_connect": policy.room_only_connect, "checkout_time": f"{policy.checkout_time:%H:%M}",
        "wakeup_note": _compact({"zh": policy.wakeup_note.zh, "en": policy.wakeup_note.en}) or None,
    } if hotel else {}
    return _compact({
        "rings": {"default": policy.rings.default, "executive": policy.rings.executive},
        "ring_seconds": policy.ring_seconds,
        "screened_levels": levels(policy.screened_levels),
        "internal_pass_level": policy.internal_pass_level.value,
        "external_must_give": list(policy.external_must_give),
        "first_visit_must_give": list(policy.first_visit_must_give),
        "block_sales_to": levels(policy.block_sales_to),
        "mobile_fallback_levels": levels(policy.mobile_fallback_levels),
        "private_extension_levels": levels(policy.private_extension_levels),
        "urgent_retry_busy": policy.urgent_retry_busy,
        "message_ack_minutes": policy.message_ack_minutes,
        "message_max_resends": policy.message_max_resends,
        "satisfaction_survey": policy.satisfaction_survey,
        "general_mailbox": policy.general_mailbox,
        **hotel_keys,
    }, keep_empty_lists=True)


def _compact(mapping: dict[str, Any], keep_empty_lists: bool = False) -> dict[str, Any]:
    return {
        k: v for k, v in mapping.items()
        if v is not None and v != "" and (keep_empty_lists or v != [])
    }


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Quote digit strings so that extensions like "8001" stay text when read back.
    style = '"' if value[:1].isdigit() or value[:1] in "+*#" else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_org_text(directory: Directory) -> str:
    return yaml.dump(directory_to_data(directory), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
