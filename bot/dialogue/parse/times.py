"""The clock time in what a visitor says about an appointment: "约了下午两点半", "my eleven o'clock".

Measured against dateparser and jionlp on caller text (bench/parser_libraries.py): dateparser reads
no Chinese time and no spoken English one ("two o'clock", "ten thirty"); jionlp reads Chinese well
but no English and depends on a GPL-3.0 package. This reader covers what visitors say at a front
desk: an hour, with a part of the day, a half, a quarter or minutes.

A bare hour from 1 to 7 is in the afternoon: nobody has a 3 a.m. appointment at a front desk.
"""

from __future__ import annotations

import re

from bot.dialogue.parse.text import _clean

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
               "ten": 10, "eleven": 11, "twelve": 12}
_EN_MINUTES = {"o five": 5, "oh five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "twenty five": 25,
               "thirty": 30, "thirty five": 35, "forty": 40, "forty five": 45, "fifty": 50, "fifty five": 55}

_ZH_NUMBER = r"[零〇一二两三四五六七八九十\d]{1,3}"
_ZH_TIME = re.compile(
    r"(?P<part>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上)?(?P<hour>" + _ZH_NUMBER + r")(?:点钟?|[:：])"
    r"(?:(?P<half>半)|(?P<quarter>一刻|三刻)|(?P<minute>" + _ZH_NUMBER + r")分?|整)?")
_ZH_NOT_A_TIME_BEFORE = frozenset("快慢早晚多少大小好有差些再稍")
"""快一点, 早一点: 一点 as "a little", not one o'clock."""

_EN_HOUR = r"(?P<hour>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_EN_MINUTE = r"(?P<minute>\d{2}|o five|oh five|fifteen|thirty five|thirty|forty five|forty|twenty five|twenty|fifty five|" \
             r"fifty|ten)"
_EN_AFTER_A_TIME = (r"(?=\s*(?:$|[,.;!?]|with\b|about\b|meeting\b|appointment\b|and\b|please\b|today\b|tomorrow\b|tonight\b|"
                    r"this\b|for\b|in\b|sharp\b|then\b|but\b))")
_EN_TIMES = (
    re.compile(r"\b(?:half past) " + _EN_HOUR + r"\b", re.IGNORECASE),
    re.compile(r"\b(?P<quarter>quarter (?:past|after|to)) " + _EN_HOUR + r"\b", re.IGNORECASE),
    re.compile(r"\b" + _EN_HOUR + r"(?::(?P<digits>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)(?!\w)", re.IGNORECASE),
    re.compile(r"\b" + _EN_HOUR + r":(?P<digits>\d{2})\b", re.IGNORECASE),
    re.compile(r"\b" + _EN_HOUR + r"[\s-]+o'?clock\b", re.IGNORECASE),
    re.compile(r"\b(?:at|a|my|the|our|for|said|is|was|by|around|about)\s+" + _EN_HOUR + r"(?:[\s-]+" + _EN_MINUTE + r")?"
               + _EN_AFTER_A_TIME, re.IGNORECASE),
)


def clock_time(text: str, bare_hours_afternoon: bool = True) -> str | None:
    """The time of day `text` names, as "HH:MM", or None: "约了下午两点半" → "14:30", "十点四十五" →
    "10:45", "I have a two o'clock" → "14:00", "at 10 am" → "10:00", "half past two" → "14:30".

    A bare hour from 1 to 7 is in the afternoon (an appointment), unless `bare_hours_afternoon` is
    False (a wake-up call: "七点叫醒我" is 07:00)."""
    clean = _clean(text)
    if not clean:
        return None
    return _zh_clock_time(clean, bare_hours_afternoon) or _en_clock_time(clean, bare_hours_afternoon)


def _zh_clock_time(text: str, bare_hours_afternoon: bool = True) -> str | None:
    for found in _ZH_TIME.finditer(text):
        hour = _zh_number(found.group("hour"))
        before = text[found.start() - 1:found.start()] if found.start() else ""
        said_plainly = found.group("part") or found.group("half") or found.group("quarter") or found.group("minute")
        a_little = found.group("hour") == "一" and before in _ZH_NOT_A_TIME_BEFORE
        if hour is None or (not said_plainly and (a_little or before == "有")):  # 快一点, 有两点要说明
            continue
        minute = 30 if found.group("half") else 0
        if found.group("quarter"):
            minute = 15 if found.group("quarter") == "一刻" else 45
        elif found.group("minute"):
            minute = _zh_number(found.group("minute")) or 0
        result = _as_clock(hour, minute, _zh_afternoon(found.group("part"), hour), bare_hours_afternoon)
        if result:
            return result
    return None


def _zh_number(said: str) -> int | None:
    """"十" → 10, "十四" → 14, "四十五" → 45, "两" → 2, "14" → 14."""
    if said.isdigit():
        return int(said)
    if "十" in said:
        tens, _, units = said.partition("十")
        if len(tens) > 1 or len(units) > 1:
            return None
        return _ZH_DIGITS.get(tens, 1 if not tens else -100) * 10 + _ZH_DIGITS.get(units, 0 if not units else -100)
    if len(said) == 1:
        return _ZH_DIGITS.get(said)
    return None


def _zh_afternoon(part: str | None, hour: int) -> bool | None:
    """True for 下午/晚上, False for 上午/早上, None when not said (then a bare 1–7 is afternoon)."""
    if part in ("下午", "傍晚", "晚上"):
        return True
    if part == "中午":
        return True if hour < 6 else None
    return False if part else None


def _en_clock_time(text: str, bare_hours_afternoon: bool = True) -> str | None:
    for pattern in _EN_TIMES:
        found = pattern.search(text)
        if not found:
            continue
        hour = _en_number(found.group("hour"))
        if hour is None:
            continue
        groups = found.groupdict()
        minute = 0
        if found.re is _EN_TIMES[0]:
            minute = 30
        elif groups.get("quarter"):
            minute = 15 if not groups["quarter"].lower().endswith("to") else -15
        elif groups.get("digits"):
            minute = int(groups["digits"])
        elif groups.get("minute"):
            minute = _en_minute(groups["minute"])
        afternoon = None
        if groups.get("ampm"):
            afternoon = groups["ampm"].lower().startswith("p")
            hour = 0 if hour == 12 and not afternoon else hour  # 12 am
        if minute < 0:
            hour, minute = (hour - 1) or 12, 60 + minute
        result = _as_clock(hour, minute, afternoon, bare_hours_afternoon)
        if result:
            return result
    return None


def _en_number(said: str) -> int | None:
    return int(said) if said.isdigit() else _EN_NUMBERS.get(said.lower())


def _en_minute(said: str) -> int:
    return int(said) if said.isdigit() else _EN_MINUTES.get(re.sub(r"\s+", " ", said.lower()), 0)


def _as_clock(hour: int, minute: int, afternoon: bool | None, bare_hours_afternoon: bool = True) -> str | None:
    if not (0 <= hour <= 24 and 0 <= minute < 60):
        return None
    if afternoon is True and hour < 12:
        hour += 12
    elif afternoon is None and bare_hours_afternoon and 1 <= hour <= 7:
        hour += 12  # a bare "two o'clock", "约了三点": office hours
    if hour >= 24:
        return None
    return f"{hour:02d}:{minute:02d}"
