"""Rasa's in-memory tracker store, with idle conversations forgotten (issue #16).

Without a `tracker_store` in endpoints.yml (ours has none), Rasa keeps every conversation's
tracker in a dict for the life of the server: a flood of new sender ids (kiosk starts, chat
clients, calls) grows it without end. `EvictingTrackerStore` is Rasa's `InMemoryTrackerStore`
with two bounds, both kept on the tracker's save (every turn saves its tracker once), so the cost
is a dict move and the eviction of what is due, nothing per event and no timer:

- a conversation whose tracker was not saved for `idle_s` (`IDLE_S`) is forgotten;
- at most `max_conversations` (`MAX_CONVERSATIONS`) are kept: beyond, the least recently saved
  are forgotten first.

A conversation that comes back after being forgotten starts afresh (Rasa makes a new tracker and
the receptionist greets again), as it would after Rasa's own session expiry (domain.yml
`session_expiration_time`, 60 minutes). Its call record is in the database and is untouched.

`install()` makes Rasa build this store wherever it would build its default one (the server
process only: connectors/server.py calls it before Rasa starts). A tracker store configured in
endpoints.yml (SQL, Redis, ...) is used as configured, untouched.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import rasa.core.tracker_store as rasa_tracker_store
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

IDLE_S = 60 * 60.0
"""A conversation whose tracker was not saved for this long is forgotten: Rasa's own session
expiry (domain.yml `session_expiration_time: 60` minutes) starts a new session then anyway; the
longest genuine pause (a caller on hold through a transfer and back, a visitor reading) is minutes."""
MAX_CONVERSATIONS = 10_000
"""Conversations kept at once, the least recently saved forgotten first beyond. A tracker is a
few kilobytes to a few tens (measured: about 4 KB for an opened kiosk conversation, 20-40 KB for
a whole call), so at most some hundreds of megabytes; a switchboard has tens of calls at once
and a few thousand a day, so only a flood reaches it."""


class EvictingTrackerStore(InMemoryTrackerStore):
    """`InMemoryTrackerStore` that forgets idle conversations, and keeps at most `max_conversations`."""

    def __init__(self, domain: Domain, event_broker: EventBroker | None = None, *,
                 idle_s: float = IDLE_S, max_conversations: int = MAX_CONVERSATIONS,
                 clock: Callable[[], float] = time.monotonic, **kwargs: Any) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self.store: OrderedDict[str, str] = OrderedDict()  # least recently saved first
        self._saved_at: dict[str, float] = {}
        self.idle_s = idle_s
        self.max_conversations = max_conversations
        self.clock = clock
        self.evicted = 0
        """Conversations forgotten so far (idle, or beyond the cap)."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        sender = tracker.sender_id
        self.store.move_to_end(sender)
        self._saved_at[sender] = self.clock()
        self.evict()

    def evict(self) -> int:
        """Forget the idle conversations and those beyond the cap; how many were forgotten."""
        cutoff = self.clock() - self.idle_s
        forgotten = 0
        while self.store:
            oldest = next(iter(self.store))
            if len(self.store) <= self.max_conversations and self._saved_at.get(oldest, cutoff) > cutoff:
                break
            del self.store[oldest]
            self._saved_at.pop(oldest, None)
            forgotten += 1
        if forgotten:
            self.evicted += forgotten
            logger.debug("tracker store: forgot %d conversation(s), %d kept", forgotten, len(self.store))
        return forgotten

    async def keys(self) -> Iterable[str]:
        return list(self.store.keys())


def install(idle_s: float = IDLE_S, max_conversations: int = MAX_CONVERSATIONS) -> None:
    """Make Rasa's default tracker store (no `tracker_store` in the endpoints) an `EvictingTrackerStore`
    with these bounds. Rasa builds its default by the name `InMemoryTrackerStore` in
    `rasa.core.tracker_store` (`_create_from_endpoint_config`, and the fallback for a custom store
    that cannot be loaded); a configured SQL, Redis, Mongo or Dynamo store is not affected."""

    class Configured(EvictingTrackerStore):
        def __init__(self, domain: Domain, event_broker: EventBroker | None = None, **kwargs: Any) -> None:
            kwargs.setdefault("idle_s", idle_s)
            kwargs.setdefault("max_conversations", max_conversations)
            super().__init__(domain, event_broker, **kwargs)

    Configured.__name__ = Configured.__qualname__ = "EvictingTrackerStore"
    rasa_tracker_store.InMemoryTrackerStore = Configured  # type: ignore[misc]
