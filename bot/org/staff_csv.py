"""The monthly staff phone list (员工电话联系一览表) as CSV: what it adds, changes and removes.

The list is the whole staff: a person in the directory but not in the list is removed, unless
something still points at them (a duty roster entry, the duty manager, an executive's
assistant), which is an error naming the line to fix. Columns may be headed in English or
Chinese (see `COLUMNS`); `name` and `department` are required, the rest optional. A person is
matched by `id` when the list has that column, otherwise by name and department. Presence and
location are live state and are kept. The result is validated exactly like an organisation
file before anything is stored.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from dataclasses import dataclass, field
from pathlib import Path

from pypinyin import lazy_pinyin

from bot.org.model import Directory, Level, Person
from bot.org.orgfile import OrgFileError, Problem, directory_to_data, parse_org_data

COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "工号", "编号"),
    "name": ("name", "姓名", "名字"),
    "name_en": ("name_en", "english name", "英文名"),
    "department": ("department", "部门"),
    "title": ("title", "职务", "职位"),
    "title_en": ("title_en", "english title", "英文职务"),
    "level": ("level", "级别"),
    "extension": ("extension", "分机", "分机号", "座机"),
    "mobile": ("mobile", "手机", "手机号"),
    "email": ("email", "e-mail", "邮箱", "电子邮件"),
    "assistant": ("assistant", "助理", "秘书"),
    "aliases": ("aliases", "别名", "称呼"),
}
REQUIRED = ("name", "department")
_COMPARED = ("name", "name_en", "department", "title", "title_en", "level", "extension", "mobile", "email",
             "assistant", "aliases")
_LEVEL_WORDS = {"员工": "staff", "经理": "manager", "主管": "manager", "总监": "director", "高管": "executive"}


@dataclass(frozen=True)
class Change:
    person_id: str
    name: str
    fields: tuple[str, ...] = ()
    """For a changed person: which fields changed (mobiles are named, never shown)."""


@dataclass
class StaffImport:
    directory: Directory
    added: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> list[str]:
        lines = [f"added {len(self.added)}, changed {len(self.changed)}, removed {len(self.removed)}, "
                 f"unchanged {self.unchanged}"]
        lines += [f"  + {c.name} ({c.person_id})" for c in self.added]
        lines += [f"  ~ {c.name} ({c.person_id}): {', '.join(c.fields)}" for c in self.changed]
        lines += [f"  - {c.name} ({c.person_id})" for c in self.removed]
        return lines


def read_staff_csv(path: str | Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of the list as (line number, {column: value}); header names are normalised."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")  # spreadsheets saved on Chinese Windows
        except UnicodeDecodeError:
            raise OrgFileError([Problem("(file)", None, "neither UTF-8 nor GB18030 text")], str(path)) from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise OrgFileError([Problem("(header)", 1, "the file is empty")], str(path))
    names = [_column_name(h, str(path)) for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise OrgFileError([Problem("(header)", 1, f"missing column(s): {', '.join(missing)}")], str(path))
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(names):
            raise OrgFileError([Problem(f"line {reader.line_num}", reader.line_num,
                                        f"{len(values)} cells but the header has {len(names)}")], str(path))
        rows.append((reader.line_num, {n: v.strip() for n, v in zip(names, values)}))
    return rows


def _column_name(header: str, source: str) -> str:
    wanted = header.strip().lower()
    for name, spellings in COLUMNS.items():
        if wanted in spellings:
            return name
    known = ", ".join(s for spellings in COLUMNS.values() for s in spellings)
    raise OrgFileError([Problem(f"(header) {header!r}", 1, f"unknown column (known: {known})")], source)


def apply_staff_list(directory: Directory, rows: list[tuple[int, dict[str, str]]], source: str) -> StaffImport:
    """The directory as the staff list says it should be, and what changed; raises on mistakes."""
    departments = _department_lookup(directory)
    existing = {p.id: p for p in directory.people}
    by_name = {(p.name, p.department): p for p in directory.people}
    problems: list[Problem] = []
    result: list[Person] = []
    report = StaffImport(directory=directory)
    used_ids: set[str] = set(existing)
    for line, row in rows:
        dept = departments.get(row.get("department", "").lower())
        if dept is None:
            problems.append(Problem(f"line {line}.department", line, f"no department called '{row.get('department')}'"))
            continue
        old = existing.get(row["id"]) if row.get("id") else by_name.get((row.get("name", ""), dept))
        person_id = row.get("id") or (old.id if old else _new_id(row.get("name", ""), used_ids))
        used_ids.add(person_id)
        person = _person_from_row(row, person_id, dept, old)
        if person is None:
            problems.append(Problem(f"line {line}.level", line, f"'{row.get('level')}' is not a level"))
            continue
        result.append(person)
        if old is None:
            report.added.append(Change(person.id, person.name))
        elif changed := _changed_fields(old, person):
            report.changed.append(Change(person.id, person.name, changed))
        else:
            report.unchanged += 1
    if problems:
        raise OrgFileError(problems, source)
    kept = {p.id for p in result}
    report.removed = [Change(p.id, p.name) for p in directory.people if p.id not in kept]
    report.directory = _validated(dataclasses.replace(directory, people=tuple(result)), source, rows, result)
    return report


def _department_lookup(directory: Directory) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for dept in directory.departments:
        for word in (dept.id, dept.name, dept.name_en, *dept.aliases):
            if word:
                lookup.setdefault(word.lower(), dept.id)
    return lookup


def _person_from_row(row: dict[str, str], person_id: str, dept: str, old: Person | None) -> Person | None:
    level_text = _LEVEL_WORDS.get(row.get("level", ""), row.get("level", "").lower())
    try:
        level = Level(level_text) if level_text else (old.level if old else Level.STAFF)
    except ValueError:
        return None
    base = old or Person(id=person_id, name=row["name"], department=dept)

    def value(column: str, current: str | None) -> str | None:
        return (row.get(column) or None) if column in row else current

    aliases = tuple(a.strip() for a in row["aliases"].replace("、", ";").split(";") if a.strip()) \
        if "aliases" in row else base.aliases
    return dataclasses.replace(
        base, id=person_id, name=row["name"], department=dept, level=level, aliases=aliases,
        name_en=value("name_en", base.name_en) or "", title=value("title", base.title) or "",
        title_en=value("title_en", base.title_en) or "", extension=value("extension", base.extension),
        mobile=value("mobile", base.mobile), email=value("email", base.email),
        assistant=value("assistant", base.assistant),
    )


def _changed_fields(old: Person, new: Person) -> tuple[str, ...]:
    return tuple(name for name in _COMPARED if getattr(old, name) != getattr(new, name))


def _new_id(name: str, used: set[str]) -> str:
    base = "-".join(lazy_pinyin(name)).lower() or "person"
    base = "".join(ch for ch in base if ch.isalnum() or ch == "-").strip("-") or "person"
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _validated(directory: Directory, source: str, rows: list[tuple[int, dict[str, str]]],
               people: list[Person]) -> Directory:
    """Validate the whole new directory; point problems in `people[i]` at the CSV line."""
    try:
        return dataclasses.replace(parse_org_data(directory_to_data(directory), source), version=directory.version)
    except OrgFileError as exc:
        lines = {f"people[{i}]": line for i, (line, _) in enumerate(rows)}
        problems = []
        for problem in exc.problems:
            key = problem.path.split(".")[0]
            if key in lines:
                person = people[int(key[7:-1])]
                field_name = problem.path.partition(".")[2] or "row"
                problems.append(Problem(f"line {lines[key]} ({person.name}).{field_name}", lines[key], problem.message))
            else:
                problems.append(Problem(problem.path, None, problem.message + " (fix the list or the organisation)"))
        raise OrgFileError(problems, source) from None
