"""Caller-ID notes (#12, point 2): the records on SQLite and PostgreSQL (one number however written,
untrusted caller IDs), and the real dialogue engine on the demo company: a noted caller is not asked
their name by an executive's screening, a VIP's call is pointed out on the board, a nuisance number is
put through to nobody (the person asked for, the operator) and is offered a message instead."""

from __future__ import annotations

import datetime as dt

import pytest
from test_dialogue import FRIDAY_MORNING, FRIDAY_NIGHT
from test_hotel_dialogue import T0
from test_hotel_dialogue import hotel as hotel  # the fixture, re-exported for pytest

from bot.db.engine import Database
from bot.dialogue.engine import Receptionist
from bot.dialogue.faq import DEMO_FAQ, load_faq
from bot.dialogue.state import Heard, Reply, Start
from bot.org.store import DirectoryCache
from bot.records import caller_notes, calls

# ---------------------------------------------------------------------------------- records


def test_one_number_however_written_is_one_note(database: Database):
    with database.session() as session:
        first = caller_notes.set_note(session, "+86 138-0013-8000", name="王建国", company="星辰贸易", vip=True,
                                      updated_by="operator:oscar")
    assert first.number == "+8613800138000" and first.vip and not first.nuisance
    with database.session() as session:
        for written in ("+8613800138000", "13800138000", "008613800138000", "86 138 0013 8000"):
            found = caller_notes.note_for(session, written)
            assert found is not None and found.name == "王建国" and found.company == "星辰贸易", written
        assert caller_notes.note_for(session, "13800138001") is None
        assert caller_notes.note_for(session, "+8613900138000") is None
    with database.session() as session:  # set again under another writing: the same note, updated
        again = caller_notes.set_note(session, "008613800138000", name="王建国", nuisance=True, note="  天天打来\n推销  ")
    assert again.id == first.id and again.number == "+8613800138000"
    assert again.nuisance and not again.vip and again.company is None and again.note == "天天打来\n推销"
    with database.session() as session:
        caller_notes.set_note(session, "0571 8888 0000", company="杭州分公司")
        assert [n.number for n in caller_notes.list_notes(session)] == ["+8613800138000", "057188880000"]
        assert caller_notes.note_for(session, "+86 571 8888 0000").company == "杭州分公司"
    with database.session() as session:
        assert caller_notes.remove_note(session, "13800138000") is True
        assert caller_notes.remove_note(session, "13800138000") is False
        assert caller_notes.note_for(session, "+8613800138000") is None
        assert len(caller_notes.list_notes(session)) == 1


@pytest.mark.parametrize("caller_id", [None, "", "anonymous", "sip:evil@example.com", "12", "1" * 21,
                                       "+86138' OR '1'='1", "1" * 10_000, "%", "_______"])
def test_a_caller_id_that_is_not_a_number_finds_nothing(database: Database, caller_id):
    with database.session() as session:
        caller_notes.set_note(session, "13800138000", name="王建国")
        assert caller_notes.note_for(session, caller_id) is None


def test_mistakes_are_refused_and_nothing_is_stored(database: Database):
    with database.session() as session:
        for number in ("", "abc", "12", "1" * 21):
            with pytest.raises(ValueError):
                caller_notes.set_note(session, number, name="x")
        with pytest.raises(ValueError):
            caller_notes.set_note(session, "13800138000", name="王" * 101)
        with pytest.raises(ValueError):
            caller_notes.set_note(session, "13800138000", note="x" * 1001)
    with database.session() as session:
        assert caller_notes.list_notes(session) == []
        note = caller_notes.set_note(session, "13800138000", name="  王 建国 ", updated_by="x" * 500)
    assert note.name == "王 建国" and len(note.updated_by) == caller_notes.MAX_UPDATED_BY


# ---------------------------------------------------------------------------------- the dialogue

KNOWN = "+8613800138000"


def _receptionist(demo_db: Database, now: dt.datetime = FRIDAY_MORNING) -> Receptionist:
    return Receptionist(demo_db, DirectoryCache(demo_db), load_faq(DEMO_FAQ), clock=lambda: now)


def _texts(reply: Reply) -> str:
    return " ".join(reply.texts)


def _transfers(reply: Reply) -> list[dict]:
    return [p for p in reply.payloads if p["type"] == "transfer"]


def _note(demo_db: Database, **fields) -> None:
    with demo_db.session() as session:
        caller_notes.set_note(session, fields.pop("number", KNOWN), **fields)


def test_a_known_caller_is_not_asked_their_name_by_an_executives_screening(demo_db):
    _note(demo_db, number="13800138000", name="王五", company="星辰贸易")
    r = _receptionist(demo_db)
    state = r.handle(None, Start("known", caller_id=KNOWN, now=FRIDAY_MORNING)).state
    assert state["caller_name"] == "王五" and state["caller_company"] == "星辰贸易"
    reply = r.handle(state, Heard("known", "我找张总", "request_person", 0.95))
    text = _texts(reply)
    assert "贵姓" not in text and "单位" not in text and "什么事情" in text  # only the purpose is asked
    reply = r.handle(reply.state, Heard("known", "想谈一下明年的合作", "inform", 0.95))
    [transfer] = _transfers(reply)
    assert transfer["destination"] == "8003" and "王五" in transfer["announcement"]
    assert "星辰贸易" in transfer["announcement"]


def test_an_unknown_number_is_still_asked_its_name(demo_db):
    _note(demo_db, name="王五")
    r = _receptionist(demo_db)
    state = r.handle(None, Start("unknown", caller_id="+8613900001111", now=FRIDAY_MORNING)).state
    assert "贵姓" in _texts(r.handle(state, Heard("unknown", "我找张总", "request_person", 0.95)))


def test_a_vip_callers_call_is_pointed_out_on_the_board(demo_db):
    _note(demo_db, name="王建国", company="星辰贸易", vip=True)
    _receptionist(demo_db).handle(None, Start("vip", caller_id="008613800138000", now=FRIDAY_MORNING))
    with demo_db.session() as session:
        assert calls.get_call(session, "vip").attention == "VIP：王建国"


def test_a_nuisance_caller_is_offered_a_message_never_a_transfer(demo_db):
    _note(demo_db, name="钱七", nuisance=True)
    r = _receptionist(demo_db)
    state = r.handle(None, Start("pest", caller_id="13800138000", now=FRIDAY_MORNING)).state
    reply = r.handle(state, Heard("pest", "帮我转一下财务部李娜", "request_person", 0.95))
    assert _transfers(reply) == [] and reply.state["pending"] == "offer_message"
    assert "李娜暂时无法接听" in _texts(reply) and "留言" in _texts(reply)
    reply = r.handle(reply.state, Heard("pest", "好的", "affirm", 0.95))
    assert _transfers(reply) == [] and reply.state["pending"] == "message"  # name known: the number next
    assert reply.state["message"]["recipient"] == "li-na"


@pytest.mark.parametrize("text,intent", [("转人工", "request_operator"), ("我要投诉你们", "complain"),
                                         ("我找张总，很急", "request_person")])
def test_a_nuisance_caller_asking_for_the_operator_or_in_a_hurry_gets_the_message_path(demo_db, text, intent):
    _note(demo_db, nuisance=True)
    r = _receptionist(demo_db)
    state = r.handle(None, Start("pest", caller_id=KNOWN, now=FRIDAY_MORNING)).state
    reply = r.handle(state, Heard("pest", text, intent, 0.95))
    assert _transfers(reply) == [], _texts(reply)
    assert reply.state["pending"] in {"offer_message", "message"}, _texts(reply)
    if reply.state["pending"] == "offer_message":  # "留什么言啊 很急": still no operator breaking in
        again = r.handle(reply.state, Heard("pest", "留什么言啊 很急", "urgent", 0.95))
        assert _transfers(again) == [] and again.state["pending"] != "transferring"


def test_a_nuisance_caller_after_hours_is_not_put_through_to_the_duty_line(demo_db):
    _note(demo_db, nuisance=True)
    r = _receptionist(demo_db, FRIDAY_NIGHT)
    state = r.handle(None, Start("night", caller_id=KNOWN, now=FRIDAY_NIGHT)).state
    reply = r.handle(state, Heard("night", "我找李娜 很急 仓库漏水了", "urgent", 0.95))
    assert _transfers(reply) == [] and reply.state["pending"] in {"offer_message", "message"}


def test_a_nuisance_caller_asking_for_a_hotel_guest_is_offered_a_message(hotel):
    with hotel.session() as session:
        caller_notes.set_note(session, "13800138000", nuisance=True)
    r = Receptionist(hotel, DirectoryCache(hotel), load_faq(DEMO_FAQ), clock=lambda: T0)
    state = r.handle(None, Start("pest-hotel", caller_id="+8613800138000", now=T0)).state
    reply = r.handle(state, Heard("pest-hotel", "呃 你好 帮我找一下你们那儿住的客人欧阳娜娜", "request_person", 0.9))
    assert _transfers(reply) == [] and reply.state["pending"] == "guest_offer" and "留言" in _texts(reply)
    ordinary = r.handle(None, Start("ordinary-hotel", caller_id="+8613900001111", now=T0)).state
    reply = r.handle(ordinary, Heard("ordinary-hotel", "呃 你好 帮我找一下你们那儿住的客人欧阳娜娜", "request_person", 0.9))
    assert [t["target"] for t in _transfers(reply)] == ["guest"]
