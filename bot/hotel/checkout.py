"""Automatic checkout: stays whose departure day's checkout time has passed are closed.

`run_checkout` is one pass (its own transaction); `checkout_forever` repeats it until stopped and
never dies of a failing pass, like the message sweep; `start_checkout_thread` runs that in a
daemon thread for `receptionist run`. Two processes checking out at once is harmless: each stay
is checked out by one conditional UPDATE (`bot.hotel.stays.check_out_departed`), so no lease.

The checkout time is the organisation file's `policy.checkout_time` (docs/organisation.md), read
from the stored organisation at each pass, so an import that changes it takes effect at the next
pass; 12:00 while none is stored. An explicit `checkout_time` argument overrides it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.tables import OrganizationRow
from bot.hotel.stays import DEFAULT_CHECKOUT, StayRecord, check_out_departed
from bot.records.common import aware

log = logging.getLogger(__name__)

CHECKOUT_INTERVAL_S = 300.0
"""A stay ends at most this long after its checkout time."""


def hotel_checkout_time(session: Session) -> dt.time:
    """The stored organisation's `policy.checkout_time`; 12:00 when none is stored or it says none."""
    settings = session.execute(select(OrganizationRow.settings)).scalar_one_or_none() or {}
    text = str((settings.get("policy") or {}).get("checkout_time") or "")
    try:
        return dt.time.fromisoformat(text) if text else DEFAULT_CHECKOUT
    except ValueError:  # the stored file was validated; this is only a guard
        log.warning("stored policy.checkout_time %r is not HH:MM; using %s", text, DEFAULT_CHECKOUT)
        return DEFAULT_CHECKOUT


def run_checkout(database: Database, now: dt.datetime | None = None, checkout_time: dt.time | None = None,
                 zone: dt.tzinfo | None = None) -> list[StayRecord]:
    """Check out the stays departed at `now` (default: the current time) in the hotel's time zone
    (`zone`, or the stored organisation's) after its checkout time (`checkout_time`, or the stored
    policy's); returns those checked out."""
    with database.session() as session:
        when = checkout_time if checkout_time is not None else hotel_checkout_time(session)
        return check_out_departed(session, aware(now), zone=zone, checkout_time=when)


def checkout_forever(database: Database, interval_s: float, stop_event: threading.Event,
                     checkout_time: dt.time | None = None,
                     on_checkout: Callable[[list[StayRecord]], None] | None = None) -> None:
    """`run_checkout` every `interval_s` seconds until `stop_event` is set."""
    while not stop_event.is_set():
        try:
            done = run_checkout(database, checkout_time=checkout_time)
        except Exception:
            log.exception("automatic checkout failed; trying again in %s s", interval_s)
        else:
            if done:
                log.info("checked out %d stay(s): %s", len(done), ", ".join(f"{s.room} ({s.id})" for s in done))
            if on_checkout is not None:
                on_checkout(done)
        stop_event.wait(interval_s)


def start_checkout_thread(database: Database, stop_event: threading.Event,
                          interval_s: float = CHECKOUT_INTERVAL_S,
                          checkout_time: dt.time | None = None) -> threading.Thread:
    """The automatic checkout in a daemon thread named "hotel-checkout" (for bot/launcher.py)."""
    thread = threading.Thread(target=checkout_forever, args=(database, interval_s, stop_event, checkout_time),
                              name="hotel-checkout", daemon=True)
    thread.start()
    return thread
