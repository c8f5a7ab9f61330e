"""A staff mobile is connected on the phone only (docs/security.md, the addition to contract §4).

The routing rules never plan a mobile for a kiosk or chat conversation (every person, day and
night, urgent or not), the dialogue engine offers a message instead, and even a conversation
state that holds a mobile step (saved before, or altered) yields no mobile payload off the phone.
The REST channel's own lock at the door is tested in tests/test_doors.py.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from bot.dialogue.engine import Receptionist
from bot.dialogue.faq import DEMO_FAQ, load_faq
from bot.dialogue.state import Heard, Reply, Start, TransferReport
from bot.org.model import Directory
from bot.org.store import DirectoryCache
from bot.privacy import is_staff_mobile, may_connect_mobile
from bot.rules.routing import DUTY, Caller, StepKind, plan_call

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY_MORNING = dt.datetime(2026, 11, 25, 10, 15, tzinfo=SHANGHAI)
FRIDAY_NIGHT = dt.datetime(2026, 11, 27, 20, 30, tzinfo=SHANGHAI)
LIU_FANG_MOBILE = "+86 139 0000 0011"
"""The finance director: her mobile may be tried when her office does not answer (policy)."""


def mobile_steps(directory: Directory, channel: str) -> list[str]:
    """Every mobile step of every plan a caller on `channel` can get: each person and duty, in and
    out of hours, urgent or not, by a caller or a salesperson."""
    found = []
    targets = [person.id for person in directory.people] + [DUTY]
    for target, at, urgent, sales in itertools.product(targets, (WEDNESDAY_MORNING, FRIDAY_NIGHT),
                                                       (False, True), (False, True)):
        plan = plan_call(directory, target, Caller(channel=channel, urgent=urgent, sales=sales), at)
        found += [f"{target} {at:%a %H:%M} {step.kind.value}" for step in (*plan.steps, *plan.if_busy)
                  if step.connect_only or is_staff_mobile(step.destination, directory)]
    return found


def test_only_the_phone_may_connect_to_a_mobile() -> None:
    assert may_connect_mobile("phone")
    assert not any(may_connect_mobile(channel) for channel in ("kiosk", "chat", "", None, "PHONE"))


@pytest.mark.parametrize("channel", ["kiosk", "chat"])
def test_no_plan_off_the_phone_ever_connects_to_a_mobile(demo_directory: Directory, channel: str) -> None:
    assert mobile_steps(demo_directory, "phone"), "the phone does get mobile steps: the check can see them"
    assert mobile_steps(demo_directory, channel) == []


def test_off_the_phone_the_duty_manager_is_rung_at_the_office(demo_directory: Directory) -> None:
    urgent = {channel: plan_call(demo_directory, DUTY, Caller(channel=channel, urgent=True), FRIDAY_NIGHT)
              for channel in ("phone", "chat")}
    manager = {channel: [s for s in plan.steps if s.kind is StepKind.DUTY_MANAGER]
               for channel, plan in urgent.items()}
    assert [(s.connect_only, s.destination) for s in manager["phone"]] == [(True, "+86 139 0000 0002")]
    assert [(s.connect_only, s.destination) for s in manager["chat"]] == [(False, "8002")]
    assert urgent["chat"].steps[-1].kind is StepKind.TAKE_MESSAGE


class Conversation:
    def __init__(self, receptionist: Receptionist, name: str, channel: str) -> None:
        self.r, self.name, self.state = receptionist, name, None
        self.payloads: list[dict] = []
        self._do(Start(name, channel=channel, caller_id=None, now=WEDNESDAY_MORNING))

    def _do(self, event) -> Reply:
        reply = self.r.handle(self.state, event)
        self.state = reply.state
        self.payloads += reply.payloads
        return reply

    def says(self, text: str, intent: str | None = None) -> Reply:
        return self._do(Heard(self.name, text, intent, 0.95, {}))

    def result(self, result: str) -> Reply:
        return self._do(TransferReport(self.name, result))

    def destinations(self) -> list[str]:
        return [p["destination"] for p in self.payloads if p["type"] == "transfer"]


@pytest.fixture
def receptionist(demo_db) -> Receptionist:
    return Receptionist(demo_db, DirectoryCache(demo_db), load_faq(DEMO_FAQ), clock=lambda: WEDNESDAY_MORNING)


def test_on_the_phone_the_director_s_mobile_is_offered_and_connected(receptionist: Receptionist) -> None:
    call = Conversation(receptionist, "mob-phone", "phone")
    call.says("我找财务部的刘芳", "request_person")
    offer = call.result("no_answer")
    assert "手机" in " ".join(offer.texts) and call.state["pending"] == "offer_mobile"
    call.says("好的", "affirm")
    assert call.destinations() == ["8201", LIU_FANG_MOBILE]


def test_a_chat_conversation_is_offered_a_message_instead_of_the_mobile(receptionist: Receptionist) -> None:
    chat = Conversation(receptionist, "mob-chat", "chat")
    chat.says("我找财务部的刘芳", "request_person")
    offer = chat.result("no_answer")
    assert "手机" not in " ".join(offer.texts) and "留言" in " ".join(offer.texts)
    assert chat.state["pending"] == "offer_message"
    chat.says("好的", "affirm")
    assert chat.destinations() == ["8201"]


def test_a_stored_mobile_step_yields_no_mobile_off_the_phone(receptionist: Receptionist) -> None:
    """The engine's second lock: a state that holds a mobile step (saved by an older version, or
    altered) still connects no mobile when the conversation is not a phone call."""
    call = Conversation(receptionist, "mob-altered", "phone")
    call.says("我找财务部的刘芳", "request_person")
    call.result("no_answer")
    assert call.state["pending"] == "offer_mobile"
    call.state = {**call.state, "channel": "chat"}
    call.says("好的", "affirm")
    assert call.destinations() == ["8201"]
    assert not any(is_staff_mobile(str(d), receptionist.directory.current()) for d in call.destinations())
