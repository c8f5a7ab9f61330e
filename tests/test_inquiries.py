"""Inquiries recorded (#12, point 3), on a company that is not the demo
(tests/fixtures/company_chengjiang.yml), through the dialogue engine on a real database (SQLite and
PostgreSQL): an answered question is stored with the answer the caller heard; a question only a
department can answer is stored as that department's, the caller put through and, when nobody
answers, their callback message linked to it; a question nobody owns is kept for the operator;
a satisfaction score of 2 or less opens a follow-up for the supervisor, once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.dialogue.engine import Receptionist
from bot.dialogue.faq import load_faq
from bot.dialogue.state import Heard, Reply, Start, TransferReport
from bot.org.orgfile import parse_org_file
from bot.org.store import DirectoryCache, replace_directory
from bot.records import calls, inquiries, messages
from bot.records.inquiries import FollowUpStatus, InquiryStatus

FIXTURES = Path(__file__).resolve().parent / "fixtures"
COMPANY = FIXTURES / "company_chengjiang.yml"
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 12, 8, 10, 5, tzinfo=SHANGHAI)  # a Tuesday morning: open
CALLER = "+8613912345678"


class Call:
    def __init__(self, receptionist: Receptionist, conversation: str) -> None:
        self.r, self.conversation, self.state = receptionist, conversation, None

    def start(self, caller_id: str | None = CALLER) -> Reply:
        return self._do(Start(self.conversation, channel="phone", caller_id=caller_id, now=T0))

    def says(self, text: str, intent: str | None = None) -> Reply:
        """What the caller said; `intent` the NLU's confident reading where the words alone do not tell."""
        return self._do(Heard(self.conversation, text, intent, 0.9 if intent else 0.0, {}))

    def transfer(self, result: str) -> Reply:
        return self._do(TransferReport(self.conversation, result))

    def _do(self, event) -> Reply:
        reply = self.r.handle(self.state, event)
        self.state = reply.state
        for text in reply.texts:
            assert "0000 6201" not in text and "00006201" not in text  # a staff mobile, never
        return reply


@pytest.fixture
def company(database):
    with database.session() as session:
        replace_directory(session, parse_org_file(COMPANY))
    return database


@pytest.fixture
def receptionist(company) -> Receptionist:
    faq = load_faq(FIXTURES / "company_chengjiang_faq.yml")
    return Receptionist(company, DirectoryCache(company), faq, clock=lambda: T0)


def said(reply: Reply) -> str:
    return " ".join(reply.texts)


def transfers(reply: Reply) -> list[dict]:
    return [p for p in reply.payloads if p["type"] == "transfer"]


def all_inquiries(database) -> list[inquiries.Inquiry]:
    with database.session() as session:
        return list(reversed(inquiries.list_inquiries(session)))


# ---------------------------------------------------------------------------------- answered


def test_an_answered_question_is_stored_with_the_answer_the_caller_heard(receptionist, company):
    call = Call(receptionist, "inq-parking")
    call.start()
    reply = call.says("呃 你好 我下午要过去送货 那个 车停哪儿啊")
    assert "东侧地面停车场" in said(reply)
    reply = call.says("那你们地址是在哪", intent="ask_address")
    assert "蠡湖大道" in said(reply)
    parking, address = all_inquiries(company)
    assert (parking.kind, parking.faq_id, parking.status) == ("faq", "parking", InquiryStatus.ANSWERED)
    assert parking.question == "呃 你好 我下午要过去送货 那个 车停哪儿啊"
    assert "东侧地面停车场" in parking.answer and parking.conversation == "inq-parking"
    assert address.kind == "address" and "蠡湖大道 1200 号" in address.answer


def test_an_english_question_is_stored_in_english(receptionist, company):
    call = Call(receptionist, "inq-en")
    call.start()
    reply = call.says("hi, um, where can I park when I come over tomorrow?")
    assert "east side" in said(reply)
    (stored,) = all_inquiries(company)
    assert stored.language == "en" and stored.answer.startswith("Visitor parking")


# ---------------------------------------------------------------------------------- unanswered


def test_a_question_for_a_department_is_theirs_and_the_callback_message_is_linked(receptionist, company):
    call = Call(receptionist, "inq-hr")
    call.start()
    reply = call.says("你好 我想问一下 你们那个离职证明一般要多久能开出来啊")
    assert "人力资源部" in said(reply) and "回电" in said(reply)
    (transfer,) = transfers(reply)
    assert transfer["destination"] == "6200"
    (stored,) = all_inquiries(company)
    assert (stored.kind, stored.department, stored.status) == ("unanswered", "hr", InquiryStatus.OPEN)
    assert "离职证明" in stored.question

    reply = call.transfer("no_answer")  # nobody picks up: the callback, not asked whether
    assert call.state["pending"] == "message"
    call.says("我姓孟 孟晓光")
    reply = call.says("就打我这个手机吧")
    assert "离职证明" in said(reply)  # the question read back as the message
    reply = call.says("对")
    message_id = next(p["id"] for p in reply.payloads if p.get("kind") == "message")
    with company.session() as session:
        stored = inquiries.get_inquiry(session, stored.id)
        message = messages.get_message(session, message_id)
    assert stored.message_id == message_id and stored.callback_number == message.callback_number
    assert message.recipient == "hr" and message.caller_name.startswith("孟")


def test_a_question_put_through_and_answered_is_marked_so(receptionist, company):
    call = Call(receptionist, "inq-service")
    call.start()
    reply = call.says("喂 你好 我们医院那台监护仪过保了 还能不能返厂维修啊")
    assert transfers(reply)[0]["destination"] == "6300"
    call.transfer("answered")
    (stored,) = all_inquiries(company)
    assert (stored.department, stored.status) == ("service", InquiryStatus.CONNECTED)


def test_a_request_for_a_department_is_not_a_question(receptionist, company):
    call = Call(receptionist, "inq-not-a-question")
    call.start()
    reply = call.says("帮我转一下售后")
    assert transfers(reply)[0]["destination"] == "6300" and "回电" not in said(reply)
    assert all_inquiries(company) == []


def test_a_question_nobody_owns_is_kept_and_the_callback_goes_to_the_general_mailbox(receptionist, company):
    call = Call(receptionist, "inq-nobody")
    call.start()
    call.says("我想咨询一下")
    reply = call.says("你们明年会不会在成都开分公司啊")
    assert call.state["pending"] == "offer_operator", said(reply)
    (stored,) = all_inquiries(company)
    assert stored.department is None and stored.status is InquiryStatus.OPEN
    call.says("不用转人工了 让人给我回个电话吧")
    call.says("我叫韦嘉")
    reply = call.says("就打我现在这个号码")
    assert "成都开分公司" in said(reply)  # the question, read back as what the message is about
    reply = call.says("对 就这个意思")
    saved = [p for p in reply.payloads if p.get("kind") == "message"]
    assert saved, said(reply)
    with company.session() as session:
        message = messages.get_message(session, saved[0]["id"])
        stored = inquiries.get_inquiry(session, stored.id)
    assert message.recipient == "office" and stored.message_id == message.id


def test_the_department_replies_once(company):
    with company.session() as session:
        asked = inquiries.record_unanswered(session, "c1", "工资条怎么查", "hr", language="zh", at=T0)
    with company.session() as session:
        replied = inquiries.reply(session, asked.id, "登录员工自助平台查看。", by="顾岚", at=T0)
    assert replied.status is InquiryStatus.REPLIED and replied.replied_by == "顾岚"
    with company.session() as session, pytest.raises(ValueError, match="not open"):
        inquiries.reply(session, asked.id, "又答了一次", by="someone")
    with company.session() as session, pytest.raises(ValueError, match="empty"):
        inquiries.reply(session, inquiries.record_unanswered(session, "c2", "q", "hr").id, "  ", by="x")


def test_a_conversation_cannot_fill_the_table(company):
    with company.session() as session:
        stored = [inquiries.record_answered(session, "flood", f"问题 {i}", "faq", "答", at=T0) for i in range(30)]
    assert sum(found is not None for found in stored) == inquiries.MAX_PER_CONVERSATION


# ---------------------------------------------------------------------------------- follow-ups


def test_a_low_score_opens_a_follow_up_for_the_supervisor(receptionist, company):
    call = Call(receptionist, "inq-rating")
    call.start()
    call.says("停车场在哪")
    reply = call.says("没有了 谢谢")
    assert call.state["pending"] == "satisfaction", said(reply)
    reply = call.says("说实话 不太满意 打了三次才打通 给两分吧")
    assert "主管" in said(reply)
    with company.session() as session:
        (follow_up,) = inquiries.list_follow_ups(session, FollowUpStatus.OPEN)
        assert calls.get_call(session, "inq-rating").satisfaction == 2
    assert (follow_up.score, follow_up.reason, follow_up.caller_id) == (2, "low_rating", CALLER)

    with company.session() as session:
        done = inquiries.close_follow_up(session, follow_up.id, "supervisor:li", "已回电致歉，线路问题已报修。", at=T0)
    assert done.status is FollowUpStatus.DONE and done.done_by == "supervisor:li"
    with company.session() as session, pytest.raises(ValueError, match="not open"):
        inquiries.close_follow_up(session, follow_up.id, "supervisor:li", "again")


def test_a_good_score_opens_nothing(receptionist, company):
    call = Call(receptionist, "inq-good")
    call.start()
    call.says("停车场在哪")
    call.says("没有了 谢谢")
    reply = call.says("五分")
    assert "谢谢您的评价" in said(reply)
    with company.session() as session:
        assert inquiries.list_follow_ups(session) == []
        assert inquiries.open_follow_up(session, "x", 3) is None
        assert inquiries.open_follow_up(session, "x", 1) is not None
        assert inquiries.open_follow_up(session, "x", 2) is None  # one open per call is enough


# ---------------------------------------------------------------------------------- the REST contract


@pytest.fixture(scope="module")
def company_servers(tmp_path_factory: pytest.TempPathFactory):
    """The real Rasa and action servers (tests/rasa_servers.py) on a database holding this company."""
    from rasa_servers import organisation_from, running

    with running(tmp_path_factory.mktemp("inquiry-servers"), organisation_from(COMPANY)) as started:
        yield started


@pytest.mark.slow
def test_a_question_passed_on_called_back_and_a_poor_rating_through_the_rest_contract(company_servers):
    from rasa_servers import customs, texts

    from bot.db.engine import open_database

    sender = "inq-rest-1"

    def say(message: str) -> list[dict]:
        metadata = {"channel": "phone", "caller_id": CALLER, "internal": False, "now": T0.isoformat()}
        status, body = company_servers.say(sender, message, metadata if not message else None)
        assert status == 200, body
        return body

    say("")
    body = say("喂 你好 我想问一下 你们那个离职证明一般要多久能开出来啊")
    assert [c["destination"] for c in customs(body) if c["type"] == "transfer"] == ["6200"]
    assert any("回电" in t for t in texts(body))
    status, body = company_servers.report(sender, "no_answer")
    assert status == 200
    say("我姓孟 孟晓光")
    body = say("就打我这个手机")
    assert any("离职证明" in t for t in texts(body)), texts(body)
    body = say("对的")
    (record,) = [c for c in customs(body) if c["type"] == "record"]
    say("没有了 谢谢")
    body = say("一分吧 太慢了")
    assert any("主管" in t for t in texts(body)), texts(body)

    database = open_database(company_servers.db_url)
    try:
        with database.session() as session:
            (question,) = inquiries.list_inquiries(session)
            (follow_up,) = inquiries.list_follow_ups(session)
            message = messages.get_message(session, record["id"])
    finally:
        database.close()
    assert (question.department, question.status, question.message_id) == ("hr", InquiryStatus.OPEN, message.id)
    assert message.recipient == "hr" and "离职证明" in message.text
    assert (follow_up.conversation, follow_up.score) == (sender, 1)
