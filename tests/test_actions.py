"""The custom actions against a real database (SQLite and PostgreSQL), without a model.

A tracker is built from a dict as Rasa would send it; the action's messages (CollectingDispatcher)
and events are checked exactly. The dialogue itself is tested in tests/test_dialogue.py: here it
is the adapter's work that is checked: first-turn metadata, the test clock, text vs. custom
payloads, the state round trip and the fail-safe to the operator.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.failsafe import OperatorLine
from actions.receptionist import ActionReceptionist, ActionTransferResult
from actions.runtime import Runtime, use_runtime
from bot.config import Settings
from bot.db.engine import Database
from bot.db.tables import Base, utcnow
from bot.dialogue.engine import Receptionist
from bot.dialogue.faq import DEMO_FAQ, load_faq
from bot.org.store import DirectoryCache
from bot.records import calls

WEDNESDAY_MORNING = "2026-11-25T10:15:00+08:00"
FRIDAY_NIGHT = "2026-11-27T20:30:00+08:00"
GREETING = "您好，华信科技有限公司，请问有什么可以帮您？"
APOLOGY_ZH = "抱歉，系统暂时出现问题，正在为您转接人工服务，请稍等。"
APOLOGY_EN = "I'm sorry, something went wrong on our side. I'm putting you through to the operator; one moment please."
OPERATOR_TRANSFER = {"type": "transfer", "destination": "8000", "target": "operator", "mode": "blind",
                     "ring_timeout_s": 30}


def install(database: Database, test_clock: bool = True) -> Runtime:
    settings = Settings(test_clock=test_clock)
    directory = DirectoryCache(database)
    receptionist = Receptionist(database, directory, load_faq(DEMO_FAQ), clock=utcnow)
    runtime = Runtime(settings, receptionist, OperatorLine(settings, directory))
    use_runtime(runtime)
    return runtime


@pytest.fixture(autouse=True)
def no_leftover_runtime() -> Iterator[None]:
    yield
    use_runtime(None)


@pytest.fixture
def runtime(demo_db: Database) -> Runtime:
    return install(demo_db)


def metadata(now: str = WEDNESDAY_MORNING, **extra: Any) -> dict[str, Any]:
    return {"channel": "phone", "caller_id": "+8613800000000", "caller_name": None, "internal": False, "now": now,
            **extra}


def tracker(sender: str, text: str, intent: str, state: dict | None = None, first: dict | None = None,
            entities: list[dict] | None = None, confidence: float = 0.93, language: str | None = None) -> Tracker:
    """The tracker Rasa sends for the turn: the first user message's metadata, the latest message."""
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": entities or []}
    events = [{"event": "action", "name": "action_listen"},
              {"event": "user", "text": text, "parse_data": latest, "metadata": first or metadata()}]
    return Tracker.from_dict({"sender_id": sender, "slots": {"dialogue_state": state, "language": language},
                              "latest_message": latest, "events": events})


def run(action: Any, turn: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, turn, {}))
    return [{k: v for k, v in m.items() if v not in (None, [], {})} for m in dispatcher.messages], events


def state_of(events: list[dict]) -> dict:
    assert [(e["event"], e["name"]) for e in events] == [("slot", "dialogue_state"), ("slot", "language")]
    return events[0]["value"]


def test_connect_greets_and_keeps_the_channels_metadata(runtime: Runtime, demo_db: Database) -> None:
    messages, events = run(ActionReceptionist(), tracker("act-1", "", "connect"))
    assert messages == [{"text": GREETING}]
    state = state_of(events)
    assert events[1]["value"] == "zh"
    assert (state["conversation"], state["channel"], state["caller_id"], state["started"]) == \
        ("act-1", "phone", "+8613800000000", True)
    with demo_db.session() as session:
        assert calls.get_call(session, "act-1").channel.value == "phone"


def test_a_first_message_greets_then_puts_through_with_a_custom_payload(runtime: Runtime) -> None:
    messages, events = run(ActionReceptionist(), tracker("act-2", "你好，我找财务部的李娜", "request_person"))
    assert messages == [
        {"text": GREETING},
        {"text": "好的，请稍等，正在为您转接李娜。"},
        {"custom": {"type": "transfer", "destination": "8202", "target": "li-na", "mode": "blind",
                    "ring_timeout_s": 25}},
    ]
    assert state_of(events)["pending"] == "transferring"


def test_a_first_message_in_english_is_not_greeted_in_chinese(runtime: Runtime) -> None:
    messages, events = run(ActionReceptionist(), tracker("act-3", "Hello, I'd like to speak to Nina Li please",
                                                         "request_person"))
    assert messages[0] == {"text": "Certainly, one moment please. I'm putting you through to Nina Li."}
    assert messages[1]["custom"]["destination"] == "8202"
    assert events[1]["value"] == "en"


def test_the_conversation_continues_from_the_state_slot(runtime: Runtime) -> None:
    _, events = run(ActionReceptionist(), tracker("act-4", "", "connect"))
    messages, events = run(ActionReceptionist(), tracker("act-4", "我找张伟", "request_person",
                                                         state=state_of(events)))
    assert messages == [{"text": "我们这里有两位张伟：一位在财务部，一位在销售部。请问您找哪一位？"}]
    assert state_of(events)["pending"] == "choose"


def test_the_test_clock_is_honoured_only_when_enabled(demo_db: Database) -> None:
    install(demo_db, test_clock=True)
    messages, events = run(ActionReceptionist(), tracker("act-5", "", "connect", first=metadata(FRIDAY_NIGHT)))
    assert "下班时间" in messages[0]["text"]
    assert state_of(events)["clock_offset_s"] != 0

    install(demo_db, test_clock=False)
    _, events = run(ActionReceptionist(), tracker("act-6", "", "connect", first=metadata(FRIDAY_NIGHT)))
    assert state_of(events)["clock_offset_s"] == 0


def test_transfer_results_reach_the_engine(runtime: Runtime, demo_db: Database) -> None:
    _, events = run(ActionReceptionist(), tracker("act-7", "我找财务部的李娜", "request_person"))
    state = state_of(events)
    messages, events = run(ActionTransferResult(), tracker(
        "act-7", "EXTERNAL: transfer_result", "transfer_result", state=state,
        entities=[{"entity": "result", "value": "busy"}]))
    assert messages == [{"text": "李娜的电话正在通话中。"}, {"text": "需要我帮您留言，请李娜回电吗？"}]
    assert state_of(events)["pending"] == "offer_message"

    _, events = run(ActionReceptionist(), tracker("act-8", "我找财务部的李娜", "request_person"))
    messages, _ = run(ActionTransferResult(), tracker(
        "act-8", "EXTERNAL: transfer_result", "transfer_result", state=state_of(events),
        entities=[{"entity": "result", "value": "answered"}]))
    assert messages == []
    with demo_db.session() as session:
        record = calls.get_call(session, "act-8")
    assert (record.outcome.value, record.transferred_to) == ("transferred", "li-na")


def test_a_transfer_result_before_the_call_started_is_ignored(runtime: Runtime) -> None:
    messages, events = run(ActionTransferResult(), tracker(
        "act-9", "EXTERNAL: transfer_result", "transfer_result", entities=[{"entity": "result", "value": "busy"}]))
    assert messages == []
    assert events == [{"event": "slot", "timestamp": None, "name": "dialogue_state", "value": None},
                      {"event": "slot", "timestamp": None, "name": "language", "value": None}]


def break_database(database: Database) -> None:
    Base.metadata.drop_all(database.engine)


def test_an_engine_failure_puts_the_caller_through_to_the_operator(runtime: Runtime, demo_db: Database) -> None:
    runtime.operator.refresh()  # the extension seen while the database still worked
    _, events = run(ActionReceptionist(), tracker("act-10", "", "connect"))
    state = state_of(events)
    break_database(demo_db)
    messages, events = run(ActionReceptionist(), tracker("act-10", "我找财务部的李娜", "request_person",
                                                         state=state, language="zh"))
    assert messages == [{"text": APOLOGY_ZH}, {"custom": OPERATOR_TRANSFER}]
    assert events == []


def test_with_no_directory_at_all_the_operator_comes_from_the_organisation_file(demo_db: Database) -> None:
    break_database(demo_db)
    install(demo_db)
    messages, _ = run(ActionReceptionist(), tracker("act-11", "Hello, could you put me through to sales?",
                                                    "request_person"))
    assert messages == [{"text": APOLOGY_EN}, {"custom": OPERATOR_TRANSFER}]


def test_a_failure_after_an_answered_transfer_does_not_pull_the_caller_away(runtime: Runtime,
                                                                             demo_db: Database) -> None:
    _, events = run(ActionReceptionist(), tracker("act-12", "我找财务部的李娜", "request_person"))
    state = state_of(events)
    break_database(demo_db)
    messages, events = run(ActionTransferResult(), tracker(
        "act-12", "EXTERNAL: transfer_result", "transfer_result", state=state,
        entities=[{"entity": "result", "value": "answered"}]))
    assert (messages, events) == ([], [])
    messages, _ = run(ActionTransferResult(), tracker(
        "act-12", "EXTERNAL: transfer_result", "transfer_result", state=state,
        entities=[{"entity": "result", "value": "no_answer"}]))
    assert messages == [{"text": APOLOGY_ZH}, {"custom": OPERATOR_TRANSFER}]
