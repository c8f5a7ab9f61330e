"""The directory grouped for the operator's quick lookup (#12, point 2): by department (the department's
own line first), by floor (the optional `floors:` section), the most frequent targets of the last 30
days, and a search by name, pinyin (initials or whole), English name, extension, department or title.

Staff-facing: an `Entry` carries the extension (the operator puts calls through to it) but has no field
for a mobile or an e-mail, so no page built from these groups can show one, and a search never matches
on them (bot/privacy.py: staff output may show extensions, never a mobile).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.tables import CallRow, TurnRow
from bot.directory.pinyin import is_han, readings
from bot.directory.resolve import DEPARTMENT, MIN_BEST_SCORE, PERSON, normalise, resolver_for
from bot.org.model import Department, Directory, Floor, Person, Presence

PERSON_ENTRY = PERSON
DEPARTMENT_ENTRY = DEPARTMENT
FREQUENT_DAYS = 30
FREQUENT_LIMIT = 10
SEARCH_LIMIT = 50
MAX_QUERY = 100
_TRANSFER = re.compile(r"^\[transfer to ([^,\]]+)")
_MAX_SPELLINGS = 16
"""Pinyin spellings kept per name: a name of polyphones (重强) has a few, not thousands."""


@dataclass(frozen=True)
class Entry:
    """One line of the operator's directory: a person or a department's own line."""

    kind: str
    """"person" | "department"."""
    id: str
    name: str
    name_en: str
    title: str
    title_en: str
    department: str
    department_name: str
    department_name_en: str
    extension: str | None
    presence: Presence | None
    """A person's presence; None for a department's line."""
    floor: Floor | None

    def label(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    def title_label(self, language: str) -> str:
        return self.title_en if language == "en" and self.title_en else self.title

    def department_label(self, language: str) -> str:
        return self.department_name_en if language == "en" and self.department_name_en else self.department_name


@dataclass(frozen=True)
class Group:
    key: str
    """Department id, or a floor's name ("" for people whose floor is not given)."""
    name: str
    name_en: str
    entries: tuple[Entry, ...]

    def label(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Frequent:
    entry: Entry
    count: int
    """Calls in the period that asked for or were put through to it (each call counted once)."""


# ---------------------------------------------------------------------------------- entries


def person_entry(directory: Directory, person: Person) -> Entry:
    department = directory.department(person.department)
    return Entry(kind=PERSON_ENTRY, id=person.id, name=person.name, name_en=person.name_en, title=person.title,
                 title_en=person.title_en, department=person.department,
                 department_name=department.name if department else person.department,
                 department_name_en=department.name_en if department else "", extension=person.extension,
                 presence=person.presence, floor=directory.floor_of(person))


def department_entry(directory: Directory, department: Department) -> Entry:
    return Entry(kind=DEPARTMENT_ENTRY, id=department.id, name=department.name, name_en=department.name_en,
                 title="", title_en="", department=department.id, department_name=department.name,
                 department_name_en=department.name_en, extension=department.extension, presence=None,
                 floor=directory.department_floor(department.id))


def entry_for(directory: Directory, target: str) -> Entry | None:
    """The entry of a person or department id; None for anything else (operator, duty, a guest)."""
    person = directory.person(target)
    if person is not None:
        return person_entry(directory, person)
    department = directory.department(target)
    return department_entry(directory, department) if department is not None else None


def all_entries(directory: Directory) -> list[Entry]:
    """Every department's line followed by its people, in the file's order."""
    return [entry for group in by_department(directory) for entry in group.entries]


# ---------------------------------------------------------------------------------- groups


def by_department(directory: Directory) -> list[Group]:
    """One group per department: its own line (the department's extension) first, then its people."""
    return [Group(key=d.id, name=d.name, name_en=d.name_en,
                  entries=(department_entry(directory, d), *(person_entry(directory, p) for p in directory.members(d.id))))
            for d in directory.departments]


def by_floor(directory: Directory) -> list[Group]:
    """One group per floor, in the file's order: each department seated there (its line, then those of its
    people who sit on this floor), then anyone placed on this floor away from their department. People
    whose floor is not given are gathered last under key ""; no floors given: no groups."""
    if not directory.floors:
        return []
    groups = [Group(key=f.name, name=f.name, name_en=f.name_en, entries=tuple(_on_floor(directory, f)))
              for f in directory.floors]
    unplaced = _unplaced(directory)
    return groups + ([Group(key="", name="", name_en="", entries=tuple(unplaced))] if unplaced else [])


def _on_floor(directory: Directory, floor: Floor) -> list[Entry]:
    entries: list[Entry] = []
    for department_id in floor.departments:  # the floor's own order: as one walks it
        department = directory.department(department_id)
        if department is not None:
            entries.append(department_entry(directory, department))
            entries += [person_entry(directory, p) for p in directory.members(department.id)
                        if directory.floor_of(p) == floor]
    seated = {e.id for e in entries}
    entries += [person_entry(directory, p) for p in directory.people if p.id in floor.people and p.id not in seated]
    return entries


def _unplaced(directory: Directory) -> list[Entry]:
    departments = [department_entry(directory, d) for d in directory.departments
                   if directory.department_floor(d.id) is None]
    people = [person_entry(directory, p) for p in directory.people if directory.floor_of(p) is None]
    return departments + people


# ---------------------------------------------------------------------------------- frequent


def frequent(session: Session, directory: Directory, now: dt.datetime, days: int = FREQUENT_DAYS,
             limit: int = FREQUENT_LIMIT) -> list[Frequent]:
    """The people and departments most often asked for or put through to in the `days` before `now`, most
    first (ties: the directory's order). A call counts once per target: where it ended (`transferred_to`)
    and every transfer the receptionist tried (its `[transfer to …]` system turns, so a busy line that
    ended in a message still counts). The operator, the duty line and guests are not directory entries."""
    counts = Counter(target for _, target in _call_targets(session, now - dt.timedelta(days=days), now))
    order = {entry.id: n for n, entry in enumerate(all_entries(directory))}
    ranked = sorted((t for t in counts if t in order), key=lambda t: (-counts[t], order[t]))
    return [Frequent(entry, counts[t]) for t in ranked[:limit] if (entry := entry_for(directory, t)) is not None]


def _call_targets(session: Session, since: dt.datetime, until: dt.datetime) -> set[tuple[int, str]]:
    in_range = (CallRow.started_at >= since, CallRow.started_at <= until)
    ended = session.execute(select(CallRow.id, CallRow.transferred_to)
                            .where(*in_range, CallRow.transferred_to.is_not(None))).all()
    tried = session.execute(select(TurnRow.call_id, TurnRow.text).join(CallRow, CallRow.id == TurnRow.call_id)
                            .where(*in_range, TurnRow.who == "system", TurnRow.text.like("[transfer to %"))).all()
    targets = {(call_id, target.strip()) for call_id, target in ended}
    targets |= {(call_id, match.group(1).strip()) for call_id, text in tried if (match := _TRANSFER.match(text))}
    return targets


# ---------------------------------------------------------------------------------- search

_EXACT, _START, _WHOLE_TITLE, _WITHIN, _TITLE, _DEPARTMENT_MEMBER, _SOUND = 100, 80, 70, 60, 50, 40, 30


def search(directory: Directory, query: str, limit: int = SEARCH_LIMIT) -> list[Entry]:
    """Entries matching `query`, best first: a name, alias or English name (whole, start or part), pinyin
    initials or whole pinyin ("ln", "lina", "li na" for 李娜), an extension (or its start), a title, a
    department (its line and its people), a floor's whole name ("5楼", "5F"); failing all of those, the callers' own name resolution
    (bot.directory.resolve: a name typed as it sounds, 李纳 for 李娜, or a matter such as 报销)."""
    wanted = fold(query[:MAX_QUERY])
    if not wanted:
        return []
    entries = all_entries(directory)
    scores = {e.id: s for e in entries if (s := _score(directory, e, wanted))}
    if not scores:
        scores = _by_resolution(directory, query[:MAX_QUERY])
    order = {e.id: n for n, e in enumerate(entries)}
    ranked = sorted(scores, key=lambda i: (-scores[i], order.get(i, len(order))))
    return [entry for i in ranked[:limit] if (entry := entry_for(directory, i)) is not None]


def fold(text: str) -> str:
    """Lower case, full-width folded, accents, spaces and punctuation dropped: "Li Na" → "lina"."""
    return "".join(ch for ch in normalise(text) if ch.isalnum())


def _score(directory: Directory, entry: Entry, wanted: str) -> int:
    return max(_name_score(directory, entry, wanted), _extension_score(entry, wanted), _title_score(entry, wanted),
               _DEPARTMENT_MEMBER if _matches(_department_words(directory, entry.department), wanted) else 0,
               _DEPARTMENT_MEMBER if entry.floor and wanted in {fold(entry.floor.name), fold(entry.floor.name_en)}
               else 0)


def _name_score(directory: Directory, entry: Entry, wanted: str) -> int:
    words = name_words(directory, entry)
    if wanted in words:
        return _EXACT
    if any(word.startswith(wanted) for word in words):
        return _START
    return _WITHIN if any(wanted in word for word in words) else 0


def name_words(directory: Directory, entry: Entry) -> set[str]:
    """The name, its aliases, its English name and its pinyin spellings (whole and initials), folded."""
    thing = directory.person(entry.id) if entry.kind == PERSON_ENTRY else directory.department(entry.id)
    aliases = thing.aliases if thing is not None else ()
    words = {fold(w) for w in (entry.name, entry.name_en, *aliases)}
    words |= pinyin_spellings(entry.name)
    if entry.name_en:  # "Nina Li" is also said "Li Nina"
        words.add(fold(" ".join(reversed(entry.name_en.split()))))
    return {w for w in words if w}


def _extension_score(entry: Entry, wanted: str) -> int:
    if not entry.extension or not wanted.isdigit():
        return 0
    return _EXACT if entry.extension == wanted else _START if entry.extension.startswith(wanted) else 0


def _title_score(entry: Entry, wanted: str) -> int:
    titles = {fold(entry.title), fold(entry.title_en)} - {""}
    if entry.kind != PERSON_ENTRY:
        return 0
    return _WHOLE_TITLE if wanted in titles else _TITLE if _matches(titles, wanted) else 0


def _department_words(directory: Directory, department_id: str) -> set[str]:
    department = directory.department(department_id)
    if department is None:
        return set()
    words = {fold(w) for w in (department.name, department.name_en, *department.aliases)}
    return {w for w in words | pinyin_spellings(department.name) if w}


def _matches(words: set[str], wanted: str) -> bool:
    return any(word and wanted in word for word in words)


def pinyin_spellings(name: str) -> set[str]:
    """A Chinese name's pinyin, whole and as initials, for each reading of its polyphones: 李娜 → {"lina",
    "ln"}; 重阳 → {"zhongyang", "chongyang", "zy", "cy"}. Nothing for a name without Chinese characters."""
    chars = [readings(ch) for ch in name if is_han(ch)]
    if not chars:
        return set()
    spellings = set()
    for combination in itertools.islice(itertools.product(*chars), _MAX_SPELLINGS):
        spellings.add("".join(combination))
        spellings.add("".join(syllable[:1] for syllable in combination))
    return spellings


def _by_resolution(directory: Directory, query: str) -> dict[str, int]:
    resolution = resolver_for(directory).resolve(query, limit=10)
    return {c.id: _SOUND for c in resolution.candidates
            if c.kind in (PERSON_ENTRY, DEPARTMENT_ENTRY) and c.score >= MIN_BEST_SCORE}
