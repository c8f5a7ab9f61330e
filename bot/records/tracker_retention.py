"""Forgetting finished conversations in Rasa's SQL tracker store (RECEPTIONIST_TRACKER_STORE).

Rasa keeps every event of every conversation in its `events` table and never deletes any: a busy
hotline would add millions of rows a month. What staff review (transcripts, messages, cases)
is in the receptionist's own records; the tracker is only what a Rasa server needs to take a
call's next turn. So a conversation idle longer than the retention (RECEPTIONIST_TRACKER_RETENTION_DAYS,
7 days by default; a call lasts minutes, a chat a day at most) is deleted whole: if its client
ever speaks again, the conversation starts afresh, as in memory after an hour.

`receptionist run` does this every hour (`purge_forever`); `receptionist trackers purge` does it
once (from cron, say). Several processes doing it at once only delete the same rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import threading

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, create_engine, delete, func, inspect, select
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 7.0
PURGE_INTERVAL_S = 3600.0
BATCH = 500
"""Conversations deleted per transaction: a long purge never holds locks the Rasa servers wait on."""

_events = Table("events", MetaData(), Column("id", Integer, primary_key=True), Column("sender_id", String(255)),
                Column("timestamp", Float))


def purge_idle_conversations(engine: Engine, retention: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Delete every conversation whose last event is older than `retention`; how many were deleted.
    Nothing to do (0) while Rasa has not created its table."""
    if not inspect(engine).has_table("events"):
        return 0
    cutoff = ((now or dt.datetime.now(dt.timezone.utc)) - retention).timestamp()
    stale = (select(_events.c.sender_id).group_by(_events.c.sender_id)
             .having(func.max(_events.c.timestamp) < cutoff).limit(BATCH))
    forgotten = 0
    while True:
        with engine.begin() as conn:
            senders = list(conn.execute(stale).scalars())
            if not senders:
                return forgotten
            conn.execute(delete(_events).where(_events.c.sender_id.in_(senders)))
        forgotten += len(senders)


def tracker_engine(url: str) -> Engine:
    return create_engine(url.strip(), future=True, pool_pre_ping=True)


def purge_forever(url: str, retention: dt.timedelta, stop: threading.Event,
                  interval_s: float = PURGE_INTERVAL_S) -> None:
    """`purge_idle_conversations` every `interval_s` until `stop` is set; a failing pass is logged and
    tried again at the next (the tracker store's database may be restarting)."""
    engine = tracker_engine(url)
    try:
        while not stop.is_set():
            try:
                forgotten = purge_idle_conversations(engine, retention)
            except Exception:
                log.exception("tracker store purge failed; trying again in %.0f s", interval_s)
            else:
                if forgotten:
                    log.info("tracker store: %d conversation(s) idle over %s forgotten", forgotten, retention)
            stop.wait(interval_s)
    finally:
        engine.dispose()


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("trackers", help="Rasa's SQL tracker store (RECEPTIONIST_TRACKER_STORE)")
    sub = group.add_subparsers(dest="trackers_command", metavar="ACTION", required=True)
    purge = sub.add_parser("purge", help="delete the conversations idle longer than the retention")
    purge.add_argument("--days", type=float, help="the retention in days (default: "
                                                  "RECEPTIONIST_TRACKER_RETENTION_DAYS, or 7)")
    purge.set_defaults(handler=_purge)


def _purge(args: argparse.Namespace) -> int:
    from bot.config import load_settings

    settings = load_settings()
    if not settings.tracker_store:
        print("RECEPTIONIST_TRACKER_STORE is not set: conversations are in the Rasa server's memory, "
              "and forgotten after an hour idle")
        return 0
    days = args.days if args.days is not None else settings.tracker_retention_days
    if days <= 0:
        raise ValueError("--days must be more than 0")
    engine = tracker_engine(settings.tracker_store)
    try:
        forgotten = purge_idle_conversations(engine, dt.timedelta(days=days))
    finally:
        engine.dispose()
    print(f"{forgotten} conversation(s) idle over {days:g} days deleted from the tracker store")
    return 0
