"""Who may do what on the console: three roles, each with everything the one below has."""

from __future__ import annotations

from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.tables import ConsoleUserRow


class Role(str, Enum):
    OPERATOR = "operator"
    """Live board, calls (without transcripts), messages, visitors, presence."""
    SUPERVISOR = "supervisor"
    """+ transcripts and recordings, statistics, NLU review."""
    ADMIN = "admin"
    """+ directory, hours, holidays, duty roster, staff list, users, audit log."""

    @property
    def rank(self) -> int:
        return _RANK[self]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


_RANK = {Role.OPERATOR: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}


# ---------------------------------------------------------------------------------- department users
#
# A console user may be tied to one of the directory's departments (console_users.department). An
# operator with a department is a department user of the hotline's cases: they see only their
# department's cases and may only accept, send back and reply to them (bot/web/pages/cases.py). Every
# other page stays as their role allows.


def department_of(session: Session, user_id: int) -> str | None:
    """The department a console user is tied to, or None."""
    return session.execute(select(ConsoleUserRow.department).where(ConsoleUserRow.id == user_id)).scalar()


def departments_by_user(session: Session) -> dict[str, str]:
    """username → department, for the users tied to one."""
    rows = session.execute(select(ConsoleUserRow.username, ConsoleUserRow.department)
                           .where(ConsoleUserRow.department.is_not(None)))
    return {username: department for username, department in rows}


def set_department(session: Session, username: str, department: str | None) -> str | None:
    """Tie a user to `department` (None or "": to none); returns the department they had."""
    row = session.execute(select(ConsoleUserRow).where(ConsoleUserRow.username == username)).scalar_one_or_none()
    if row is None:
        raise KeyError(f"no console user is called '{username}'")
    if department is not None and not 1 <= len(department) <= 64:
        raise ValueError("a department id is 1 to 64 characters")
    before = row.department
    row.department = department or None
    session.flush()
    return before
