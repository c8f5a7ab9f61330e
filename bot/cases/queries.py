"""Read-only questions about hotline cases that the console's list needs beside bot/cases/cases.py's
`list_cases`: how many match the same filters (for paging), and whether any case exists at all."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cases.cases import OPEN, CaseStatus
from bot.db.tables import CaseRow
from bot.records.common import aware


def count_cases(session: Session, status: CaseStatus | str | None = None, department: str | None = None,
                overdue_at: dt.datetime | None = None) -> int:
    """How many cases `list_cases` would give with the same filters (without limit and offset)."""
    query = select(func.count(CaseRow.id))
    if status is not None:
        query = query.where(CaseRow.status == CaseStatus(status).value)
    if department is not None:
        query = query.where(CaseRow.department == department)
    if overdue_at is not None:
        query = query.where(CaseRow.status.in_([s.value for s in OPEN]), CaseRow.deadline_at < aware(overdue_at))
    return session.execute(query).scalar_one()


def any_case(session: Session) -> bool:
    return session.execute(select(CaseRow.id).limit(1)).first() is not None
