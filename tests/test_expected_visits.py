"""Expected visitors in a real database (SQLite and PostgreSQL): staff pre-register, the kiosk finds
the visitor by the name they say (a surname with the host, pinyin for a Chinese name, a homophone,
an English surname), only on the day and around the time, never a cancelled or arrived one; an
arrival is claimed once; staff mistakes store nothing. Also `block_sales_to: all` in the
organisation file, with a mistake's line number."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.org.model import Level
from bot.org.orgfile import OrgFileError, parse_org_text
from bot.records import expected_visits, visits
from bot.records.expected_visits import Fit, name_fit

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 12, 7)
TEN = dt.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)


def _expect(session, name="王建国", host="zhang-hui", day=DAY, **values):
    return expected_visits.add_expected(session, name, host, day, **values)


def _match(session, name, host="zhang-hui", at=TEN, company=None):
    return expected_visits.match(session, name, host=host, at=at, zone=SHANGHAI, company=company)


def test_a_surname_with_the_host_named_finds_the_expected_visitor_and_the_whole_name(database):
    with database.session() as session:
        expected = _expect(session, company="东方精工", time_from="10:00", purpose="年度采购合同")
        _expect(session, name="李梅", host="zhang-hui", time_from="10:30")
    with database.session() as session:
        found = _match(session, "王")
        also = _match(session, "王先生")
        nobody = _match(session, "赵")
    assert found == also == expected and found.company == "东方精工" and found.purpose == "年度采购合同"
    assert nobody is None


@pytest.mark.parametrize("said", ["王建国", "Wang Jianguo", "Jianguo Wang", "王建过", "Mr. Wang Jianguo"])
def test_a_chinese_name_is_found_however_it_is_said_even_without_the_host(database, said):
    with database.session() as session:
        expected = _expect(session, time_from="10:00")
    with database.session() as session:
        assert _match(session, said, host=None) == expected


@pytest.mark.parametrize("said, fit", [("Tom Walsh", Fit.FULL), ("walsh tom", Fit.FULL), ("Mr. Walsh", Fit.PART),
                                       ("Tom", Fit.PART), ("Tim Walters", Fit.NONE), ("王", Fit.NONE)])
def test_how_an_english_name_said_fits_the_pre_registered_one(said, fit):
    assert name_fit(said, "Tom Walsh") is fit


def test_a_surname_alone_needs_the_host_or_the_company_to_say_who_it_is(database):
    with database.session() as session:
        first = _expect(session, company="东方精工")
        _expect(session, name="王磊", host="qian-li", company="苏州计量所")
    with database.session() as session:
        assert _match(session, "王", host=None) is None  # two Wangs expected today: not guessed
        assert _match(session, "王", host=None, company="东方精工") == first
        assert _match(session, "王", host="zhang-hui") == first


def test_two_namesakes_for_one_host_are_not_told_apart_by_a_surname(database):
    with database.session() as session:
        _expect(session, name="王建国", time_from="10:00")
        _expect(session, name="王丽", time_from="10:15")
    with database.session() as session:
        assert _match(session, "王") is None
        assert _match(session, "王丽").name == "王丽"


def test_only_on_the_day_and_around_the_time(database):
    with database.session() as session:
        _expect(session, time_from="10:00", time_to="10:30")
    with database.session() as session:
        assert _match(session, "王建国", at=TEN - dt.timedelta(hours=1, minutes=59)) is not None
        assert _match(session, "王建国", at=TEN - dt.timedelta(hours=2, minutes=1)) is None  # far too early
        assert _match(session, "王建国", at=TEN + dt.timedelta(hours=3, minutes=29)) is not None
        assert _match(session, "王建国", at=TEN + dt.timedelta(hours=3, minutes=31)) is None
        assert _match(session, "王建国", at=TEN + dt.timedelta(days=1)) is None  # the next day
        assert _match(session, "王建国", at=TEN.astimezone(dt.timezone.utc)) is not None  # any zone, same moment


def test_a_cancelled_or_arrived_visitor_is_not_matched_and_an_arrival_is_claimed_once(database):
    with database.session() as session:
        cancelled = _expect(session, name="钱进")
        coming = _expect(session)
        visit = visits.register_visit(session, "王建国", host="zhang-hui", appointment=True, at=TEN)
    with database.session() as session:
        expected_visits.cancel(session, cancelled.id)
        assert _match(session, "钱进") is None
        assert expected_visits.arrive(session, coming.id, visit.id, at=TEN) is True
        assert expected_visits.arrive(session, coming.id, visit.id + 1, at=TEN) is False
    with database.session() as session:
        arrived = expected_visits.get_expected(session, coming.id)
        assert _match(session, "王建国") is None
        with pytest.raises(ValueError, match="already arrived"):
            expected_visits.cancel(session, coming.id)
        with pytest.raises(expected_visits.UnknownExpected):
            expected_visits.cancel(session, 999)
    assert arrived.arrived and arrived.arrived_visit_id == visit.id and arrived.arrived_at == TEN


def test_the_list_is_by_day_and_time_and_leaves_out_the_cancelled(database):
    with database.session() as session:
        late = _expect(session, name="晚到", time_from="15:00")
        early = _expect(session, name="早到", time_from="09:00", time_to="09:30")
        all_day = _expect(session, name="全天")
        tomorrow = _expect(session, name="明天", day=DAY + dt.timedelta(days=1))
        gone = _expect(session, name="取消")
        expected_visits.cancel(session, gone.id)
    with database.session() as session:
        today = expected_visits.list_expected(session, DAY)
        fortnight = expected_visits.list_expected(session, DAY, days=14)
        with_cancelled = expected_visits.list_expected(session, DAY, cancelled=True)
    assert [e.id for e in today] == [all_day.id, early.id, late.id]
    assert [e.id for e in fortnight] == [all_day.id, early.id, late.id, tomorrow.id]
    assert gone.id in {e.id for e in with_cancelled} and early.window == "09:00–09:30"


@pytest.mark.parametrize("values, message", [
    ({"name": "  "}, "needs a name"), ({"host": ""}, "needs a host"), ({"time_from": "9点"}, "HH:MM"),
    ({"time_from": "11:00", "time_to": "10:00"}, "ends"), ({"time_to": "10:00"}, "needs a start"),
    ({"company": "公" * 201}, "too long"), ({"note": "x" * 2001}, "too long"),
])
def test_a_mistake_is_refused_and_nothing_is_stored(database, values, message):
    with database.session() as session, pytest.raises(ValueError, match=message):
        _expect(session, **values)
    with database.session() as session:
        assert expected_visits.list_expected(session, DAY, cancelled=True) == []


# ---------------------------------------------------------------------------------- block_sales_to: all

ORG = """organization:
  name: 测试公司
  timezone: Asia/Shanghai
  operator: "6000"
departments:
  - {id: admin, name: 行政部, extension: "6300"}
people:
  - {id: shen-yue, name: 沈悦, level: staff, department: admin, extension: "6301"}
policy:
  block_sales_to: %s
"""


def test_block_sales_to_all_means_every_level_and_a_list_still_works():
    assert parse_org_text(ORG % "all").policy.block_sales_to == tuple(Level)
    assert parse_org_text(ORG % "[executive]").policy.block_sales_to == (Level.EXECUTIVE,)


def test_block_sales_to_anything_else_is_a_mistake_with_its_line():
    with pytest.raises(OrgFileError) as raised:
        parse_org_text(ORG % "everyone")
    assert "line 10" in str(raised.value) and "'everyone' is neither 'all' nor a list of levels" in str(raised.value)
