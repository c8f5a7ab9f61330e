"""A guest asking for a wake-up call in their own words: "明早七点叫醒我", "wake me at 6:30",
"半小时后叫我一下", "取消明天的叫醒".

`wakeup_request(text)` says whether the text asks for (or cancels) a wake-up call and what time it
names; `due_moment` turns that into the moment to ring, in the hotel's time zone. The clock time is
read by the same reader as appointment times (`bot.dialogue.parse.times.clock_time`), except that a
bare hour is in the morning: nobody asks to be woken at "seven" meaning 19:00 unless they say
tonight, 晚上 or p.m.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.dialogue.parse.times import clock_time

_ASKS = re.compile(r"叫醒|叫我起床|喊我起床|叫我起来|叫早|叫一下我|叫我一下|打电话叫我|morning call|wake[- ]?up call|"
                   r"\bwake (?:me|us)\b|\bwakeup\b|\bwake-up\b", re.IGNORECASE)
_NAP = re.compile(r"(?:后|以后|之后)叫我|\bin (?:an?|\d+|one|two|three|half an?) (?:hour|minute)", re.IGNORECASE)
_CANCEL = re.compile(r"取消|不用叫|不要叫|别叫|不需要叫|\bcancel\b|\bno (?:more )?wake|\bdon'?t (?:need|want) (?:the|a|my) wake",
                     re.IGNORECASE)
_TOMORROW = re.compile(r"明天|明早|明晨|明晚|明儿|\btomorrow\b", re.IGNORECASE)
_DAY_AFTER = re.compile(r"后天|\bday after tomorrow\b", re.IGNORECASE)
_TODAY = re.compile(r"今天|今早|今晚|今儿|\btoday\b|\btonight\b|\bthis (?:morning|afternoon|evening)\b", re.IGNORECASE)
_EVENING = re.compile(r"今晚|明晚|\btonight\b|\bthis evening\b|\bin the evening\b", re.IGNORECASE)
_SHORTHANDS = (("明早", "明天早上"), ("明晨", "明天早上"), ("今早", "今天早上"), ("明晚", "明天晚上"), ("今晚", "今天晚上"))

_ZH_SMALL = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
             "十五": 15, "二十": 20, "三十": 30, "四十": 40, "四十五": 45}
_EN_SMALL = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10, "fifteen": 15,
             "twenty": 20, "thirty": 30, "forty": 40, "forty five": 45}
_ZH_AFTER = re.compile(r"(?P<half>半)个?(?:小时|钟头)|(?P<n>\d{1,3}|[一两二三四五六七八九十]{1,3})个?(?:半)?"
                       r"(?P<unit>小时|钟头|分钟)(?P<and_half>半)?")
_EN_AFTER = re.compile(r"\bin (?:(?P<half>half an?) hour|(?P<n>\d{1,3}|an?|one|two|three|four|five|ten|fifteen|twenty|"
                       r"thirty|forty five|forty)(?P<and_half> and a half)? (?P<unit>hours?|minutes?|mins?))\b",
                       re.IGNORECASE)


@dataclass(frozen=True)
class WakeupRequest:
    cancel: bool = False
    clock: str | None = None
    """"07:00": the time of day named, if any."""
    day: int | None = None
    """0 today, 1 tomorrow, 2 the day after; None: the next time that clock comes round."""
    after: dt.timedelta | None = None
    """"半小时后叫我": a nap, counted from now."""

    @property
    def has_time(self) -> bool:
        return self.clock is not None or self.after is not None


def wakeup_request(text: str, expected: bool = False) -> WakeupRequest | None:
    """The wake-up call `text` asks for or cancels, or None when it is not about one. With
    `expected` (the time was just asked), a bare time ("七点", "six thirty") is the answer."""
    asks = bool(_ASKS.search(text) or _NAP.search(text))
    if not asks and not expected:
        return None
    if asks and _CANCEL.search(text):
        return WakeupRequest(cancel=True)
    clock = _clock(text)
    if clock is None and expected and not asks:
        clock = _clock(f"at {text}")  # "six thirty", "7" answering "what time?"
    return WakeupRequest(clock=clock, day=_day(text), after=_after(text))


def due_moment(request: WakeupRequest, now: dt.datetime, zone: dt.tzinfo) -> dt.datetime | None:
    """When to ring (aware UTC): `after` from now, or the clock time on the day said, else the next
    time that clock comes round. None when no time was said."""
    if request.after is not None:
        return (now + request.after).astimezone(dt.timezone.utc).replace(second=0, microsecond=0)
    if request.clock is None:
        return None
    local_now = now.astimezone(zone)
    hour, minute = (int(part) for part in request.clock.split(":"))
    day = local_now.date() + dt.timedelta(days=request.day or 0)
    moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)
    if request.day is None and moment <= local_now:
        moment += dt.timedelta(days=1)
    return moment.astimezone(dt.timezone.utc)


def _clock(text: str) -> str | None:
    for short, long in _SHORTHANDS:
        text = text.replace(short, long)
    found = clock_time(text, bare_hours_afternoon=False)
    if found and _EVENING.search(text):
        hour, minute = found.split(":")
        if int(hour) < 12:
            return f"{int(hour) + 12:02d}:{minute}"
    return found


def _day(text: str) -> int | None:
    if _DAY_AFTER.search(text):
        return 2
    if _TOMORROW.search(text):
        return 1
    if _TODAY.search(text):
        return 0
    return None


def _after(text: str) -> dt.timedelta | None:
    if "后" not in text and not re.search(r"\bin\b", text, re.IGNORECASE):
        return None
    found = _ZH_AFTER.search(text) or _EN_AFTER.search(text)
    if not found or (found.re is _ZH_AFTER and "后" not in text[found.end():found.end() + 3]):
        return None
    if found.group("half"):
        return dt.timedelta(minutes=30)
    said = found.group("n").lower()
    count = int(said) if said.isdigit() else (_ZH_SMALL.get(said) or _EN_SMALL.get(said))
    if not count:
        return None
    unit = found.group("unit").lower()
    minutes = count * 60 if unit.startswith(("小时", "钟头", "hour")) else count
    if found.group("and_half") or (found.re is _ZH_AFTER and "半" in found.group(0) and unit in ("小时", "钟头")):
        minutes += 30
    if not 1 <= minutes <= 24 * 60:
        return None
    return dt.timedelta(minutes=minutes)
