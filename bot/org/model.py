"""The organisation as plain, immutable values.

Everything the receptionist knows about an organisation (who works there, when it is open,
who is on duty, how calls are screened) is one `Directory` snapshot. The snapshot is loaded
from the database, and every decision is a pure function of a snapshot, so a directory change
takes effect at the next lookup, with no model retraining.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class OrgKind(str, Enum):
    COMPANY = "company"
    HOTEL = "hotel"
    GOVERNMENT = "government"


class Level(str, Enum):
    """A person's seniority; it decides screening and what may be disclosed."""

    STAFF = "staff"
    MANAGER = "manager"
    DIRECTOR = "director"
    EXECUTIVE = "executive"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]


_LEVEL_RANK = {Level.STAFF: 0, Level.MANAGER: 1, Level.DIRECTOR: 2, Level.EXECUTIVE: 3}


class Presence(str, Enum):
    AVAILABLE = "available"
    BUSY = "busy"
    IN_MEETING = "in_meeting"
    AWAY = "away"
    ON_LEAVE = "on_leave"


@dataclass(frozen=True)
class Span:
    """Opening hours of one day, in the organisation's time zone."""

    opens: dt.time
    closes: dt.time

    def contains(self, moment: dt.time) -> bool:
        return self.opens <= moment < self.closes

    def __str__(self) -> str:
        return f"{self.opens:%H:%M}-{self.closes:%H:%M}"


@dataclass(frozen=True)
class Holiday:
    """Whole days closed (`closed`) or a make-up working day with its own `hours`."""

    date: dt.date
    to: dt.date | None = None
    closed: bool = True
    hours: Span | None = None
    name: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.date <= day <= (self.to or self.date)


@dataclass(frozen=True)
class DutyAssignment:
    """Who holds the duty line: on one date, or on every given weekday."""

    person: str
    date: dt.date | None = None
    weekday: str | None = None


@dataclass(frozen=True)
class AfterHours:
    duty_phone: str | None = None
    duty_manager: str | None = None


@dataclass(frozen=True)
class Organization:
    name: str
    name_en: str = ""
    kind: OrgKind = OrgKind.COMPANY
    timezone: str = "Asia/Shanghai"
    languages: tuple[str, ...] = ("zh", "en")
    operator: str = ""
    address: str = ""
    address_en: str = ""
    emergency: str | None = None
    """The emergency line (security or the front desk's emergency extension): required for a hotel."""


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    name_en: str = ""
    aliases: tuple[str, ...] = ()
    extension: str | None = None
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    department: str
    extension: str | None = None
    name_en: str = ""
    aliases: tuple[str, ...] = ()
    title: str = ""
    title_en: str = ""
    level: Level = Level.STAFF
    mobile: str | None = None
    email: str | None = None
    assistant: str | None = None
    location: str | None = None
    presence: Presence = Presence.AVAILABLE


@dataclass(frozen=True)
class Rings:
    """How many rings before a line counts as unanswered (seeds: 5 for staff, 3 for executives)."""

    default: int = 5
    executive: int = 3


@dataclass(frozen=True)
class WakeupNote:
    """A hotel's optional last line of its wake-up message, per language (a weather line): plain text,
    one line, at most WAKEUP_NOTE_MAX characters; empty means none."""

    zh: str = ""
    en: str = ""

    def for_language(self, language: str) -> str | None:
        """The note in `language` (zh or en), or None."""
        note = {"zh": self.zh, "en": self.en}.get(language, "")
        return note or None


WAKEUP_NOTE_MAX = 80
"""The longest wake-up note, in characters: said twice after the time, within the call's limit."""


@dataclass(frozen=True)
class Policy:
    """What differs between organisations. Optional `policy:` section of the organisation file.

    Defaults follow the rulebooks in shared/seeds: five rings to an extension, three to an
    executive's office, executives screened and announced, mobiles tried (connect only) for
    executives, messages re-sent when not acknowledged within an hour.
    """

    rings: Rings = field(default_factory=Rings)
    ring_seconds: int = 5
    """One ring cycle in seconds (Chinese cadence: 1 s on, 4 s off)."""
    screened_levels: tuple[Level, ...] = (Level.EXECUTIVE,)
    """Calls to these levels are announced and need the callee's consent."""
    internal_pass_level: Level = Level.DIRECTOR
    """Internal callers at or above this level are announced without being asked their purpose."""
    external_must_give: tuple[str, ...] = ("name", "company", "purpose")
    """What an external caller must say before an executive is even asked."""
    first_visit_must_give: tuple[str, ...] = ("name", "company", "purpose")
    block_sales_to: tuple[Level, ...] = (Level.DIRECTOR, Level.EXECUTIVE)
    """Salespeople and cold calls never reach these levels: a message or the mailbox instead."""
    mobile_fallback_levels: tuple[Level, ...] = (Level.DIRECTOR, Level.EXECUTIVE)
    """Whose mobile may be tried (connected, never disclosed) when the office does not answer."""
    private_extension_levels: tuple[Level, ...] = (Level.MANAGER, Level.DIRECTOR, Level.EXECUTIVE)
    """Whose direct extension is never told to a caller (seeds: 主管级以上人员的固话号码不得外泄)."""
    urgent_retry_busy: bool = True
    message_ack_minutes: int = 60
    message_max_resends: int = 3
    satisfaction_survey: bool = False
    general_mailbox: str | None = None
    """Department id that takes messages nobody else can (salespeople, unknown matters)."""
    # A hotel's switchboard (organization.kind: hotel only; docs/organisation.md, "Hotels").
    room_only_connect: bool = False
    """Whether a caller who gives only a room number is put through; by default the guest's name
    must also match the registered guest of that room (seeds: 酒店总机, the operator checks both)."""
    checkout_time: dt.time = dt.time(12, 0)
    """When a stay ends on its departure day, in the hotel's time zone."""
    wakeup_note: WakeupNote = field(default_factory=WakeupNote)
    """Said after the time in a wake-up call (bot.hotel.wakeups.wakeup_message), read at each dial."""

    def ring_timeout_s(self, level: Level) -> int:
        rings = self.rings.executive if level is Level.EXECUTIVE else self.rings.default
        return rings * self.ring_seconds


@dataclass(frozen=True)
class CaseCategory:
    """One category of a hotline's case tree (`cases.categories`, bot/cases/categories.py): the words
    that signal it, the department that handles it and its deadline in days; a child without its own
    department or deadline takes its parent's."""

    id: str
    name: str
    name_en: str | None = None
    keywords: tuple[str, ...] = ()
    department: str | None = None
    deadline_days: float | None = None
    parent: str | None = None

    def label(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Floor:
    """One floor of the building (the optional `floors:` section): the departments seated there, and
    anyone seated away from their department's floor. Staff-facing only (the operator's directory)."""

    name: str
    name_en: str = ""
    departments: tuple[str, ...] = ()
    people: tuple[str, ...] = ()

    def label(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Directory:
    """One consistent snapshot of the organisation."""

    organization: Organization
    hours: dict[str, Span | None]
    holidays: tuple[Holiday, ...] = ()
    after_hours: AfterHours = field(default_factory=AfterHours)
    duty_roster: tuple[DutyAssignment, ...] = ()
    departments: tuple[Department, ...] = ()
    people: tuple[Person, ...] = ()
    policy: Policy = field(default_factory=Policy)
    case_categories: tuple[CaseCategory, ...] = ()
    """The hotline's case categories (`cases.categories`), as the file lists them."""
    floors: tuple[Floor, ...] = ()
    """The building's floors (`floors:`), as the file lists them; empty when the file gives none."""
    version: int = 0

    def person(self, person_id: str) -> Person | None:
        return self._people_by_id().get(person_id)

    def department(self, department_id: str) -> Department | None:
        return self._departments_by_id().get(department_id)

    def person_at_extension(self, extension: str) -> Person | None:
        """Whose office extension this is (an internal caller's number), or None."""
        return next((p for p in self.people if p.extension and p.extension == extension), None)

    def members(self, department_id: str) -> tuple[Person, ...]:
        return tuple(p for p in self.people if p.department == department_id)

    def floor_of(self, person: Person) -> Floor | None:
        """The floor a person sits on: their own placement, else their department's; None if not given."""
        return (next((f for f in self.floors if person.id in f.people), None)
                or self.department_floor(person.department))

    def department_floor(self, department_id: str) -> Floor | None:
        return next((f for f in self.floors if department_id in f.departments), None)

    def _people_by_id(self) -> dict[str, Person]:
        cached = self.__dict__.get("_people_index")
        if cached is None:
            cached = {p.id: p for p in self.people}
            object.__setattr__(self, "_people_index", cached)
        return cached

    def _departments_by_id(self) -> dict[str, Department]:
        cached = self.__dict__.get("_departments_index")
        if cached is None:
            cached = {d.id: d for d in self.departments}
            object.__setattr__(self, "_departments_index", cached)
        return cached
