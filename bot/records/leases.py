"""Leases: a job that must not run twice at once, across processes sharing the database.

The message sweep e-mails new messages and re-sends overdue ones. Two sweeps at the same time
(the service's, and `receptionist messages sweep --watch` started by hand, or two service
instances) would both read the same new message and both send it. A sweep therefore first takes
the lease "message-sweep": one conditional UPDATE (or the first INSERT) decides, on SQLite and
PostgreSQL alike; a holder that dies loses it when it expires.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError

from bot.db.engine import Database
from bot.db.tables import LeaseRow
from bot.records.common import aware


def new_holder() -> str:
    """A name for this process's claims: host, pid and a random part (a pid can be reused)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def claim(database: Database, name: str, holder: str, ttl_s: float, now: dt.datetime | None = None) -> bool:
    """Take (or renew) the lease `name` for `holder` until now + `ttl_s`; False when someone else holds it."""
    moment = aware(now)
    until = moment + dt.timedelta(seconds=ttl_s)
    with database.session() as session:
        taken = session.execute(update(LeaseRow)
                                .where(LeaseRow.name == name, or_(LeaseRow.holder == holder, LeaseRow.expires_at <= moment))
                                .values(holder=holder, expires_at=until))
        if taken.rowcount == 1:
            return True
        if session.get(LeaseRow, name) is not None:
            return False
    try:  # nobody ever held it: the first INSERT wins, the other gets an integrity error
        with database.session() as session:
            session.add(LeaseRow(name=name, holder=holder, expires_at=until))
    except IntegrityError:
        return False
    return True


def release(database: Database, name: str, holder: str) -> None:
    """Give the lease back (only if `holder` still has it)."""
    with database.session() as session:
        session.execute(delete(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder))
