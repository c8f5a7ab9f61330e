"""The inquiries every organisation file answers without a FAQ entry: address, opening hours
(today's situation: open now, closed for the evening, a holiday, a make-up working day, special
hours, a closed holiday in the coming week) and directions (the FAQ's `directions` entry, else the
address). Hours come through `bot.rules.calendar`, so they are always current."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from bot.org.model import WEEKDAYS, Directory, Span
from bot.rules.calendar import DayHours, day_hours, open_state, to_local, weekday_key

if TYPE_CHECKING:
    from bot.dialogue.faq import Faq

DIRECTIONS_ID = "directions"
"""The FAQ entry `directions_answer` uses when the FAQ has one."""

_DAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_WEEKDAY_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")
_HOLIDAYS_EN = {
    "元旦": "New Year's Day", "春节": "the Spring Festival", "除夕": "Chinese New Year's Eve",
    "清明": "the Qingming Festival", "清明节": "the Qingming Festival", "劳动节": "Labour Day",
    "五一": "Labour Day", "端午": "the Dragon Boat Festival", "端午节": "the Dragon Boat Festival",
    "中秋": "the Mid-Autumn Festival", "中秋节": "the Mid-Autumn Festival", "国庆": "National Day",
    "国庆节": "National Day", "圣诞节": "Christmas",
}
UPCOMING_HOLIDAY_DAYS = 7
"""A closed holiday starting within this many days is mentioned with the hours."""


def _is_english(language: str) -> bool:
    return isinstance(language, str) and language.lower().startswith("en")


def address_answer(directory: Directory, language: str) -> str:
    """Where the organisation is, in the caller's language (the Chinese address when no English one)."""
    org = directory.organization
    if _is_english(language):
        name = org.name_en or "We"
        address = org.address_en or org.address
        return f"{name} is at {address}." if address else "Sorry, I don't have our address here."
    if not org.address:
        return "抱歉，我这里查不到地址信息。"
    return f"{org.name}的地址是{org.address}。"


def directions_answer(directory: Directory, faq: Faq | None, language: str) -> str:
    """How to get here: the FAQ's `directions` entry when there is one, else the address."""
    entry = faq.entry(DIRECTIONS_ID) if faq is not None else None
    return entry.answer(language) if entry is not None else address_answer(directory, language)


def weekly_hours(directory: Directory, language: str) -> str:
    """The regular week: "周一至周五 08:30-17:30，周六、周日休息" /
    "Monday to Friday 08:30-17:30, closed Saturday and Sunday"."""
    english = _is_english(language)
    groups: list[tuple[list[int], Span | None]] = []
    for index, day in enumerate(WEEKDAYS):
        span = directory.hours.get(day)
        if groups and groups[-1][1] == span:
            groups[-1][0].append(index)
        else:
            groups.append(([index], span))
    pieces = []
    for days, span in groups:
        named = _day_range(days, english)
        if span is None:
            pieces.append(f"closed {named}" if english else f"{named}休息")
        else:
            pieces.append(f"{named} {_span_text(span, english)}")
    return ", ".join(pieces) if english else "，".join(pieces)


def hours_answer(directory: Directory, language: str, at: dt.datetime) -> str:
    """Opening hours for a caller: the regular week, then today (open now, not yet open, closed for
    the evening, a holiday or a make-up working day) and a closed holiday in the coming week."""
    english = _is_english(language)
    week = weekly_hours(directory, language)
    intro = f"Our hours are {week}." if english else f"我们的上班时间是{week}。"
    parts = [intro, _today_note(directory, at, english)]
    upcoming = _upcoming_holiday_note(directory, at, english)
    if upcoming:
        parts.append(upcoming)
    return " ".join(p for p in parts if p) if english else "".join(p for p in parts if p)


def _today_note(directory: Directory, at: dt.datetime, english: bool) -> str:
    state = open_state(directory, at)
    local = state.local_time
    today = day_hours(directory, local.date())
    holiday = today.holiday
    special = _special_day_note(directory, today, english)
    if state.open:
        closes = f"{state.closes_at:%H:%M}" if state.closes_at else ""
        return special + (f"We are open now, until {closes} today." if english else f"现在正在上班，今天{closes}下班。")
    upcoming = _when(local, state.next_open, english)
    if holiday is not None and holiday.closed:
        if english:
            return f"Today we are closed for {_holiday_en(holiday.name)}; {upcoming}."
        return f"今天{holiday.name or '节假日'}放假，{upcoming}。"
    if today.span is None:
        day = _DAYS_EN[local.weekday()] if english else _WEEKDAY_ZH[local.weekday()]
        return f"We are closed today, {day}; {upcoming}." if english else f"今天{day}休息，{upcoming}。"
    if local.time().replace(tzinfo=None) < today.span.opens:
        return special + (f"We are not open yet; {upcoming}." if english else f"现在还没到上班时间，{upcoming}。")
    return special + (f"We are closed for the day now; {upcoming}." if english else f"现在是下班时间，{upcoming}。")


def _special_day_note(directory: Directory, today: DayHours, english: bool) -> str:
    """A make-up working day (调休上班) or special hours today, which the weekly hours do not show."""
    holiday, span = today.holiday, today.span
    if holiday is None or span is None:
        return ""
    makeup = directory.hours.get(weekday_key(today.day)) is None
    hours = _span_text(span, english)
    if english:
        what = "a make-up working day" if makeup else f"a day with special hours ({_holiday_en(holiday.name)})"
        return f"Today is {what}: we are open {hours}. "
    if makeup:
        what = holiday.name if "调休" in holiday.name or "上班" in holiday.name else "是调休上班日"
        return f"今天{what}，上班时间{hours}。"
    return f"今天{holiday.name or '特别安排'}，上班时间调整为{hours}。"


def _upcoming_holiday_note(directory: Directory, at: dt.datetime, english: bool) -> str:
    """"另外，10月1日至10月7日国庆节放假。" for a closed holiday starting in the next few days."""
    today = to_local(directory, at).date()
    soon = [h for h in directory.holidays
            if h.closed and today < h.date <= today + dt.timedelta(days=UPCOMING_HOLIDAY_DAYS)]
    if not soon:
        return ""
    holiday = min(soon, key=lambda h: h.date)
    end = holiday.to or holiday.date
    if english:
        span = _date_en(holiday.date) if end == holiday.date else f"{_date_en(holiday.date)} to {_date_en(end)}"
        return f"Please note we will be closed {'on' if end == holiday.date else 'from'} {span} for " \
               f"{_holiday_en(holiday.name)}."
    span = _date_zh(holiday.date) if end == holiday.date else f"{_date_zh(holiday.date)}至{_date_zh(end)}"
    return f"另外，{span}{holiday.name or '节假日'}放假。"


def _when(local: dt.datetime, upcoming: dt.datetime | None, english: bool) -> str:
    """"明天08:30上班" / "we open again tomorrow at 08:30"."""
    if upcoming is None:
        return "no opening is scheduled in the coming weeks" if english else "近期暂无上班安排"
    days = (upcoming.date() - local.date()).days
    clock = f"{upcoming:%H:%M}"
    if english:
        when = "today" if days == 0 else "tomorrow" if days == 1 else \
            f"on {_DAYS_EN[upcoming.weekday()]} {_date_en(upcoming.date())}"
        return f"we open {'again ' if days else ''}{when} at {clock}"
    when = "今天" if days == 0 else "明天" if days == 1 else \
        f"{_date_zh(upcoming.date())}（{_WEEKDAY_ZH[upcoming.weekday()]}）"
    return f"{when}{clock}上班"


def _day_range(days: list[int], english: bool) -> str:
    names = _DAYS_EN if english else _DAYS_ZH
    if len(days) == 1:
        return names[days[0]]
    if len(days) == 2:
        return f"{names[days[0]]} and {names[days[1]]}" if english else f"{names[days[0]]}、{names[days[1]]}"
    return f"{names[days[0]]} to {names[days[-1]]}" if english else f"{names[days[0]]}至{names[days[-1]]}"


def _span_text(span: Span, english: bool) -> str:
    if span.opens == dt.time(0, 0) and span.closes == dt.time.max:
        return "open 24 hours" if english else "全天"
    return str(span)


def _date_zh(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _date_en(day: dt.date) -> str:
    return f"{day.day} {_MONTHS_EN[day.month - 1]}"


def _holiday_en(name: str) -> str:
    """An English name for a holiday the file names in Chinese (国庆节 → National Day)."""
    for chinese, english in _HOLIDAYS_EN.items():
        if chinese in name:
            return english
    return name if name and name.isascii() else "a public holiday"
