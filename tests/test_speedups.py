"""connectors/speedups.py changes how fast the Rasa server works, never what it does."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.utils.common import all_subclasses

from connectors import speedups


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    speedups.install()
    speedups.install()  # twice is once


def test_every_event_and_slot_type_resolves_to_the_same_class_as_rasa_finds():
    for cls in all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name) is Event.resolve_by_type(cls.type_name)
        assert Event.resolve_by_type(cls.type_name).type_name == cls.type_name
    for cls in all_subclasses(Slot):
        assert Slot.resolve_by_type(cls.type_name).type_name == cls.type_name


def test_unknown_names_still_fail_and_old_topic_events_are_still_skipped():
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no-such-event")
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no-such-event", default=UserUttered) is UserUttered


def test_a_tracker_survives_the_store_round_trip_unchanged():
    events = [ActionExecuted("action_listen"), UserUttered("我找李娜", {"name": "request_person", "confidence": 0.9}),
              SlotSet("requested_slot", None), BotUttered("好的，请稍等。"), ActionExecuted("action_listen")]
    tracker = DialogueStateTracker.from_events("c1", events)
    dumped = tracker.current_state(EventVerbosity.ALL)["events"]
    again = DialogueStateTracker.from_dict("c1", dumped)
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]
