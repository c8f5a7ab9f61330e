"""Who may do what on the console: three roles, each with everything the one below has."""

from __future__ import annotations

from enum import Enum


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
