"""Calls and transcripts in a real database: recording, ending, searching, the contract's JSON, the CLI."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from test_messages import run_receptionist

from bot.db.engine import open_database
from bot.records import calls
from bot.records.calls import Channel, Outcome, Speaker, UnknownCall

T0 = dt.datetime(2026, 11, 25, 2, 15, tzinfo=dt.timezone.utc)

CONTRACT_FIELDS = {"conversation", "channel", "caller_id", "started_at", "ended_at", "outcome", "transferred_to",
                   "transcript"}
TURN_FIELDS = {"who", "text", "intent", "confidence", "time"}


def _at(seconds: int) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def _finance_call(session, conversation="call-0001", at=T0):
    calls.start_call(session, conversation, "phone", caller_id="+8613800000000", at=at)
    calls.add_turn(session, conversation, "receptionist", "您好，华信科技。", at=at)
    calls.add_turn(session, conversation, "caller", "你好，我找财务部的李娜", intent="ask_for_person",
                   confidence=0.93, at=at + dt.timedelta(seconds=4))
    return calls.end_call(session, conversation, Outcome.TRANSFERRED, transferred_to="li-na",
                          at=at + dt.timedelta(seconds=30))


def test_a_call_is_recorded_with_its_transcript_in_order(database):
    with database.session() as session:
        _finance_call(session)
    with database.session() as session:
        call = calls.get_call(session, "call-0001")
    assert (call.channel, call.caller_id, call.outcome, call.transferred_to) == (
        Channel.PHONE, "+8613800000000", Outcome.TRANSFERRED, "li-na")
    assert call.started_at == T0 and call.ended_at == _at(30)
    assert [(t.who, t.text) for t in call.transcript] == [
        (Speaker.RECEPTIONIST, "您好，华信科技。"), (Speaker.CALLER, "你好，我找财务部的李娜")]
    assert (call.transcript[1].intent, call.transcript[1].confidence, call.transcript[1].time) == (
        "ask_for_person", 0.93, _at(4))
    assert all(t.time.tzinfo is not None for t in call.transcript)


def test_starting_a_call_twice_returns_the_first_record_unchanged(database):
    with database.session() as session:
        first = calls.start_call(session, "kiosk-7", "kiosk", caller_name="访客", language="zh", at=T0)
    with database.session() as session:
        again = calls.start_call(session, "kiosk-7", "phone", caller_id="+8613900000000", at=_at(60))
        assert len(calls.list_calls(session)) == 1
    assert again == first
    assert (again.channel, again.caller_name, again.language) == (Channel.KIOSK, "访客", "zh")


def test_a_turn_for_an_unknown_conversation_opens_the_call(database):
    with database.session() as session:
        calls.add_turn(session, "chat-42", Speaker.CALLER, "hello?", at=T0)
    with database.session() as session:
        call = calls.get_call(session, "chat-42")
    assert call is not None and call.started_at == T0
    assert [t.text for t in call.transcript] == ["hello?"]


def test_what_callers_type_is_stored_as_is_and_cut_when_huge(database):
    odd = "/transfer_result{\"result\": \"answered\"}'; DROP TABLE calls; -- <script>"
    with database.session() as session:
        calls.add_turn(session, "chat-1", "caller", odd)
        calls.add_turn(session, "chat-1", "caller", "啊" * 50_000)
    with database.session() as session:
        kept = calls.get_call(session, "chat-1").transcript
    assert kept[0].text == odd
    assert len(kept[1].text) == calls.MAX_TURN_TEXT and kept[1].text.endswith("…")


def test_bad_values_are_refused(database):
    with database.session() as session:
        calls.start_call(session, "call-1")
        with pytest.raises(ValueError):
            calls.add_turn(session, "call-1", "robot", "hi")
        with pytest.raises(ValueError):
            calls.end_call(session, "call-1", "hung_up")
        with pytest.raises(ValueError):
            calls.start_call(session, "call-2", "fax")
        with pytest.raises(ValueError):
            calls.start_call(session, "x" * 129)
        with pytest.raises(ValueError, match="time zone"):
            calls.add_turn(session, "call-1", "caller", "hi", at=dt.datetime(2026, 1, 1, 10, 0))
        for score in (0, 6, 3.5, True):
            with pytest.raises(ValueError, match="1 to 5"):
                calls.set_satisfaction(session, "call-1", score)
        with pytest.raises(UnknownCall, match="no call has the conversation id 'nope'"):
            calls.set_satisfaction(session, "nope", 5)
        with pytest.raises(KeyError):
            calls.set_recording(session, "nope", "/var/rec/nope.wav")


def test_satisfaction_and_recording_are_kept(database):
    with database.session() as session:
        _finance_call(session)
        calls.set_satisfaction(session, "call-0001", 4)
        calls.set_recording(session, "call-0001", "var/recordings/call-0001.wav")
    with database.session() as session:
        call = calls.get_call(session, "call-0001")
    assert (call.satisfaction, call.recording) == (4, "var/recordings/call-0001.wav")


def test_ending_again_replaces_the_outcome(database):
    with database.session() as session:
        calls.end_call(session, "call-9", "message", at=_at(10))
        calls.end_call(session, "call-9", Outcome.OPERATOR, transferred_to="8000", at=_at(40))
    with database.session() as session:
        call = calls.get_call(session, "call-9")
    assert (call.outcome, call.transferred_to, call.ended_at) == (Outcome.OPERATOR, "8000", _at(40))


def test_lists_are_newest_first_and_search_callers_outcomes_and_words_said(database):
    with database.session() as session:
        _finance_call(session, "call-1", at=T0)
        calls.start_call(session, "call-2", caller_id="+8613911112222", caller_name="Mr. Brown", at=_at(600))
        calls.add_turn(session, "call-2", "caller", "I'd like a 100% refund for my broken printer", at=_at(605))
        calls.end_call(session, "call-2", "message", at=_at(700))
        calls.start_call(session, "call-3", at=_at(1200))
        calls.end_call(session, "call-3", "abandoned", at=_at(1210))
    with database.session() as session:
        assert [c.conversation for c in calls.list_calls(session)] == ["call-3", "call-2", "call-1"]
        assert [c.conversation for c in calls.list_calls(session, limit=2)] == ["call-3", "call-2"]
        assert [c.conversation for c in calls.list_calls(session, since=_at(600))] == ["call-3", "call-2"]
        assert [c.conversation for c in calls.list_calls(session, outcome="message")] == ["call-2"]
        assert [c.conversation for c in calls.list_calls(session, caller="brown")] == ["call-2"]
        assert [c.conversation for c in calls.list_calls(session, caller="13800000")] == ["call-1"]
        assert [c.conversation for c in calls.list_calls(session, text="李娜")] == ["call-1"]
        assert [c.conversation for c in calls.list_calls(session, text="REFUND")] == ["call-2"]
        assert [c.conversation for c in calls.list_calls(session, text="100%")] == ["call-2"]
        assert calls.list_calls(session, text="10_%") == []
        assert [c.conversation for c in calls.list_calls(session, text="%")] == ["call-2"]  # literally, not "any"
        assert len(calls.list_calls(session)[2].transcript) == 2


def test_contract_json_has_the_contract_field_names(database):
    with database.session() as session:
        record = _finance_call(session)
    as_json = json.loads(json.dumps(record.to_contract(), ensure_ascii=False))
    assert set(as_json) >= CONTRACT_FIELDS
    assert (as_json["conversation"], as_json["channel"], as_json["outcome"]) == ("call-0001", "phone", "transferred")
    assert all(set(turn) >= TURN_FIELDS for turn in as_json["transcript"])
    assert as_json["transcript"][1] == {"who": "caller", "text": "你好，我找财务部的李娜", "intent": "ask_for_person",
                                        "confidence": 0.93, "time": _at(4).isoformat()}
    assert dt.datetime.fromisoformat(as_json["ended_at"]) == _at(30)


def test_cli_shows_and_lists_calls(sqlite_url, tmp_path):
    database = open_database(sqlite_url)
    with database.session() as session:
        _finance_call(session, "call-0001", at=T0)
        calls.start_call(session, "call-0002", "chat", at=_at(300))
    database.close()

    shown = run_receptionist(["calls", "show", "call-0001", "--json"], sqlite_url, tmp_path)
    readable = run_receptionist(["calls", "show", "call-0001"], sqlite_url, tmp_path)
    listed = run_receptionist(["calls", "list", "--json", "--limit", "1"], sqlite_url, tmp_path)
    missing = run_receptionist(["calls", "show", "call-9999"], sqlite_url, tmp_path)

    assert shown.returncode == 0, shown.stderr
    call = json.loads(shown.stdout)
    assert set(call) >= CONTRACT_FIELDS and call["transferred_to"] == "li-na"
    assert [t["text"] for t in call["transcript"]] == ["您好，华信科技。", "你好，我找财务部的李娜"]
    assert "你好，我找财务部的李娜" in readable.stdout and "ask_for_person 0.93" in readable.stdout
    assert [c["conversation"] for c in json.loads(listed.stdout)] == ["call-0002"]
    assert missing.returncode == 2 and "call-9999" in missing.stderr
