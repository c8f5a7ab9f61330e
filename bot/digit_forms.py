"""Every way a number can be written, found in a text with where it was.

The privacy scrub (bot/privacy.py) must recognise a staff number however it is written: ASCII,
full-width or any other Unicode digits, Chinese numerals (一三九, 幺, 两, 洞, the financial 壹贰叁),
positional Chinese (八千零一) and English words ("eight oh oh one", "double five", "eight thousand
and one"), with any separators between the digits (spaces of every kind, dashes, dots, commas,
brackets) or split into pieces by a few words. This module finds the pieces, `chunks`; the scrub
decides which runs of chunks spell a protected number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ZH_DIGITS = {
    "零": 0, "〇": 0, "洞": 0, "一": 1, "幺": 1, "壹": 1, "二": 2, "两": 2, "兩": 2, "贰": 2, "貳": 2, "三": 3,
    "叁": 3, "參": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7, "八": 8,
    "捌": 8, "九": 9, "玖": 9,
}
_ZH_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_ZH_MYRIADS = {"万": 10_000, "萬": 10_000}
_ZH_RUN = re.compile("[" + "".join(_ZH_DIGITS) + "".join(_ZH_UNITS) + "".join(_ZH_MYRIADS) + "]+")

_EN_DIGITS = {"zero": 0, "oh": 0, "o": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
              "six": 6, "seven": 7, "eight": 8, "nine": 9}
_EN_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
             "seventeen": 17, "eighteen": 18, "nineteen": 19}
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
            "ninety": 90}
_EN_SCALES = {"hundred": 100, "thousand": 1000}
_EN_REPEAT = {"double": 2, "triple": 3}
_EN_WORD = "|".join(sorted([*_EN_DIGITS, *_EN_TEENS, *_EN_TENS, *_EN_SCALES, *_EN_REPEAT], key=len, reverse=True))
_EN_RUN = re.compile(rf"(?<![A-Za-z])(?:{_EN_WORD})(?:(?:[\s\-,]+|\s+and\s+)(?:{_EN_WORD}))*(?![A-Za-z])",
                     re.IGNORECASE)
"""Number words; letters, not \b, bound them, so "zero再加" and "one3" count too."""


@dataclass(frozen=True)
class Chunk:
    """Digits written together, without a separator, and where: text[start:end]."""

    start: int
    end: int
    digits: str


def chunks(text: str) -> list[Chunk]:
    """The pieces of numbers in `text`, in order: "139 0000-0001" → 139, 0000, 0001; "八千零一" → 8001."""
    found = _unicode_digit_chunks(text) + _zh_chunks(text) + _en_chunks(text)
    found.sort(key=lambda c: c.start)
    merged: list[Chunk] = []
    for chunk in found:  # 139零零: digits in two scripts written together are one piece
        if merged and merged[-1].end == chunk.start:
            merged[-1] = Chunk(merged[-1].start, chunk.end, merged[-1].digits + chunk.digits)
        else:
            merged.append(chunk)
    return merged


def _unicode_digit_chunks(text: str) -> list[Chunk]:
    found: list[Chunk] = []
    start = None
    digits = ""
    for index, ch in enumerate(text + "\x00"):
        value = unicodedata.decimal(ch, None) if ch != "\x00" else None
        if value is not None:
            start = index if start is None else start
            digits += str(value)
        elif start is not None:
            found.append(Chunk(start, index, digits))
            start, digits = None, ""
    return found


def _zh_chunks(text: str) -> list[Chunk]:
    found = []
    for run in _ZH_RUN.finditer(text):
        said = run.group()
        positional = any(ch in _ZH_UNITS or ch in _ZH_MYRIADS for ch in said)
        value = _zh_positional(said) if positional else None
        digits = str(value) if value is not None else "".join(str(_ZH_DIGITS[ch]) for ch in said if ch in _ZH_DIGITS)
        if digits:
            found.append(Chunk(run.start(), run.end(), digits))
    return found


def _zh_positional(said: str) -> int | None:
    """八千零一 → 8001, 一万三千 → 13000, 十五 → 15; None when it is not one number (三三十)."""
    total, section, digit = 0, 0, None
    for ch in said:
        if ch in _ZH_DIGITS:
            if digit is not None:
                return None
            digit = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            section += (1 if digit is None else digit) * _ZH_UNITS[ch]
            digit = None
        else:
            total = (total + section + (digit or 0)) * _ZH_MYRIADS[ch]
            section, digit = 0, None
        if digit == 0:
            digit = None  # 零 only holds a place
    return total + section + (digit or 0)


def _en_chunks(text: str) -> list[Chunk]:
    found = []
    for run in _EN_RUN.finditer(text):
        words = [w.lower() for w in re.findall(r"[A-Za-z]+", run.group()) if w.lower() != "and"]
        if any(w in _EN_SCALES for w in words):
            value = _en_positional(words)
            if value is not None:
                found.append(Chunk(run.start(), run.end(), str(value)))
                continue
        found.extend(_en_word_chunks(text, run.start(), run.end()))
    return found


def _en_positional(words: list[str]) -> int | None:
    """"eight thousand and one" → 8001, "three hundred twenty" → 320."""
    total, current = 0, 0
    for word in words:
        if word in _EN_DIGITS:
            current += _EN_DIGITS[word]
        elif word in _EN_TEENS:
            current += _EN_TEENS[word]
        elif word in _EN_TENS:
            current += _EN_TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word == "thousand":
            total, current = total + (current or 1) * 1000, 0
        else:
            return None
    return total + current


def _en_word_chunks(text: str, start: int, end: int) -> list[Chunk]:
    """Word by word: "eight oh oh one" → 8, 0, 0, 1; "double five" → 55; "twenty one" → 21."""
    found: list[Chunk] = []
    repeat, repeat_start = 1, start
    words = list(re.finditer(r"[A-Za-z]+", text[start:end]))
    skip = False
    for index, word in enumerate(words):
        if skip:
            skip = False
            continue
        lower = word.group().lower()
        span = (start + word.start(), start + word.end())
        if lower in _EN_REPEAT:
            repeat, repeat_start = _EN_REPEAT[lower], span[0]
            continue
        if repeat > 1:
            span = (repeat_start, span[1])  # "double five": one piece from "double" on
        if lower in _EN_DIGITS:
            digits = str(_EN_DIGITS[lower]) * repeat
        elif lower in _EN_TEENS:
            digits = str(_EN_TEENS[lower])
        elif lower in _EN_TENS:
            following = words[index + 1].group().lower() if index + 1 < len(words) else ""
            if following in _EN_DIGITS and following not in ("o", "oh", "zero", "nought"):
                digits = str(_EN_TENS[lower] + _EN_DIGITS[following])
                span = (span[0], start + words[index + 1].end())
                skip = True
            else:
                digits = str(_EN_TENS[lower])
        else:
            continue
        repeat = 1
        found.append(Chunk(span[0], span[1], digits))
    return found


def is_separator(gap: str) -> bool:
    """Only spacing, punctuation and invisible characters between two pieces ("139 0000",
    "8001-8002", "139\u30000000", "139\u200b0000")."""
    return all(ch.isspace() or unicodedata.category(ch) in _SEPARATOR_CATEGORIES for ch in gap)


_SEPARATOR_CATEGORIES = frozenset({"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp",
                                   "Cf", "Cc"})
