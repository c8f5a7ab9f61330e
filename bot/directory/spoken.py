"""Numbers as callers say them: "八零零一", "分机八千零一", "eight oh oh one", "8 0 0 1".

Speech recognisers and callers hand over numbers in many shapes: Arabic or full-width
digits, Chinese digits (with 幺 for 1, 两 for 2, 〇 for 0), Chinese positional numbers
(八千零一), English digit words (with "oh", "double", "eighty-two", "hundred"). This module
turns every run of them into a plain digit string, and reads digit strings back one digit
at a time (the way a receptionist confirms a number).

It only finds numbers; deciding whether a number may be dialled is the resolver's job.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ZH_DIGITS = {
    "零": "0", "〇": "0", "○": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3",
    "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_EN_DIGITS = {
    "zero": "0", "oh": "0", "o": "0", "nought": "0", "naught": "0", "one": "1", "two": "2", "three": "3",
    "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
_EN_TEENS = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15",
    "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}
_EN_TENS = {
    "twenty": "2", "thirty": "3", "forty": "4", "fourty": "4", "fifty": "5", "sixty": "6", "seventy": "7",
    "eighty": "8", "ninety": "9",
}
_EN_REPEAT = {"double": 2, "triple": 3}
_EN_SCALE = {"hundred": 2, "thousand": 3}
_EN_NUMBER_WORDS = {*_EN_DIGITS, *_EN_TEENS, *_EN_TENS, *_EN_REPEAT, *_EN_SCALE}
_LEADING_NOISE = {"oh", "o"}
"""Said before a number these are an exclamation ("Oh, eight zero..."), not a zero."""

_TOKENS = re.compile(
    r"(?P<ascii>[0-9])|(?P<zh>[零〇○一幺二两三四五六七八九十百千])|(?P<word>[a-z]+)|(?P<sep>[ \t\-–—]+)|(?P<other>.)",
    re.DOTALL,
)
_KEYWORD_BEFORE = re.compile(
    r"(?:分机号?码?|转到?|转接|拨打?|打|号码|电话|内线)(?:是|为|到)?[:：\s]*$"
    r"|\b(?:extension|ext|number|no|dial|x|line)\.?[:#\s]*$"
)
_PUNCTUATION = " \t\n.,!?;:。，！？；：、"
_WORDS_ZH = "零一二三四五六七八九"
_WORDS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@dataclass(frozen=True)
class DigitRun:
    """One number found in a text: its digits and where it was (in the normalised text)."""

    digits: str
    start: int
    end: int
    after_keyword: bool
    """Preceded by 分机 / extension / 转 / dial...: the caller meant a number."""
    spelled: bool
    """Said in words (Chinese or English) rather than typed as digits."""


def normalise(text: str) -> str:
    """Full-width forms folded (８００１ → 8001) and lower case, so positions stay comparable."""
    return unicodedata.normalize("NFKC", text).lower()


def digit_runs(text: str) -> list[DigitRun]:
    """Every number in `text`, in order.

    A run said in words counts only with two or more digits, or right after a keyword
    ("分机一"), so that "帮我转一下" or "the one in sales" are not numbers.
    """
    clean = normalise(text)
    runs = []
    for tokens in _token_runs(clean):
        tokens = _drop_leading_noise(tokens)
        if not tokens:
            continue
        digits = _run_to_digits(tokens)
        if not digits:
            continue
        start, end = tokens[0][2], tokens[-1][3]
        spelled = any(kind != "ascii" for kind, _, _, _ in tokens)
        after_keyword = bool(_KEYWORD_BEFORE.search(clean[max(0, start - 12):start]))
        if spelled and (len(digits) < 2 or len(tokens) < 2) and not _stands_alone(clean, start, end, after_keyword):
            continue
        runs.append(DigitRun(digits, start, end, after_keyword, spelled))
    return runs


def _stands_alone(text: str, start: int, end: int, after_keyword: bool) -> bool:
    """A one-word number counts when it is all that was said, or right after a keyword and not
    as part of a word ("分机一" yes, "转一下" no)."""
    if not text[:start].strip(_PUNCTUATION) and not text[end:].strip(_PUNCTUATION):
        return True
    following = text[end:end + 1]
    return after_keyword and not ("\u4e00" <= following <= "\u9fff")


def spoken_digits(text: str) -> str | None:
    """The number a caller gave in `text` as plain digits, or None.

    With several numbers, the one after a keyword (分机, extension, 转...) wins, then the longest.
    """
    runs = digit_runs(text)
    if not runs:
        return None
    keyed = [run for run in runs if run.after_keyword]
    pool = keyed or runs
    return max(pool, key=lambda run: len(run.digits)).digits


def digits_to_words(digits: str, language: str) -> str:
    """Read a number back one digit at a time: "8001" → "八零零一" (zh) / "eight zero zero one" (en).

    Anything that is not a digit is left out, except a leading "+" (加 / plus).
    """
    lang = language.lower()
    if lang.startswith("zh"):
        words = [_WORDS_ZH[int(ch)] if ch.isdigit() else "加" for ch in _digits_only(digits)]
        return "".join(words)
    if lang.startswith("en"):
        words = [_WORDS_EN[int(ch)] if ch.isdigit() else "plus" for ch in _digits_only(digits)]
        return " ".join(words)
    raise ValueError(f"no spoken digits for language {language!r} (zh or en)")


def _digits_only(text: str) -> str:
    clean = normalise(text).strip()
    plus = "+" if clean.startswith("+") else ""
    return plus + "".join(ch for ch in clean if ch.isascii() and ch.isdigit())


# ------------------------------------------------------------------------- tokenising

Token = tuple[str, str, int, int]
"""(kind, text, start, end) with kind one of ascii / zh / word."""


def _token_runs(text: str) -> list[list[Token]]:
    """Group number tokens into runs; a run breaks at anything that is not a number or a gap."""
    runs: list[list[Token]] = []
    current: list[Token] = []
    gap = False
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup or "other"
        value = match.group()
        if kind == "sep":
            gap = True
            continue
        if kind == "word" and value == "and" and current and current[-1][1] in _EN_SCALE:
            continue
        is_number = kind in ("ascii", "zh") or (kind == "word" and value in _EN_NUMBER_WORDS)
        if is_number and current and not _joins(current[-1], kind, gap):
            runs.append(current)
            current = []
        if is_number:
            current.append((kind, value, match.start(), match.end()))
        elif current:
            runs.append(current)
            current = []
        gap = False
    if current:
        runs.append(current)
    return runs


def _joins(previous: Token, kind: str, gap: bool) -> bool:
    """Whether a number token continues the run: words need a gap before them, digits may touch."""
    if kind == "word" or previous[0] == "word":
        return gap or previous[0] != kind
    return True


def _drop_leading_noise(tokens: list[Token]) -> list[Token]:
    index = 0
    while index < len(tokens) and tokens[index][0] == "word" and tokens[index][1] in _LEADING_NOISE:
        index += 1
    return tokens[index:]


def _run_to_digits(tokens: list[Token]) -> str:
    """Digits of one run, reading each same-kind stretch (Chinese, English, digits) on its own."""
    out = []
    index = 0
    while index < len(tokens):
        kind = tokens[index][0]
        stop = index
        while stop < len(tokens) and tokens[stop][0] == kind:
            stop += 1
        values = [t[1] for t in tokens[index:stop]]
        if kind == "ascii":
            out.append("".join(values))
        elif kind == "zh":
            out.append(_chinese_digits(values))
        else:
            out.append(_english_digits(values))
        index = stop
    return "".join(out)


def _chinese_digits(chars: list[str]) -> str:
    """八零零一 digit by digit; 八千零一 / 二百 positionally."""
    if not any(ch in _ZH_UNITS for ch in chars):
        return "".join(_ZH_DIGITS[ch] for ch in chars)
    total, current = 0, 0
    for ch in chars:
        if ch in _ZH_UNITS:
            total += (current or 1) * _ZH_UNITS[ch]
            current = 0
        else:
            current = int(_ZH_DIGITS[ch])
    return str(total + current)


def _english_digits(words: list[str]) -> str:
    out: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ""
        if word in _EN_DIGITS:
            out.append(_EN_DIGITS[word])
        elif word in _EN_TEENS:
            out.append(_EN_TEENS[word])
        elif word in _EN_TENS:
            if following in _EN_DIGITS and following not in _LEADING_NOISE and _EN_DIGITS[following] != "0":
                out.append(_EN_TENS[word] + _EN_DIGITS[following])
                index += 1
            else:
                out.append(_EN_TENS[word] + "0")
        elif word in _EN_REPEAT:
            if following in _EN_DIGITS:
                out.append(_EN_DIGITS[following] * _EN_REPEAT[word])
                index += 1
        elif word in _EN_SCALE:
            if not out:
                out.append("1")
            rest = _english_digits(words[index + 1:])
            width = _EN_SCALE[word]
            return "".join(out) + (rest.rjust(width, "0") if len(rest) <= width else rest)
        index += 1
    return "".join(out)
