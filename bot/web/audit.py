"""The audit log: who viewed a transcript or changed what. Written in the same transaction as
the change it describes, so a change is never stored without its entry (nor the reverse)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.tables import AuditRow, utcnow


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    username: str
    action: str
    target: str
    detail: str


def record(session: Session, username: str, action: str, target: str = "", detail: str = "") -> None:
    session.add(AuditRow(at=utcnow(), username=username[:64], action=action[:64], target=target[:200],
                         detail=detail[:4000]))
    session.flush()


def entries(session: Session, limit: int = 200, action: str | None = None,
            username: str | None = None) -> list[AuditEntry]:
    """Newest first."""
    query = select(AuditRow)
    if action:
        query = query.where(AuditRow.action == action)
    if username:
        query = query.where(AuditRow.username == username)
    rows = session.execute(query.order_by(AuditRow.id.desc()).limit(limit)).scalars()
    return [AuditEntry(r.id, r.at, r.username, r.action, r.target, r.detail) for r in rows]
