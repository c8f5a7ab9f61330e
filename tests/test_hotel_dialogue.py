"""A hotel's switchboard through the dialogue engine (#11, points 2 and 5), on the demo hotel with
its demo rooms and stays in a real database (SQLite and PostgreSQL), driven as the channel drives
it, in Chinese and English, the way callers talk: emergencies from outside and from a room phone,
calls for guests by name, room and both, mismatches, do-not-disturb, a "no calls" guest answered
as an absent one, the kiosk (no room extension in any payload), a guest greeted by name.

No caller text may ever hold a room number or a room's extension (checked on every turn)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.dialogue.engine import Receptionist
from bot.dialogue.faq import DEMO_FAQ, load_faq
from bot.dialogue.state import Heard, Reply, Start, TransferReport
from bot.hotel import stays_csv
from bot.hotel.csvfile import read_csv
from bot.org.orgfile import parse_org_file
from bot.org.store import DirectoryCache, replace_directory
from bot.records import messages

ROOT = Path(__file__).resolve().parent.parent
DEMO_HOTEL = ROOT / "bot" / "org" / "demo_hotel.yml"
DEMO_ROOMS = ROOT / "bot" / "hotel" / "demo_rooms.csv"
DEMO_STAYS = ROOT / "bot" / "hotel" / "demo_stays.csv"
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 12, 4, 15, 0, tzinfo=SHANGHAI)
"""In house: 0801 张伟/Zhang Wei, 0802 Anna Miller, 0812 欧阳娜娜/Nana Ouyang, 0901 李晓明 (do not disturb),
0902 Jean-Luc Lefèvre (no calls), A-1203 王芳/Wang Fang. Rooms' phones: 68xx, 69xx, 72xx."""
EMERGENCY = "8119"
OPERATOR = "8000"
ROOM_DIGITS = re.compile(r"0?8(?:01|02|03|12)|0?9(?:01|02|15)|12(?:01|02|03)|68\d\d|69\d\d|72\d\d|"
                         r"[八][零〇]?[一二]|eight (?:oh |zero )?(?:one|two)")


class Call:
    def __init__(self, receptionist: Receptionist, conversation: str) -> None:
        self.r = receptionist
        self.conversation = conversation
        self.state: dict | None = None

    def _do(self, event) -> Reply:
        reply = self.r.handle(self.state, event)
        self.state = reply.state
        for text in reply.texts:
            assert not ROOM_DIGITS.search(text), f"a room number or extension reached the caller: {text}"
        return reply

    def start(self, channel: str = "phone", internal: bool = False, caller_id: str | None = "+8613800000000") -> Reply:
        return self._do(Start(self.conversation, channel=channel, caller_id=caller_id, internal=internal, now=T0))

    def says(self, text: str, intent: str | None = None, confidence: float = 0.9) -> Reply:
        return self._do(Heard(self.conversation, text, intent, confidence, {}))

    def result(self, result: str) -> Reply:
        return self._do(TransferReport(self.conversation, result))

    @property
    def pending(self) -> str | None:
        return (self.state or {}).get("pending")


@pytest.fixture
def hotel(database):
    directory = parse_org_file(DEMO_HOTEL)
    with database.session() as session:
        replace_directory(session, directory)
    with database.session() as session:
        stays_csv.import_rooms(session, read_csv(DEMO_ROOMS, stays_csv.ROOM_COLUMNS, stays_csv.ROOM_REQUIRED),
                               directory=directory)
        stays_csv.import_stays(session, read_csv(DEMO_STAYS, stays_csv.STAY_COLUMNS, stays_csv.STAY_REQUIRED),
                               now=T0, zone=SHANGHAI)
    return database


@pytest.fixture
def receptionist(hotel) -> Receptionist:
    return Receptionist(hotel, DirectoryCache(hotel), load_faq(DEMO_FAQ), clock=lambda: T0)


@pytest.fixture
def call(receptionist) -> Call:
    return Call(receptionist, "hotel-call-1")


def text_of(reply: Reply) -> str:
    return " ".join(reply.texts)


def transfers(reply: Reply) -> list[dict]:
    return [p for p in reply.payloads if p["type"] == "transfer"]


def messages_of(database, conversation: str) -> list[messages.MessageRecord]:
    with database.session() as session:
        return [m for m in messages.list_messages(session) if m.conversation == conversation]


# ---------------------------------------------------------------------------------- emergencies


def test_fire_from_outside_goes_at_once_to_the_emergency_line_with_the_room_for_staff_only(call, hotel):
    call.start()
    reply = call.says("喂喂 那个 八一二房间 着火了 快点来人啊", "urgent")
    assert text_of(reply) == "马上为您接通紧急服务，请不要挂机。"
    (transfer,) = transfers(reply)
    assert transfer["destination"] == EMERGENCY and transfer["mode"] == "blind" and transfer["emergency"] == "fire"
    assert transfer["room"] == "0812" and "0812" in transfer["announcement"]
    (message,) = messages_of(hotel, "hotel-call-1")
    assert message.urgent and message.recipient == "front-desk"  # 8119 is no department's: the mailbox
    assert "0812" in message.text and "火警" in message.text and "fire" in message.text


def test_an_emergency_wins_over_the_question_pending(call, hotel):
    call.start()
    call.says("我想给前台留个言", "leave_message")
    assert call.pending == "message"
    reply = call.says("哎呀 不好了 有人晕倒了 快叫救护车", "urgent")
    (transfer,) = transfers(reply)
    assert transfer["destination"] == EMERGENCY and transfer["emergency"] == "medical" and "room" not in transfer
    assert "紧急服务" in text_of(reply)


def test_emergency_from_a_room_phone_passes_that_room_to_staff_and_busy_goes_to_the_operator(call, hotel):
    greeting = call.start(internal=True, caller_id="6802")
    assert "Anna Miller" in text_of(greeting)  # the room's guest, greeted by name, in her language
    reply = call.says("there's a fight in the corridor, someone has a knife")
    (transfer,) = transfers(reply)
    assert transfer["destination"] == EMERGENCY and transfer["room"] == "0802" and transfer["emergency"] == "security"
    assert text_of(reply) == "Connecting you to our emergency line now, please stay on the line."
    (message,) = messages_of(hotel, "hotel-call-1")
    assert message.urgent and "0802" in message.text and message.callback_number == "6802"
    reply = call.result("busy")
    (transfer,) = transfers(reply)
    assert transfer["destination"] == OPERATOR and transfer["emergency"] == "security"
    assert "operator" in text_of(reply) and "anything else" not in text_of(reply).lower()
    reply = call.result("no_answer")
    (transfer,) = transfers(reply)
    assert transfer["destination"] == "8010"  # the duty line: never back to a menu
    reply = call.result("failed")
    assert not transfers(reply) and "alerted" in text_of(reply)
    assert len(messages_of(hotel, "hotel-call-1")) == 1


def test_emergency_line_not_answering_goes_straight_to_the_operator_in_chinese(call):
    call.start()
    call.says("你好 我在大堂 有小偷 偷了我的包")
    reply = call.result("no_answer")
    assert transfers(reply)[0]["destination"] == OPERATOR and "总机" in text_of(reply)
    call.result("answered")
    assert call.pending is None


def test_emergency_on_the_kiosk_is_connected_without_a_room_in_the_payload(call, hotel):
    call.start(channel="kiosk", caller_id=None)
    reply = call.says("812房间冒烟了")
    (transfer,) = transfers(reply)
    assert transfer["destination"] == EMERGENCY and "room" not in transfer and "announcement" not in transfer
    assert "0812" in messages_of(hotel, "hotel-call-1")[0].text


@pytest.mark.parametrize("said", ["房间太热了 能不能调一下空调", "我想订明天的火锅", "fire exit 在哪",
                                  "where is the fire exit please"])
def test_ordinary_requests_are_not_emergencies(call, said):
    call.start()
    reply = call.says(said)
    assert all(t["destination"] != EMERGENCY for t in transfers(reply))


# ---------------------------------------------------------------------------------- calls for a guest


def test_guest_by_name_is_put_through_to_the_room_on_the_phone(call):
    call.start()
    reply = call.says("呃 你好 帮我找一下你们那儿住的客人欧阳娜娜", "request_person")
    (transfer,) = transfers(reply)
    assert transfer["destination"] == "6812" and transfer["target"] == "guest"
    assert "欧阳娜娜" in text_of(reply)
    reply = call.result("no_answer")
    assert "欧阳娜娜" in text_of(reply) and "留言" in text_of(reply) and call.pending == "guest_offer"


def test_guest_by_room_and_name_in_english_then_busy_and_a_message_for_her(call, hotel):
    call.start()
    reply = call.says("hi um room eight oh two please, Anna Miller", "request_person")
    assert transfers(reply)[0]["destination"] == "6802"
    reply = call.result("busy")
    assert "busy" in text_of(reply) and "Anna Miller" in text_of(reply)
    call.says("yes please. this is Tom Walsh", "affirm")
    call.says("my number is 138 1234 5678")
    reply = call.says("tell her the dinner is moved to eight tonight")
    assert "Anna Miller" in text_of(reply)
    call.says("yes that's right", "affirm")
    (message,) = messages_of(hotel, "hotel-call-1")
    assert message.recipient == "front-desk" and "Anna Miller" in message.text and "0802" in message.text


def test_guest_by_room_only_is_asked_the_name_and_the_answer_combined(call):
    call.start()
    reply = call.says("麻烦帮我转一下812房间", "request_person")
    assert not transfers(reply) and "怎么称呼" in text_of(reply) and call.pending == "guest"
    reply = call.says("她叫欧阳娜娜", "give_name")
    assert transfers(reply)[0]["destination"] == "6812"


def test_name_said_only_in_part_is_asked_in_full_then_connected(call):
    call.start()
    reply = call.says("我找一下王女士", "request_person")
    assert "全名" in text_of(reply) and call.pending == "guest"
    reply = call.says("王芳", "give_name")
    assert transfers(reply)[0]["destination"] == "7203"


def test_mismatch_offers_a_message_and_says_nothing_of_who_is_in_the_room(call, hotel):
    call.start()
    reply = call.says("帮我接812的张伟", "request_person")
    text = text_of(reply)
    assert not transfers(reply) and "无法核实" in text and "欧阳" not in text and "留言" in text
    call.says("我姓李 李明 留个言吧")
    call.says("13812345678")
    call.says("就说我明天上午到杭州")
    reply = call.says("对的", "affirm")
    assert "留言已经记下" in text_of(reply)
    (message,) = messages_of(hotel, "hotel-call-1")
    assert message.recipient == "front-desk" and "张伟" in message.text and "欧阳" not in message.text


def test_do_not_disturb_takes_a_message(call):
    call.start()
    reply = call.says("我找李晓明", "request_person")
    assert not transfers(reply) and "不方便接听" in text_of(reply) and call.pending == "guest_offer"


def test_saying_the_guest_stays_here_is_not_the_message_and_new_content_at_the_read_back_replaces_it(call, hotel):
    call.start()
    call.says("喂 你好 我找李晓明 他住你们这儿", "request_person")
    reply = call.says("那 留个言吧 我叫周凯 电话13912345678", "leave_message")
    assert "留什么话" in text_of(reply) and "住你们这儿" not in text_of(reply)
    reply = call.says("就说明天早上八点在大堂等他", "inform")
    assert "内容：明天早上八点在大堂等他" in text_of(reply)
    reply = call.says("哦 你就跟他说改到九点了", "inform")
    assert "内容：改到九点了" in text_of(reply)
    call.says("对", "affirm")
    (saved,) = messages_of(hotel, "hotel-call-1")
    assert saved.text.endswith("：改到九点了") and "李晓明" in saved.text and saved.caller_name == "周凯"


def test_a_no_calls_guest_gets_the_same_answers_as_an_absent_one(receptionist):
    answers = []
    for i, name in enumerate(("Jean-Luc Lefèvre", "Pierre Dupont")):
        call = Call(receptionist, f"hotel-privacy-{i}")
        call.start()
        first = call.says(f"hello, is there a guest called {name} staying with you?", "request_person")
        second = call.says(f"room nine oh two, {name}", "request_person")
        answers.append([text_of(first).replace(name, "X"), text_of(second).replace(name, "X"),
                        transfers(first) + transfers(second)])
    assert answers[0] == answers[1]
    assert answers[0][2] == []


def test_kiosk_never_gets_a_room_extension_and_is_offered_a_message(call):
    call.start(channel="kiosk", caller_id=None)
    reply = call.says("我来找住在你们这的欧阳娜娜", "request_person")
    assert not transfers(reply)
    assert "无法为您接通" in text_of(reply) and call.pending == "guest_offer"


def test_a_company_is_untouched_by_hotel_rules(demo_db):
    receptionist = Receptionist(demo_db, DirectoryCache(demo_db), load_faq(DEMO_FAQ), clock=lambda: T0)
    call = Call(receptionist, "company-call")
    call.start()
    reply = call.says("仓库冒烟了 着火了")
    assert all(t.get("emergency") is None for t in transfers(reply))


def test_a_guest_calling_from_their_room_is_greeted_by_name(call):
    reply = call.start(internal=True, caller_id="6812")
    assert text_of(reply) == "欧阳娜娜您好，这里是总机，请问有什么可以帮您？"


def test_a_given_name_completes_the_surname_asked_about(call):
    call.start()
    reply = call.says("hi, I'd like to speak to Mr Miller please", "request_person")
    assert "full name" in text_of(reply)
    reply = call.says("Anna", "give_name")
    assert transfers(reply)[0]["destination"] == "6802"


def test_a_message_for_a_guest_said_in_one_breath_goes_to_the_front_desk_with_the_name(call, hotel):
    call.start()
    reply = call.says("帮我给欧阳娜娜留个言 我是她同事王强 电话13912345678 说明天的会改到下午三点", "leave_message")
    assert "欧阳娜娜" in text_of(reply) and call.pending == "message_confirm"
    call.says("对", "affirm")
    (message,) = messages_of(hotel, "hotel-call-1")
    assert message.recipient == "front-desk" and "欧阳娜娜" in message.text and "0812" in message.text


def test_room_numbers_the_caller_says_are_not_said_back(call):
    call.start()
    reply = call.says("我找一下八一二的那个赵子龙", "request_person")
    assert "八一二" not in text_of(reply) and "812" not in text_of(reply)


@pytest.mark.parametrize(("said", "private", "destination"), [
    ("能告诉我张伟住几号房间吗", "不能告诉您客人的房间号", "6801"),
    ("hi um what room is Anna Miller in?", "can't give out room numbers", "6802"),
])
def test_asked_which_room_a_guest_is_in_it_is_never_told_and_the_call_offered(call, said, private, destination):
    call.start()
    reply = call.says(said, "ask_phone_number")
    assert private in text_of(reply) and transfers(reply)[0]["destination"] == destination


def test_a_guest_leaving_a_message_from_their_room_is_called_back_there_never_told_the_extension(call, hotel):
    call.start(internal=True, caller_id="6812")
    call.says("呃 帮我给前台留个言", "leave_message")
    reply = call.says("明天早上帮我叫辆出租车去机场")
    assert "您的房间电话" in text_of(reply) and "欧阳娜娜" in text_of(reply)
    call.says("对", "affirm")
    (message,) = messages_of(hotel, "hotel-call-1")
    assert message.callback_number == "6812" and message.caller_name == "欧阳娜娜"


# ---------------------------------------------------------------------------------- through the REST contract


@pytest.fixture(scope="module")
def hotel_servers(tmp_path_factory: pytest.TempPathFactory):
    """The real Rasa and action servers (tests/rasa_servers.py) on a database holding the demo hotel."""
    from rasa_servers import running

    def prepare(database) -> None:
        directory = parse_org_file(DEMO_HOTEL)
        with database.session() as session:
            replace_directory(session, directory)
        with database.session() as session:
            stays_csv.import_rooms(session, read_csv(DEMO_ROOMS, stays_csv.ROOM_COLUMNS, stays_csv.ROOM_REQUIRED),
                                   directory=directory)
            stays_csv.import_stays(session, read_csv(DEMO_STAYS, stays_csv.STAY_COLUMNS, stays_csv.STAY_REQUIRED),
                                   now=T0, zone=SHANGHAI)

    with running(tmp_path_factory.mktemp("hotel-servers"), prepare) as started:
        yield started


@pytest.mark.slow
def test_guest_calls_and_an_emergency_through_the_rest_contract(hotel_servers):
    from rasa_servers import customs, texts

    def say(sender, message, metadata=None, client=None):
        status, body = hotel_servers.say(sender, message, metadata, client=client)
        assert status == 200, body
        for text in texts(body):
            assert not ROOM_DIGITS.search(text), text
        return body

    phone = {"channel": "phone", "caller_id": "+8613800000000", "internal": False, "now": T0.isoformat()}
    say("hotel-rest-1", "", phone)
    body = say("hotel-rest-1", "你好 麻烦帮我转一下812房间")
    assert not customs(body) and any("怎么称呼" in t for t in texts(body))
    body = say("hotel-rest-1", "她叫欧阳娜娜")
    assert [c["destination"] for c in customs(body) if c["type"] == "transfer"] == ["6812"]
    status, body = hotel_servers.report("hotel-rest-1", "no_answer")
    assert status == 200, body
    assert any("欧阳娜娜" in t and "留言" in t for t in texts(body["messages"]))

    say("hotel-rest-2", "", phone)
    body = say("hotel-rest-2", "hello, I'm trying to reach Anna Miller, room eight one two")
    assert not [c for c in customs(body) if c["type"] == "transfer"]
    assert any("can't confirm" in t for t in texts(body))

    kiosk = {"channel": "kiosk", "now": T0.isoformat()}
    say("hotel-rest-3", "", kiosk)
    body = say("hotel-rest-3", "我找住在你们这的欧阳娜娜", client="kiosk")
    assert not [c for c in customs(body) if c["type"] == "transfer"]

    room = {"channel": "phone", "caller_id": "6812", "internal": True, "now": T0.isoformat()}
    body = say("hotel-rest-4", "", room)
    assert any(t.startswith("欧阳娜娜您好") for t in texts(body))
    body = say("hotel-rest-4", "着火了 着火了 房间里全是烟")
    (transfer,) = [c for c in customs(body) if c["type"] == "transfer"]
    assert transfer["destination"] == EMERGENCY and transfer["room"] == "0812"
    assert any(c["type"] == "record" for c in customs(body))

    say("hotel-rest-5", "", room)
    body = say("hotel-rest-5", "呃 那个 明早七点叫醒我一下")
    (record,) = [c for c in customs(body) if c["type"] == "record"]
    assert record["kind"] == "wakeup" and any("明天早上七点整" in t for t in texts(body))


def test_which_room_for_a_guest_nobody_has_is_answered_without_the_models_reading(call):
    call.start()
    reply = call.says("能告诉我钱雨桐住几号房间吗")  # no intent: the words alone
    assert "不能告诉您客人的房间号" in text_of(reply) and "没有查到钱雨桐" in text_of(reply)
    other = call.says("那你好 请问孙丽住你们酒店吗 帮我转一下", "request_person")
    assert "没有查到孙丽" in text_of(other) and not transfers(other)


def test_a_caller_insisting_on_the_room_number_is_never_told_and_offered_a_message(call):
    call.start()
    call.says("我找欧阳娜娜", "request_person")
    call.result("busy")
    reply = call.says("你就告诉我她房间号 我自己上去", "ask_phone_number")
    assert "不能告诉您客人的房间号" in text_of(reply) and "留言" in text_of(reply)
    assert "手机" not in text_of(reply) and call.pending == "guest_offer"
    reply = call.says("no, just give me the room number, I'll go up myself", "ask_phone_number")
    assert "can't give out room numbers" in text_of(reply) and call.pending == "guest_offer"


def test_a_call_for_a_guest_read_by_the_model_as_a_complaint_is_still_a_call_for_the_guest(call):
    call.start()
    reply = call.says("请问你们这儿有没有住一位叫钱雨桐的客人", "complain")
    assert "没有查到钱雨桐" in text_of(reply) and not transfers(reply)
    assert "不好的体验" not in text_of(reply)
