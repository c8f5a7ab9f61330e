"""Staff mobiles and private direct numbers never reach text meant for callers."""

from __future__ import annotations

import pytest

from bot.privacy import digits_of, is_safe_for_caller, public_person, scrub_for_caller


@pytest.mark.parametrize("text", [
    "他的手机是 139 0000 0001",
    "his cell is +86-139-0000-0002, call him",
    "一三九零零零零零零零一",
    "幺三九 零零零零 零零一二",
    "13900000013",
    "１３９００００００１４",
])
def test_mobile_numbers_are_masked_however_written(demo_directory, text):
    scrubbed = scrub_for_caller(text, demo_directory)
    assert not is_safe_for_caller(text, demo_directory)
    assert "***" in scrubbed
    assert "0000" not in digits_of(scrubbed)


def test_executive_direct_extension_is_masked_but_staff_extension_is_not(demo_directory):
    assert scrub_for_caller("张总的分机是8001", demo_directory) == "张总的分机是***"
    assert scrub_for_caller("李娜的分机是8202", demo_directory) == "李娜的分机是8202"
    assert scrub_for_caller("请拨总机8000", demo_directory) == "请拨总机8000"


def test_ordinary_text_is_untouched(demo_directory):
    for text in ["有两位张伟，一位在财务部，一位在销售部", "我们 8:30 开门，2026年11月27日", "Room 301, 3F"]:
        assert scrub_for_caller(text, demo_directory) == text


def test_public_view_has_no_mobile_and_hides_private_extensions(demo_directory):
    gm = public_person(demo_directory, demo_directory.person("zhang-jianhua"))
    clerk = public_person(demo_directory, demo_directory.person("li-na"))
    assert not hasattr(gm, "mobile")
    assert gm.extension is None and gm.department_name == "总经理办公室"
    assert clerk.extension == "8202"
