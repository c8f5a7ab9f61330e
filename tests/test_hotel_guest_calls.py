"""Calls for a hotel guest (#11, point 2) against the demo hotel's real rooms and stays in a real
database (SQLite and PostgreSQL): by name, by room, by both, mismatches, do-not-disturb, "no calls"
guests answered exactly as absent ones, a guest calling from their room, in Chinese and English, with
names as callers say them; and a sweep showing no caller-facing text ever holds a room number or a
room's extension."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.digit_forms import chunks
from bot.hotel import stays, stays_csv
from bot.hotel.csvfile import read_csv
from bot.hotel.guest_calls import (
    GuestCall,
    GuestCallDecision,
    GuestRequest,
    caller_guest,
    decide_guest_call,
    guest_request,
    is_partial_name,
)
from bot.hotel.phrases import GUEST_CALL_PHRASES, guest_call_text
from bot.hotel.rooms import list_rooms
from bot.org.orgfile import parse_org_file
from bot.org.store import replace_directory

ROOT = Path(__file__).resolve().parent.parent
DEMO_HOTEL = ROOT / "bot" / "org" / "demo_hotel.yml"
DEMO_ROOMS = ROOT / "bot" / "hotel" / "demo_rooms.csv"
DEMO_STAYS = ROOT / "bot" / "hotel" / "demo_stays.csv"
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
"""In house at T0: 0801 张伟/Zhang Wei, 0802 Anna Miller, 0803 张伟 (a second one, added here), 0812 欧阳娜娜/
Nana Ouyang, 0901 李晓明 (do not disturb), 0902 Jean-Luc Lefèvre (no calls), A-1203 王芳/Wang Fang.
A-1201 Kenji Sato arrives tomorrow."""
SECOND_ZHANG_WEI = ["0803", "张伟", "", "2026-12-03", "2026-12-07", "no", "no", "no", "zh"]
DIRECTORY = parse_org_file(DEMO_HOTEL)


def _room_only(directory=DIRECTORY):
    return dataclasses.replace(directory, policy=dataclasses.replace(directory.policy, room_only_connect=True))


@pytest.fixture
def hotel(database, tmp_path):
    with database.session() as session:
        replace_directory(session, DIRECTORY)
    with DEMO_STAYS.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    export = tmp_path / "stays.csv"
    with export.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([*rows, SECOND_ZHANG_WEI])
    with database.session() as session:
        stays_csv.import_rooms(session, read_csv(DEMO_ROOMS, stays_csv.ROOM_COLUMNS, stays_csv.ROOM_REQUIRED),
                               directory=DIRECTORY)
        stays_csv.import_stays(session, read_csv(export, stays_csv.STAY_COLUMNS, stays_csv.STAY_REQUIRED),
                               now=T0, zone=SHANGHAI)
    return database


def _decide(database, said: str = "", room: str | None = None, directory=DIRECTORY, now=T0,
            caller_extension: str | None = None) -> GuestCallDecision:
    with database.session() as session:
        return decide_guest_call(session, directory, now, name=said, room=room, caller_extension=caller_extension)


# ---------------------------------------------------------------------------------- the caller's words

WORDS = [
    ("找一下808的欧阳娜娜", "欧阳娜娜", "808"),
    ("请帮我转一下0812房间的欧阳娜娜", "欧阳娜娜", "0812"),
    ("八一二房间的欧阳女士", "欧阳女士", "812"),
    ("Nana Ouyang please", "Nana Ouyang", ""),
    ("Could you put me through to Jean-Luc Lefèvre in room 902?", "Jean-Luc Lefèvre", "902"),
    ("room eight oh two, Mr. Miller", "Mr Miller", "802"),
    ("A-1203的王女士", "王女士", "A-1203"),
    ("a-1203 wang fang", "Wang Fang", "A-1203"),
    ("我找王先生", "王先生", ""),
    ("MILLER anna", "Miller Anna", ""),
    ("ZHANG/WEI", "Zhang Wei", ""),
    ("I'd like to speak to Mr He please", "Mr He", ""),
    ("找一下蒋一帆", "蒋一帆", ""),
    ("房间号0812", "", "0812"),
    ("May I speak to Mr. Sato in room A-1201?", "Mr Sato", "A-1201"),
    ("Hello, I'm trying to reach Kenji Sato, he is staying at your hotel", "Kenji Sato", ""),
    ("Can Anna Miller come to the phone", "Anna Miller", ""),
    ("put me through to He Ping please", "He Ping", ""),  # 何平: a surname that is an English word
    ("room twelve, Oscar", "Oscar", ""),  # a number in words is never a name
]


@pytest.mark.parametrize(("said", "name", "room"), WORDS, ids=[w[0] for w in WORDS])
def test_the_name_and_room_in_what_a_caller_says(said, name, room):
    assert guest_request(said) == GuestRequest(name, room)


def test_partial_names():
    assert all(is_partial_name(n) for n in ("王先生", "欧阳女士", "王", "Mr Miller", "Miller", "Ms. Ouyang"))
    assert not any(is_partial_name(n) for n in ("欧阳娜娜", "王芳", "Anna Miller", "zhang wei", "李晓明"))


# ---------------------------------------------------------------------------------- decisions

CASES = [
    # (what the caller says, room said separately, decision, phrase key, the room whose phone is dialled)
    ("找一下0812的欧阳娜娜", None, GuestCall.CONNECT, "connect", "0812"),
    ("找一下812的欧阳娜娜", None, GuestCall.CONNECT, "connect", "0812"),  # "812" is 0812
    ("欧阳娜娜", None, GuestCall.CONNECT, "connect", "0812"),
    ("Nana Ouyang please", None, GuestCall.CONNECT, "connect", "0812"),
    ("ouyang nana", None, GuestCall.CONNECT, "connect", "0812"),  # pinyin without tones
    ("欧阳娜娜", "0812", GuestCall.CONNECT, "connect", "0812"),
    ("欧阳女士", "812", GuestCall.CONNECT, "connect", "0812"),  # surname and title, with the room
    ("Miller Anna", None, GuestCall.CONNECT, "connect", "0802"),  # Latin name in the wrong order
    ("anna MILLER", None, GuestCall.CONNECT, "connect", "0802"),
    ("room 802, Mr. Miller", None, GuestCall.CONNECT, "connect", "0802"),
    ("A-1203的王女士", None, GuestCall.CONNECT, "connect", "A-1203"),
    ("王先生", "A-1203", GuestCall.CONNECT, "connect", "A-1203"),  # the operator checks the surname only
    ("Wang Fang", None, GuestCall.CONNECT, "connect", "A-1203"),
    ("王芳", None, GuestCall.CONNECT, "connect", "A-1203"),
    ("张伟", "0803", GuestCall.CONNECT, "connect", "0803"),
    ("Zhang Wei", "801", GuestCall.CONNECT, "connect", "0801"),
    ("张玮", "0801", GuestCall.CONNECT, "connect", "0801"),  # sounds the same
    # several guests of that name: ask the room, list nothing
    ("张伟", None, GuestCall.ASK_ROOM, "ask_room", None),
    ("zhang wei please", None, GuestCall.ASK_ROOM, "ask_room", None),
    # only part of a name, no room: ask the full name, whoever is in house
    ("王先生", None, GuestCall.ASK_FULL_NAME, "ask_full_name", None),
    ("Mr. Miller", None, GuestCall.ASK_FULL_NAME, "ask_full_name", None),
    ("Mr. Nobody", None, GuestCall.ASK_FULL_NAME, "ask_full_name", None),
    ("欧阳女士", None, GuestCall.ASK_FULL_NAME, "ask_full_name", None),
    # a room and a name that is not its guest's: ask the caller's name, offer a message
    ("找一下808的欧阳娜娜", None, GuestCall.MISMATCH, "mismatch", None),  # no room 808
    ("812的王先生", None, GuestCall.MISMATCH, "mismatch", None),
    ("Anna Miller", "0801", GuestCall.MISMATCH, "mismatch", None),
    ("欧阳娜娜", "0803", GuestCall.MISMATCH, "mismatch", None),
    ("欧阳娜娜", "0915", GuestCall.MISMATCH, "mismatch", None),  # an empty room
    ("Kenji Sato", "A-1201", GuestCall.MISMATCH, "mismatch", None),  # arrives tomorrow
    # nobody by that name
    ("赵子龙", None, GuestCall.NOT_FOUND, "not_found", None),
    ("Kenji Sato", None, GuestCall.NOT_FOUND, "not_found", None),
    ("Oscar Wilde", None, GuestCall.NOT_FOUND, "not_found", None),
    # do not disturb: a message, never the phone
    ("李晓明", None, GuestCall.TAKE_MESSAGE, "dnd", None),
    ("Li Xiaoming", None, GuestCall.TAKE_MESSAGE, "dnd", None),
    ("0901的李先生", None, GuestCall.TAKE_MESSAGE, "dnd", None),
    # "no calls": as if not there
    ("Jean-Luc Lefèvre", None, GuestCall.NOT_FOUND, "not_found", None),
    ("jean-luc lefevre", "0902", GuestCall.MISMATCH, "mismatch", None),
    # a room alone is not enough (policy.room_only_connect: false)
    ("", "0812", GuestCall.ASK_GUEST_NAME, "ask_guest_name", None),
    ("房间号0812", None, GuestCall.ASK_GUEST_NAME, "ask_guest_name", None),
    ("", "9999", GuestCall.ASK_GUEST_NAME, "ask_guest_name", None),
    ("", None, GuestCall.ASK_GUEST, "ask_guest", None),
    ("please", None, GuestCall.ASK_GUEST, "ask_guest", None),
]


def test_each_call_for_a_guest(hotel):
    extensions = _extensions(hotel)
    failures = []
    for said, room, kind, phrase, dialled in CASES:
        decision = _decide(hotel, said, room)
        wanted = (kind, phrase, extensions[dialled] if dialled else None)
        if (decision.kind, decision.phrase, decision.extension) != wanted:
            failures.append((said, room, decision, wanted))
        if kind in (GuestCall.CONNECT, GuestCall.TAKE_MESSAGE):
            assert decision.stay_id is not None
        else:
            assert decision.stay_id is None and decision.extension is None
    assert not failures, "\n".join(map(str, failures))


def test_a_room_alone_connects_only_when_the_policy_allows(hotel):
    room_only = _room_only()
    assert _decide(hotel, "", "0812", directory=room_only).extension == "6812"
    assert _decide(hotel, "", "812", directory=room_only).kind is GuestCall.CONNECT
    assert _decide(hotel, "", "0901", directory=room_only).phrase == "dnd"
    for empty in ("0915", "9999", "0902"):  # empty, no such room, a "no calls" guest
        decision = _decide(hotel, "", empty, directory=room_only)
        assert (decision.kind, decision.phrase, decision.extension) == (GuestCall.NOT_FOUND, "room_not_found", None)


def test_the_phrases_in_both_languages(hotel):
    connect = _decide(hotel, "找一下0812的欧阳娜娜")
    assert guest_call_text(connect, "zh") == "好的，这就为您转接欧阳娜娜的房间，请稍候。"
    english = _decide(hotel, "Nana Ouyang please")
    assert guest_call_text(english, "en") == "Putting you through to Nana Ouyang's room, one moment please."
    titled = _decide(hotel, "欧阳女士", "0812")
    assert guest_call_text(titled, "zh") == "好的，这就为您转接欧阳女士的房间，请稍候。"
    assert guest_call_text(_decide(hotel, "Ms Ouyang", "0812"), "en") == (
        "Putting you through to Ms Ouyang's room, one moment please.")
    # the name the caller said, never the registered one
    assert "王芳" not in guest_call_text(_decide(hotel, "王先生", "A-1203"), "zh")
    assert "Wang Fang" not in guest_call_text(_decide(hotel, "Mr Wang", "A-1203"), "en")
    mismatch = _decide(hotel, "812的王先生")
    assert guest_call_text(mismatch, "zh") == (
        "抱歉，我无法核实您要找的王先生住在这个房间，不能为您转接。请问您贵姓？需要的话，我可以为您留言。")
    assert "May I have your name?" in guest_call_text(mismatch, "en")
    assert "留言" in guest_call_text(_decide(hotel, "李晓明"), "zh")
    assert "message" in guest_call_text(_decide(hotel, "Li Xiaoming"), "en")
    assert guest_call_text(_decide(hotel, "", "0812"), "en").endswith("the name of the guest you are calling?")
    for key, texts in GUEST_CALL_PHRASES.items():
        assert set(texts) == {"zh", "en"}, key


def test_a_no_calls_guest_is_answered_exactly_as_one_who_is_not_there(hotel):
    """Jean-Luc Lefèvre (0902, no calls): every question about him gets the decision and the words it
    gets once he has checked out."""
    questions = [("Jean-Luc Lefèvre", None), ("jean-luc lefevre please", None), ("Lefevre Jean-Luc", "0902"),
                 ("Mr Lefèvre", "902"), ("Mr Lefèvre", None), ("", "0902")]
    directories = (DIRECTORY, _room_only())

    def answers() -> list:
        out = []
        for directory in directories:
            for said, room in questions:
                for caller in (None, "6801"):
                    decision = _decide(hotel, said, room, directory=directory, caller_extension=caller)
                    out.append((decision, guest_call_text(decision, "zh"), guest_call_text(decision, "en")))
        return out

    present = answers()
    with hotel.session() as session:
        (stay,) = [s for s in stays.in_house(session, T0, SHANGHAI) if s.room == "0902"]
        assert stay.no_calls
        assert stays.check_out(session, stay.id, T0)
    assert answers() == present


def test_a_guest_calling_from_their_room(hotel):
    with hotel.session() as session:
        caller = caller_guest(session, "6801", T0)
        assert caller is not None and caller.room == "0801" and caller.guest_name_zh == "张伟"
        assert caller_guest(session, "8100", T0) is None  # the front desk, not a room
        assert caller_guest(session, "6915", T0) is None  # an empty room
        assert caller_guest(session, None, T0) is None
    call = _decide(hotel, "欧阳娜娜", caller_extension="6801")
    assert call.kind is GuestCall.CONNECT and call.caller_stay_id == caller.id
    wrong = _decide(hotel, "0812的王先生", caller_extension="6801")
    assert (wrong.kind, wrong.phrase) == (GuestCall.MISMATCH, "mismatch_known_caller")
    assert "贵姓" not in guest_call_text(wrong, "zh")  # we know who is calling
    assert _decide(hotel, "0812的王先生", caller_extension="8100").phrase == "mismatch"


def test_the_hotels_checkout_time_decides_who_is_still_in(hotel):
    """Anna Miller (0802) leaves on the 5th: at 12:30 she is gone at a noon checkout, still in at 14:00."""
    half_past_noon = dt.datetime(2026, 12, 5, 12, 30, tzinfo=SHANGHAI)
    assert _decide(hotel, "Anna Miller", now=half_past_noon).kind is GuestCall.NOT_FOUND
    late = dataclasses.replace(DIRECTORY, policy=dataclasses.replace(DIRECTORY.policy, checkout_time=dt.time(14)))
    assert _decide(hotel, "Anna Miller", now=half_past_noon, directory=late).extension == "6802"
    with hotel.session() as session:
        assert caller_guest(session, "6802", half_past_noon) is None  # the stored policy: 12:00
        assert caller_guest(session, "6802", half_past_noon, checkout_time=dt.time(14)) is not None


# ---------------------------------------------------------------------------------- privacy


def test_no_caller_text_ever_holds_a_room_number_or_extension(hotel):
    """Every guest by every form of name, with their room, another room, no room and a made-up room,
    from outside and from each room's phone, under both policies, in both languages."""
    with hotel.session() as session:
        rooms = list_rooms(session)
        guests = stays.in_house(session, T0, SHANGHAI) + [
            s for s in stays.list_stays(session) if s.room == "A-1201"]  # not arrived yet
    seen: set = set()
    secrets = {r.number for r in rooms} | {r.extension for r in rooms if r.extension}
    secret_digits = {s.replace("-", "").lstrip("0ABCDEFGHIJKLMNOPQRSTUVWXYZ") for s in secrets}
    decisions = 0
    with hotel.session() as session:
        for guest in guests:
            names = {""}
            for name in (guest.guest_name_zh, guest.guest_name_latin):
                if name:
                    names |= {name, name.lower(), " ".join(reversed(name.split())), name[:1] + "先生",
                              "Mr " + name.split()[-1], name + " please", "找一下" + name}
            other = next(r.number for r in rooms if r.number != guest.room)
            room_forms = (None, "9999", guest.room, guest.room.lstrip("0"), other)
            for directory in (DIRECTORY, _room_only()):
                for caller in (None, "6801", "8100"):
                    for name in sorted(names):
                        for room in room_forms:
                            decision = decide_guest_call(session, directory, T0, name=name, room=room,
                                                         caller_extension=caller)
                            decisions += 1
                            if decision.kind is not GuestCall.CONNECT:
                                assert decision.extension is None, decision
                            for language in ("zh", "en"):
                                text = guest_call_text(decision, language)
                                spelled = "".join(c.digits for c in chunks(text))
                                leaked = [s for s in secrets if s in text] + [d for d in secret_digits if d in spelled]
                                assert not leaked, (name, room, text, leaked)
                                seen.add((decision.kind, decision.phrase))
    assert decisions > 1000
    assert {kind for kind, _ in seen} == set(GuestCall)  # every kind of answer was looked at
    assert {phrase for _, phrase in seen} == set(GUEST_CALL_PHRASES) - {"no_line"}


def _extensions(database) -> dict[str, str]:
    with database.session() as session:
        return {r.number: r.extension for r in list_rooms(session)}
