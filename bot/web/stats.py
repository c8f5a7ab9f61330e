"""Call statistics for a period: calls per hour of day and per day, outcomes, the share taken
after hours, transfer success by department, time to answer and satisfaction.

Transfers are read from the transcripts' system turns (`[transfer to li-na, blind]` followed
by `[transfer_result: result=answered]`, as `connectors/transcripts.py` writes them), so a
call that tried two people counts two attempts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.db.tables import CallRow, TurnRow
from bot.org.model import Directory, Span
from bot.rules.calendar import day_hours

_TRANSFER = re.compile(r"^\[transfer to ([^,\]]+)")
_RESULT = re.compile(r"result=(\w+)")
ANSWER_BUCKETS = ((1, "<1 s"), (3, "1–3 s"), (5, "3–5 s"), (10, "5–10 s"), (None, "≥10 s"))


@dataclass
class Transfers:
    attempts: int = 0
    answered: int = 0

    @property
    def rate(self) -> float | None:
        return self.answered / self.attempts if self.attempts else None


@dataclass
class Stats:
    day_from: dt.date
    day_to: dt.date
    total: int = 0
    per_hour: list[int] = field(default_factory=lambda: [0] * 24)
    per_day: dict[dt.date, int] = field(default_factory=dict)
    outcomes: Counter = field(default_factory=Counter)
    in_hours: int = 0
    after_hours: int = 0
    transfers: dict[str, Transfers] = field(default_factory=dict)
    """By department id (or `operator`, `duty`, `other`)."""
    answer_buckets: dict[str, int] = field(default_factory=lambda: {label: 0 for _, label in ANSWER_BUCKETS})
    answer_median_s: float | None = None
    satisfaction: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 6), 0))

    @property
    def after_hours_share(self) -> float | None:
        counted = self.in_hours + self.after_hours
        return self.after_hours / counted if counted else None

    @property
    def satisfaction_mean(self) -> float | None:
        answers = sum(self.satisfaction.values())
        return sum(k * v for k, v in self.satisfaction.items()) / answers if answers else None


def compute_stats(session: Session, directory: Directory | None, zone: dt.tzinfo, day_from: dt.date,
                  day_to: dt.date) -> Stats:
    start = dt.datetime.combine(day_from, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    in_range = (CallRow.started_at >= start, CallRow.started_at < end)
    stats = Stats(day_from, day_to, per_day={day_from + dt.timedelta(days=n): 0
                                             for n in range((day_to - day_from).days + 1)})
    rows = session.execute(select(CallRow.id, CallRow.started_at, CallRow.outcome, CallRow.satisfaction,
                                  CallRow.transferred_to).where(*in_range)).all()
    started: dict[int, dt.datetime] = {}
    hours: dict[dt.date, Span | None] = {}
    for call_id, started_at, outcome, satisfaction, _ in rows:
        started[call_id] = started_at
        local = started_at.astimezone(zone)
        if directory is not None and local.date() not in hours:
            hours[local.date()] = day_hours(directory, local.date()).span
        _count_call(stats, hours, local, outcome, satisfaction)
    stats.total = len(rows)
    _count_answer_times(session, stats, started, in_range)
    _count_transfers(session, stats, directory, {r[0]: (r[2], r[4]) for r in rows}, in_range)
    return stats


def _count_call(stats: Stats, hours: dict[dt.date, Span | None], local: dt.datetime, outcome: str | None,
                satisfaction: int | None) -> None:
    """Count one call; `hours` holds each day's opening hours (empty: no organisation, no split)."""
    stats.per_hour[local.hour] += 1
    stats.per_day[local.date()] = stats.per_day.get(local.date(), 0) + 1
    stats.outcomes[outcome or "in_progress"] += 1
    if satisfaction in stats.satisfaction:
        stats.satisfaction[satisfaction] += 1
    if local.date() in hours:
        span = hours[local.date()]
        if span is not None and span.contains(local.time().replace(tzinfo=None)):
            stats.in_hours += 1
        else:
            stats.after_hours += 1


def _count_answer_times(session: Session, stats: Stats, started: dict[int, dt.datetime], in_range: tuple) -> None:
    first = session.execute(
        select(TurnRow.call_id, func.min(TurnRow.at)).join(CallRow, CallRow.id == TurnRow.call_id)
        .where(*in_range, TurnRow.who == "receptionist").group_by(TurnRow.call_id)
    ).all()
    waits = []
    for call_id, answered_at in first:
        if call_id in started and answered_at is not None:
            waits.append(max(0.0, (_aware(answered_at) - started[call_id]).total_seconds()))
    for wait in waits:
        label = next(label for limit, label in ANSWER_BUCKETS if limit is None or wait < limit)
        stats.answer_buckets[label] += 1
    stats.answer_median_s = statistics.median(waits) if waits else None


def _count_transfers(session: Session, stats: Stats, directory: Directory | None,
                     calls: dict[int, tuple[str | None, str | None]], in_range: tuple) -> None:
    turns = session.execute(
        select(TurnRow.call_id, TurnRow.text).join(CallRow, CallRow.id == TurnRow.call_id)
        .where(*in_range, TurnRow.who == "system",
               or_(TurnRow.text.like("[transfer to %"), TurnRow.text.like("[transfer_result%")))
        .order_by(TurnRow.call_id, TurnRow.id)
    ).all()
    pending: dict[int, str] = {}
    for call_id, text in turns:
        if match := _TRANSFER.match(text):
            if call_id in pending:  # a second attempt before any result: the first had none
                _settle(stats, directory, pending.pop(call_id), None)
            pending[call_id] = match.group(1).strip()
        elif call_id in pending and (result := _RESULT.search(text)):
            _settle(stats, directory, pending.pop(call_id), result.group(1) == "answered")
    for call_id, target in pending.items():
        outcome, transferred_to = calls.get(call_id, (None, None))
        _settle(stats, directory, target, outcome == "transferred" and transferred_to in (None, target))


def _settle(stats: Stats, directory: Directory | None, target: str, answered: bool | None) -> None:
    group = department_of(directory, target)
    entry = stats.transfers.setdefault(group, Transfers())
    entry.attempts += 1
    entry.answered += 1 if answered else 0


def department_of(directory: Directory | None, target: str) -> str:
    if target in ("operator", "duty"):
        return target
    if directory is not None:
        person = directory.person(target)
        if person is not None:
            return person.department
        if directory.department(target) is not None:
            return target
    return "other"


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def stats_csv(stats: Stats, department_name: dict[str, str]) -> str:
    """Every figure of the page as `section,label,value` rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "label", "value"])
    writer.writerow(["period", "from", stats.day_from.isoformat()])
    writer.writerow(["period", "to", stats.day_to.isoformat()])
    writer.writerow(["calls", "total", stats.total])
    writer.writerows(["calls_per_hour", f"{hour:02d}:00", n] for hour, n in enumerate(stats.per_hour))
    writer.writerows(["calls_per_day", day.isoformat(), n] for day, n in sorted(stats.per_day.items()))
    writer.writerows(["outcome", name, n] for name, n in stats.outcomes.most_common())
    writer.writerow(["after_hours", "in_hours", stats.in_hours])
    writer.writerow(["after_hours", "after_hours", stats.after_hours])
    for dept, entry in sorted(stats.transfers.items()):
        label = department_name.get(dept, dept)
        writer.writerow(["transfer_attempts", label, entry.attempts])
        writer.writerow(["transfer_answered", label, entry.answered])
    writer.writerows(["time_to_answer", label, n] for label, n in stats.answer_buckets.items())
    writer.writerow(["time_to_answer", "median_s",
                     f"{stats.answer_median_s:.2f}" if stats.answer_median_s is not None else ""])
    writer.writerows(["satisfaction", str(score), n] for score, n in stats.satisfaction.items())
    return out.getvalue()
