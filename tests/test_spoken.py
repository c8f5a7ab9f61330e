"""Numbers as callers say them, and read back digit by digit."""

from __future__ import annotations

import pytest

from bot.directory.spoken import digit_runs, digits_to_words, spoken_digits


@pytest.mark.parametrize(
    "text",
    [
        "8001", "８００１", "8 0 0 1", "8-0-0-1", "分机8001", "extension 8001", "ext. 8001", "x8001",
        "八零零一", "八〇〇一", "分机八零零一", "帮我转一下八零零一", "转八千零一",
        "eight oh oh one", "eight zero zero one", "Eight O O One", "extension eight double oh one",
        "eight thousand one", "Oh, eight zero zero one please",
    ],
)
def test_every_way_of_saying_8001_gives_8001(text: str) -> None:
    assert spoken_digits(text) == "8001"


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("分机幺零零两", "1002"),
        ("转两幺五", "215"),
        ("eighty two oh one", "8201"),
        ("eighty two hundred", "8200"),
        ("extension one", "1"),
        ("分机一", "1"),
        ("我要转0", "0"),
        ("nine nine", "99"),
    ],
)
def test_chinese_and_english_number_words(text: str, digits: str) -> None:
    assert spoken_digits(text) == digits


@pytest.mark.parametrize(
    "text",
    ["", "帮我转一下李娜", "转一下", "I'd like the one in sales", "十分感谢", "两个人来访", "Oh, hello", "😀" * 20],
)
def test_ordinary_words_are_not_numbers(text: str) -> None:
    assert spoken_digits(text) is None


def test_the_number_after_a_keyword_wins_over_a_longer_one() -> None:
    text = "我的手机是13800138000，麻烦转分机八零零二"
    assert spoken_digits(text) == "8002"
    assert [run.digits for run in digit_runs(text)] == ["13800138000", "8002"]


def test_numbers_separated_by_a_comma_stay_apart() -> None:
    assert [run.digits for run in digit_runs("8001, 8002")] == ["8001", "8002"]


def test_reading_back_digit_by_digit() -> None:
    assert digits_to_words("8001", "zh") == "八零零一"
    assert digits_to_words("8001", "en") == "eight zero zero one"
    assert digits_to_words("+86 139", "en-US") == "plus eight six one three nine"
    assert digits_to_words("8-0-9-9", "zh-CN") == "八零九九"


@pytest.mark.parametrize("digits", ["8001", "0", "1234567890", "8099", "100", "7070"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_what_is_read_back_is_understood_again(digits: str, language: str) -> None:
    assert spoken_digits(digits_to_words(digits, language)) == digits


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="fr"):
        digits_to_words("8001", "fr")
