"""VIP attention on the operator's live board (#11, point 4), through real HTTP against the console
on the demo hotel, with the calls made by the real dialogue engine on the same database (SQLite and
PostgreSQL): a VIP guest calling from their room is greeted by name and announced on the board; a
call for a VIP guest is announced too; an ordinary guest's call is not; the caller hears no room
number. A wake-up call unanswered after every retry lights the board's alert tile."""

from __future__ import annotations

import datetime as dt

from console_server import Console
from test_console_hotel import SHANGHAI, _wakeup_rows
from test_console_hotel import hotel as hotel  # the fixtures, re-exported for pytest
from test_console_hotel import hotel_directory as hotel_directory

from bot.db.tables import utcnow
from bot.dialogue.engine import Receptionist
from bot.dialogue.faq import DEMO_FAQ, load_faq
from bot.dialogue.state import Heard, Start
from bot.hotel import wakeups
from bot.hotel.wakeups import DialResult
from bot.org.store import DirectoryCache

NANA = "6812"
"""欧阳娜娜 / Nana Ouyang, VIP, room 0812."""
ZHANG = "6801"
"""张伟 / Zhang Wei, room 0801, not a VIP."""


def dialogue(console: Console) -> Receptionist:
    return Receptionist(console.database, DirectoryCache(console.database), load_faq(DEMO_FAQ))


def live_board(console: Console) -> str:
    response = console.client("oscar").get("/board/live")
    assert response.status_code == 200
    return response.text


def test_a_vip_guest_calling_from_the_room_is_announced_and_greeted_by_name(hotel):
    reply = dialogue(hotel).handle(None, Start("vip-from-room", channel="phone", caller_id=NANA, internal=True))
    assert reply.texts[0].startswith("欧阳娜娜您好")
    board = live_board(hotel)
    assert "VIP：欧阳娜娜 / Nana Ouyang（0812）来电" in board
    assert '<tr class="attention">' in board and '<span class="chip vip">VIP</span>' in board


def test_a_call_for_a_vip_guest_is_announced_and_an_ordinary_one_is_not(hotel):
    r = dialogue(hotel)
    state = r.handle(None, Start("for-vip", channel="phone", caller_id="+8613911112222")).state
    reply = r.handle(state, Heard("for-vip", "呃 你好 帮我转一下欧阳娜娜 她住你们酒店的"))
    assert [p["destination"] for p in reply.payloads if p["type"] == "transfer"] == [NANA]
    assert not any("0812" in t or "812" in t for t in reply.texts)
    ordinary = r.handle(None, Start("ordinary", channel="phone", caller_id=ZHANG, internal=True))
    assert ordinary.texts[0].startswith("张伟您好")
    board = live_board(hotel)
    assert "VIP：来电找 欧阳娜娜 / Nana Ouyang（0812）" in board
    assert board.count('class="attention"') == 1  # the VIP's call; 张伟's is listed plainly
    assert board.index('<tr class="attention">') < board.index(ZHANG)  # the VIP's call first, though older


def test_a_wake_up_unanswered_after_every_retry_lights_the_board(hotel):
    board = hotel.client("oscar").get("/").text
    assert 'id="failed-wakeups"' in board and "alert-tile" not in board.split('id="failed-wakeups"')[0][-80:]
    now = utcnow()
    due = now + dt.timedelta(minutes=2)
    with hotel.database.session() as session:
        wakeups.book(session, "0801", due, now=now, zone=SHANGHAI)
    for attempt in range(3):
        moment = due + dt.timedelta(minutes=6 * attempt, seconds=1)
        with hotel.database.session() as session:
            [claim] = wakeups.claim_due(session, moment, 10, "test")
        with hotel.database.session() as session:
            wakeups.record_result(session, claim, DialResult.NO_ANSWER, now=moment + dt.timedelta(seconds=30))
    assert _wakeup_rows(hotel)[0].status == "failed"
    board = hotel.client("oscar").get("/").text
    tile = board[board.index('id="failed-wakeups"') - 80:board.index('id="failed-wakeups"') + 300]
    assert "alert-tile" in tile and "<strong>1</strong>" in tile and 'href="/hotel/wakeups"' in tile
