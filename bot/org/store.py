"""The organisation in the database: replace it whole, read it back as a snapshot.

`replace_directory` swaps the organisation in one transaction and leaves the records (calls,
messages, visits) alone. `DirectoryCache` hands out the current snapshot and reloads it only
when the organisation's version counter moved, so a change made by the CLI, the console or
another process is seen at the next lookup without a restart or a retrain.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.tables import DepartmentRow, DutyRow, OrganizationRow, PersonRow, utcnow
from bot.org.model import Department, Directory, Person, Presence
from bot.org.orgfile import directory_to_data, parse_org_data

_SETTINGS_SECTIONS = ("organization", "hours", "holidays", "after_hours", "policy", "cases", "floors")


class NoOrganization(LookupError):
    """The database holds no organisation yet: import one (receptionist org import FILE)."""


class DirectoryChanged(RuntimeError):
    """The organisation changed since the editor read it (a presence change, another save)."""

    def __init__(self, expected: int, current: int | None) -> None:
        super().__init__(f"the organisation changed since version {expected} (it is now version {current})")
        self.expected, self.current = expected, current


def replace_directory(session: Session, directory: Directory, expected_version: int | None = None) -> int:
    """Store `directory` in place of the current organisation; returns the new version.

    With `expected_version` (what an editor started from), nothing is changed and DirectoryChanged is
    raised when the stored version has moved on: a whole-file save must not silently undo a presence
    change made meanwhile. The claim is one conditional UPDATE, so two concurrent saves cannot both win."""
    data = directory_to_data(directory)
    settings = {key: data[key] for key in _SETTINGS_SECTIONS if key in data}
    if expected_version is not None:
        claimed = session.execute(update(OrganizationRow).where(OrganizationRow.version == expected_version)
                                  .values(version=expected_version + 1, updated_at=utcnow()))
        if claimed.rowcount != 1:
            raise DirectoryChanged(expected_version, directory_version(session))
    current = session.execute(select(OrganizationRow)).scalar_one_or_none()
    version = expected_version + 1 if expected_version is not None else (current.version + 1) if current else 1
    session.execute(delete(DutyRow))
    session.execute(delete(PersonRow))
    session.execute(delete(DepartmentRow))
    session.flush()
    for position, dept in enumerate(directory.departments):
        session.add(_department_row(dept, position))
    session.flush()
    for position, person in enumerate(directory.people):
        session.add(_person_row(person, position))
    session.flush()
    for position, duty in enumerate(directory.duty_roster):
        session.add(DutyRow(position=position, date=duty.date, weekday=duty.weekday, person=duty.person))
    if current is None:
        session.add(OrganizationRow(id=1, name=directory.organization.name, settings=_jsonable(settings), version=version))
    else:
        current.name = directory.organization.name
        current.settings = _jsonable(settings)
        current.version = version
        current.updated_at = utcnow()
    session.flush()
    return version


def load_directory(session: Session) -> Directory:
    """The current organisation as one snapshot."""
    org = session.execute(select(OrganizationRow)).scalar_one_or_none()
    if org is None:
        raise NoOrganization("no organisation has been imported yet (receptionist org import FILE)")
    data: dict[str, Any] = dict(org.settings)
    departments = session.execute(select(DepartmentRow).order_by(DepartmentRow.position)).scalars()
    people = session.execute(select(PersonRow).order_by(PersonRow.position)).scalars()
    duties = session.execute(select(DutyRow).order_by(DutyRow.position)).scalars()
    data["departments"] = [_compact_row(row, _DEPARTMENT_COLUMNS) for row in departments]
    data["people"] = [_compact_row(row, _PERSON_COLUMNS) for row in people]
    data["duty_roster"] = [_compact_row(row, ("date", "weekday", "person")) for row in duties]
    # Read back through the same validating parser as a file, so the two can never disagree.
    directory = parse_org_data(data, "stored organisation")
    return dataclasses.replace(directory, version=org.version)


def directory_version(session: Session) -> int | None:
    return session.execute(select(OrganizationRow.version)).scalar_one_or_none()


def set_presence(session: Session, person_id: str, presence: Presence, location: str | None = None) -> None:
    """Change one person's presence (and where they are); bumps the directory version."""
    result = session.execute(
        update(PersonRow).where(PersonRow.id == person_id).values(presence=presence.value, location=location)
    )
    if result.rowcount == 0:
        raise KeyError(f"no person has the id '{person_id}'")
    session.execute(update(OrganizationRow).values(version=OrganizationRow.version + 1, updated_at=utcnow()))


class DirectoryCache:
    """The current snapshot, reloaded when (and only when) the stored version changes."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._snapshot: Directory | None = None
        self._lock = threading.Lock()

    def current(self) -> Directory:
        with self._database.session() as session:
            version = directory_version(session)
            if version is None:
                raise NoOrganization("no organisation has been imported yet (receptionist org import FILE)")
            with self._lock:
                if self._snapshot is None or self._snapshot.version != version:
                    self._snapshot = load_directory(session)
                return self._snapshot

    def last_loaded(self) -> Directory | None:
        """The snapshot `current` last returned, without asking the database (None before the first):
        for what may lag a change by a moment, such as a navigation link rendered with a page."""
        return self._snapshot


# ---------------------------------------------------------------------------------- rows


def _department_row(dept: Department, position: int) -> DepartmentRow:
    return DepartmentRow(
        id=dept.id, position=position, name=dept.name, name_en=dept.name_en, aliases=list(dept.aliases),
        extension=dept.extension, topics=list(dept.topics),
    )


def _person_row(person: Person, position: int) -> PersonRow:
    return PersonRow(
        id=person.id, position=position, name=person.name, name_en=person.name_en, aliases=list(person.aliases),
        title=person.title, title_en=person.title_en, level=person.level.value, department=person.department,
        extension=person.extension, mobile=person.mobile, email=person.email, assistant=person.assistant,
        location=person.location, presence=person.presence.value,
    )


_DEPARTMENT_COLUMNS = ("id", "name", "name_en", "aliases", "extension", "topics")
_PERSON_COLUMNS = (
    "id", "name", "name_en", "aliases", "title", "title_en", "level", "department", "extension",
    "mobile", "email", "assistant", "location", "presence",
)


def _compact_row(row: object, columns: tuple[str, ...]) -> dict[str, Any]:
    values = {column: getattr(row, column) for column in columns}
    return {k: v for k, v in values.items() if v is not None and v != "" and v != []}


def _jsonable(value: Any) -> Any:
    """Dates become ISO text so the settings fit a JSON column."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
