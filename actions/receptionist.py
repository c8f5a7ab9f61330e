"""`action_receptionist` and `action_transfer_result`: every turn, handed to the dialogue engine.

The action reads the engine's state (slot `dialogue_state`) and the latest message, runs
`Receptionist.handle` in a worker thread (it reads and writes the database, and 20 calls at a
time must not wait for each other), sends what it says (`Say` as text, `Payload` as a custom
JSON message, which the REST channel returns as `"custom": {...}`) and stores the new state.

On a conversation's first turn the engine gets `Start` with the channel's metadata (`channel`,
`caller_id`, `caller_name`, `internal`, and `now` only when RECEPTIONIST_TEST_CLOCK=1), then
what the caller said, if anything. The REST channel sets `channel` from the client's token and
keeps `caller_id` and `internal` for the phone only (connectors/rest.py), so they can be believed;
a message without metadata (Rasa's token-guarded HTTP API, `rasa test`) counts as a phone call. If the engine fails, the caller hears the system-problem
phrase and is put through to the operator (actions/failsafe.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.failsafe import OperatorLine, apology, language_of, operator_transfer
from actions.runtime import Runtime, runtime
from bot.config import load_settings
from bot.dialogue.state import Event, Heard, Output, Payload, Say, Start, TransferReport

logger = logging.getLogger(__name__)

STATE_SLOT = "dialogue_state"
LANGUAGE_SLOT = "language"
MAX_TEXT = 2000

Turn = tuple[list[Output], dict[str, Any] | None]
EventsFor = Callable[[Tracker, Runtime], list[Event]]


class ActionReceptionist(Action):
    """Whatever the caller says (or the start of a call: intent `connect`)."""

    def name(self) -> str:
        return "action_receptionist"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return await respond(dispatcher, tracker, caller_events, on_failure=True, caller_spoke=True)


class ActionTransferResult(Action):
    """The phone system's report on the transfer under way (entity `result`)."""

    def name(self) -> str:
        return "action_transfer_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        # A failure after an answered transfer must not pull the connected caller to the operator.
        connected = transfer_result(tracker) == "answered"
        return await respond(dispatcher, tracker, transfer_events, on_failure=not connected, caller_spoke=False)


# ---------------------------------------------------------------------------------- tracker → events


def caller_events(tracker: Tracker, rt: Runtime) -> list[Event]:
    """`Start` on a fresh conversation, then `Heard` unless the message is empty."""
    conversation = tracker.sender_id
    message = tracker.latest_message or {}
    text = " ".join(str(message.get("text") or "").split())[:MAX_TEXT]
    intent = message.get("intent") or {}
    heard = Heard(conversation, text, intent.get("name"), float(intent.get("confidence") or 0.0),
                  latest_entities(tracker))
    if tracker.get_slot(STATE_SLOT):
        return [heard]
    start = start_event(conversation, first_metadata(tracker), rt.settings.test_clock)
    return [start, heard] if text else [start]


def transfer_events(tracker: Tracker, rt: Runtime) -> list[Event]:
    """A report for a conversation that has not started is ignored (no transfer can be under way)."""
    if not tracker.get_slot(STATE_SLOT):
        return []
    return [TransferReport(tracker.sender_id, transfer_result(tracker) or "")]


def transfer_result(tracker: Tracker) -> str | None:
    return latest_entities(tracker).get("result")


def latest_entities(tracker: Tracker) -> dict[str, str]:
    """The latest message's entities as {entity: value} (the first value of each entity)."""
    found: dict[str, str] = {}
    for entity in (tracker.latest_message or {}).get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if isinstance(name, str) and value is not None and name not in found:
            found[name] = str(value)
    return found


def first_metadata(tracker: Tracker) -> dict[str, Any]:
    """The metadata of the conversation's first message (what the channel said about the call)."""
    for event in tracker.events:
        if event.get("event") == "user":
            metadata = event.get("metadata")
            return metadata if isinstance(metadata, dict) else {}
    return {}


def start_event(conversation: str, metadata: dict[str, Any], test_clock: bool) -> Start:
    return Start(
        conversation=conversation,
        channel=str(metadata.get("channel") or "phone"),
        caller_id=_short_text(metadata.get("caller_id")),
        caller_name=_short_text(metadata.get("caller_name")),
        internal=metadata.get("internal") is True,
        now=_moment(metadata.get("now")) if test_clock else None,
    )


def _short_text(value: Any, limit: int = 64) -> str | None:
    """Metadata comes from outside: text only, and short."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value)[:limit] or None


def _moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


# ---------------------------------------------------------------------------------- running a turn


async def respond(dispatcher: CollectingDispatcher, tracker: Tracker, events_for: EventsFor,
                  on_failure: bool, caller_spoke: bool) -> list[EventType]:
    """Run the turn; if the engine fails and `on_failure`, apologise and call the operator."""
    loop = asyncio.get_running_loop()
    try:
        outputs, state = await loop.run_in_executor(None, run_engine, tracker, events_for)
    except Exception:
        logger.exception("the dialogue engine failed on conversation %s", tracker.sender_id)
        if on_failure:
            outputs = await loop.run_in_executor(None, failsafe_outputs, tracker, caller_spoke)
            send(dispatcher, outputs)
        return []
    send(dispatcher, outputs)
    return [SlotSet(STATE_SLOT, state), SlotSet(LANGUAGE_SLOT, (state or {}).get("language"))]


def run_engine(tracker: Tracker, events_for: EventsFor) -> Turn:
    """The engine's answer to the turn (blocking: runs in a worker thread)."""
    rt = runtime()
    state: dict[str, Any] | None = tracker.get_slot(STATE_SLOT) or None
    outputs: list[Output] = []
    greeting_language: str | None = None
    for event in events_for(tracker, rt):
        reply = rt.receptionist.handle(state, event)
        if isinstance(event, Heard) and greeting_language and reply.state.get("language") != greeting_language:
            # The first message is in another language than the greeting: drop the greeting.
            outputs = [o for o in outputs if not isinstance(o, Say)]
        greeting_language = reply.state.get("language") if isinstance(event, Start) else None
        outputs.extend(reply.outputs)
        state = reply.state
    return outputs, state


def failsafe_outputs(tracker: Tracker, caller_spoke: bool) -> list[Output]:
    """The system-problem phrase and a transfer to the operator (blocking: runs in a worker thread).

    In the conversation's language; what the caller just said decides only if it was the caller
    who spoke (a transfer report's text is Rasa's, not the caller's)."""
    try:
        operator = runtime().operator
    except Exception:
        logger.exception("the receptionist cannot be built; using the organisation file for the operator")
        operator = OperatorLine(load_settings(), None)
    said = (tracker.latest_message or {}).get("text") if caller_spoke else ""
    current = tracker.get_slot(LANGUAGE_SLOT) or (tracker.get_slot(STATE_SLOT) or {}).get("language")
    language = language_of(said, current, operator.default_language())
    return [Say(apology(language)), Payload(operator_transfer(operator.extension()))]


def send(dispatcher: CollectingDispatcher, outputs: list[Output]) -> None:
    for output in outputs:
        if isinstance(output, Say):
            dispatcher.utter_message(text=output.text)
        elif isinstance(output, Payload):
            dispatcher.utter_message(json_message=output.data)
