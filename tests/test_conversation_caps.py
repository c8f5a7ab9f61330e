"""One conversation files at most a few messages and visits (issue #16): a kiosk visitor or a
caller who keeps asking is told, politely and in their language, that the request is noted and
to see the front desk; nothing more is stored and staff get no more e-mails.

The dialogue engine on a real database (SQLite and PostgreSQL), the e-mails through the real
sweep to a real SMTP server (aiosmtpd): what staff would see in their inboxes.
"""

# ruff: noqa: F811 (pytest fixtures imported from smtp_server are parameter names here)
from __future__ import annotations

import pytest
from smtp_server import smtp_server  # noqa: F401
from test_dialogue import FRIDAY_MORNING, Call, text_of

from bot.dialogue.engine import Receptionist
from bot.dialogue.faq import DEMO_FAQ, load_faq
from bot.org.store import DirectoryCache
from bot.records import mailer, messages, visits
from bot.records.messages import MAX_MESSAGES_PER_CONVERSATION, ConversationFull
from bot.records.visits import MAX_VISITS_PER_CONVERSATION

NOTED_ZH = "您的请求我们已经记下了"
NOTED_EN = "your request has been noted"


@pytest.fixture
def receptionist(demo_db) -> Receptionist:
    return Receptionist(demo_db, DirectoryCache(demo_db), load_faq(DEMO_FAQ), clock=lambda: FRIDAY_MORNING)


def _sweep(demo_db, smtp_server) -> int:
    return mailer.run_sweep(demo_db, DirectoryCache(demo_db), smtp_server.settings(), now=FRIDAY_MORNING).delivered


def test_one_kiosk_conversation_registers_three_visits_then_is_sent_to_the_front_desk(receptionist, demo_db,
                                                                                     smtp_server):
    call = Call(receptionist, "kiosk-flood")
    call.start(channel="kiosk", caller_id=None)
    call.says("我叫王明，东方贸易的", "give_name")
    answers = [call.says("我来拜访李娜，对账，有预约", "visitor_checkin") for _ in range(MAX_VISITS_PER_CONVERSATION + 3)]

    registered = [a for a in answers if any(p.get("kind") == "visit" for p in a.payloads)]
    assert len(registered) == MAX_VISITS_PER_CONVERSATION == 3
    for refused in answers[3:]:
        assert NOTED_ZH in text_of(refused) and "前台" in text_of(refused)
        assert refused.payloads == []
    with demo_db.session() as session:
        assert len(visits.list_visits(session)) == 3
        assert len(messages.list_messages(session, recipient="li-na")) == 3  # one notice per visit
    assert _sweep(demo_db, smtp_server) == 3
    assert len(smtp_server.received) == 3, "the host is e-mailed once per registered visit, no more"


def _leave_a_message_in_english(call: Call, matter: str):
    call.says("Could I speak to Nina Li please", "request_person")
    call.result("busy")
    return [call.says("Yes please", "affirm"), call.says("My name is Tom Baker", "give_name"),
            call.says("My number is 13912345678", "give_phone"), call.says(matter, "inform"),
            call.says("Yes, that's right", "affirm")]


def test_one_call_files_three_messages_then_is_told_politely_in_its_language(receptionist, demo_db, smtp_server):
    call = Call(receptionist, "call-flood")
    call.start()
    call.says("Hello, I'm calling about an invoice", None, 0.0)
    saved = []
    for n in range(MAX_MESSAGES_PER_CONVERSATION):
        replies = _leave_a_message_in_english(call, f"please call me back about invoice {n + 1}")
        saved += [p for r in replies for p in r.payloads if p.get("kind") == "message"]
    assert len(saved) == 3
    # the fourth: told at once, before being asked for name, number and matter again
    call.says("Could I speak to Nina Li please", "request_person")
    call.result("busy")
    refused = call.says("Yes please", "affirm")
    assert NOTED_EN in text_of(refused).lower() and "front desk" in text_of(refused)
    assert not any(p.get("kind") == "message" for p in refused.payloads)
    with demo_db.session() as session:
        assert len(messages.list_messages(session)) == 3
    assert _sweep(demo_db, smtp_server) == 3
    assert len(smtp_server.received) == 3


def test_the_records_refuse_beyond_the_cap_for_that_conversation_only(demo_db):
    with demo_db.session() as session:
        for n in range(3):
            messages.take_message(session, "li-na", f"message {n}", "王明", conversation="kiosk-a", capped=True)
        with pytest.raises(ConversationFull):
            messages.take_message(session, "li-na", "one more", "王明", conversation="kiosk-a", capped=True)
        messages.take_message(session, "li-na", "another visitor", "李雷", conversation="kiosk-b", capped=True)
        for n in range(5):  # staff on the console (no conversation) are not capped
            messages.take_message(session, "li-na", f"typed by the operator {n}", "王明", capped=True)
            visits.register_visit(session, f"访客{n}", host="li-na", capped=True)
        for n in range(3):
            visits.register_visit(session, "王明", host="li-na", conversation="kiosk-c", capped=True)
            messages.take_message(session, "li-na", f"访客登记 {n}", "王明", conversation="kiosk-c")
        with pytest.raises(ConversationFull):
            visits.register_visit(session, "王明", host="li-na", conversation="kiosk-c", capped=True)
        # a visit's notice to its host does not use up the visitor's own messages
        assert messages.room_for_message(session, "kiosk-c")
        for n in range(3):
            messages.take_message(session, "li-na", f"own message {n}", "王明", conversation="kiosk-c", capped=True)
        assert not messages.room_for_message(session, "kiosk-c")
