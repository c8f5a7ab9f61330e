"""Hotline cases (#12, point 1) on a real database (SQLite and PostgreSQL): a case from registration
through every step to the caller's evaluation, each change in its history with who and when; steps
cannot be skipped or done twice, nor by two people at once; overdue cases are supervised and
reminded once a day; a status query by phone answers only the number the case came from; case
numbers are the local date and a daily sequence, unique under concurrent registration."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest

from bot.cases import cases
from bot.cases.cases import CaseError, CaseStatus, CaseStepError

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 12, 4, 9, 30, tzinfo=SHANGHAI)


def register(session, text="我们小区门口的路灯坏了一个多礼拜了 晚上黑漆漆的", **kwargs):
    return cases.register(session, text, caller_name=kwargs.pop("caller_name", "刘女士"),
                          callback_number=kwargs.pop("callback_number", "+86 138 0013 8000"), zone=SHANGHAI,
                          now=kwargs.pop("now", T0), **kwargs)


def test_a_case_goes_through_every_step_to_the_callers_evaluation(database):
    with database.session() as session:
        case = register(session, category="streetlights", conversation="hotline-1", channel="phone")
        assert case.number == "202612040001" and case.status is CaseStatus.CLASSIFIED
        case = cases.dispatch(session, case.number, "city-lighting", dt.timedelta(days=3), actor="operator:li",
                              now=T0 + dt.timedelta(minutes=5))
        assert case.deadline_at == T0 + dt.timedelta(days=3, minutes=5)
        cases.accept(session, case.number, actor="department:city-lighting", now=T0 + dt.timedelta(hours=2))
        cases.reply(session, case.number, "已派人更换灯泡，12月5日晚已恢复照明。", actor="department:city-lighting",
                    now=T0 + dt.timedelta(days=1))
        cases.feed_back(session, case.number, actor="operator:li", how="callback", now=T0 + dt.timedelta(days=1, hours=1))
        cases.close(session, case.number, actor="operator:li", now=T0 + dt.timedelta(days=1, hours=1))
        done = cases.evaluate(session, case.number, 5, actor="receptionist", now=T0 + dt.timedelta(days=2))
    assert done.status is CaseStatus.EVALUATED and done.satisfaction == 5
    assert done.reply.startswith("已派人更换灯泡")
    assert [(e.action, e.status_after, e.actor) for e in done.events] == [
        ("register", "registered", "receptionist"), ("classify", "classified", "receptionist"),
        ("dispatch", "dispatched", "operator:li"), ("accept", "in_progress", "department:city-lighting"),
        ("reply", "replied", "department:city-lighting"), ("feed_back", "fed_back", "operator:li"),
        ("close", "closed", "operator:li"), ("evaluate", "evaluated", "receptionist")]
    assert done.events[2].at == T0 + dt.timedelta(minutes=5)


def test_no_step_can_be_skipped_or_done_twice(database):
    with database.session() as session:
        case = register(session)
        with pytest.raises(CaseStepError, match="classified then dispatched then in_progress then replied"):
            cases.feed_back(session, case.number, actor="operator", how="callback")
        with pytest.raises(CaseStepError, match="must be classified"):
            cases.dispatch(session, case.number, "roads", dt.timedelta(days=1), actor="operator", now=T0)
        cases.classify(session, case.number, "roads", actor="operator", now=T0)
        cases.classify(session, case.number, "streetlights", actor="operator", now=T0)  # changed before dispatch
        cases.dispatch(session, case.number, "city-lighting", dt.timedelta(days=1), actor="operator", now=T0)
        with pytest.raises(CaseStepError, match="needs it classified"):
            cases.dispatch(session, case.number, "roads", dt.timedelta(days=1), actor="operator", now=T0)
        with pytest.raises(CaseError, match="1 to 5"):
            cases.evaluate(session, case.number, 9, actor="x")
        after = cases.get_case(session, case.number)
    assert after.status is CaseStatus.DISPATCHED and after.category == "streetlights"
    assert len(after.events) == 4  # register, classify, classify, dispatch: the refused changes left nothing


def test_a_department_sends_back_a_case_that_is_not_theirs(database):
    with database.session() as session:
        case = register(session, category="roads")
        cases.dispatch(session, case.number, "roads", dt.timedelta(days=2), actor="operator", now=T0)
        with pytest.raises(CaseError, match="why"):
            cases.send_back(session, case.number, actor="department:roads", note=" ")
        back = cases.send_back(session, case.number, actor="department:roads", note="路灯归城管照明所", now=T0)
        assert back.status is CaseStatus.CLASSIFIED and back.department is None and back.deadline_at is None
        again = cases.dispatch(session, case.number, "city-lighting", dt.timedelta(days=2), actor="operator", now=T0)
    assert again.department == "city-lighting" and again.events[-2].note == "路灯归城管照明所"


def test_two_people_moving_one_case_at_once_cannot_both_succeed(database):
    with database.session() as session:
        number = register(session, category="roads").number
        cases.dispatch(session, number, "roads", dt.timedelta(days=2), actor="operator", now=T0)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def act(actor: str) -> None:
        try:
            with database.session() as session:
                barrier.wait()
                cases.accept(session, number, actor=actor, now=T0)
            outcomes.append("accepted")
        except (CaseStepError, Exception) as exc:  # the loser: refused, or its UPDATE found nothing to change
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=act, args=(f"department:roads:{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.session() as session:
        events = cases.get_case(session, number).events
    assert outcomes.count("accepted") == 1, outcomes
    assert [e.action for e in events].count("accept") == 1


def test_overdue_cases_are_supervised_and_reminded_once_a_day(database):
    with database.session() as session:
        late = register(session, category="roads")
        cases.dispatch(session, late.number, "roads", dt.timedelta(days=1), actor="operator", now=T0)
        on_time = register(session, "噪音扰民 楼下烧烤摊每天开到凌晨两点", category="noise")
        cases.dispatch(session, on_time.number, "environment", dt.timedelta(days=5), actor="operator", now=T0)
        answered = register(session, "公交站牌写错了", category="transport")
        cases.dispatch(session, answered.number, "transport", dt.timedelta(hours=1), actor="operator", now=T0)
        cases.accept(session, answered.number, actor="department:transport", now=T0)
        cases.reply(session, answered.number, "已更正", actor="department:transport", now=T0)
    day2 = T0 + dt.timedelta(days=1, hours=1)
    with database.session() as session:
        first = cases.supervise(session, now=day2)
        again = cases.supervise(session, now=day2 + dt.timedelta(hours=3))
        later = cases.supervise(session, now=day2 + dt.timedelta(days=1))
        overdue = cases.list_cases(session, overdue_at=day2)
    assert [c.number for c in first] == [late.number] and first[0].reminders == 1
    assert first[0].overdue_at == day2
    assert again == []
    assert [c.reminders for c in later] == [2] and later[0].overdue_at == day2
    assert [c.number for c in overdue] == [late.number]


def test_a_status_query_by_phone_answers_only_the_number_the_case_came_from(database):
    with database.session() as session:
        number = register(session, callback_number="138 0013 8000", category="roads").number
        assert cases.case_for_caller(session, number, "+8613800138000") is not None
        assert cases.case_for_caller(session, number, "008613800138000") is not None
        assert cases.case_for_caller(session, number, "+8613900139000") is None
        assert cases.case_for_caller(session, number, None) is None
        assert cases.case_for_caller(session, "202612049999", "+8613800138000") is None


@pytest.mark.parametrize(("said", "numbers"), [
    ("查询工单 202612040001", ["202612040001"]),
    ("我想查一下 工单号是 2026 1204 0007 谢谢", ["202612040007"]),
    ("2026-1204-0012", ["202612040012"]),
    ("我的电话是13800138000", []),
])
def test_case_numbers_as_callers_say_them(said, numbers):
    assert cases.case_numbers_in(said) == numbers


def test_numbers_run_per_local_day_and_stay_unique_when_registered_at_once(database):
    late_evening = dt.datetime(2026, 12, 4, 23, 59, tzinfo=SHANGHAI)
    with database.session() as session:
        assert register(session, now=late_evening).number == "202612040001"
        assert register(session, now=late_evening + dt.timedelta(minutes=2)).number == "202612050001"
    numbers: list[str] = []
    barrier = threading.Barrier(4)

    def one() -> None:
        with database.session() as session:
            barrier.wait()
            numbers.append(register(session, now=T0 + dt.timedelta(days=3)).number)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == [f"20261207000{i}" for i in range(1, 5)]


def test_an_empty_matter_is_refused_and_nothing_is_stored(database):
    with database.session() as session:
        with pytest.raises(CaseError, match="empty"):
            register(session, text="  ")
        assert cases.count_cases(session) == 0


# ---------------------------------------------------------------------------------- CLI


def test_the_cli_lists_shows_and_moves_cases_and_explains_what_it_cannot_do(sqlite_url, tmp_path):
    import json

    from test_messages import run_receptionist

    from bot.db.engine import open_database

    database = open_database(sqlite_url)
    with database.session() as session:
        number = register(session, category="streetlights").number
        other = register(session, "菜市场门口占道经营", category="markets").number
    database.close()

    def receptionist(*args: str):
        return run_receptionist(list(args), sqlite_url, tmp_path)

    skipped = receptionist("cases", "close", number)
    assert skipped.returncode == 2 and "must be dispatched then in_progress" in skipped.stderr
    dispatched = receptionist("cases", "dispatch", number, "city-lighting", "--days", "3", "--by", "operator:li")
    assert dispatched.returncode == 0 and "dispatched" in dispatched.stdout, dispatched.stderr
    assert receptionist("cases", "accept", number, "--by", "department:city-lighting").returncode == 0
    replied = receptionist("cases", "reply", number, "灯已修好", "--json")
    assert json.loads(replied.stdout)["status"] == "replied"
    listed = json.loads(receptionist("cases", "list", "--json").stdout)
    assert [c["number"] for c in listed] == [other, number]
    only = json.loads(receptionist("cases", "list", "--json", "--status", "replied").stdout)
    assert [c["number"] for c in only] == [number]
    shown = receptionist("cases", "show", number)
    assert "operator:li" in shown.stdout and "灯已修好" in shown.stdout and "department:city-lighting" in shown.stdout
    missing = receptionist("cases", "show", "202612049999")
    assert missing.returncode == 2 and "no case" in missing.stderr
