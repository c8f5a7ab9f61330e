"""The operator's directory groups (bot/directory/groups.py, #12 point 2) on the demo company: by department
(the department's line first), by floor (the organisation file's optional `floors:` section, checked with
line numbers and kept by the database), the most frequent targets of the last 30 days counted from real
call records on SQLite and PostgreSQL, a search in Chinese, English and pinyin, and never a mobile."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.dialogue.engine import Receptionist
from bot.dialogue.faq import DEMO_FAQ, load_faq
from bot.dialogue.state import Heard, Start, TransferReport
from bot.directory import groups
from bot.org.model import Directory
from bot.org.orgfile import OrgFileError, dump_org_text, parse_org_text
from bot.org.store import DirectoryCache, load_directory, replace_directory
from bot.privacy import digits_of
from bot.records import calls
from bot.rules.calendar import open_state

NOW = dt.datetime(2026, 12, 3, 3, 0, tzinfo=dt.timezone.utc)  # Thursday 11:00 in Shanghai, a working day


def names(entries: list[groups.Entry]) -> list[str]:
    return [e.name for e in entries]


# ---------------------------------------------------------------------------------- groups


def test_each_department_starts_with_its_own_line_then_its_people(demo_directory):
    by_department = groups.by_department(demo_directory)
    assert [g.name for g in by_department][:3] == ["总经理办公室", "财务部", "销售部"]
    finance = by_department[1]
    line, *people = finance.entries
    assert (line.kind, line.name, line.extension, line.presence) == ("department", "财务部", "8200", None)
    assert [(p.name, p.extension, p.title) for p in people] == [
        ("刘芳", "8201", "财务总监"), ("李娜", "8202", "会计"), ("张伟", "8203", "出纳"), ("陈静", "8204", "会计")]
    everyone = [e.id for g in by_department for e in g.entries if e.kind == "person"]
    assert sorted(everyone) == sorted(p.id for p in demo_directory.people)


def test_floors_follow_the_file_and_a_person_may_sit_away_from_their_department(demo_directory):
    floors = groups.by_floor(demo_directory)
    assert [(g.name, g.name_en) for g in floors] == [("3楼", "3F"), ("4楼", "4F"), ("5楼", "5F")]
    third, _, fifth = floors
    assert names(third.entries)[:4] == ["行政部", "邓燕", "唐欣", "人力资源部"]  # as the floor lists its departments
    assert "李娜" in names(third.entries) and "刘芳" not in names(third.entries)
    assert names(fifth.entries)[-1] == "刘芳"  # the finance director sits by the management
    assert fifth.entries[-1].floor.label("en") == "5F" and fifth.entries[-1].department_name == "财务部"


def test_without_floors_there_is_no_floor_view_and_unplaced_people_are_gathered(demo_directory):
    assert groups.by_floor(dataclasses.replace(demo_directory, floors=())) == []
    partly = dataclasses.replace(demo_directory, floors=demo_directory.floors[:1])
    *_, unplaced = groups.by_floor(partly)
    assert unplaced.key == "" and "销售部" in names(unplaced.entries) and "林峰" in names(unplaced.entries)
    assert "李娜" not in names(unplaced.entries)


FLOORS_FILE = """organization: {name: 测试公司, operator: "100"}
departments:
  - {id: sales, name: 销售部, extension: "200"}
  - {id: finance, name: 财务部, extension: "300"}
people:
  - {id: li-na, name: 李娜, department: finance, extension: "301"}
floors:
  - {name: 2楼, departments: [sales]}
  - {name: 3楼, departments: [finance, sales, legal], people: [li-na, nobody]}
  - {name: 4楼, level: high}
"""


def test_floor_mistakes_are_named_with_their_lines():
    with pytest.raises(OrgFileError) as caught:
        parse_org_text(FLOORS_FILE)
    problems = [str(p) for p in caught.value.problems]
    assert "line 9: floors[1].departments: department 'sales' is already used at floors[0].departments" in problems
    assert "line 9: floors[1].departments: no department has the id 'legal'" in problems
    assert "line 9: floors[1].people: no person has the id 'nobody'" in problems
    assert any(p.startswith("line 10: floors[2].level: unknown key 'level'") for p in problems)


def test_floors_are_optional_and_kept_by_the_database(database, demo_directory):
    plain = parse_org_text(FLOORS_FILE.split("floors:")[0])
    assert plain.floors == () and "floors" not in dump_org_text(plain)
    with database.session() as session:
        replace_directory(session, demo_directory)
    with database.session() as session:
        stored = load_directory(session)
    assert stored.floors == demo_directory.floors
    assert stored.floor_of(stored.person("liu-fang")).name == "5楼"


# ---------------------------------------------------------------------------------- frequent


def record(database, conversation: str, at: dt.datetime, transfers: list[str], outcome: str,
           transferred_to: str | None = None) -> None:
    with database.session() as session:
        calls.start_call(session, conversation, "phone", caller_id="+8613800000001", at=at)
        calls.add_turn(session, conversation, "caller", "你好", at=at + dt.timedelta(seconds=2))
        for n, target in enumerate(transfers):
            calls.add_turn(session, conversation, "system", f"[transfer to {target}, blind]",
                           at=at + dt.timedelta(seconds=5 + n))
            calls.add_turn(session, conversation, "system", "[transfer_result: result=busy]",
                           at=at + dt.timedelta(seconds=6 + n))
        calls.end_call(session, conversation, outcome, transferred_to=transferred_to, at=at + dt.timedelta(minutes=1))


def frequent(database, directory: Directory, now: dt.datetime = NOW) -> list[tuple[str, int]]:
    with database.session() as session:
        return [(f.entry.id, f.count) for f in groups.frequent(session, directory, now)]


def test_frequent_counts_each_call_once_per_target_over_the_last_30_days(database, demo_directory):
    with database.session() as session:
        replace_directory(session, demo_directory)
    day = dt.timedelta(days=1)
    for n in range(3):  # put through to 李娜 (the turn and the outcome name her: one call, once)
        record(database, f"li-na-{n}", NOW - n * day, ["li-na"], "transferred", "li-na")
    for n in range(2):  # the finance line was busy: a message, still asked for
        record(database, f"finance-{n}", NOW - (n + 3) * day, ["finance"], "message")
    record(database, "two-tries", NOW - 5 * day, ["sun-li", "hr"], "transferred", "hr")
    record(database, "operator", NOW - day, ["operator"], "operator", "operator")
    for n in range(5):  # long ago, or after `now`: not counted
        record(database, f"old-{n}", NOW - 31 * day, ["zhang-jianhua"], "transferred", "zhang-jianhua")
    record(database, "later", NOW + day, ["zhang-jianhua"], "transferred", "zhang-jianhua")
    assert frequent(database, demo_directory) == [("li-na", 3), ("finance", 2), ("hr", 1), ("sun-li", 1)]
    assert frequent(database, demo_directory, NOW + 2 * day)[0] == ("li-na", 3)
    assert ("zhang-jianhua", 5) in frequent(database, demo_directory, NOW - 6 * day)


def test_a_call_put_through_by_the_receptionist_counts(database, demo_directory):
    with database.session() as session:
        replace_directory(session, demo_directory)
    assert open_state(demo_directory, NOW).open
    receptionist = Receptionist(database, DirectoryCache(database), load_faq(DEMO_FAQ), clock=lambda: NOW)
    for n in range(2):
        state = receptionist.handle(None, Start(f"real-{n}", channel="phone", caller_id=f"+861380013800{n}")).state
        reply = receptionist.handle(state, Heard(f"real-{n}", "你好，帮我转一下人力资源部的孙丽", "request_person", 0.95))
        [transfer] = [p for p in reply.payloads if p["type"] == "transfer"]
        assert transfer["target"] == "sun-li"
        receptionist.handle(reply.state, TransferReport(f"real-{n}", "answered"))
    record(database, "li-na", NOW - dt.timedelta(hours=2), ["li-na"], "transferred", "li-na")
    assert frequent(database, demo_directory) == [("sun-li", 2), ("li-na", 1)]


# ---------------------------------------------------------------------------------- search


@pytest.mark.parametrize(("query", "first"), [
    ("李娜", "李娜"), ("ln", "李娜"), ("LN", "李娜"), ("lina", "李娜"), ("li na", "李娜"), ("Nina", "李娜"),
    ("nina li", "李娜"), ("8202", "李娜"), ("zjh", "张建华"), ("Jim", "张建华"), ("张总", "张建华"),
    ("CTO", "林峰"), ("技术总监", "林峰"), ("Frank", "林峰"), ("李纳", "李娜"), ("ｌｎ", "李娜"),
])
def test_a_person_is_found_by_name_pinyin_english_name_extension_or_title(demo_directory, query, first):
    found = groups.search(demo_directory, query)
    assert found and found[0].name == first, [e.name for e in found]


def test_a_department_is_found_with_its_line_first_then_its_people(demo_directory):
    for query in ("财务部", "Finance", "cwb", "财务"):
        found = groups.search(demo_directory, query)
        assert found[0].kind == "department" and found[0].extension == "8200", query
        assert {"刘芳", "李娜", "张伟", "陈静"} <= set(names(found)), query
    assert names(groups.search(demo_directory, "报销")) == ["财务部"]  # the matter, as callers say it


def test_search_by_title_by_floor_and_nothing(demo_directory):
    assert names(groups.search(demo_directory, "会计"))[:1] == ["财务部"]  # an alias of the department
    assert set(names(groups.search(demo_directory, "accountant"))) == {"李娜", "陈静"}
    fifth = groups.search(demo_directory, "5F")
    assert "刘芳" in names(fifth) and "李娜" not in names(fifth) and "林峰" in names(fifth)
    assert groups.search(demo_directory, "  ") == [] and groups.search(demo_directory, "量子物理") == []


def test_a_mobile_is_never_shown_nor_found(demo_directory):
    people = {p.id: p for p in demo_directory.people}
    assert not {"mobile", "email"} & {f.name for f in dataclasses.fields(groups.Entry)}
    for person in demo_directory.people:
        for written in (person.mobile, digits_of(person.mobile), digits_of(person.mobile)[-8:]):
            assert person.id not in [e.id for e in groups.search(demo_directory, written)], written
    shown = [*groups.all_entries(demo_directory), *[e for g in groups.by_floor(demo_directory) for e in g.entries]]
    mobiles = {digits_of(p.mobile) for p in people.values()}
    for entry in shown:
        text = digits_of(" ".join(str(v) for v in dataclasses.astuple(entry)))
        assert not any(m[-8:] in text for m in mobiles), entry
