"""The REST channel of contract section 3 (`POST /webhooks/rest/webhook`), hardened.

It replaces Rasa's built-in `rest` channel (credentials.yml names this class) and keeps its
name, URL and answer (a JSON list of `{"recipient_id", "text"}` / `{"recipient_id", "custom"}`):

- only known clients: each shows `Authorization: Bearer <token>` (credentials.yml `clients`:
  the voice gateway's token, the kiosk relay's, a chat client's). Without a valid one: 401, and a
  warning in the log with the client's address; beyond `UNAUTHORISED_RATE` such requests from one
  address, 429 with Retry-After, logged once per run (a flood must not flood the log). The
  clients themselves are servers carrying many callers (the gateway's calls, every kiosk visitor
  through the console, which limits each visitor's address: bot/web/kiosk.py) and are not
  limited here; what their conversations hold in memory is (connectors/tracker_eviction.py). The token, not the body, says the channel: its
  client's (metadata `channel` is overwritten; `caller_id` and `internal` are dropped except on
  the phone, whose gateway alone can know them), and a conversation stays on the channel it
  started on (another client's token for it: 403);
- a mobile never leaves the phone channel: on any other, a transfer whose destination is a staff
  mobile is replaced by a transfer to the operator (the dialogue never plans one; this is the
  last lock, at the door: docs/security.md);
- no intent injection: Rasa reads a message starting with `/` as `/intent{entities}`
  (RegexMessageHandler, after stripping it), so a leading `/` becomes a full-width `／`
  and the text is ordinary nonsense for the NLU;
- an empty message is the start of a call or a visit: it becomes the internal intent
  `connect` (with the metadata), so the caller hears the greeting before speaking, and
  later in a call it tells the receptionist the caller is silent;
- text is cut to `MAX_TEXT` characters; the sender id must be 1 to 128 characters;
- the action server is probed (`/health` with its secret, at most every `PROBE_INTERVAL_S`); when it is down,
  or Rasa answers nothing at all, the channel answers itself: the system-problem phrase in the
  caller's language and a transfer to the operator, recorded in the call record.

Flow: request → client (token) → owner check → probe (cached) → UserMessage (text or `connect`)
        → Rasa → messages → mobile guard (not phone);  └ down → apology + transfer to the operator (no Rasa).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.events import UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.failsafe import OperatorLine, apology, language_of, operator_transfer
from bot.config import CHANNELS, load_settings
from bot.context import Context, open_context
from bot.org.model import Directory
from bot.privacy import is_staff_mobile, may_connect_mobile
from bot.records import calls
from bot.records.calls import Outcome, Speaker
from bot.web.ratelimit import Rate, RateLimiter
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
PHONE_ONLY_METADATA = ("caller_id", "internal")
"""What only the phone system can know (the gateway trusts the PBX for it); dropped elsewhere."""
UNAUTHORISED_RATE = Rate(burst=10, per_minute=10)
"""Requests without a valid client token per address: a misconfigured client shows up in the
log ten times at once, then once a minute; a flood or a token guesser gets 429, cheaply."""
MAX_OWNERS = 100_000
"""Conversations whose channel is remembered; older ones are looked up in the tracker store again."""


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

    def __init__(self, url: str | None, interval_s: float = PROBE_INTERVAL_S, secret: str = "") -> None:
        self.url = url
        self.interval_s = interval_s
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}
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
            async with aiohttp.ClientSession(timeout=timeout, headers=self.headers) as session, \
                    session.get(self.url) as answer:
                return answer.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False


class ChannelClients:
    """Who may talk to the channel: one token per client, and the channel each token stands for."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        missing = [channel for channel in CHANNELS if not tokens.get(channel)]
        unknown = [channel for channel in tokens if channel not in CHANNELS]
        if missing or unknown:
            raise ValueError(f"the REST channel needs a token for each of {', '.join(CHANNELS)} "
                             f"(missing: {missing}, unknown: {unknown}); see docs/security.md")
        if len(set(tokens.values())) != len(tokens):
            raise ValueError("the REST channel's clients need different tokens: the token says the channel")
        self._tokens = {channel: str(token).encode() for channel, token in tokens.items()}

    def channel_of(self, authorization: str | None) -> str | None:
        """The channel whose client's token the `Authorization: Bearer` header shows, or None."""
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return None
        shown = given.strip().encode()
        found = None
        for channel, token in self._tokens.items():  # every one compared: the time says nothing
            if hmac.compare_digest(shown, token):
                found = channel
        return found


class ConversationOwners:
    """The channel each conversation started on, so another client cannot step into it (a kiosk
    or chat client sending a phone call's sender id would otherwise receive that call's replies).

    Remembered here for the recent conversations; otherwise read from the tracker store: the
    channel of the conversation's first message (set by this channel, so trusted)."""

    def __init__(self, limit: int = MAX_OWNERS) -> None:
        self.limit = limit
        self._owners: OrderedDict[str, str] = OrderedDict()

    async def admits(self, sender: str, channel: str, stored_channel: Callable[[str], Awaitable[str | None]]) -> bool:
        owner = self._owners.get(sender)
        if owner is None:
            found = await stored_channel(sender)
            owner = self._owners.setdefault(sender, found if found in CHANNELS else channel)
            while len(self._owners) > self.limit:
                self._owners.popitem(last=False)
        self._owners.move_to_end(sender)
        return owner == channel


def trusted_metadata(given: Any, channel: str) -> dict[str, Any]:
    """The message's metadata as the dialogue may believe it: the channel is the client's."""
    metadata = dict(given) if isinstance(given, dict) else {}
    if channel != "phone":
        for key in PHONE_ONLY_METADATA:
            metadata.pop(key, None)
    metadata["channel"] = channel
    return metadata


def is_transfer(message: dict[str, Any]) -> bool:
    custom = message.get("custom")
    return isinstance(custom, dict) and custom.get("type") == "transfer"


def without_mobiles(messages: list[dict[str, Any]], directory: Directory | None,
                    operator: dict[str, Any]) -> list[dict[str, Any]]:
    """`messages` with every transfer to a staff mobile replaced by `operator` (a transfer to the
    operator); without a directory to tell, every transfer is replaced."""
    kept = []
    for message in messages:
        if is_transfer(message) and (directory is None or is_staff_mobile(message["custom"].get("destination"),
                                                                           directory)):
            logger.error("a transfer to a mobile was stopped at the door (conversation %s); the operator instead",
                         message.get("recipient_id"))
            message = {**message, "custom": operator}
        kept.append(message)
    return kept


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

    def keep_mobiles_off(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`without_mobiles` with this process's directory (blocking: call it off the event loop)."""
        operator = self._operator_line()
        try:
            directory = self._context.directory.current() if self._context else None
        except Exception:
            logger.exception("mobile guard: the directory cannot be read; every transfer goes to the operator")
            directory = None
        return without_mobiles(messages, directory, operator_transfer(operator.extension()))

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
                channel = metadata.get("channel") if metadata.get("channel") in CHANNELS else "chat"
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
        clients = credentials.get("clients")
        return cls(action_url=credentials.get("action_url") or None,
                   probe_interval_s=float(credentials.get("probe_interval_s") or PROBE_INTERVAL_S),
                   clients=clients if isinstance(clients, dict) else {},
                   action_secret=str(credentials.get("action_secret") or ""))

    def __init__(self, action_url: str | None = None, probe_interval_s: float = PROBE_INTERVAL_S,
                 clients: Mapping[str, str] | None = None, action_secret: str = "") -> None:
        self.clients = ChannelClients(clients or {})
        self.owners = ConversationOwners()
        self.probe = ActionServerProbe(health_url(action_url) if action_url else None, probe_interval_s,
                                       action_secret)
        self.fallback = FallbackDesk()
        self.unauthorised = RateLimiter("REST channel without a client token", UNAUTHORISED_RATE)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("front_desk_rest", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            channel = self.clients.channel_of(request.headers.get("authorization"))
            if channel is None:
                wait_s = self.unauthorised.retry_after(request.ip or "?")
                if wait_s:
                    return response.json({"error": "rate_limited", "retry_after_s": wait_s}, status=429,
                                         headers={"Retry-After": str(wait_s)})
                logger.warning("REST channel: refused a request from %s without a valid client token", request.ip)
                return response.json({"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"})
            body = request.json if isinstance(request.json, dict) else None
            sender = str(body.get("sender") or "") if body else ""
            if not sender or len(sender) > MAX_SENDER:
                return response.json({"error": f"`sender` must be 1 to {MAX_SENDER} characters"}, status=400)
            if not await self.owners.admits(sender, channel, lambda s: stored_channel(request, s)):
                logger.warning("REST channel: refused the %s client (%s) a conversation of another channel",
                               channel, request.ip)
                return response.json({"error": "this conversation belongs to another channel"}, status=403)
            text = neutralise(body.get("message"))
            metadata = trusted_metadata(body.get("metadata"), channel)
            return response.json(await self._answer(on_new_message, sender, text, metadata))

        return webhook

    async def _answer(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], sender: str, text: str,
                      metadata: dict[str, Any]) -> list[dict[str, Any]]:
        if not await self.probe.healthy():
            messages = await self._fallback(sender, text, metadata)
        else:
            messages = await self._converse(on_new_message, sender, text, metadata)
        if not messages:
            logger.error("no answer for conversation %s: the caller goes to the operator", sender)
            await self.probe.healthy(fresh=True)
            messages = await self._fallback(sender, text, metadata)
        if not may_connect_mobile(metadata["channel"]) and any(is_transfer(m) for m in messages):
            loop = asyncio.get_running_loop()
            messages = await loop.run_in_executor(None, self.fallback.keep_mobiles_off, messages)
        return messages

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


async def stored_channel(request: Request, sender: str) -> str | None:
    """The channel of the first message of `sender`'s conversation in Rasa's tracker store, if any."""
    agent = getattr(request.app.ctx, "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return None
    try:
        tracker = await store.retrieve(sender)
    except Exception:
        logger.exception("REST channel: the tracker store cannot be read for conversation %s", sender)
        return None
    for event in tracker.events if tracker is not None else ():
        if isinstance(event, UserUttered):
            return (event.metadata or {}).get("channel")
    return None
