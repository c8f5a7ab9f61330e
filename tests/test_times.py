"""The clock time a visitor gives for an appointment (bot.dialogue.parse.times)."""

from __future__ import annotations

import pytest

from bot.dialogue.parse import clock_time


@pytest.mark.parametrize(("text", "expected"), [
    ("我跟财务的刘总监约的下午三点半", "15:30"),
    ("约了九点 我来早了点", "09:00"),
    ("嗯 我们约的是早上八点四十", "08:40"),
    ("约好了四点一刻", "16:15"),
    ("他说让我十二点左右来", "12:00"),
    ("约在晚上七点", "19:00"),
    ("约了16:45", "16:45"),
    ("中午一点", "13:00"),
    ("I've got a three thirty with Jenny", "15:30"),
    ("booked for 9:15 am", "09:15"),
    ("at 4pm", "16:00"),
    ("twelve o'clock", "12:00"),
    ("I'm seeing Frank at quarter past ten", "10:15"),
    ("it's at a quarter to three", "14:45"),
    ("she said come at half past eleven", "11:30"),
    ("we're meeting at one", "13:00"),
])
def test_the_time_of_an_appointment_is_read(text, expected):
    assert clock_time(text) == expected


@pytest.mark.parametrize("text", [
    "麻烦快一点", "能不能早一点", "我们有两点要说明", "电话一三九一二三四五六七八", "没有预约", "下周二上午",
    "for two people", "at one point he said so", "I have two questions", "no appointment", "", "🙂", "点点点",
    "一万点", "25:99", "at 99 pm",
])
def test_no_time_when_none_is_said(text):
    assert clock_time(text) is None
