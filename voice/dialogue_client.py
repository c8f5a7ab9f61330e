"""The gateway's only way to the dialogue: Rasa's REST webhook and its trigger_intent API (contract section 3).

    say(conversation, text, metadata)  → POST /webhooks/rest/webhook (phone client token) → [Reply]
    report_transfer(conversation, r)   → POST /conversations/{c}/trigger_intent (API token) → [Reply]

The REST channel knows the gateway by its client token (`Authorization: Bearer`, docs/security.md):
that token makes the conversation a phone call, the one channel a mobile is ever connected on.

Every request has a time-out: a dialogue that does not answer in time raises `DialogueUnavailable`,
and the call goes to the operator (the fail-safe in `voice/call_session.py`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp

log = logging.getLogger(__name__)

TRANSFER_RESULTS = ("answered", "busy", "no_answer", "declined", "failed")


class DialogueUnavailable(Exception):
    """The dialogue did not answer in time, or answered with an error."""


@dataclass(frozen=True)
class Reply:
    """One bot message: a sentence to speak, or a contract payload (`transfer`, `hangup`, `record`)."""

    text: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "text" if self.text is not None else str(self.custom.get("type", ""))


def parse_replies(messages: Any) -> list[Reply]:
    """Rasa's bot messages → replies; anything that is neither a text nor a known payload is dropped."""
    replies: list[Reply] = []
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict):
            continue
        if isinstance(message.get("text"), str) and message["text"].strip():
            replies.append(Reply(text=message["text"]))
        custom = message.get("custom")
        if isinstance(custom, dict) and custom.get("type") in ("transfer", "hangup", "record"):
            replies.append(Reply(custom=custom))
    return replies


class DialogueClient:
    """HTTP client for one Rasa server; one connection pool shared by every call."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 3.0, channel_token: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        """Rasa's HTTP API token (trigger_intent)."""
        self.channel_token = channel_token
        """The REST channel's token for the phone client (the gateway)."""
        self.timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        return self._session

    async def _post(self, url: str, body: dict[str, Any], params: dict[str, str] | None = None,
                    headers: dict[str, str] | None = None) -> Any:
        try:
            async with self._client().post(url, json=body, params=params, headers=headers) as answer:
                if answer.status >= 400:
                    raise DialogueUnavailable(f"{url} answered HTTP {answer.status}")
                return await answer.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise DialogueUnavailable(f"{url}: {exc!r}") from exc

    async def say(self, conversation: str, text: str, metadata: dict[str, Any] | None = None) -> list[Reply]:
        body: dict[str, Any] = {"sender": conversation, "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        headers = {"Authorization": f"Bearer {self.channel_token}"}
        return parse_replies(await self._post(f"{self.base_url}/webhooks/rest/webhook", body, headers=headers))

    async def report_transfer(self, conversation: str, result: str) -> list[Reply]:
        """The outcome of a transfer; the replies are what the receptionist says next."""
        if result not in TRANSFER_RESULTS:
            raise ValueError(f"not a transfer result: {result!r}")
        url = f"{self.base_url}/conversations/{quote(conversation, safe='')}/trigger_intent"
        answer = await self._post(url, {"name": "transfer_result", "entities": {"result": result}},
                                  {"output_channel": "latest", "token": self.token})
        return parse_replies(answer.get("messages") if isinstance(answer, dict) else None)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
