"""An event broker that writes every turn of every conversation into its call record.

Rasa publishes each tracker event here (configured in endpoints.yml as `event_broker`). Caller
turns carry their intent and confidence; receptionist turns their text; what the channel is
asked to do (transfer, hang up, a record stored) and the transfer results the phone system
reports are `system` turns, which never carry a dial string (a mobile must not reach a
transcript). The start of a call (the internal `connect`, an empty message) opens the record
without a turn. The database is written by one worker thread, so publishing never blocks the
server's event loop, and a database failure is logged without touching the conversation.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import queue
import threading
from asyncio import AbstractEventLoop
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.constants import EXTERNAL_MESSAGE_PREFIX
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.orm import Session

from bot.config import load_settings
from bot.db.engine import Database, open_database
from bot.records import calls
from bot.records.calls import Speaker

logger = logging.getLogger(__name__)
_STOP = object()
CHANNELS = {"phone", "kiosk", "chat"}


class TranscriptBroker(EventBroker):
    def __init__(self, database: Database) -> None:
        self._database = database
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=10_000)
        self._worker = threading.Thread(target=self._drain, name="transcripts", daemon=True)
        self._worker.start()

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: AbstractEventLoop | None = None
    ) -> TranscriptBroker:
        """Opens (and migrates) the receptionist's database off the event loop."""
        loop = asyncio.get_running_loop()
        database = await loop.run_in_executor(None, open_database, load_settings().db_url)
        return cls(database)

    def publish(self, event: dict[str, Any]) -> None:
        if event.get("event") not in {"user", "bot"}:
            return
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            logger.error("transcript queue full: a turn of %s was not recorded", event.get("sender_id"))

    def is_ready(self) -> bool:
        return self._worker.is_alive()

    async def close(self) -> None:
        self._queue.put(_STOP)
        await asyncio.get_running_loop().run_in_executor(None, self._worker.join, 10)
        self._database.close()

    def flush(self, timeout_s: float = 5.0) -> None:
        """Wait until every published turn is written (for tests and orderly shutdown)."""
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout_s)

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            try:
                with self._database.session() as session:
                    record_event(session, item)
            except Exception:
                logger.exception("could not record a turn of %s", item.get("sender_id"))


def record_event(session: Session, event: dict[str, Any]) -> None:
    """Write one published Rasa event (`user` or `bot`) into its call record."""
    conversation = str(event.get("sender_id") or "")
    if not conversation:
        return
    at = _time(event.get("timestamp"))
    if event["event"] == "user":
        _record_user(session, conversation, event, at)
    else:
        _record_bot(session, conversation, event, at)


def _record_user(session: Session, conversation: str, event: dict[str, Any], at: dt.datetime | None) -> None:
    metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
    calls.ensure_call(
        session, conversation, channel=_channel(metadata.get("channel")),
        caller_id=_text(metadata.get("caller_id")), caller_name=_text(metadata.get("caller_name")),
        internal=metadata.get("internal") is True, at=at,
    )
    parse_data = event.get("parse_data") or {}
    intent = parse_data.get("intent") or {}
    text = event.get("text") or ""
    if text.startswith(EXTERNAL_MESSAGE_PREFIX):
        # Reported through the HTTP API (trigger_intent), not said by the caller.
        entities = ", ".join(f"{e.get('entity')}={e.get('value')}" for e in parse_data.get("entities") or [])
        calls.add_turn(session, conversation, Speaker.SYSTEM, f"[{intent.get('name')}: {entities}]",
                       intent=intent.get("name"), confidence=1.0, at=at)
    elif text:
        calls.add_turn(session, conversation, Speaker.CALLER, text,
                       intent=intent.get("name"), confidence=_confidence(intent.get("confidence")), at=at)


def _record_bot(session: Session, conversation: str, event: dict[str, Any], at: dt.datetime | None) -> None:
    if event.get("text"):
        calls.add_turn(session, conversation, Speaker.RECEPTIONIST, event["text"], at=at)
    custom = (event.get("data") or {}).get("custom")
    if isinstance(custom, dict):
        calls.add_turn(session, conversation, Speaker.SYSTEM, describe_payload(custom), at=at)


HANDOVER_KEYS = ("wanted", "caller", "matter", "urgent")
"""What the receptionist tells the operator it understood (bot/dialogue/flows/connecting.py `handover`)."""


def describe_payload(payload: dict[str, Any]) -> str:
    """A channel payload for the transcript, without its dial string."""
    kind = payload.get("type")
    if kind == "transfer":
        handover = payload.get("handover") if isinstance(payload.get("handover"), dict) else {}
        told = "; ".join(f"{key}: {str(value)[:200]}" for key, value in handover.items() if key in HANDOVER_KEYS)
        return f"[transfer to {payload.get('target')}, {payload.get('mode')}{'; ' + told if told else ''}]"
    if kind == "hangup":
        return f"[hangup: {payload.get('reason')}]"
    if kind == "record":
        return f"[record: {payload.get('kind')} {payload.get('id')}]"
    return f"[{kind}]"


def _time(timestamp: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(float(timestamp), dt.timezone.utc) if timestamp else None
    except (TypeError, ValueError, OverflowError):
        return None


def _confidence(value: Any) -> float | None:
    try:
        return min(1.0, max(0.0, float(value))) if value is not None else None
    except (TypeError, ValueError):
        return None


def _channel(value: Any) -> str:
    return value if value in CHANNELS else "chat"


def _text(value: Any, limit: int = 64) -> str | None:
    """Caller-supplied metadata is untrusted: text only, and short."""
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)[:limit] or None
