"""A hotline's case categories in the organisation file (#12, point 1): the demo government hotline,
each mistake named with its line and key path (changing nothing), the tree stored and read back
unchanged, and a caller's words matched to the category that covers them best, a child over its
parent, with the department and deadline a child inherits. Tests taking `database` run on SQLite
and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cases.categories import match_category, resolved
from bot.org.model import OrgKind
from bot.org.orgfile import OrgFileError, parse_org_file, parse_org_text
from bot.org.store import load_directory, replace_directory

DEMO_GOVERNMENT = Path(__file__).resolve().parent.parent / "bot" / "org" / "demo_government.yml"
TEXT = DEMO_GOVERNMENT.read_text(encoding="utf-8")
FIRST = "    - {id: city-appearance, name: 市容环境, name_en: City appearance, department: city-management, " \
        "deadline_days: 5, keywords: [市容, 脏乱差, untidy]}"


def _problems(text: str) -> list[str]:
    with pytest.raises(OrgFileError) as caught:
        parse_org_text(text)
    return [str(p) for p in caught.value.problems]


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_demo_hotline_parses_with_its_category_tree():
    directory = parse_org_file(DEMO_GOVERNMENT)
    assert directory.organization.kind is OrgKind.GOVERNMENT
    tree = {c.id: c for c in resolved(directory.case_categories)}
    assert len(tree) == 15
    assert tree["streetlights"].parent == "city-appearance"
    assert tree["streetlights"].department == "city-management" and tree["streetlights"].deadline_days == 3
    assert tree["street-vendors"].deadline_days == 5  # inherited from city-appearance


def test_the_tree_is_stored_and_read_back_unchanged(database):
    directory = parse_org_file(DEMO_GOVERNMENT)
    with database.session() as session:
        replace_directory(session, directory)
    with database.session() as session:
        assert load_directory(session).case_categories == directory.case_categories


@pytest.mark.parametrize(("change", "path", "message"), [
    (lambda t: t.replace("department: city-management, deadline_days: 5, keywords: [市容",
                         "department: city-cleaning, deadline_days: 5, keywords: [市容"),
     "cases.categories[0].department", "no department has the id 'city-cleaning'"),
    (lambda t: t.replace("{id: street-vendors, parent: city-appearance", "{id: street-vendors, parent: city-look"),
     "cases.categories[1].parent", "no category has the id 'city-look'"),
    (lambda t: t.replace(FIRST, FIRST.replace("department: city-management,", "parent: streetlights, "
                                                                           "department: city-management,")),
     "cases.categories[0].parent", "their own ancestors"),
    (lambda t: t.replace("deadline_days: 5, keywords: [市容", "deadline_days: soon, keywords: [市容"),
     "cases.categories[0].deadline_days", "a number of days"),
    (lambda t: t.replace("{id: rubbish, parent", "{id: street-vendors, parent"),
     "cases.categories[2].id", "street-vendors"),
    (lambda t: t.replace("{id: rubbish, parent", "{id: rubbish, owner: x, parent"),
     "cases.categories[2].owner", "unknown key 'owner'"),
    (lambda t: t.replace("cases:\n  categories:", "cases:\n  categorys:"),
     "cases.categorys", "unknown key 'categorys'"),
])
def test_each_category_mistake_names_its_path_and_line(change, path, message):
    changed = change(TEXT)
    assert changed != TEXT
    problems = _problems(changed)
    assert any(path in p and message in p for p in problems), problems
    assert all(p.startswith("line ") for p in problems if path in p), problems


@pytest.mark.parametrize(("said", "category"), [
    ("我们小区门口的路灯坏了一个多礼拜了 晚上黑漆漆的", "streetlights"),
    ("呃 那个 我们那栋楼电梯又坏了 今天早上还困了人", "lifts"),
    ("我们小区物业什么都不管", "property"),
    ("楼下烧烤摊天天弄到半夜 油烟大得很", "fumes"),
    ("老板拖欠工资三个月了 我们十几个工人", "wages"),
    ("the bus driver skipped our stop again this morning", "buses"),
    ("菜市场门口有人占道摆摊 车都过不去", "street-vendors"),
    ("家里停水两天了也没人通知", "water-supply"),
    ("我想问一下怎么办护照", None),
])
def test_a_callers_words_find_the_category(said, category):
    tree = resolved(parse_org_file(DEMO_GOVERNMENT).case_categories)
    found = match_category(tree, said)
    assert (found.id if found else None) == category
