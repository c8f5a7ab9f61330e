"""Free text to the person, department or extension the caller means (bot.directory.resolve)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.db.engine import open_database
from bot.directory.resolve import DEPARTMENT, DUTY, OPERATOR, PERSON, Resolution, Resolver, resolver_for
from bot.org.model import Department, Directory, Level, Organization, Person
from bot.org.store import replace_directory


@pytest.fixture(scope="module")
def demo(demo_directory: Directory) -> Resolver:
    return Resolver(demo_directory)


def _person(pid: str, name: str, department: str = "office", level: Level = Level.STAFF, title: str = "专员",
            **extra: object) -> Person:
    return Person(id=pid, name=name, department=department, level=level, title=title, **extra)  # type: ignore[arg-type]


def _directory(*people: Person, version: int = 1) -> Directory:
    departments = (
        Department(id="office", name="办公室", name_en="Office", extension="600"),
        Department(id="finance", name="财务部", name_en="Finance", aliases=("财务",), extension="700",
                   topics=("报销",)),
    )
    return Directory(organization=Organization(name="测试公司", operator="100"), hours={},
                     departments=departments, people=tuple(people), version=version)


def _ids(resolution: Resolution) -> list[str]:
    return [c.id for c in resolution.candidates]


def _best_id(resolver: Resolver, text: str) -> str | None:
    best = resolver.resolve(text).best
    return best.id if best else None


# ------------------------------------------------------------------------- Chinese names


@pytest.mark.parametrize(
    "text",
    ["李娜", "你好，我找财务部的李娜", "帮我转一下李娜", "请问李娜在吗？", "李娜在不在", "我找李纳"],
)
def test_a_name_inside_a_sentence_is_found(demo: Resolver, text: str) -> None:
    resolution = demo.resolve(text)
    assert resolution.best is not None and resolution.best.id == "li-na"
    assert resolution.confident
    assert resolution.best.department_name == "财务部" and resolution.best.extension == "8202"


def test_a_recogniser_homophone_still_reaches_the_only_person_who_sounds_so(demo: Resolver) -> None:
    best = demo.resolve("帮我接李纳").best
    assert best is not None and best.id == "li-na"
    assert best.score < 1.0
    assert "pinyin li na" in best.matched and "李纳" in best.matched


def test_a_near_homophone_is_offered_but_must_be_confirmed(demo: Resolver) -> None:
    resolution = demo.resolve("我找李拉")  # n/l confusion
    assert resolution.best is not None and resolution.best.id == "li-na"
    assert not resolution.confident


@pytest.mark.parametrize(
    ("heard", "name"),
    [
        ("刘零", "刘宁"),  # n/l and in/ing
        ("臧伟", "张伟"),  # zh/z
        ("吴菜", "吴才"),  # exact homophone
        ("陈思", "陈诗"),  # sh/s
        ("成静", "陈静"),  # en/eng
        ("孙词", "孙驰"),  # ch/c
    ],
)
def test_mandarin_near_homophones_match(heard: str, name: str) -> None:
    resolver = Resolver(_directory(_person("target", name), _person("other", "周杰")))
    resolution = resolver.resolve(f"你好，我找{heard}")
    assert resolution.best is not None and resolution.best.id == "target"


def test_the_person_written_exactly_wins_over_a_homophone() -> None:
    resolver = Resolver(_directory(_person("na", "李娜"), _person("na2", "李纳")))
    assert _best_id(resolver, "我找李纳") == "na2"
    assert _best_id(resolver, "我找李娜") == "na"
    heard_otherwise = resolver.resolve("我找李那")  # sounds like both, written like neither
    assert heard_otherwise.ambiguous and set(_ids(heard_otherwise)) == {"na", "na2"}


def test_a_longer_name_heard_with_homophones_beats_a_shorter_name_it_contains() -> None:
    resolver = Resolver(_directory(_person("short", "李彦"), _person("long", "李岩涛")))
    assert _best_id(resolver, "你好，我找李盐套") == "long"
    assert _best_id(resolver, "你好，我找李彦") == "short"


def test_request_words_do_not_sound_like_names() -> None:
    resolver = Resolver(_directory(_person("ma", "马芳"), _person("he", "何瑾")))
    assert demo_empty(resolver.resolve("麻烦你了，谢谢"))
    # but a recogniser writing 和 for 何 next to an exact character is still understood
    assert _best_id(resolver, "我找和瑾") == "he"


def demo_empty(resolution: Resolution) -> bool:
    return resolution.candidates == () and resolution.best is None


# ------------------------------------------------------------------------- namesakes and hints


def test_two_people_with_one_name_are_reported_not_guessed(demo: Resolver) -> None:
    resolution = demo.resolve("我找张伟")
    assert resolution.ambiguous
    assert resolution.best is None and not resolution.confident
    by_id = {c.id: c for c in resolution.candidates}
    assert set(by_id) == {"zhang-wei-fin", "zhang-wei-sales"}
    assert by_id["zhang-wei-fin"].department_name == "财务部"
    assert by_id["zhang-wei-sales"].department_name == "销售部"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("财务部的张伟", "zhang-wei-fin"),
        ("你好，我找财务的张伟", "zhang-wei-fin"),
        ("销售部张伟", "zhang-wei-sales"),
        ("张伟 in sales", "zhang-wei-sales"),
        ("Zhang Wei from Finance please", "zhang-wei-fin"),
    ],
)
def test_a_department_named_alongside_picks_between_namesakes(demo: Resolver, text: str, expected: str) -> None:
    resolution = demo.resolve(text)
    assert not resolution.ambiguous
    assert resolution.best is not None and resolution.best.id == expected
    assert "zhang-wei-fin" not in _ids(resolution) or "zhang-wei-sales" not in _ids(resolution)


def test_the_limit_cuts_the_list_but_not_the_ambiguity(demo: Resolver) -> None:
    resolution = demo.resolve("张伟", limit=1)
    assert len(resolution.candidates) == 1 and resolution.ambiguous and resolution.best is None


# ------------------------------------------------------------------------- surname + title, aliases


@pytest.mark.parametrize(
    ("text", "expected"),
    [("张总", "zhang-jianhua"), ("帮我接王总", "wang-qiang"), ("刘总监", "liu-fang"), ("刘主任", "liu-yang"),
     ("孙主任", "sun-li"), ("杨经理在吗", "yang-guang"), ("赵秘书", "zhao-min"), ("小马", "ma-xiaoyu")],
)
def test_surname_and_title_or_alias(demo: Resolver, text: str, expected: str) -> None:
    assert _best_id(demo, text) == expected


def test_titles_follow_levels_and_titles_without_aliases() -> None:
    resolver = Resolver(_directory(
        _person("gm", "张建华", level=Level.EXECUTIVE, title="总经理"),
        _person("clerk", "张伟"),
        _person("cfo", "刘芳", department="finance", level=Level.DIRECTOR, title="财务总监"),
        _person("mgr", "李强", level=Level.MANAGER, title="销售经理"),
        _person("staff", "李娜"),
        _person("sup", "孙丽", level=Level.MANAGER, title="客服主任"),
    ))
    assert _best_id(resolver, "我找张总") == "gm"
    assert _best_id(resolver, "刘总监") == "cfo"
    assert _best_id(resolver, "李经理") == "mgr"
    assert _best_id(resolver, "孙主任") == "sup"
    assert _best_id(resolver, "章总") == "gm"  # the surname heard as a homophone
    # a title that fits nobody offers the people with that surname, for the caller to choose
    nobody_fits = resolver.resolve("张主任")
    assert set(_ids(nobody_fits)) == {"gm", "clerk"} and nobody_fits.ambiguous


def test_english_titles(demo: Resolver) -> None:
    assert _best_id(demo, "Director Liu please") == "liu-fang"
    assert _best_id(demo, "Mr. Zhang") == "zhang-jianhua"  # his alias


# ------------------------------------------------------------------------- English


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'd like to speak to Nina Li please", "li-na"),
        ("NINA", "li-na"),
        ("Zhang Jianhua", "zhang-jianhua"),
        ("Jianhua Zhang", "zhang-jianhua"),
        ("jianhau zhang", "zhang-jianhua"),  # a typo
        ("Can you put me through to Jim?", "zhang-jianhua"),
        ("Li Na", "li-na"),  # her name in pinyin
        ("Is Kevin Zheng available?", "zheng-kai"),
        ("Kevni Zheng", "zheng-kai"),
        ("Zhāng Jiànhuá", "zhang-jianhua"),  # pinyin with tone marks
    ],
)
def test_english_names_nicknames_and_pinyin(demo: Resolver, text: str, expected: str) -> None:
    assert _best_id(demo, text) == expected


def test_an_english_name_shared_by_namesakes_is_ambiguous(demo: Resolver) -> None:
    resolution = demo.resolve("Zhang Wei")
    assert resolution.ambiguous and {"zhang-wei-fin", "zhang-wei-sales"} <= set(_ids(resolution))


# ------------------------------------------------------------------------- extensions


@pytest.mark.parametrize(
    "text",
    ["8001", "八零零一", "八〇〇一", "eight oh oh one", "eight zero zero one", "extension 8001", "分机8001", "8 0 0 1",
     "请转分机八零零一，谢谢"],
)
def test_an_extension_typed_or_spoken(demo: Resolver, text: str) -> None:
    resolution = demo.resolve(text)
    assert resolution.confident and resolution.best is not None
    assert resolution.best.id == "zhang-jianhua" and resolution.best.matched == "extension 8001"


def test_department_operator_and_duty_line_numbers(demo: Resolver) -> None:
    department = demo.resolve("八二零零").best
    assert department is not None and (department.kind, department.id) == (DEPARTMENT, "finance")
    operator = demo.resolve("转8000").best
    assert operator is not None and (operator.kind, operator.id, operator.extension) == (OPERATOR, "operator", "8000")
    duty = demo.resolve("eight zero nine nine").best
    assert duty is not None and (duty.kind, duty.id) == (DUTY, "duty")


@pytest.mark.parametrize("text", ["1234", "分机九九九九", "+86 139 0000 0001", "13900000001", "拨打110"])
def test_a_number_that_belongs_to_nobody_resolves_to_nothing(demo: Resolver, text: str) -> None:
    """A caller must never make the receptionist dial an arbitrary number, a mobile included."""
    assert demo.resolve(text).candidates == ()


# ------------------------------------------------------------------------- departments and topics


@pytest.mark.parametrize(
    ("text", "expected"),
    [("财务部", "finance"), ("帮我转财务", "finance"), ("accounts please", "finance"), ("我想问一下报销", "finance"),
     ("I have a question about an invoice", "finance"), ("我要投诉", "support"), ("HR", "hr"),
     ("I need to talk to R&D", "rnd")],
)
def test_departments_by_name_alias_and_topic(demo: Resolver, text: str, expected: str) -> None:
    resolution = demo.resolve(text)
    assert resolution.best is not None and (resolution.best.kind, resolution.best.id) == (DEPARTMENT, expected)


def test_a_person_named_with_a_topic_comes_before_the_topic(demo: Resolver) -> None:
    resolution = demo.resolve("我想问一下报销，找李娜")
    assert resolution.best is not None and resolution.best.kind == PERSON and resolution.best.id == "li-na"


def test_two_topics_of_two_departments_are_ambiguous(demo: Resolver) -> None:
    resolution = demo.resolve("发票和报价")
    assert resolution.ambiguous and set(_ids(resolution)[:2]) == {"finance", "sales"}


# ------------------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀🎉" * 50, "asdfghjkl qwerty", "？？？", "/intent{\"x\": 1}", "\x00\x01", "ａｂｃ１２３",
     "Привет, مرحبا, こんにちは", "和和和和和和和和", "的" * 100],
)
def test_garbage_returns_an_empty_or_harmless_resolution(demo: Resolver, text: str) -> None:
    resolution = demo.resolve(text)
    assert isinstance(resolution, Resolution)
    assert resolution.best is None


def test_long_text_is_fast_and_still_finds_the_name(demo: Resolver) -> None:
    text = "你好，我想问一下上个月那个项目的进展情况。" * 240 + "我找李娜"
    assert len(text) > 5000
    started = time.perf_counter()
    resolution = demo.resolve(text[-4990:])
    elapsed = time.perf_counter() - started
    assert resolution.best is not None and resolution.best.id == "li-na"
    assert elapsed < 0.5
    started = time.perf_counter()
    demo.resolve(text + "😀 mixed English words " * 100)
    assert time.perf_counter() - started < 0.5


# ------------------------------------------------------------------------- directory changes


def test_a_new_snapshot_is_used_at_once_without_retraining() -> None:
    before = _directory(_person("li-na", "李娜"), version=1)
    assert resolver_for(before) is resolver_for(before)
    assert resolver_for(before).resolve("我找欧阳明月").candidates == ()
    after = dataclasses.replace(before, people=(*before.people, _person("ouyang", "欧阳明月", extension="666")),
                                version=2)
    found = resolver_for(after).resolve("我找欧阳明月").best
    assert found is not None and found.id == "ouyang"
    assert _best_id(resolver_for(after), "six six six") == "ouyang"
    assert resolver_for(before).resolve("我找欧阳明月").candidates == ()  # the old snapshot is unchanged


def test_a_person_who_left_is_no_longer_found(demo_directory: Directory) -> None:
    without = dataclasses.replace(
        demo_directory, people=tuple(p for p in demo_directory.people if p.id != "li-na"),
        version=demo_directory.version + 1,
    )
    assert _best_id(resolver_for(demo_directory), "李娜") == "li-na"
    assert "li-na" not in _ids(resolver_for(without).resolve("李娜"))
    assert resolver_for(without).resolve("8202").candidates == ()


# ------------------------------------------------------------------------- the command


def test_directory_find_prints_json_of_a_real_database(sqlite_url: str, demo_directory: Directory) -> None:
    database = open_database(sqlite_url)
    with database.session() as session:
        replace_directory(session, demo_directory)
    database.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEPTIONIST_")}
    env["RECEPTIONIST_DB"] = sqlite_url
    command = [str(Path(sys.executable).parent / "receptionist"), "directory", "find"]

    ambiguous = subprocess.run([*command, "我找张伟", "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert ambiguous.returncode == 0, ambiguous.stderr
    data = json.loads(ambiguous.stdout)
    assert data["ambiguous"] is True and data["best"] is None
    assert {(c["id"], c["department_name"]) for c in data["candidates"]} == {
        ("zhang-wei-fin", "财务部"), ("zhang-wei-sales", "销售部")}

    found = subprocess.run([*command, "eight", "oh", "oh", "one", "--json"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert found.returncode == 0, found.stderr
    data = json.loads(found.stdout)
    assert data["best"] == "zhang-jianhua" and data["candidates"][0]["matched"] == "extension 8001"

    nothing = subprocess.run([*command, "1234"], env=env, capture_output=True, text=True, timeout=120)
    assert nothing.returncode == 1
    assert "Nothing in the directory matches" in nothing.stdout


# ------------------------------------------------------------------------- acronyms that are words


def _with_it_department() -> Resolver:
    it = Department(id="it", name="信息部", name_en="Information Systems", aliases=("IT部", "IT", "IT support"),
                    extension="800")
    base = _directory()
    return Resolver(dataclasses.replace(base, departments=(*base.departments, it)))


@pytest.mark.parametrize("text", ["帮我转IT", "IT please", "转一下IT部", "I need IT support", "我找IT部的同事"])
def test_an_acronym_department_is_found_when_it_is_named(text: str) -> None:
    assert _best_id(_with_it_department(), text) == "it"


@pytest.mark.parametrize("text", [
    "hi it's about last month's freight invoice",
    "where's my shipment, it was supposed to arrive on Monday",
    "can you put it through to someone",
])
def test_the_word_it_is_not_the_it_department(text: str) -> None:
    assert "it" not in _ids(_with_it_department().resolve(text))


@pytest.mark.parametrize(("text", "person"), [
    ("Mr Zhou in sales", "zhou-jie"), ("销售部的周先生", "zhou-jie"), ("Ms Chen in finance please", "chen-jing"),
    ("研发部的郑先生在吗", "zheng-kai"),
])
def test_a_surname_with_a_department_is_that_departments_person(demo: Resolver, text: str, person: str) -> None:
    resolution = demo.resolve(text)
    assert resolution.confident and resolution.best is not None and resolution.best.id == person


def test_two_of_one_surname_in_the_department_named_are_asked_about() -> None:
    resolver = Resolver(_directory(_person("he-jing", "何静", "finance"), _person("he-bo", "何波", "finance"),
                                   _person("he-li", "何丽", "office")))
    resolution = resolver.resolve("财务部的何女士")
    assert not resolution.confident
    assert set(_ids(resolution)[:2]) == {"he-jing", "he-bo"}
