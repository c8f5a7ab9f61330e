"""Small helpers every kind of record shares: times, text limits, guarded status changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import Enum
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.db.tables import Base, utcnow


def aware(moment: dt.datetime | None) -> dt.datetime:
    """`moment` in UTC (now when None); a time without a zone is refused, never guessed."""
    if moment is None:
        return utcnow()
    if moment.tzinfo is None:
        raise ValueError("times must carry a time zone")
    return moment.astimezone(dt.timezone.utc)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(value: str | None, what: str, limit: int) -> str | None:
    """Caller-supplied text on one line, None when empty; longer than `limit` is an error."""
    if value is None:
        return None
    cleaned = " ".join(str(value).split())
    if len(cleaned) > limit:
        raise ValueError(f"the {what} is too long ({len(cleaned)} characters, at most {limit})")
    return cleaned or None


def transition(session: Session, row_type: type[Base], row_id: int, from_states: Iterable[Enum],
               **values: Any) -> bool:
    """Apply `values` only if the row's status is one of `from_states` (a conditional UPDATE, so a
    change made meanwhile by another process is never overwritten); False when it was not."""
    statement = (
        update(row_type)
        .where(row_type.id == row_id, row_type.status.in_([s.value for s in from_states]))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1
