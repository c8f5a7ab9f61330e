"""A guest books a wake-up call by voice from the room phone (#11, point 3): "明早七点叫醒我",
"wake me at six thirty", "半小时后叫我", and cancels it; through the dialogue engine on a real
database (SQLite and PostgreSQL), driven as the gateway drives it. The booking is the same one the
operator makes in the console (bot/hotel/wakeups.py), with a `record` payload of kind `wakeup`.

From outside the room (another line, the kiosk) nothing is booked: the front desk is offered.
No caller text holds a room number or extension (checked on every turn by `Call`)."""

from __future__ import annotations

import datetime as dt

import pytest
from test_hotel_dialogue import SHANGHAI, T0, Call, text_of
from test_hotel_dialogue import call as call  # the fixtures, re-exported for pytest
from test_hotel_dialogue import hotel as hotel
from test_hotel_dialogue import receptionist as receptionist

from bot.hotel import wakeups
from bot.hotel.wakeup_request import due_moment, wakeup_request

NANA_ROOM = "6812"
"""欧阳娜娜 (0812, zh, leaves 12-08)."""
ANNA_ROOM = "6802"
"""Anna Miller (0802, en, leaves 12-05 at noon)."""


def booked(database, room: str) -> list[wakeups.WakeupRecord]:
    with database.session() as session:
        return wakeups.list_wakeups(session, include_finished=True, room=room)


def local(moment: dt.datetime) -> str:
    return f"{moment.astimezone(SHANGHAI):%m-%d %H:%M}"


def records(reply) -> list[dict]:
    return [p for p in reply.payloads if p["type"] == "record"]


def test_a_guest_books_tomorrow_morning_in_one_breath_in_chinese(call, hotel):
    assert "欧阳娜娜" in text_of(call.start(internal=True, caller_id=NANA_ROOM))
    reply = call.says("呃 那个 明早七点叫醒我一下 谢谢啊")
    (record,) = records(reply)
    (booking,) = booked(hotel, "0812")
    assert record == {"type": "record", "kind": "wakeup", "id": booking.id}
    assert local(booking.due_at) == "12-05 07:00"
    assert booking.language == "zh" and booking.booked_by == "guest" and booking.conversation == "hotel-call-1"
    assert "明天早上七点整" in text_of(reply) and "叫醒" in text_of(reply)
    assert call.pending == "anything_else"


def test_asked_the_time_in_english_the_answer_books_it(call, hotel):
    call.start(internal=True, caller_id=ANNA_ROOM)
    reply = call.says("hi uh could I get a wake-up call tomorrow please")
    assert "what time" in text_of(reply).lower() and not records(reply)
    reply = call.says("six thirty")
    (booking,) = booked(hotel, "0802")
    assert local(booking.due_at) == "12-05 06:30" and booking.language == "en"
    assert "six thirty a.m. tomorrow" in text_of(reply)


def test_a_time_after_checkout_is_refused_and_another_asked(call, hotel):
    call.start(internal=True, caller_id=ANNA_ROOM)
    reply = call.says("wake me at 7 am the day after tomorrow")
    assert "after your check-out" in text_of(reply) and not records(reply)
    assert booked(hotel, "0802") == [] and call.pending == "wakeup"
    reply = call.says("ok then 7 am tomorrow")
    assert local(booked(hotel, "0802")[0].due_at) == "12-05 07:00"


def test_a_nap_is_counted_from_now(call, hotel):
    call.start(internal=True, caller_id=NANA_ROOM)
    call.says("我睡一会儿 半个小时后叫我一下")
    (booking,) = booked(hotel, "0812")
    assert booking.due_at == T0 + dt.timedelta(minutes=30)


def test_a_guest_cancels_what_they_booked(call, hotel):
    call.start(internal=True, caller_id=NANA_ROOM)
    call.says("明天早上六点半叫我起床")
    reply = call.says("哎算了 取消明天的叫醒吧 我自己定闹钟")
    (booking,) = booked(hotel, "0812")
    assert booking.status is wakeups.WakeupStatus.CANCELLED
    assert "取消" in text_of(reply) and "六点半" in text_of(reply)


def test_from_an_outside_line_or_the_kiosk_nothing_is_booked(receptionist, hotel):
    outside = Call(receptionist, "hotel-wakeup-outside")
    outside.start()
    reply = outside.says("你好 我是812的客人 明早七点叫醒我")
    assert "房间的电话" in text_of(reply) and not records(reply) and outside.pending == "offer_operator"
    kiosk = Call(receptionist, "hotel-wakeup-kiosk")
    kiosk.start(channel="kiosk", caller_id=None)
    reply = kiosk.says("can you wake me up at 6 tomorrow")
    assert "room phone" in text_of(reply) and not records(reply)
    assert booked(hotel, "0812") == []


def test_asking_for_a_guest_is_not_a_wake_up_call(call, hotel):
    call.start(internal=True, caller_id=NANA_ROOM)
    reply = call.says("帮我叫一下出租车 明早七点的")
    assert not records(reply) and booked(hotel, "0812") == []


@pytest.mark.parametrize(("said", "due"), [
    ("明早七点叫醒我", "12-05 07:00"),
    ("麻烦明天早上六点一刻叫我起床", "12-05 06:15"),
    ("今晚十一点叫醒我", "12-04 23:00"),
    ("wake me at eleven tonight", "12-04 23:00"),
    ("can I get a wake-up call for seven tomorrow", "12-05 07:00"),
    ("wake me up at 6 am", "12-05 06:00"),
    ("两个半小时后叫醒我", "12-04 17:30"),
    ("wake me in an hour", "12-04 16:00"),
    ("后天早上八点叫早", "12-06 08:00"),
    ("叫醒 七点", "12-05 07:00"),
])
def test_the_time_callers_say(said, due):
    request = wakeup_request(said)
    assert request is not None and not request.cancel
    assert local(due_moment(request, T0, SHANGHAI)) == due


@pytest.mark.parametrize("said", ["我找张伟", "帮我叫一下出租车", "what time is checkout", "我明天早上七点到"])
def test_not_wake_up_calls(said):
    assert wakeup_request(said) is None

