"""A read-back corrected in one field (bot.dialogue.corrections)."""

from __future__ import annotations

import pytest

from bot.dialogue.corrections import Correction, correction

NUMBER, NAME, TEXT = "13812345678", "张先生", "上个月的发票还没收到"


@pytest.mark.parametrize(("said", "expected"), [
    ("后面四位不对 是五五六六", Correction("number", "13812345566")),
    ("电话错了 是一三九 八七六五 四三二一", Correction("number", "13987654321")),
    ("the last four digits are wrong, it's nine nine eight eight", Correction("number", "13812349988")),
    ("名字记错了 是立早章 不是弓长张", Correction("name", "章先生")),
    ("哦不是发票 是对账单 其他都对", Correction("text", "上个月的对账单还没收到")),
    ("名字不对", Correction("name", None)),
    ("内容说错了", Correction("text", None)),
    ("尾号应该是五六九九 不是五六七八", Correction("number", "13812345699")),
    ("no it ends in six seven nine not six seven eight", Correction("number", "13812345679")),
    ("sorry it's invoices not receipts", None),
])
def test_one_field_is_corrected_and_only_that_one(said, expected):
    assert correction(said, NUMBER, NAME, TEXT) == expected


@pytest.mark.parametrize("said", ["对的", "一三八 一二三四 五六七八", "yes that's right", "没问题 就这样"])
def test_a_confirmation_or_the_number_said_again_corrects_nothing(said):
    assert correction(said, NUMBER, NAME, TEXT) is None


def test_an_english_name_corrected_by_its_first_name():
    fixed = correction("you've got my name slightly wrong, it's Claire, not Clara", "13900112259", "Clara O'Brien", TEXT)
    assert fixed == Correction("name", "Claire O'Brien")
