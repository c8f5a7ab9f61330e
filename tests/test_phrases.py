"""Every sentence exists in both languages, and the language follows the caller."""

from __future__ import annotations

import pytest

from bot.dialogue.language import detect_language
from bot.dialogue.phrases import PHRASES, parameters


@pytest.mark.parametrize("key", sorted(PHRASES))
def test_every_phrase_has_both_languages_with_the_same_parameters(key):
    texts = PHRASES[key]
    assert set(texts) == {"zh", "en"}
    assert parameters(texts["zh"]) <= parameters(texts["en"]) | {"org", "daypart", "daypart_lower"}
    assert parameters(texts["en"]) <= parameters(texts["zh"]) | {"daypart", "daypart_lower"}


@pytest.mark.parametrize(("text", "current", "expected"), [
    ("我找一下 HR", "en", "zh"),
    ("Can I speak to Nina Li please", "zh", "en"),
    ("Nina", "zh", "zh"),
    ("Nina Li", "zh", "zh"),
    ("8001", "en", "en"),
    ("OK", "zh", "zh"),
    ("", None, "zh"),
])
def test_language_follows_the_caller(text, current, expected):
    assert detect_language(text, current, names=frozenset({"nina", "li"})) == expected
