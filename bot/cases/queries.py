"""Read-only questions about hotline cases that the console's list needs beside bot/cases/cases.py's
`list_cases`: how many match the same filters (for paging), a page of them read the cheaper way on
SQLite, and whether any case exists at all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cases.cases import OPEN, CaseRecord, CaseStatus, _record
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


def list_page(session: Session, status: CaseStatus | str | None = None, department: str | None = None,
              overdue_at: dt.datetime | None = None, limit: int = 50, offset: int = 0,
              matching: int | None = None) -> list[CaseRecord]:
    """The same cases as `cases.list_cases` (newest first, without their history), read the cheaper way
    for a console page.

    A filter on status or department matching many cases (a finished status is most of a hotline's
    history) is cheapest read down the `created_at` index, keeping the rows that match, until the page is
    full; one matching few is cheapest read through its own index and sorted. PostgreSQL's planner
    weighs this itself; SQLite's always takes the equality's index and sorts everything it matches
    (70,000 rows for "evaluated" in 100,000), so there the filter is written so that its index is not
    used (`status || ''`) when reading down the date is expected to touch fewer rows than there are to
    sort. `matching`: how many match (`count_cases`), when the caller knows it already."""
    through_dates = False
    if session.get_bind().dialect.name == "sqlite" and (status is not None or department is not None) \
            and overdue_at is None:
        matching = count_cases(session, status, department) if matching is None else matching
        total = count_cases(session)
        through_dates = (offset + limit) * total < matching * max(matching, 1)

    def column(attribute: Any) -> Any:
        return attribute.concat("") if through_dates else attribute

    query = select(CaseRow)
    if status is not None:
        query = query.where(column(CaseRow.status) == CaseStatus(status).value)
    if department is not None:
        query = query.where(column(CaseRow.department) == department)
    if overdue_at is not None:
        query = query.where(CaseRow.status.in_([s.value for s in OPEN]), CaseRow.deadline_at < aware(overdue_at))
    query = query.order_by(CaseRow.created_at.desc(), CaseRow.id.desc()).offset(max(0, offset)).limit(max(0, limit))
    # cases.py's own row → record conversion, so a page shows exactly what `list_cases` gives
    return [_record(row, with_events=False) for row in session.execute(query).scalars()]
