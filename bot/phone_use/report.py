"""The monthly phone-use report per department: how many calls were requested, approved, declined, are
still pending and were flagged (3-day rule), and their minutes. A call counts in the month it was made,
in the organisation's time zone: an urgent call when it was made, any other when it was requested."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.phone_use.requests import PhoneRequest, Status, is_flagged, list_requests
from bot.records.common import aware

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
COLUMNS = ("department", "requests", "approved", "declined", "pending", "flagged", "minutes", "approved_minutes")


@dataclass(frozen=True)
class DepartmentMonth:
    department: str
    requests: int = 0
    approved: int = 0
    declined: int = 0
    pending: int = 0
    flagged: int = 0
    minutes: int = 0
    """Expected minutes of every request."""
    approved_minutes: int = 0

    def as_dict(self) -> dict[str, str | int]:
        return {column: getattr(self, column) for column in COLUMNS}


def parse_month(text: str) -> tuple[int, int]:
    """"2026-12" → (2026, 12); anything else is a ValueError."""
    found = _MONTH.match((text or "").strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise ValueError("a month is written YYYY-MM, e.g. 2026-12")
    return int(found.group(1)), int(found.group(2))


def month_bounds(year: int, month: int, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The month's first and the next month's first midnight in `zone`, in UTC."""
    start = dt.datetime(year, month, 1, tzinfo=zone)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc)


def monthly_report(session: Session, year: int, month: int, zone: dt.tzinfo, now: dt.datetime | None = None,
                   departments: list[str] | None = None) -> list[DepartmentMonth]:
    """One row per department (every one of `departments`, in that order, even with no calls; then any
    other department that had calls), flagged as of `now`."""
    start, end = month_bounds(year, month, zone)
    moment = aware(now)
    grouped: dict[str, list[PhoneRequest]] = {name: [] for name in departments or []}
    for request in list_requests(session, start, end):
        grouped.setdefault(request.department, []).append(request)
    return [_figures(name, found, moment) for name, found in grouped.items()]


def total(rows: list[DepartmentMonth]) -> DepartmentMonth:
    return DepartmentMonth("", *(sum(getattr(row, column) for row in rows) for column in COLUMNS[1:]))


def report_csv(rows: list[DepartmentMonth]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row.as_dict())
    return out.getvalue()


def _figures(department: str, found: list[PhoneRequest], now: dt.datetime) -> DepartmentMonth:
    approved = [r for r in found if r.status is Status.APPROVED]
    return DepartmentMonth(
        department=department, requests=len(found), approved=len(approved),
        declined=sum(r.status is Status.DECLINED for r in found),
        pending=sum(r.status is Status.REQUESTED for r in found),
        flagged=sum(is_flagged(r, now) for r in found),
        minutes=sum(r.minutes for r in found), approved_minutes=sum(r.minutes for r in approved))
