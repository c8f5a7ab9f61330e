"""Lobby announcements (#12, point 7) on SQLite and PostgreSQL: weekly and one-off schedules in the
organisation's time zone (the weekday is the local one, across midnight UTC and summer time), each due
exactly once to a kiosk asking every 15 s, never said late to a kiosk that was off, the next time shown,
mistakes refused with nothing stored, and staff numbers never announced."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from bot import announcements
from bot.announcements import AnnouncementError, Schedule
from bot.db.engine import Database
from bot.org.model import Directory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
FRIDAY = dt.date(2026, 12, 4)
WEEKDAYS = (1, 2, 3, 4, 5)


def local(day: dt.date, hh: int, mm: int, ss: int = 0, zone: dt.tzinfo = SHANGHAI) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm, ss), tzinfo=zone)


def polls(start: dt.datetime, end: dt.datetime, every_s: int = 15) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """(since, now) of a kiosk asking every `every_s` seconds from `start` to `end`."""
    since = start
    while since < end:
        now = since + dt.timedelta(seconds=every_s)
        yield since, now
        since = now


def heard(database: Database, directory: Directory, windows: Iterator[tuple[dt.datetime, dt.datetime]]) -> list:
    said = []
    with database.session() as session:
        for since, now in windows:
            said += [(item.announcement.id, item.at) for item in announcements.due(session, now, since, directory)]
    return said


def add(database: Database, directory: Directory, **values) -> announcements.Announcement:
    values.setdefault("text_zh", "欢迎光临")
    values.setdefault("text_en", None)
    with database.session() as session:
        return announcements.save(session, directory, by="supervisor:sam", **values)


def in_zone(directory: Directory, zone: str) -> Directory:
    return dataclasses.replace(directory, organization=dataclasses.replace(directory.organization, timezone=zone))


# ---------------------------------------------------------------------------------- schedules


def test_a_weekday_schedule_is_heard_once_at_each_time_and_not_at_the_weekend(demo_db, demo_directory):
    opening = add(demo_db, demo_directory, text_zh="早上好，欢迎光临华信科技。",
                  schedule=Schedule(days=WEEKDAYS, times=(dt.time(9, 0), dt.time(17, 20))))
    saturday = FRIDAY + dt.timedelta(days=1)
    windows = [*polls(local(FRIDAY, 8, 58, 7), local(FRIDAY, 9, 3)),
               *polls(local(FRIDAY, 17, 18), local(FRIDAY, 17, 23)),
               *polls(local(saturday, 8, 58), local(saturday, 9, 3))]
    assert heard(demo_db, demo_directory, iter(windows)) == [
        (opening.id, local(FRIDAY, 9, 0).astimezone(dt.timezone.utc)),
        (opening.id, local(FRIDAY, 17, 20).astimezone(dt.timezone.utc))]


def test_the_weekday_and_time_are_the_organisations_across_midnight_utc_and_summer_time(demo_db, demo_directory):
    # Monday 07:30 in Shanghai is Sunday 23:30 UTC: it is a Monday announcement, heard then
    monday_only = add(demo_db, demo_directory, schedule=Schedule(days=(1,), times=(dt.time(7, 30),)))
    sunday_utc = dt.datetime(2026, 12, 6, 23, 29, 50, tzinfo=dt.timezone.utc)
    assert heard(demo_db, demo_directory, iter([(sunday_utc, sunday_utc + dt.timedelta(seconds=15))])) == [
        (monday_only.id, dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.timezone.utc))]
    assert heard(demo_db, demo_directory, polls(dt.datetime(2026, 12, 7, 7, 29, tzinfo=dt.timezone.utc),
                                                dt.datetime(2026, 12, 7, 7, 31, tzinfo=dt.timezone.utc))) == []

    # New York's 09:00 is 14:00 UTC in winter and 13:00 UTC in summer
    new_york = in_zone(demo_directory, "America/New_York")
    with demo_db.session() as session:
        announcements.set_active(session, monday_only.id, False)
    daily = add(demo_db, new_york, schedule=Schedule(days=(1, 2, 3, 4, 5, 6, 7), times=(dt.time(9, 0),)))
    winter, summer = dt.date(2026, 12, 7), dt.date(2026, 7, 6)
    for day, utc_hour in ((winter, 14), (summer, 13)):
        at = dt.datetime.combine(day, dt.time(utc_hour), tzinfo=dt.timezone.utc)
        assert heard(demo_db, new_york, polls(at - dt.timedelta(minutes=1), at + dt.timedelta(minutes=1))) == [
            (daily.id, at)], day
    # the same announcement is not due at 09:00 in Shanghai's zone
    shanghai_nine = local(winter, 9, 0)
    assert heard(demo_db, new_york, polls(shanghai_nine - dt.timedelta(minutes=1),
                                          shanghai_nine + dt.timedelta(minutes=1))) == []


def test_a_one_off_plays_once_and_dates_bound_a_weekly_one(demo_db, demo_directory):
    once = add(demo_db, demo_directory, text_zh="请车牌号为浙A12345的车主到服务台挪车。", repeat=3,
               schedule=Schedule(once_at=dt.datetime(2026, 12, 4, 14, 45)))
    bounded = add(demo_db, demo_directory, text_zh="本周六商场举办圣诞活动。",
                  schedule=Schedule(days=(1, 2, 3, 4, 5, 6, 7), times=(dt.time(10, 0),),
                                    starts_on=dt.date(2026, 12, 5), ends_on=dt.date(2026, 12, 6)))
    days = [FRIDAY + dt.timedelta(days=n) for n in range(4)]
    said = heard(demo_db, demo_directory, iter([
        *polls(local(FRIDAY, 14, 44), local(FRIDAY, 14, 47)),
        *[window for day in days for window in polls(local(day, 9, 59), local(day, 10, 1))]]))
    assert said == [(once.id, local(FRIDAY, 14, 45).astimezone(dt.timezone.utc)),
                    (bounded.id, local(days[1], 10, 0).astimezone(dt.timezone.utc)),
                    (bounded.id, local(days[2], 10, 0).astimezone(dt.timezone.utc))]
    with demo_db.session() as session:
        assert announcements.get(session, once.id).repeat == 3
        # next times, in local time: the one-off is over; the bounded one starts on Saturday
        assert announcements.next_time(announcements.get(session, once.id), demo_directory,
                                       local(FRIDAY, 15, 0)) is None
        assert announcements.next_time(announcements.get(session, once.id), demo_directory,
                                       local(FRIDAY, 8, 0)) == local(FRIDAY, 14, 45)
        assert announcements.next_time(announcements.get(session, bounded.id), demo_directory,
                                       local(FRIDAY - dt.timedelta(days=3), 8, 0)) == local(days[1], 10, 0)
        assert announcements.next_time(announcements.get(session, bounded.id), demo_directory,
                                       local(days[2], 11, 0)) is None


def test_the_next_time_rolls_over_the_weekend(demo_db, demo_directory):
    closing = add(demo_db, demo_directory, text_zh="营业时间即将结束，欢迎再次光临。",
                  schedule=Schedule(days=WEEKDAYS, times=(dt.time(9, 0), dt.time(17, 20))))
    with demo_db.session() as session:
        found = announcements.get(session, closing.id)
    assert announcements.next_time(found, demo_directory, local(FRIDAY, 9, 0)) == local(FRIDAY, 17, 20)
    assert announcements.next_time(found, demo_directory, local(FRIDAY, 17, 21)) == local(FRIDAY + dt.timedelta(days=3), 9, 0)
    with demo_db.session() as session:
        off = announcements.set_active(session, closing.id, False, by="supervisor:sam")
    assert off is not None and not off.active and off.updated_by == "supervisor:sam"
    assert announcements.next_time(off, demo_directory, local(FRIDAY, 9, 0)) is None
    assert heard(demo_db, demo_directory, polls(local(FRIDAY, 17, 19), local(FRIDAY, 17, 21))) == []


# ---------------------------------------------------------------------------------- a kiosk that was off


def test_a_kiosk_that_was_off_does_not_say_old_announcements(demo_db, demo_directory):
    nine = add(demo_db, demo_directory, schedule=Schedule(days=WEEKDAYS, times=(dt.time(9, 0),)))
    expected = [(nine.id, local(FRIDAY, 9, 0).astimezone(dt.timezone.utc))]
    off_since = local(FRIDAY, 7, 0)
    # switched on two minutes after the time (its last poll was hours ago): still said, once
    assert heard(demo_db, demo_directory, iter([(off_since, local(FRIDAY, 9, 2))])) == expected
    # switched on ten minutes after: too late, never said
    assert heard(demo_db, demo_directory, iter([(off_since, local(FRIDAY, 9, 10))])) == []
    # a first poll (no `since`) counts back LATE_LIMIT only
    with demo_db.session() as session:
        assert [i.announcement.id for i in announcements.due(session, local(FRIDAY, 9, 1), None, demo_directory)] == [nine.id]
        assert announcements.due(session, local(FRIDAY, 9, 4), None, demo_directory) == []
        # a `since` after now (a clock set back) finds nothing
        assert announcements.due(session, local(FRIDAY, 9, 0, 5), local(FRIDAY, 9, 5), demo_directory) == []


# ---------------------------------------------------------------------------------- what is said


def test_what_is_said_follows_the_kiosks_language_or_both(demo_db, demo_directory):
    both = add(demo_db, demo_directory, text_zh="下午好。", text_en="Good afternoon.", languages="both",
               schedule=Schedule(days=WEEKDAYS, times=(dt.time(14, 0),)))
    kiosk = add(demo_db, demo_directory, text_zh="请保管好随身物品。", text_en="Please mind your belongings.",
                schedule=Schedule(days=WEEKDAYS, times=(dt.time(14, 0),)))
    chinese_only = add(demo_db, demo_directory, text_zh="前台可借用雨伞。",
                       schedule=Schedule(days=WEEKDAYS, times=(dt.time(14, 0),)))
    assert announcements.spoken(both, "en", demo_directory) == [("zh", "下午好。"), ("en", "Good afternoon.")]
    assert announcements.spoken(kiosk, "en", demo_directory) == [("en", "Please mind your belongings.")]
    assert announcements.spoken(kiosk, "zh", demo_directory) == [("zh", "请保管好随身物品。")]
    assert announcements.spoken(chinese_only, "en", demo_directory) == [("zh", "前台可借用雨伞。")]


def test_a_text_with_a_staff_number_is_refused_and_one_that_became_protected_is_masked(demo_db, demo_directory):
    mobile_digits = "13900000001"  # 张建华's mobile (+86 139 0000 0001), an executive with a private extension 8001
    for text in (f"有事请拨打{mobile_digits}", "请拨打一三九 0000 0001 联系张总", "张总分机 8001"):
        with demo_db.session() as session, pytest.raises(AnnouncementError, match="private number"):
            announcements.save(session, demo_directory, text_zh=text, text_en=None,
                               schedule=Schedule(days=WEEKDAYS, times=(dt.time(9, 0),)))
    with demo_db.session() as session:
        assert announcements.list_all(session) == []
    # 8003 is a staff member's extension the policy lets callers be told: it may be announced
    told = add(demo_db, demo_directory, text_zh="前台分机 8003。", schedule=Schedule(days=WEEKDAYS, times=(dt.time(9, 0),)))
    assert announcements.spoken(told, "zh", demo_directory) == [("zh", "前台分机 8003。")]

    # saved before a new member of staff got this mobile: masked when said
    person = demo_directory.people[2]
    before = dataclasses.replace(demo_directory, people=[p for p in demo_directory.people if p.id != person.id])
    saved = add(demo_db, before, text_zh=f"失物招领请联系 {person.mobile}",
                schedule=Schedule(days=WEEKDAYS, times=(dt.time(9, 0),)))
    (said,) = announcements.spoken(saved, "zh", demo_directory)
    assert "0003" not in said[1] and "***" in said[1]


def test_mistakes_are_refused_with_nothing_stored(demo_db, demo_directory):
    weekly = Schedule(days=WEEKDAYS, times=(dt.time(9, 0),))
    mistakes = [
        ({"text_zh": "  ", "text_en": "", "schedule": weekly}, "Chinese or English"),
        ({"schedule": Schedule(days=(), times=(dt.time(9, 0),))}, "day of the week"),
        ({"schedule": Schedule(days=WEEKDAYS, times=())}, "time of day"),
        ({"schedule": Schedule(days=WEEKDAYS, times=(dt.time(9, 0),), starts_on=dt.date(2026, 12, 9),
                               ends_on=dt.date(2026, 12, 1))}, "before the first"),
        ({"schedule": weekly, "repeat": 9}, "1 to 5"),
        ({"schedule": weekly, "languages": "fr"}, "languages"),
        ({"text_zh": "长" * 501, "schedule": weekly}, "too long"),
    ]
    for values, message in mistakes:
        with demo_db.session() as session, pytest.raises(AnnouncementError, match=message):
            announcements.save(session, demo_directory, **{"text_zh": "欢迎", "text_en": None, **values})
    with demo_db.session() as session:
        assert announcements.list_all(session) == []
    for text in ("25:00", "9点", "09:60"):
        with pytest.raises(AnnouncementError, match="HH:MM"):
            announcements.parse_times(text)
    assert announcements.parse_times("17:20，9:00、 12：30 9:00") == (dt.time(9), dt.time(12, 30), dt.time(17, 20))
    assert announcements.parse_days(["5", "1", "1"]) == (1, 5)
    with pytest.raises(AnnouncementError):
        announcements.parse_days(["8"])


def test_a_change_keeps_who_made_it_and_when(demo_db, demo_directory):
    first = add(demo_db, demo_directory, schedule=Schedule(days=WEEKDAYS, times=(dt.time(9, 0),)),
                now=local(FRIDAY, 8, 0))
    with demo_db.session() as session:
        changed = announcements.save(session, demo_directory, text_zh="欢迎光临！", text_en="Welcome!",
                                     schedule=Schedule(once_at=dt.datetime(2026, 12, 5, 10, 0)), by="admin:ada",
                                     now=local(FRIDAY, 8, 30), announcement_id=first.id)
    assert changed.id == first.id and changed.schedule.once and changed.schedule.days == ()
    assert (changed.created_by, changed.updated_by) == ("supervisor:sam", "admin:ada")
    assert changed.created_at == local(FRIDAY, 8, 0) and changed.updated_at == local(FRIDAY, 8, 30)
    with demo_db.session() as session, pytest.raises(LookupError):
        announcements.save(session, demo_directory, text_zh="x", text_en=None, schedule=changed.schedule,
                           announcement_id=first.id + 100)
