"""The REST channel of contract section 3 (`POST /webhooks/rest/webhook`), hardened.

It replaces Rasa's built-in `rest` channel (credentials.yml names this class) and keeps its
name, URL and answer (a JSON list of `{"recipient_id", "text"}` / `{"recipient_id", "custom"}`):

- no intent injection: Rasa reads a message starting with `/` as `/intent{entities}`
  (RegexMessageHandler, after stripping it), so a leading `/` becomes a full-width `／`
  and the text is ordinary nonsense for the NLU;
- an empty message is the start of a call or a visit: it becomes the internal intent
  `connect` (with the metadata), so the caller hears the greeting before speaking, and
  later in a call it tells the receptionist the caller is silent;
- text is cut to `MAX_TEXT` characters; the sender id must be 1 to 128 characters;
- the action server is probed (`/health`, at most every `PROBE_INTERVAL_S`); when it is down,
  or Rasa answers nothing at all, the channel answers itself: the system-problem phrase in the
  caller's language and a transfer to the operator, recorded in the call record.

Flow: request → probe (cached) → UserMessage (text or `connect`) → Rasa → messages;
                 └ down → apology + transfer to the operator (no Rasa).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.failsafe import OperatorLine, apology, language_of, operator_transfer
from bot.config import load_settings
from bot.context import Context, open_context
from bot.records import calls
from bot.records.calls import Outcome, Speaker
from connectors import speedups

speedups.install()
logger = logging.getLogger(__name__)

MAX_TEXT = 2000
MAX_SENDER = calls.MAX_CONVERSATION_ID
PROBE_INTERVAL_S = 2.0
PROBE_TIMEOUT_S = 1.0
CONNECT_INTENT = "connect"
INTENT_PREFIX = "/"
NEUTRAL_PREFIX = "／"


def neutralise(text: Any) -> str:
    """The caller's text as the NLU may see it: stripped, cut, and never an `/intent` command."""
    cleaned = str(text or "").strip()[:MAX_TEXT]
    if cleaned.startswith(INTENT_PREFIX):
        cleaned = NEUTRAL_PREFIX + cleaned[len(INTENT_PREFIX):]
    return cleaned


def connect_parse_data() -> dict[str, Any]:
    """What the NLU would say of a call starting: intent `connect`, for sure, no entities."""
    return {"text": "", "intent": {"name": CONNECT_INTENT, "confidence": 1.0}, "entities": [],
            "intent_ranking": [{"name": CONNECT_INTENT, "confidence": 1.0}]}


def health_url(action_url: str) -> str:
    """http://host:5055/webhook → http://host:5055/health (the Rasa SDK's health endpoint)."""
    parts = urlsplit(action_url)
    return urlunsplit((parts.scheme, parts.netloc, "/health", "", ""))


class ActionServerProbe:
    """Whether the action server answers; one probe at a time, its answer kept `interval_s`."""

    def __init__(self, url: str | None, interval_s: float = PROBE_INTERVAL_S) -> None:
        self.url = url
        self.interval_s = interval_s
        self._checked_at = float("-inf")
        self._healthy = True
        self._lock = asyncio.Lock()

    async def healthy(self, fresh: bool = False) -> bool:
        if not self.url:
            return True
        async with self._lock:
            if fresh or time.monotonic() - self._checked_at >= self.interval_s:
                self._healthy = await self._probe()
                self._checked_at = time.monotonic()
            return self._healthy

    async def _probe(self) -> bool:
        timeout = aiohttp.ClientTimeout(total=PROBE_TIMEOUT_S)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session, session.get(self.url) as answer:
                return answer.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False


class FallbackDesk:
    """Answers when the dialogue cannot: apology, transfer to the operator, both in the call record."""

    def __init__(self) -> None:
        self._context: Context | None = None
        self._operator: OperatorLine | None = None

    def answer(self, sender: str, text: str, metadata: dict[str, Any] | None) -> list[dict[str, Any]]:
        """Blocking (database): call it off the event loop."""
        operator = self._operator_line()
        language = language_of(text, None, operator.default_language())
        said = apology(language)
        transfer = operator_transfer(operator.extension())
        self._record(sender, text, said, transfer, metadata or {})
        return [{"recipient_id": sender, "text": said}, {"recipient_id": sender, "custom": transfer}]

    def _operator_line(self) -> OperatorLine:
        if self._operator is None:
            try:
                self._context = open_context()
                self._operator = OperatorLine(self._context.settings, self._context.directory)
            except Exception:
                logger.exception("fallback: the database cannot be opened")
                return OperatorLine(load_settings(), None)
        return self._operator

    def _record(self, sender: str, text: str, said: str, transfer: dict[str, Any],
                metadata: dict[str, Any]) -> None:
        if self._context is None:
            return
        try:
            with self._context.database.session() as session:
                channel = metadata.get("channel") if metadata.get("channel") in {"phone", "kiosk", "chat"} else "chat"
                calls.start_call(session, sender, channel=channel)
                if text:
                    calls.add_turn(session, sender, Speaker.CALLER, text)
                calls.add_turn(session, sender, Speaker.RECEPTIONIST, said)
                calls.add_turn(session, sender, Speaker.SYSTEM, f"[transfer to {transfer['target']}]")
                calls.end_call(session, sender, Outcome.OPERATOR, transferred_to=transfer["target"])
        except Exception:
            logger.exception("fallback: could not record conversation %s", sender)

    def close(self) -> None:
        if self._context is not None:
            self._context.close()


class FrontDeskRestInput(InputChannel):
    """Rasa's REST channel, hardened (see the module docstring). Name `rest`, so the URL is unchanged."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> FrontDeskRestInput:
        credentials = credentials or {}
        return cls(action_url=credentials.get("action_url") or None,
                   probe_interval_s=float(credentials.get("probe_interval_s") or PROBE_INTERVAL_S))

    def __init__(self, action_url: str | None = None, probe_interval_s: float = PROBE_INTERVAL_S) -> None:
        self.probe = ActionServerProbe(health_url(action_url) if action_url else None, probe_interval_s)
        self.fallback = FallbackDesk()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("front_desk_rest", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else None
            sender = str(body.get("sender") or "") if body else ""
            if not sender or len(sender) > MAX_SENDER:
                return response.json({"error": f"`sender` must be 1 to {MAX_SENDER} characters"}, status=400)
            text = neutralise(body.get("message"))
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            if not await self.probe.healthy():
                return response.json(await self._fallback(sender, text, metadata))
            messages = await self._converse(on_new_message, sender, text, metadata)
            if not messages:
                logger.error("no answer for conversation %s: the caller goes to the operator", sender)
                await self.probe.healthy(fresh=True)
                messages = await self._fallback(sender, text, metadata)
            return response.json(messages)

        return webhook

    async def _converse(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], sender: str, text: str,
                        metadata: dict[str, Any] | None) -> list[dict[str, Any]]:
        collector = CollectingOutputChannel()
        message = UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata,
                              parse_data=None if text else connect_parse_data())
        try:
            await on_new_message(message)
        except asyncio.CancelledError:
            logger.error("conversation %s: the turn timed out", sender)
        except Exception:
            logger.exception("conversation %s: the turn failed", sender)
        return collector.messages

    async def _fallback(self, sender: str, text: str, metadata: dict[str, Any] | None) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.fallback.answer, sender, text, metadata)
