"""Text as the parsers take it: bounded, NFKC-folded, split into clauses; and what an answer says about the caller."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

MAX_TEXT_CHARS = 2000
"""Longer text is cut before parsing: nobody answers a question with more."""
MAX_MATTER_CHARS = 200
MIN_PHONE_DIGITS = 5
MAX_PHONE_DIGITS = 15

_PUNCT = " \t\r\n.,!?;:。，！？；：、…~～\"'“”‘’()（）[]【】<>《》-—_/\\|"
_CLAUSE_BREAK = re.compile(r"[\s.,!?;:。，！？；：、…~～\"“”()（）\[\]【】<>《》|/\\]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’.\-]*")


def _clean(text: object) -> str:
    """Text as a bounded, NFKC-folded string with control characters dropped; '' for non-text."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS])
    return "".join(ch for ch in text if ch in "\t\n" or unicodedata.category(ch)[0] != "C").strip()


def _has_han(text: str) -> bool:
    return bool(_HAN.search(text))


def _entity(entities: Mapping[str, str] | None, key: str) -> str | None:
    """A non-empty entity value, tidied; None when absent or unusable."""
    if not entities or not isinstance(entities, Mapping):
        return None
    value = entities.get(key)
    if not isinstance(value, str):
        return None
    value = _clean(value).strip(_PUNCT)
    return value[:60] if value else None


def _clauses(text: str) -> list[str]:
    return [c for c in _CLAUSE_BREAK.split(text) if c]




@dataclass(frozen=True)
class Identity:
    """Who the caller said they are, as far as they said it."""

    name: str | None = None
    company: str | None = None
