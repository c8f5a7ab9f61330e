"""Visitors at the kiosk (#12, point 4) through the REAL Rasa and action servers with the trained
model (tests/rasa_servers.py), over the REST contract as the kiosk's client, on a company of the
test's own (tests/fixtures/kiosk_qinghe.yml, not the demo) and a database the test reads:

- a visitor staff pre-registered says who they are the way people do, is greeted as expected, is
  not asked their company, purpose or appointment, and is signed in with the appointment, the
  pre-registration marked arrived and the host told; one nobody expects is asked as usual;
- a salesperson calling on an ordinary staff member is turned away when the organisation says
  `block_sales_to: all`, and signed in under the default (directors and executives only);
- a visitor whose host is away and who will come again leaves the host a note saying when;
- an expected visitor who says only their name is taken to the host who expects them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rasa_servers import Servers, customs, running, texts

from bot.db.engine import Database, open_database
from bot.dialogue.come_again import coming_again
from bot.org.orgfile import parse_org_file, parse_org_text
from bot.org.store import replace_directory
from bot.records import expected_visits, messages, visits

QINGHE = Path(__file__).resolve().parent / "fixtures" / "kiosk_qinghe.yml"
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 12, 7, 9, 52, tzinfo=SHANGHAI)  # a Monday morning
MOBILES = ("139 1111", "13911110")

pytestmark = pytest.mark.slow


def use_organisation(db_url: str, text: str) -> None:
    database = open_database(db_url)
    try:
        with database.session() as session:
            replace_directory(session, parse_org_text(text))
    finally:
        database.close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The real servers on a database holding the test's company instead of the demo."""
    def prepare(database: Database) -> None:
        with database.session() as session:
            replace_directory(session, parse_org_text(QINGHE.read_text(encoding="utf-8")))

    with running(tmp_path_factory.mktemp("kiosk-expected"), prepare) as started:
        yield started


@pytest.fixture
def database(servers: Servers) -> Iterator[Database]:
    """The servers' own database, each test starting with the test company as written."""
    use_organisation(servers.db_url, QINGHE.read_text(encoding="utf-8"))
    opened = open_database(servers.db_url)
    yield opened
    opened.close()


class Visitor:
    """One visitor at the kiosk: each turn through the REST channel with the kiosk's token."""

    def __init__(self, servers: Servers, sender: str) -> None:
        self.servers, self.sender = servers, sender
        self.says("", {"channel": "kiosk", "now": T0.isoformat()})

    def says(self, text: str, metadata: dict | None = None) -> tuple[str, list[dict]]:
        status, body = self.servers.say(self.sender, text, metadata, client="kiosk")
        assert status == 200, body
        said = " ".join(texts(body))
        assert not any(mobile in said for mobile in MOBILES)  # a host's mobile is never said
        return said, customs(body)


def visit_of(records: list[dict], database: Database) -> visits.VisitRecord:
    (record,) = [r for r in records if r.get("type") == "record" and r.get("kind") == "visit"]
    with database.session() as session:
        return visits.get_visit(session, record["id"])


def notices_for(database: Database, host: str, conversation: str) -> list[str]:
    """What the host was sent from this conversation (the servers' database is the module's)."""
    with database.session() as session:
        return [m.text for m in messages.list_messages(session, recipient=host) if m.conversation == conversation]


def test_a_pre_registered_visitor_is_greeted_as_expected_and_signed_in_with_the_appointment(servers, database):
    with database.session() as session:
        expected = expected_visits.add_expected(session, "王建国", "zhang-hui", T0.date(), company="东方精工",
                                                phone="13800138000", time_from="10:00", purpose="年度采购合同")
    visitor = Visitor(servers, "kiosk-expected-1")
    said, records = visitor.says("你好 我是来找张经理的 我姓王 约了十点")

    assert "王建国您好" in said and "张经理在等您" in said
    assert not any(question in said for question in ("哪家单位", "什么事情", "有预约吗"))
    assert "13800138000" not in said and "6101" not in said  # neither the visitor's nor the host's numbers
    visit = visit_of(records, database)
    assert (visit.name, visit.company, visit.purpose, visit.host) == ("王建国", "东方精工", "年度采购合同", "zhang-hui")
    assert visit.appointment and visit.appointment_time == "10:00"
    with database.session() as session:
        arrived = expected_visits.get_expected(session, expected.id)
    assert arrived.arrived_visit_id == visit.id and abs(arrived.arrived_at - T0) < dt.timedelta(minutes=5)
    (notice,) = notices_for(database, "zhang-hui", visitor.sender)
    assert notice.startswith("预约访客王建国（东方精工）已到前台") and f"登记号 {visit.id}" in notice


def test_an_english_speaking_visitor_expected_by_name_is_greeted_in_english(servers, database):
    with database.session() as session:
        expected = expected_visits.add_expected(session, "Tom Walsh", "qian-li", T0.date(), company="Bristol Gauges",
                                                time_from="09:30", time_to="11:00", purpose="supplier audit")
    visitor = Visitor(servers, "kiosk-expected-en")
    said, records = visitor.says("Hi there, I'm here to see Lily Qian")
    assert "name" in said.lower() and not records
    said, records = visitor.says("It's Walsh. Tom Walsh.")
    assert "Welcome, Tom Walsh" in said and "Lily Qian is expecting you" in said
    visit = visit_of(records, database)
    assert (visit.name, visit.company, visit.purpose, visit.appointment) == \
        ("Tom Walsh", "Bristol Gauges", "supplier audit", True)
    with database.session() as session:
        assert expected_visits.get_expected(session, expected.id).arrived_visit_id == visit.id


def test_a_visitor_nobody_expects_is_asked_as_usual(servers, database):
    with database.session() as session:
        expected = expected_visits.add_expected(session, "王建国", "zhang-hui", T0.date(), company="东方精工",
                                                time_from="10:00")
    visitor = Visitor(servers, "kiosk-unexpected")
    said, records = visitor.says("你好 我找张经理 我叫赵强")
    assert "哪家单位" in said and "在等您" not in said and not records
    said, _ = visitor.says("苏州计量所的")
    said, _ = visitor.says("来谈一下仪器校准的事")
    said, records = visitor.says("没有预约")
    visit = visit_of(records, database)
    assert (visit.name, visit.company, visit.appointment) == ("赵强", "苏州计量所", False)
    with database.session() as session:
        assert not expected_visits.get_expected(session, expected.id).arrived


PITCH = "你好 我是做工业软件的 想找钱莉介绍一下我们公司的质量管理系统"


def test_a_salesperson_is_turned_away_from_staff_when_the_organisation_blocks_all(servers, database):
    visitor = Visitor(servers, "kiosk-sales-all")
    said, records = visitor.says(PITCH)
    assert "不直接接听推销" in said and not records
    with database.session() as session:
        assert [v for v in visits.list_visits(session) if v.conversation == visitor.sender] == []


def test_under_the_default_policy_a_salesperson_may_see_an_ordinary_staff_member(servers, database):
    default = QINGHE.read_text(encoding="utf-8").replace("  block_sales_to: all\n", "")
    use_organisation(servers.db_url, default)
    assert parse_org_file(QINGHE).policy.block_sales_to != parse_org_text(default).policy.block_sales_to
    visitor = Visitor(servers, "kiosk-sales-default")
    said, records = visitor.says(PITCH)
    assert "不直接接听推销" not in said and "贵姓" in said and not records
    visitor.says("我姓孙 孙志伟")
    said, _ = visitor.says("苏州云测软件")
    assert "什么事情" in said
    said, _ = visitor.says("给她介绍一下我们的质量管理软件")
    assert "有预约吗" in said
    said, records = visitor.says("没有预约")
    visit = visit_of(records, database)
    assert (visit.name, visit.company, visit.host, visit.appointment) == ("孙志伟", "苏州云测软件", "qian-li", False)


def test_a_visitor_whose_host_is_away_and_who_will_come_again_leaves_a_note(servers, database):
    visitor = Visitor(servers, "kiosk-come-again")
    said, _ = visitor.says("你好 我找罗工 我是宏达检测的 姓赵 来送检测报告")
    said, records = visitor.says("没有约")
    assert "罗工现在不在" in said
    visit = visit_of(records, database)
    said, records = visitor.says("哦 那算了 我明天上午再过来吧")
    assert "转告罗工您明天上午再来" in said and {"type": "hangup", "reason": "completed"} in records
    (note,) = [n for n in notices_for(database, "luo-bin", visitor.sender) if "再来" in n]
    assert note.startswith("访客赵（宏达检测）来访时您不在，表示明天上午再来") and "送检测报告" in note
    assert "那算了" not in note  # the visitor's "I'll come back" is not taken for more of the matter
    with database.session() as session:
        assert visits.get_visit(session, visit.id).status is visits.VisitStatus.LEFT


def test_an_expected_visitor_who_names_nobody_is_taken_to_their_host(servers, database):
    with database.session() as session:
        expected = expected_visits.add_expected(session, "欧阳明", "shen-yue", T0.date(), company="园区物业",
                                                time_from="09:30", purpose="消防检查")
    visitor = Visitor(servers, "kiosk-name-alone")
    said, records = visitor.says("你好 我是欧阳明 约了九点半")
    assert "欧阳明您好" in said and "沈主任在等您" in said
    visit = visit_of(records, database)
    assert (visit.host, visit.company, visit.appointment_time) == ("shen-yue", "园区物业", "09:30")
    with database.session() as session:
        assert expected_visits.get_expected(session, expected.id).arrived_visit_id == visit.id


def test_an_english_visitor_who_will_come_back_tomorrow_leaves_a_note(servers, database):
    visitor = Visitor(servers, "kiosk-come-again-en")
    visitor.says("Hello, I'd like to see Ben Luo please. I'm Anna Berg from Nordic Metrology")
    said, records = visitor.says("to drop off the calibration certificates")
    assert "appointment" in said and not records
    said, records = visitor.says("no, I don't have an appointment")
    assert "isn't available" in said
    said, records = visitor.says("Oh, no worries, I'll come back tomorrow")
    assert "I'll let Bin Luo know you'll come back tomorrow" in said and {"type": "hangup", "reason": "completed"} in records
    (note,) = [n for n in notices_for(database, "luo-bin", visitor.sender) if "再来" in n]
    assert note.startswith("访客Anna Berg（Nordic Metrology）来访时您不在，表示明天再来")


@pytest.mark.parametrize("text, when", [
    ("我改天再来", "改天"), ("那我明天上午再过来吧", "明天上午"), ("算了 我下周二再来", "下周二"),
    ("不用了 我回头再来", "改天"), ("I'll come back tomorrow", "tomorrow"), ("ok, I will drop by next week", "next week"),
    ("no worries, I'll come back", "another day"),
    ("我约了十点", None), ("我来找罗工", None), ("再来一杯水", None), ("好的 谢谢", None), ("I'm here to see Ben", None),
])
def test_what_counts_as_saying_they_will_come_again(text, when):
    assert coming_again(text) == when
