"""Hotline cases in the conversation (#12, point 1), on a test hotline that is not the demo
(tests/fixtures/hotline_haichuan.yml), through the dialogue engine on a real database (SQLite and
PostgreSQL), the way callers talk: the matter in one breath, a name asked only when unknown, a
phone call's own number as the callback; the case number read back, the department told; a
status query answered only to the number the case came from; the answer read out, the case fed
back, closed and rated, a poor rating followed up. One test drives the real Rasa server through the
REST contract from the report to the evaluation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cases import cases
from bot.cases.cases import CaseStatus
from bot.dialogue.engine import Receptionist
from bot.dialogue.faq import DEMO_FAQ, load_faq
from bot.dialogue.state import Heard, Reply, Start
from bot.org.orgfile import parse_org_file
from bot.org.store import DirectoryCache, replace_directory
from bot.records import messages

HOTLINE = Path(__file__).resolve().parent / "fixtures" / "hotline_haichuan.yml"
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 12, 7, 10, 15, tzinfo=SHANGHAI)
CALLER = "+8613512345678"


class Call:
    def __init__(self, receptionist: Receptionist, conversation: str) -> None:
        self.r, self.conversation, self.state = receptionist, conversation, None

    def start(self, caller_id: str | None = CALLER, channel: str = "phone") -> Reply:
        return self._do(Start(self.conversation, channel=channel, caller_id=caller_id, now=T0))

    def says(self, text: str) -> Reply:
        return self._do(Heard(self.conversation, text, None, 0.0, {}))

    def _do(self, event) -> Reply:
        reply = self.r.handle(self.state, event)
        self.state = reply.state
        for text in reply.texts:
            assert "137 0000 7101" not in text and "13700007101" not in text  # a staff mobile, never
        return reply

    @property
    def pending(self) -> str | None:
        return (self.state or {}).get("pending")


@pytest.fixture
def hotline(database):
    with database.session() as session:
        replace_directory(session, parse_org_file(HOTLINE))
    return database


@pytest.fixture
def receptionist(hotline) -> Receptionist:
    return Receptionist(hotline, DirectoryCache(hotline), load_faq(DEMO_FAQ), clock=lambda: T0)


def said(reply: Reply) -> str:
    return " ".join(reply.texts)


def records(reply: Reply) -> list[dict]:
    return [p for p in reply.payloads if p["type"] == "record"]


def only_case(database) -> cases.CaseRecord:
    with database.session() as session:
        (found,) = cases.list_cases(session)
        return cases.get_case(session, found.number)


def test_a_matter_in_one_breath_is_registered_dispatched_and_its_number_read_back(receptionist, hotline):
    call = Call(receptionist, "hot-1")
    call.start()
    reply = call.says("喂 你好 呃 那个 我们小区里天天有人乱停车 把消防通道都堵了 物业也不管")
    assert "小区停车" in said(reply) and "怎么称呼" in said(reply) and not records(reply)
    reply = call.says("姓邱 邱志强")
    (record,) = records(reply)
    case = only_case(hotline)
    assert record == {"type": "record", "kind": "case", "id": case.id, "number": case.number}
    assert case.number == "202612070001" and "2026 1207 0001" in said(reply)
    assert case.status is CaseStatus.DISPATCHED and case.category == "parking" and case.department == "estates"
    assert case.deadline_at == T0 + dt.timedelta(days=4) and "4天内" in said(reply) and "物业科" in said(reply)
    assert case.caller_name == "邱志强" and case.callback_number == CALLER and "消防通道" in case.text
    assert [e.actor for e in case.events] == ["receptionist"] * 3
    with hotline.session() as session:
        told = [m for m in messages.list_messages(session) if m.recipient == "estates"]
    assert len(told) == 1 and case.number in told[0].text and "2026-12-11" in told[0].text


def test_a_caller_without_a_number_on_the_line_is_asked_one_in_english(receptionist, hotline):
    call = Call(receptionist, "hot-2")
    call.start(caller_id=None, channel="chat")
    reply = call.says("hi, um, my boss hasn't paid our wages for two months, I'm Dana Kovac")
    assert "pay disputes" in said(reply) and "number" in said(reply)
    reply = call.says("it's 135 8888 2046")
    case = only_case(hotline)
    assert case.caller_name == "Dana Kovac" and case.callback_number == "13588882046"
    assert case.department == "labour" and "Labour Office" in said(reply) and "5 days" in said(reply)


def test_a_matter_no_category_covers_is_registered_for_the_hotline_to_classify(receptionist, hotline):
    call = Call(receptionist, "hot-3")
    call.start()
    call.says("我要投诉 你们那个办事大厅的工作人员态度太差了")
    reply = call.says("不方便说 匿名吧")
    case = only_case(hotline)
    assert case.status is CaseStatus.REGISTERED and case.category is None and case.caller_name == ""
    assert "尽快分派" in said(reply) and records(reply)


def test_a_status_query_answers_only_the_number_the_case_came_from(receptionist, hotline):
    with hotline.session() as session:
        number = cases.register(session, "小区绿化带的树枝压到电线了", caller_name="武女士", callback_number="135 1234 5678",
                                zone=SHANGHAI, now=T0 - dt.timedelta(days=1), category="trees").number
        cases.dispatch(session, number, "parks", dt.timedelta(days=10), actor="cli", now=T0 - dt.timedelta(days=1))
    spoken = f"{number[:4]} {number[4:8]} {number[8:]}"
    stranger = Call(receptionist, "hot-4a")
    stranger.start(caller_id="+8613900001111")
    reply = stranger.says(f"我想查询一下工单 {spoken}")
    assert "没有查到" in said(reply) and "园林" not in said(reply) and stranger.pending == "offer_operator"
    owner = Call(receptionist, "hot-4b")
    owner.start()
    reply = owner.says("你好 我查一下工单进度")
    assert "工单号" in said(reply) and owner.pending == "case_number"
    reply = owner.says(spoken.replace(" ", "-"))
    assert "园林绿化所" in said(reply) and "12月16日" in said(reply)


def test_the_answer_is_read_out_then_the_case_is_closed_and_rated(receptionist, hotline):
    with hotline.session() as session:
        number = cases.register(session, "欠了三个月工钱", caller_name="韦先生", callback_number=CALLER, zone=SHANGHAI,
                                now=T0 - dt.timedelta(days=3), category="pay").number
        cases.dispatch(session, number, "labour", dt.timedelta(days=5), actor="cli", now=T0 - dt.timedelta(days=3))
        cases.accept(session, number, actor="department:labour", now=T0 - dt.timedelta(days=2))
        cases.reply(session, number, "已约谈企业负责人，承诺12月10日前补发全部工资。", actor="department:labour",
                    now=T0 - dt.timedelta(days=1))
    call = Call(receptionist, "hot-5")
    call.start()
    reply = call.says(f"查询工单{number}")
    assert "12月10日前补发" in said(reply) and call.pending == "case_rating"
    assert only_case(hotline).status is CaseStatus.CLOSED
    reply = call.says("呃 两分吧 说了好几次了才管")
    case = only_case(hotline)
    assert case.status is CaseStatus.EVALUATED and case.satisfaction == 2
    assert [e.action for e in case.events][-3:] == ["feed_back", "close", "evaluate"]
    assert "回访" in said(reply)
    with hotline.session() as session:
        follow_up = [m for m in messages.list_messages(session) if m.recipient == "desk"]
    assert len(follow_up) == 1 and number in follow_up[0].text and "2 分" in follow_up[0].text


def test_an_organisation_without_categories_keeps_its_complaints_flow(demo_db):
    receptionist = Receptionist(demo_db, DirectoryCache(demo_db), load_faq(DEMO_FAQ), clock=lambda: T0)
    call = Call(receptionist, "hot-6")
    call.start()
    reply = call.says("我要投诉你们的快递员态度太差")
    assert not records(reply) and "工单" not in said(reply)
    with demo_db.session() as session:
        assert cases.count_cases(session) == 0


# ---------------------------------------------------------------------------------- the REST contract


@pytest.fixture(scope="module")
def hotline_servers(tmp_path_factory: pytest.TempPathFactory):
    """The real Rasa and action servers (tests/rasa_servers.py) on a database holding the test hotline."""
    from rasa_servers import organisation_from, running

    with running(tmp_path_factory.mktemp("hotline-servers"), organisation_from(HOTLINE)) as started:
        yield started


@pytest.mark.slow
def test_a_case_from_the_report_to_the_evaluation_through_the_rest_contract(hotline_servers):
    from rasa_servers import customs, texts

    from bot.db.engine import open_database

    def say(sender: str, message: str) -> list[dict]:
        metadata = {"channel": "phone", "caller_id": CALLER, "internal": False, "now": T0.isoformat()}
        status, body = hotline_servers.say(sender, message, metadata if not message else None)
        assert status == 200, body
        return body

    say("case-rest-1", "")
    say("case-rest-1", "你好 我要反映一下 我们小区门口那棵大树的树枝快断了 刮风的时候很危险")
    body = say("case-rest-1", "我叫邱志强")
    (record,) = [c for c in customs(body) if c["type"] == "record"]
    assert record["kind"] == "case" and any("工单号是" in t for t in texts(body))
    number = record["number"]

    database = open_database(hotline_servers.db_url)
    try:
        with database.session() as session:
            assert cases.get_case(session, number).department == "parks"
            cases.accept(session, number, actor="department:parks")
            cases.reply(session, number, "已安排修剪，12月9日完成。", actor="department:parks")
        say("case-rest-2", "")
        body = say("case-rest-2", f"查询工单 {number}")
        assert any("12月9日完成" in t for t in texts(body))
        body = say("case-rest-2", "五分 很满意")
        with database.session() as session:
            done = cases.get_case(session, number)
    finally:
        database.close()
    assert done.status is CaseStatus.EVALUATED and done.satisfaction == 5
    assert [e.action for e in done.events] == ["register", "classify", "dispatch", "accept", "reply", "feed_back",
                                               "close", "evaluate"]


# ---------------------------------------------------------------------------------- supervision


def test_an_overdue_case_is_emailed_to_its_department_once_a_day_by_the_message_sweep(hotline, smtp_server):
    import email

    from bot.records import mailer

    with hotline.session() as session:
        number = cases.register(session, "小区地库车位被长期占用", caller_name="汤女士", callback_number=CALLER,
                                zone=SHANGHAI, now=T0, category="parking").number
        cases.dispatch(session, number, "estates", dt.timedelta(days=4), actor="cli", now=T0)
    cache = DirectoryCache(hotline)
    smtp = smtp_server.settings(operator_address="operator@haichuan.example")
    on_time = mailer.run_sweep(hotline, cache, smtp, now=T0 + dt.timedelta(days=3))
    late = T0 + dt.timedelta(days=4, hours=2)
    mailer.run_sweep(hotline, cache, smtp, now=late)

    def reminders() -> list:
        return [m for m in smtp_server.received
                if "督办" in email.message_from_bytes(m.raw).get_payload(decode=True).decode("utf-8", "replace")]

    assert on_time.delivered == 0
    assert len(reminders()) == 1 and reminders()[0].recipients == ("ming.zou@haichuan.example",)
    assert number in email.message_from_bytes(reminders()[0].raw).get_payload(decode=True).decode()
    mailer.run_sweep(hotline, cache, smtp, now=late + dt.timedelta(hours=3))  # chased as a message, not a new one
    mailer.run_sweep(hotline, cache, smtp, now=late + dt.timedelta(days=1, minutes=1))  # a day on: a 2nd reminder
    with hotline.session() as session:
        case = cases.get_case(session, number)
        filed = [m for m in messages.list_messages(session) if m.text.startswith("督办")]
    assert case.reminders == 2 and case.overdue_at == late
    assert [m.recipient for m in filed] == ["estates", "estates"] and all(m.urgent for m in filed)
