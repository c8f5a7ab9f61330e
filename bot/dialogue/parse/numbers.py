"""Numbers in what callers say: a call-back number and its read-back, a choice among options, a score."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.dialogue.parse.text import _PUNCT, MAX_PHONE_DIGITS, MIN_PHONE_DIGITS, _clean, _entity, _has_han
from bot.directory.spoken import DigitRun, digit_runs, digits_to_words, normalise

# ============================================================================ phone numbers

_SAID_ZEROS_BEFORE = re.compile(r"(?:^|\s)((?:(?:oh|o)\s+)+)$")
""""oh two one …": spoken.digit_runs drops a leading "oh" as an exclamation; in a phone number it is 0."""
_PLUS_BEFORE = re.compile(r"(?:\+|\bplus|加)\s*$")
_OTHER_NUMBER_BEFORE = re.compile(
    r"(?:订单|单号|编号|合同|发票|工单|运单|快递单|批次|账号|帐号|卡号|身份证|证件|车牌|型号|货号)号?码?(?:是|为)?[:：\s]*$"
    r"|\b(?:order|po|p\.o\.|invoice|reference|ref|tracking|account|contract|case|serial|batch|booking|"
    r"confirmation|model|part)\s+(?:number|no\.?|#)?\s*(?:is\s+)?[:#\s]*$", re.IGNORECASE)
"""An order, contract or PO number is not a number to call back on."""
_JOINERS = re.compile(r"^(?:[\s\-–—.,，、()（）/]|嗯|呃|额|啊|那个|\b(?:um|uh|er|erm)\b)*$", re.IGNORECASE)


def phone_number(text: str) -> str | None:
    """A call-back number as digits, with a leading + for an international one; None unless 5–15 digits.

    Reads "139 1234 5678", "一三九一二三四五六七八", "幺三九…", "+86 139-1234-5678",
    "five five five zero one three four", "021-5888 1234". With several numbers, the one after
    a keyword (电话, number...) wins, then the longest valid one.
    """
    clean = normalise(_clean(text))
    if not clean:
        return None
    try:
        runs = digit_runs(clean)
    except (ValueError, IndexError, KeyError):
        return None
    candidates = []
    for start, digits, keyed in _joined_runs(clean, runs):
        if _OTHER_NUMBER_BEFORE.search(clean[max(0, start - 24):start]):
            continue
        zeros = _SAID_ZEROS_BEFORE.search(clean[max(0, start - 12):start])
        if zeros:
            digits = "0" * len(zeros.group(1).split()) + digits
        plus = "+" if _PLUS_BEFORE.search(clean[max(0, start - 6):start]) else ""
        if MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
            candidates.append((keyed, len(digits), plus + digits))
    if not candidates:
        return None
    return max(candidates, key=lambda c: (c[0], c[1]))[2]


def _joined_runs(text: str, runs: list[DigitRun]) -> list[tuple[int, str, bool]]:
    """(start, digits, after a keyword) per number; runs separated only by punctuation
    ("139，1234，5678") are one number."""
    joined: list[list] = []
    for run in runs:
        if joined and _JOINERS.match(text[joined[-1][1]:run.start]):
            joined[-1][1:4] = [run.end, joined[-1][2] + run.digits, joined[-1][3] or run.after_keyword]
        else:
            joined.append([run.start, run.end, run.digits, run.after_keyword])
    return [(start, digits, keyed) for start, _, digits, keyed in joined]


def format_number_for_readback(digits: str, language: str) -> str:
    """A number read back digit by digit in groups: "13912345678" → "一三九 一二三四 五六七八" /
    "one three nine, one two three four, five six seven eight". '' when there are no digits."""
    clean = _clean(digits)
    plus = clean.startswith("+")
    only = "".join(ch for ch in clean if ch.isascii() and ch.isdigit())
    if not only:
        return ""
    groups = _groups(only, plus)
    zh = str(language or "").lower().startswith("zh")
    if zh:
        return " ".join(digits_to_words(g, "zh") for g in groups)
    return ", ".join(digits_to_words(g, "en") for g in groups)


def _groups(digits: str, plus: bool) -> list[str]:
    if plus:
        code_length = 1 if digits[:1] in ("1", "7") else 2
        return ["+" + digits[:code_length], *_groups(digits[code_length:], False)] if len(digits) > code_length \
            else ["+" + digits]
    if len(digits) == 11 and digits.startswith("1"):
        return [digits[:3], digits[3:7], digits[7:]]
    if digits.startswith("0") and len(digits) >= 9:
        area = 3 if digits[1] in "12" else 4
        return [digits[:area], *_groups(digits[area:], False)]
    return _groups_of_four(digits)


_GROUPING = {6: (3, 3), 7: (3, 4), 8: (4, 4), 9: (3, 3, 3), 10: (3, 3, 4), 11: (3, 4, 4), 12: (4, 4, 4)}
"""How a number of each length is grouped when read back (the way people say them)."""


def _groups_of_four(digits: str) -> list[str]:
    """"555 0134", "5888 1234", "415 555 0199"; longer numbers in fours, short ones whole."""
    if len(digits) <= 5:
        return [digits]
    sizes = _GROUPING.get(len(digits))
    if sizes is None:
        head = {0: 4, 1: 5}.get(len(digits) % 4, len(digits) % 4)
        sizes = (head, *[4] * ((len(digits) - head) // 4))
    groups, index = [], 0
    for size in sizes:
        groups.append(digits[index:index + size])
        index += size
    return groups


def wants_same_number(text: str) -> bool:
    """The caller wants the call back on the line they are calling from: "就打这个号码", "本机",
    "the number I'm calling from"; not "不是这个号码" / "not this number"."""
    clean = _clean(text).lower()
    if not clean:
        return False
    if phone_number(clean) is not None:
        return False
    compact = re.sub(r"\s+", "", clean)
    if re.search(r"不是这个|不要打这个|别打这个|不用这个|换一个|另一个号", compact):
        return False
    if re.search(r"\bnot (?:this|the same|the one)\b|\bdifferent number\b|\banother number\b|\bdon'?t use\b", clean):
        return False
    if re.search(r"本机|来电号码|来电显示|这个号|这个电话|现在这个|现在用的|正在用的|我用的这个|打过来的|现在打的|原号码|这部手机|这个手机|能看到|这个就行|就打这个",
                 compact):
        return True
    return bool(re.search(
        r"\b(?:this|same|current) (?:number|line|phone|mobile)\b|\b(?:number|line|phone|one) (?:i'?m|i am) calling (?:from|on)\b"
        r"|\bcaller ?id\b"
        r"|\bnumber (?:you see|on your screen|that came up|showing)\b|\bthe one i'?m (?:on|using)\b",
        clean,
    ))



# ============================================================================ choices and scores

_ZH_NUMERALS = {"一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_EN_ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5, "5th": 5,
    "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8, "ninth": 9, "9th": 9, "tenth": 10,
}
_EN_CARDINALS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10}


def _number_word(word: str) -> int | None:
    word = word.strip().lower()
    if word.isascii() and word.isdigit():
        return int(word) if len(word) <= 2 else None
    if word in _EN_CARDINALS:
        return _EN_CARDINALS[word]
    if word and all(ch in _ZH_NUMERALS for ch in word) and len(word) <= 2:
        if word == "十":
            return 10
        if len(word) == 2 and word[0] == "十":
            return 10 + _ZH_NUMERALS[word[1]]
        return _ZH_NUMERALS[word[0]] if len(word) == 1 else None
    return None


def ordinal_choice(text: str, count: int) -> int | None:
    """Which of `count` offered options the caller picked, 0-based: "第二位" → 1, "后面那个" → the
    last, "倒数第二个", "the first one", "number two", "2"; None when unclear or out of range."""
    if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
        return None
    clean = _clean(text).lower()
    if not clean:
        return None
    position = _zh_ordinal(re.sub(r"\s+", "", clean), count) if _has_han(clean) else _en_ordinal(clean, count)
    if position is None:
        return None
    index = position - 1 if position > 0 else count + position
    return index if 0 <= index < count else None


def _zh_ordinal(text: str, count: int) -> int | None:
    """Position 1-based from the front, or negative from the back (-1 = last)."""
    from_end = re.search(r"倒数第([一二两三四五六七八九十\d]{1,2})", text)
    if from_end:
        value = _number_word(from_end.group(1))
        return -value if value else None
    nth = re.search(r"第([一二两三四五六七八九十\d]{1,2})", text)
    if nth:
        return _number_word(nth.group(1))
    if re.search(r"最后|后面|后边|后一|下面|下边|后者", text):
        return -1
    if re.search(r"前面|前边|前一|上面|上边|前者|头一", text):
        return 1
    if re.search(r"中间", text) and count % 2 == 1:
        return count // 2 + 1
    bare = re.fullmatch(r"(?:就|选|要)?([一二两三四五六七八九十\d]{1,2})(?:号|个|位)?(?:吧|啊)?", text)
    return _number_word(bare.group(1)) if bare else None


def _en_ordinal(text: str, count: int) -> int | None:
    words = re.findall(r"[a-z0-9]+", text)
    joined = " ".join(words)
    from_end = re.search(r"\b(?:second|2nd) (?:to|from) (?:the )?last\b|\blast but one\b|\bpenultimate\b", joined)
    if from_end:
        return -2
    if re.search(r"\b(?:last|latter|final|bottom)\b(?! (?:month|week|year|time|night|quarter|monday|tuesday|wednesday|"
                 r"thursday|friday|saturday|sunday|call|order|invoice|visit|meeting))", joined):
        return -1  # "the last one", not "last month"
    if re.search(r"\b(?:former|top)\b", joined):
        return 1
    if re.search(r"\bmiddle\b", joined) and count % 2 == 1:
        return count // 2 + 1
    for word in words:
        if word in _EN_ORDINALS:
            return _EN_ORDINALS[word]
    numbered = re.search(r"\b(?:number|no|option|choice)\s+([a-z0-9]+)\b", joined)
    if numbered:
        return _number_word(numbered.group(1))
    bare = re.fullmatch(r"(?:the )?([a-z0-9]+)(?: one)?(?: please)?", joined)
    return _number_word(bare.group(1)) if bare else None


_SCORE_WORDS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(r"非常不满意|很不满意|特别不满意|极不满意|太差|很差|非常差|特别差|极差|糟糕|垃圾|差劲|"
                   r"\b(?:terrible|awful|horrible|very bad|very poor|very dissatisfied|very unsatisfied|"
                   r"very unhappy|extremely (?:bad|poor|dissatisfied)|worst|useless)\b")),
    (2, re.compile(r"不太满意|不满意|不是很满意|不怎么样|不太好|不好|较差|比较差|有点差|^差$|失望|"
                   r"\b(?:not (?:very |really |too )?(?:satisfied|happy|good|great)|dissatisfied|unsatisfied|"
                   r"unhappy|bad|poor|disappointed|disappointing)\b")),
    (5, re.compile(r"非常满意|十分满意|很满意|特别满意|太满意|超级满意|非常好|特别好|太好了|满分|完美|好极了|"
                   r"\b(?:very satisfied|extremely satisfied|very happy|excellent|perfect|outstanding|"
                   r"fantastic|amazing|brilliant|wonderful|superb|very good|really good|great)\b")),
    (4, re.compile(r"比较满意|挺满意|还算满意|满意|挺好|很好|不错|好的|好|"
                   r"\b(?:satisfied|happy|good|pretty good|quite good|not bad|nice|pleased)\b")),
    (3, re.compile(r"一般|还行|差不多|还可以|马马虎虎|凑合|过得去|普通|中等|"
                   r"\b(?:okay|ok|so so|so-so|average|alright|all right|fine|fair|mediocre|neutral|decent)\b")),
]
_ZH_SCORE = re.compile(r"([1-5一二两三四五])\s*(?:分|颗星|星|颗)")
_EN_SCORE = re.compile(r"\b([1-5]|one|two|three|four|five)\s*(?:out of (?:5|five)|/\s*5|stars?|points?)\b|\b(?:a|an)\s+([1-5])\b")


def satisfaction_score(text: str, entities: Mapping[str, str] | None = None) -> int | None:
    """A satisfaction score 1–5 from "五分", "5", "five stars", "非常满意" (5), "满意" (4),
    "一般" (3), "不满意" (2), "很差" (1); the NLU's `score` entity wins when it is 1–5."""
    entity = _entity(entities, "score")
    if entity:
        value = _number_word(entity)
        if value is not None and 1 <= value <= 5:
            return value
    clean = _clean(text).lower()
    if not clean:
        return None
    number = _score_number(clean)
    if number is not None:
        return number
    text_for_words = clean.replace("not bad", "pretty good")
    for score, pattern in _SCORE_WORDS:
        if pattern.search(text_for_words):
            return score
    return None


def _score_number(text: str) -> int | None:
    compact = text.strip(_PUNCT)
    value = _number_word(compact)
    if value is not None:
        return value if 1 <= value <= 5 else None
    if "满分" in text or re.search(r"\bfull marks\b", text):
        return 5
    match = _ZH_SCORE.search(text)
    if match and not re.search(r"十分$", text[: match.end()]):
        return _number_word(match.group(1))
    match = _EN_SCORE.search(text)
    if match:
        return _number_word(match.group(1) or match.group(2))
    return None
