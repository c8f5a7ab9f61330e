"""The console's hotline cases (工单, issue #12), through real HTTP against the console on the demo
government hotline (bot/org/demo_government.yml, 青溪市12345): the list and its filters (status,
department, overdue) and paging, a case taken through every step to its evaluation, a step out of order
and a mistaken form refused with nothing changed, CSRF, department users (an operator tied to a
department sees only its cases and may only accept, send back and reply; another department's case is
404), the users page and the `users` command setting a department, the navigation link, English.
Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from console_server import Client, Console, start_console
from sqlalchemy import func, select

from bot.cases import cases
from bot.db.engine import open_database
from bot.db.tables import AuditRow, CaseEventRow, ConsoleUserRow
from bot.org.model import Directory
from bot.org.orgfile import parse_org_file
from bot.org.store import replace_directory
from bot.web import auth
from bot.web.cli import register as register_cli
from bot.web.roles import department_of, set_department

ROOT = Path(__file__).resolve().parents[2]
GOVERNMENT_ORG = ROOT / "bot" / "org" / "demo_government.yml"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
DEPARTMENT_USERS = {"dora": ("dora-city-mgmt-1", "city-management"), "tom": ("tom-transport-1", "transport")}


@pytest.fixture(scope="session")
def government_directory() -> Directory:
    return parse_org_file(GOVERNMENT_ORG)


@pytest.fixture
def hotline(db_url: str, government_directory: Directory, tmp_path: Path) -> Iterator[Console]:
    running, server = start_console(db_url, government_directory, tmp_path)
    with running.database.session() as session:
        for name, (password, department) in DEPARTMENT_USERS.items():
            auth.create_user(session, name, password, "operator", display_name=name.title())
            set_department(session, name, department)
    yield running
    server.stop()
    running.database.close()


def department_user(console: Console, name: str) -> Client:
    client = console.client()
    assert client.sign_in(name, DEPARTMENT_USERS[name][0]).status_code == 303
    return client


def register(console: Console, text: str, category: str | None = None, **kwargs) -> str:
    with console.database.session() as session:
        return cases.register(session, text, caller_name="王先生", callback_number="13800001234", zone=SHANGHAI,
                              category=category, **kwargs).number


def dispatched(console: Console, text: str, category: str, department: str, now: dt.datetime | None = None,
               days: float = 5) -> str:
    number = register(console, text, category, now=now)
    with console.database.session() as session:
        cases.dispatch(session, number, department, dt.timedelta(days=days), "operator:seed", now=now)
    return number


def stored(console: Console, number: str) -> cases.CaseRecord:
    with console.database.session() as session:
        return cases.get_case(session, number)


def events(console: Console) -> int:
    with console.database.session() as session:
        return session.execute(select(func.count(CaseEventRow.id))).scalar_one()


def case_audit(console: Console) -> list[tuple[str, str, str, str]]:
    with console.database.session() as session:
        rows = session.execute(select(AuditRow).where(AuditRow.action.like("case.%")).order_by(AuditRow.id)).scalars()
        return [(r.username, r.action, r.target, r.detail) for r in rows]


def numbers_on(page: str) -> list[str]:
    return re.findall(r'<tr id="case-(\d+)"', page)


def post(client: Client, number: str, step: str, **form: str):
    return client.post(f"/cases/{number}/{step}", data={"csrf": client.csrf(f"/cases/{number}"), **form})


# ---------------------------------------------------------------------------------- the list


def test_the_list_is_newest_first_with_filters_paging_and_overdue_ones_highlighted(hotline):
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=10)
    late = dispatched(hotline, "小区门口夜市摊贩占道", "street-vendors", "city-management", now=long_ago, days=2)
    on_time = dispatched(hotline, "公交车不停站", "buses", "transport")
    fresh = [register(hotline, f"建议增加路灯 {n}") for n in range(55)]
    client = hotline.client("oscar")

    first = client.get("/cases")
    assert first.status_code == 200
    assert "57 件工单" in first.text and "第 1 / 2" in first.text
    shown = numbers_on(first.text)
    assert len(shown) == 50 and shown[0] == fresh[-1] and shown == sorted(shown, reverse=True)
    assert "/cases?page=2" in first.text
    second = client.get("/cases?page=2")
    assert numbers_on(second.text) == [*sorted(fresh[:5], reverse=True), on_time, late]
    assert re.search(rf'<tr id="case-{late}" class="overdue', second.text)
    assert not re.search(rf'<tr id="case-{on_time}" class="overdue', second.text)

    assert numbers_on(client.get("/cases?status=dispatched").text) == [on_time, late]
    assert numbers_on(client.get("/cases?department=transport").text) == [on_time]
    overdue = client.get("/cases?overdue=1")
    assert numbers_on(overdue.text) == [late] and "已超期" in overdue.text
    assert numbers_on(client.get("/cases?status=dispatched&department=city-management").text) == [late]
    assert numbers_on(client.get("/cases?status=closed").text) == []
    assert "没有符合条件的工单。" in client.get("/cases?status=closed").text
    assert client.get("/cases?status=nonsense&page=x").status_code == 200


def test_the_nav_links_to_cases_for_a_hotline(hotline):
    assert 'href="/cases"' in hotline.client("oscar").get("/").text
    assert 'href="/cases"' in department_user(hotline, "dora").get("/messages").text


def test_a_company_without_case_categories_or_cases_has_no_cases_link(console):
    company = console.client("oscar")
    assert 'href="/cases"' not in company.get("/").text
    assert company.get("/cases").status_code == 200  # an empty list, not an error


# ---------------------------------------------------------------------------------- every step


def test_a_case_goes_through_every_step_in_the_console_to_its_evaluation(hotline):
    number = register(hotline, "路灯坏了一个星期，晚上黑漆漆的")
    oscar, dora = hotline.client("oscar"), department_user(hotline, "dora")

    page = oscar.get(f"/cases/{number}")
    assert page.status_code == 200 and 'id="step-classify"' in page.text
    assert 'id="step-dispatch"' not in page.text and 'id="step-close"' not in page.text
    assert 'value="streetlights"' in page.text and "路灯照明" in page.text
    assert post(oscar, number, "classify", category="streetlights").status_code == 303

    page = oscar.get(f"/cases/{number}?done=classify")
    assert 'id="step-dispatch"' in page.text
    # the category's department (its parent's) and deadline (3 days) are filled in
    assert re.search(r'<option value="city-management" selected>', page.text)
    assert 'name="days" type="number" min="0.1" max="365" step="any" value="3"' in page.text
    before = dt.datetime.now(dt.timezone.utc)
    assert post(oscar, number, "dispatch", department="city-management", days="3").status_code == 303
    case = stored(hotline, number)
    assert case.status is cases.CaseStatus.DISPATCHED and case.department == "city-management"
    assert before + dt.timedelta(days=3) <= case.deadline_at <= before + dt.timedelta(days=3, minutes=1)

    dora_page = dora.get(f"/cases/{number}")
    assert 'id="step-accept"' in dora_page.text and 'id="step-send_back"' in dora_page.text
    assert post(dora, number, "accept", note="已派人查看").status_code == 303
    assert 'id="step-reply"' in dora.get(f"/cases/{number}").text
    replied = post(dora, number, "reply", text="路灯已于今日修复，感谢反映。")
    assert replied.status_code == 303 and replied.headers["Location"] == f"/cases/{number}?done=reply"
    assert "没有需要本部门办理的环节" in dora.get(f"/cases/{number}").text

    assert post(oscar, number, "feed_back", how="callback").status_code == 303
    assert post(oscar, number, "close", note="").status_code == 303
    assert post(oscar, number, "evaluate", score="5", note="很满意").status_code == 303

    case = stored(hotline, number)
    assert case.status is cases.CaseStatus.EVALUATED and case.satisfaction == 5
    assert case.reply == "路灯已于今日修复，感谢反映。"
    assert [(e.action, e.actor) for e in case.events] == [
        ("register", "receptionist"), ("classify", "operator:oscar"), ("dispatch", "operator:oscar"),
        ("accept", "operator:dora"), ("reply", "operator:dora"), ("feed_back", "operator:oscar"),
        ("close", "operator:oscar"), ("evaluate", "operator:oscar")]
    assert [(user, action) for user, action, _target, _detail in case_audit(hotline)] == [
        ("oscar", "case.classify"), ("oscar", "case.dispatch"), ("dora", "case.accept"), ("dora", "case.reply"),
        ("oscar", "case.feed_back"), ("oscar", "case.close"), ("oscar", "case.evaluate")]
    assert all(target == f"case {number}" for _u, _a, target, _d in case_audit(hotline))

    final = oscar.get(f"/cases/{number}")
    assert "已回访评价" in final.text and "★★★★★" in final.text and "当前没有可办理的环节。" in final.text
    history = final.text[final.text.index("办理记录"):]
    for who, what in (("receptionist", "登记"), ("operator:oscar", "分类"), ("operator:dora", "签收办理"),
                      ("operator:dora", "答复"), ("operator:oscar", "回访评价")):
        assert who in history and what in history
    assert "已派人查看" in history and "很满意" in history
    english = oscar.get(f"/cases/{number}", cookies={"fd_lang": "en"}).text
    assert "History" in english and "Evaluate" in english and "办理记录" not in english


def test_a_supervisor_may_send_a_case_back_and_it_is_classified_again(hotline):
    number = dispatched(hotline, "小区电梯困人", "lifts", "transport")
    sam = hotline.client("sam")
    assert post(sam, number, "send_back", note="").status_code == 422
    assert stored(hotline, number).status is cases.CaseStatus.DISPATCHED
    assert post(sam, number, "send_back", note="电梯归住建局").status_code == 303
    case = stored(hotline, number)
    assert case.status is cases.CaseStatus.CLASSIFIED and case.department is None
    assert case.events[-1].actor == "supervisor:sam" and case.events[-1].note == "电梯归住建局"


# ---------------------------------------------------------------------------------- refusals


def test_a_step_out_of_order_or_a_mistaken_form_is_refused_and_nothing_changes(hotline):
    number = register(hotline, "晚上广场舞太吵", "noise")
    oscar = hotline.client("oscar")
    count = events(hotline)

    refused = post(oscar, number, "close")
    assert refused.status_code == 409
    assert 'role="alert"' in refused.text and "未办理" in refused.text and "工单未做任何更改" in refused.text
    assert "must be dispatched then in_progress then replied then fed_back" in refused.text
    for step, form in (("accept", {}), ("reply", {"text": "好"}), ("evaluate", {"score": "4"}),
                       ("feed_back", {"how": "callback"})):
        assert post(oscar, number, step, **form).status_code == 409, step
    assert post(oscar, number, "dispatch", department="nowhere", days="3").status_code == 422
    assert post(oscar, number, "dispatch", department="environment", days="-1").status_code == 422
    assert post(oscar, number, "dispatch", department="environment", days="soon").status_code == 422
    assert post(oscar, number, "classify", category="no-such-category").status_code == 422
    assert stored(hotline, number).status is cases.CaseStatus.CLASSIFIED and stored(hotline, number).category == "noise"
    assert events(hotline) == count and case_audit(hotline) == []

    assert post(oscar, number, "dispatch", department="environment", days="3").status_code == 303
    assert post(oscar, number, "accept").status_code == 303
    empty = post(oscar, number, "reply", text="   ")
    assert empty.status_code == 422 and "the reply is empty" in empty.text
    twice = post(oscar, number, "accept")
    assert twice.status_code == 409 and "accept needs it dispatched" in twice.text
    assert stored(hotline, number).status is cases.CaseStatus.IN_PROGRESS
    assert post(oscar, "209901010001", "accept").status_code == 404
    assert oscar.get("/cases/209901010001").status_code == 404


def test_a_step_without_the_csrf_token_or_from_another_site_is_refused(hotline):
    number = register(hotline, "路面有个大坑", "roads")
    oscar = hotline.client("oscar")
    token = oscar.csrf(f"/cases/{number}")
    assert oscar.post(f"/cases/{number}/dispatch", data={"department": "transport", "days": "5"}).status_code == 403
    assert oscar.post(f"/cases/{number}/dispatch",
                      data={"department": "transport", "days": "5", "csrf": "forged"}).status_code == 403
    assert oscar.post(f"/cases/{number}/dispatch", data={"department": "transport", "days": "5", "csrf": token},
                      headers={"Origin": "https://evil.example"}).status_code == 403
    assert stored(hotline, number).status is cases.CaseStatus.CLASSIFIED
    signed_out = hotline.client().post(f"/cases/{number}/dispatch", data={"department": "transport", "days": "5"})
    assert signed_out.status_code == 303 and signed_out.headers["Location"].startswith("/signin")
    assert case_audit(hotline) == []


# ---------------------------------------------------------------------------------- department users


def test_a_department_user_sees_only_their_department_and_only_accepts_sends_back_and_replies(hotline):
    ours = dispatched(hotline, "垃圾桶满了没人清理", "rubbish", "city-management")
    theirs = dispatched(hotline, "公交站牌被撞坏", "buses", "transport")
    unassigned = register(hotline, "建议多开一条公交线路")
    dora = department_user(hotline, "dora")

    listed = dora.get("/cases")
    assert numbers_on(listed.text) == [ours] and "城市管理局" in listed.text
    assert numbers_on(dora.get("/cases?department=transport").text) == [ours]  # the filter is theirs
    assert numbers_on(dora.get("/cases?status=dispatched").text) == [ours]
    assert dora.get(f"/cases/{theirs}").status_code == 404
    assert dora.get(f"/cases/{unassigned}").status_code == 404

    page = dora.get(f"/cases/{ours}")
    assert page.status_code == 200 and 'id="step-accept"' in page.text
    count = events(hotline)
    assert post(dora, ours, "close").status_code == 403
    token = dora.csrf(f"/cases/{ours}")
    assert dora.post(f"/cases/{unassigned}/classify", data={"csrf": token, "category": "buses"}).status_code == 404
    assert dora.post(f"/cases/{theirs}/accept", data={"csrf": token}).status_code == 404
    assert events(hotline) == count
    assert stored(hotline, theirs).status is cases.CaseStatus.DISPATCHED
    assert stored(hotline, unassigned).status is cases.CaseStatus.REGISTERED

    # sending a case back hands it to the hotline: the department user no longer sees it
    back = post(dora, ours, "send_back", note="不归城管，应为物业")
    assert back.status_code == 303 and back.headers["Location"] == "/cases?done=send_back"
    assert dora.get(f"/cases/{ours}").status_code == 404
    assert stored(hotline, ours).events[-1].actor == "operator:dora"
    # every other page stays as the operator role allows
    assert dora.get("/messages").status_code == 200 and dora.get("/admin/users").status_code == 403


def test_an_operator_of_another_department_cannot_act_on_a_case(hotline):
    number = dispatched(hotline, "夜市摊贩占道", "street-vendors", "city-management")
    tom = department_user(hotline, "tom")
    token = tom.csrf("/cases")
    count = events(hotline)
    for step, form in (("accept", {}), ("send_back", {"note": "不是我们的"}), ("reply", {"text": "已处理"})):
        assert tom.post(f"/cases/{number}/{step}", data={"csrf": token, **form}).status_code == 404, step
    assert numbers_on(tom.get("/cases").text) == []
    assert stored(hotline, number).status is cases.CaseStatus.DISPATCHED and events(hotline) == count
    assert case_audit(hotline) == []


# ---------------------------------------------------------------------------------- users


def test_an_admin_ties_a_user_to_a_department_on_the_users_page(hotline):
    ada = hotline.client("ada")
    page = ada.get("/admin/users")
    assert 'value="city-management"' in page.text and "部门用户" in page.text
    token = ada.csrf("/admin/users")
    changed = ada.post("/admin/users/oscar", data={"csrf": token, "change": "department", "department": "water"})
    assert changed.status_code == 303
    wrong = ada.post("/admin/users/oscar", data={"csrf": token, "change": "department", "department": "mars"})
    assert wrong.status_code == 400 and "mars" in wrong.text
    added = ada.post("/admin/users", data={"csrf": token, "username": "wendy", "display_name": "Wendy",
                                           "role": "operator", "password": "wendy-water-1", "department": "water"})
    assert added.status_code == 303
    with hotline.database.session() as session:
        tied = dict(session.execute(select(ConsoleUserRow.username, ConsoleUserRow.department)).all())
        audited = session.execute(select(AuditRow.detail).where(AuditRow.action == "user.department")).scalars().all()
    assert tied["oscar"] == "water" and tied["wendy"] == "water" and tied["ada"] is None
    assert audited == ["— → water"]
    water = dispatched(hotline, "停水三天了", "water-supply", "water")
    other = dispatched(hotline, "公交车绕路", "buses", "transport")
    listed = hotline.client("oscar").get("/cases").text
    assert numbers_on(listed) == [water] and other not in listed
    ada.post("/admin/users/oscar", data={"csrf": token, "change": "department", "department": ""})
    assert numbers_on(hotline.client("oscar").get("/cases").text) == [other, water]


def test_users_add_on_the_command_line_takes_a_department(db_url, government_directory, monkeypatch, capsys,
                                                           tmp_path):
    database = open_database(db_url)
    with database.session() as session:
        replace_directory(session, government_directory)
    parser = argparse.ArgumentParser()
    register_cli(parser.add_subparsers(dest="command", required=True))
    monkeypatch.setenv("RECEPTIONIST_DB", db_url)
    monkeypatch.setenv("RECEPTIONIST_VAR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("housing-pass-1\n"))
    args = parser.parse_args(["users", "add", "helen", "--department", "housing", "--password-stdin"])
    assert args.handler(args) == 0
    assert "added helen (operator, housing)" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("mars-pass-123\n"))
    args = parser.parse_args(["users", "add", "marvin", "--department", "mars", "--password-stdin"])
    with pytest.raises(ValueError, match="no department 'mars'"):
        args.handler(args)
    args = parser.parse_args(["users", "department", "helen", "water"])
    assert args.handler(args) == 0
    args = parser.parse_args(["users", "list", "--json"])
    assert args.handler(args) == 0
    assert '"department": "water"' in capsys.readouterr().out
    try:
        with database.session() as session:
            helen = auth.get_user(session, "helen")
            assert department_of(session, helen.id) == "water"
            assert auth.get_user(session, "marvin") is None
    finally:
        database.close()
