"""Opening hours, holidays, make-up days and the duty roster, in the organisation's time zone."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.org.model import DutyAssignment, Holiday, Organization, Span
from bot.rules.calendar import day_hours, duty_day, duty_person, next_opening, open_state

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# --------------------------------------------------------------------------------------
# Regular hours


def test_a_weekday_inside_hours_is_open_and_says_which_hours(demo_directory):
    state = open_state(demo_directory, local("2026-11-25T10:15"))
    assert state.open
    assert state.reason == "Wednesday 08:30-17:30"
    assert state.reason_zh == "星期三 08:30-17:30"
    assert state.today == Span(dt.time(8, 30), dt.time(17, 30))
    assert state.closes_at == local("2026-11-25T17:30")
    assert state.next_open is None


@pytest.mark.parametrize(("moment", "is_open"), [
    ("2026-11-25T08:29:59", False),
    ("2026-11-25T08:30:00", True),
    ("2026-11-25T17:29:59", True),
    ("2026-11-25T17:30:00", False),
])
def test_opening_and_closing_minutes_are_exact(demo_directory, moment, is_open):
    assert open_state(demo_directory, local(moment)).open is is_open


def test_early_morning_is_before_hours_and_opens_the_same_day(demo_directory):
    state = open_state(demo_directory, local("2026-11-25T07:00"))
    assert not state.open
    assert state.reason == "before hours (opens 08:30)"
    assert state.reason_zh == "尚未上班（今天08:30上班）"
    assert state.next_open == local("2026-11-25T08:30")


def test_a_weekday_evening_opens_tomorrow(demo_directory):
    state = open_state(demo_directory, local("2026-11-25T19:00"))
    assert not state.open
    assert state.reason == "after hours (opens tomorrow 08:30)"
    assert state.next_open == local("2026-11-26T08:30")


def test_friday_evening_opens_on_monday(demo_directory):
    state = open_state(demo_directory, local("2026-11-27T20:30"))
    assert not state.open
    assert state.reason == "after hours (opens Monday 2026-11-30 08:30)"
    assert state.next_open == local("2026-11-30T08:30")


def test_the_weekend_is_closed_all_day(demo_directory):
    state = open_state(demo_directory, local("2026-11-28T11:00"))
    assert not state.open
    assert state.today is None
    assert state.reason.startswith("closed on Saturday")
    assert state.next_open == local("2026-11-30T08:30")


# --------------------------------------------------------------------------------------
# Holidays and make-up days


@pytest.mark.parametrize(("day", "opens"), [
    ("2026-10-01", "Thursday 2026-10-08 08:30"),
    ("2026-10-03", "Thursday 2026-10-08 08:30"),
    ("2026-10-07", "tomorrow 08:30"),
])
def test_every_day_of_a_holiday_range_is_closed(demo_directory, day, opens):
    state = open_state(demo_directory, local(f"{day}T10:00"))
    assert not state.open
    assert state.reason == f"holiday 国庆节 (opens {opens})"
    assert state.reason_zh.startswith("国庆节放假")
    assert state.next_open == local("2026-10-08T08:30")


def test_the_day_after_a_holiday_is_open_again(demo_directory):
    assert open_state(demo_directory, local("2026-10-08T10:00")).open


def test_a_make_up_saturday_is_a_working_day(demo_directory):
    state = open_state(demo_directory, local("2026-10-10T10:00"))
    assert state.open
    assert state.reason == "make-up working day 调休上班 08:30-17:30"
    assert "调休上班" in state.reason_zh
    # and the Friday evening before it opens on that Saturday, not on Monday
    assert open_state(demo_directory, local("2026-10-09T18:00")).next_open == local("2026-10-10T08:30")


def test_spring_festival_closes_nine_days_and_the_make_up_saturday_opens(demo_directory):
    assert all(
        day_hours(demo_directory, dt.date(2026, 2, 15) + dt.timedelta(days=n)).span is None for n in range(9)
    )
    assert open_state(demo_directory, local("2026-02-24T09:00")).open
    assert open_state(demo_directory, local("2026-02-28T09:00")).open
    assert not open_state(demo_directory, local("2026-03-01T09:00")).open


def test_a_working_day_inside_a_closed_range_wins(demo_directory):
    directory = dataclasses.replace(demo_directory, holidays=(
        Holiday(date=dt.date(2026, 12, 20), to=dt.date(2026, 12, 31), name="年终停工"),
        Holiday(date=dt.date(2026, 12, 26), closed=False, hours=Span(dt.time(9), dt.time(12)), name="盘点"),
    ))
    assert not open_state(directory, local("2026-12-24T10:00")).open
    saturday = open_state(directory, local("2026-12-26T10:00"))
    assert saturday.open
    assert saturday.reason == "make-up working day 盘点 09:00-12:00"
    assert not open_state(directory, local("2026-12-26T12:30")).open


def test_special_hours_on_a_regular_weekday_are_named_as_such(demo_directory):
    directory = dataclasses.replace(demo_directory, holidays=(
        Holiday(date=dt.date(2026, 12, 31), closed=False, hours=Span(dt.time(8, 30), dt.time(12)), name="除夕半天"),
    ))
    assert open_state(directory, local("2026-12-31T11:00")).reason == "special hours 除夕半天 08:30-12:00"
    afternoon = open_state(directory, local("2026-12-31T14:00"))
    assert not afternoon.open
    assert afternoon.reason.startswith("after hours")


def test_an_office_that_never_opens_has_no_next_opening(demo_directory):
    closed = dataclasses.replace(demo_directory, hours=dict.fromkeys(demo_directory.hours), holidays=())
    state = open_state(closed, local("2026-11-25T10:00"))
    assert not state.open
    assert state.next_open is None
    assert "no opening in the next 60 days" in state.reason
    assert next_opening(closed, local("2026-11-25T10:00")) is None


def test_hours_to_midnight_stay_open_until_the_last_second(demo_directory):
    round_the_clock = dataclasses.replace(
        demo_directory, hours=dict.fromkeys(demo_directory.hours, Span(dt.time(0), dt.time.max)), holidays=(),
    )
    assert open_state(round_the_clock, local("2026-11-28T23:59:30")).open
    assert open_state(round_the_clock, local("2026-11-28T00:00")).open


# --------------------------------------------------------------------------------------
# Time zones


def test_a_utc_moment_is_judged_in_the_organisations_zone(demo_directory):
    # 01:00 UTC is 09:00 in Shanghai: open; 10:00 UTC is 18:00 in Shanghai: closed.
    morning = open_state(demo_directory, dt.datetime(2026, 11, 25, 1, 0, tzinfo=UTC))
    assert morning.open
    assert morning.local_time == local("2026-11-25T09:00")
    assert morning.local_time.utcoffset() == dt.timedelta(hours=8)
    assert not open_state(demo_directory, dt.datetime(2026, 11, 25, 10, 0, tzinfo=UTC)).open


def test_a_naive_moment_is_local_time(demo_directory):
    assert open_state(demo_directory, dt.datetime(2026, 11, 25, 10, 0)).open
    assert not open_state(demo_directory, dt.datetime(2026, 11, 25, 10, 0, tzinfo=UTC)).open


def test_late_sunday_utc_is_monday_morning_in_shanghai(demo_directory):
    early = open_state(demo_directory, dt.datetime(2026, 11, 29, 23, 0, tzinfo=UTC))
    assert early.local_time == local("2026-11-30T07:00")
    assert early.reason == "before hours (opens 08:30)"
    opening = open_state(demo_directory, dt.datetime(2026, 11, 30, 0, 30, tzinfo=UTC))
    assert opening.open
    assert opening.reason == "Monday 08:30-17:30"


def test_another_zone_uses_its_own_clock_and_daylight_saving(demo_directory):
    london = dataclasses.replace(
        demo_directory, organization=Organization(name="Huaxin UK", timezone="Europe/London", operator="8000"),
        holidays=(),
    )
    # 08:45 UTC: 08:45 in London in winter (open), 09:45 in summer (open); 07:45 UTC in summer is 08:45 BST.
    assert open_state(london, dt.datetime(2026, 11, 25, 8, 45, tzinfo=UTC)).open
    summer = open_state(london, dt.datetime(2026, 7, 1, 7, 45, tzinfo=UTC))
    assert summer.open
    assert summer.local_time.utcoffset() == dt.timedelta(hours=1)
    assert not open_state(london, dt.datetime(2026, 11, 25, 7, 45, tzinfo=UTC)).open


# --------------------------------------------------------------------------------------
# The duty roster


def test_a_date_entry_wins_over_the_weekday_entry(demo_directory):
    directory = dataclasses.replace(demo_directory, duty_roster=(
        DutyAssignment(person="chen-jing", weekday="fri"),
        DutyAssignment(person="he-peng", date=dt.date(2026, 11, 27)),
    ))
    assert duty_person(directory, local("2026-11-27T20:00")).id == "he-peng"
    assert duty_person(directory, local("2026-11-20T20:00")).id == "chen-jing"


def test_the_demo_roster_by_weekday(demo_directory):
    assert duty_person(demo_directory, local("2026-11-23T19:00")).id == "sun-lei"  # Monday
    assert duty_person(demo_directory, local("2026-11-25T19:00")).id == "wu-hao"  # Wednesday
    assert duty_person(demo_directory, local("2026-11-28T12:00")).id == "liu-yang"  # Saturday


def test_a_night_belongs_to_the_day_the_evening_started(demo_directory):
    # 02:00 on Saturday is still Friday night: Friday 27 November is chen-jing's (date entry).
    assert duty_day(demo_directory, local("2026-11-28T02:00")) == dt.date(2026, 11, 27)
    assert duty_person(demo_directory, local("2026-11-28T02:00")).id == "chen-jing"
    # after the morning handover (the earliest opening, 08:30) Saturday's person takes over
    assert duty_person(demo_directory, local("2026-11-28T08:29")).id == "chen-jing"
    assert duty_person(demo_directory, local("2026-11-28T08:30")).id == "liu-yang"
    # Sunday 03:00 is Saturday night; Monday 07:00 is Sunday night
    assert duty_person(demo_directory, local("2026-11-29T03:00")).id == "liu-yang"
    assert duty_person(demo_directory, local("2026-11-30T07:00")).id == "he-peng"


def test_the_duty_roster_reads_utc_moments_in_local_time(demo_directory):
    # 18:00 UTC on Friday is 02:00 on Saturday in Shanghai: Friday night's duty.
    assert duty_person(demo_directory, dt.datetime(2026, 11, 27, 18, 0, tzinfo=UTC)).id == "chen-jing"
    # 01:00 UTC on Saturday is 09:00 on Saturday in Shanghai: Saturday's duty.
    assert duty_person(demo_directory, dt.datetime(2026, 11, 28, 1, 0, tzinfo=UTC)).id == "liu-yang"


def test_no_roster_entry_means_no_duty_person(demo_directory):
    weekdays_only = dataclasses.replace(demo_directory, duty_roster=(DutyAssignment(person="sun-lei", weekday="mon"),))
    assert duty_person(weekdays_only, local("2026-11-25T20:00")) is None
    assert duty_person(weekdays_only, local("2026-11-23T20:00")).id == "sun-lei"
