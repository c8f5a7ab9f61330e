"""Emergency words in a hotel (#11, point 5): `bot.hotel.emergency.emergency_kind` on what callers say,
with fillers and as a speech recogniser writes it, and on ordinary hotel requests that share a word."""

from __future__ import annotations

import pytest

from bot.hotel.emergency import emergency_kind

EMERGENCIES = [
    ("着火了", "fire"),
    ("喂喂 那个 八一二 着火了 快点", "fire"),
    ("呃 我房间冒烟了 快来人", "fire"),
    ("走廊里好多浓烟", "fire"),
    ("fire in room 812", "fire"),
    ("hello theres a fire on the eighth floor", "fire"),
    ("Help, the kitchen is on fire!", "fire"),
    ("um I can smell smoke in the corridor", "fire"),
    ("有人晕倒了", "medical"),
    ("快叫救护车 我老公心脏病犯了", "medical"),
    ("那个 我妈妈 她 她叫不醒了", "medical"),
    ("someone collapsed in the lobby", "medical"),
    ("my husband is not breathing please", "medical"),
    ("call an ambulance", "medical"),
    ("有人打架", "security"),
    ("大堂有小偷", "security"),
    ("有人拿着刀在走廊里", "security"),
    ("救命啊", "security"),
    ("theres a fight in the bar", "security"),
    ("there's an intruder on our floor", "security"),
    ("someone is trying to get into my room", "security"),
]

ORDINARY = [
    "房间太热了",
    "我想订明天的火锅",
    "fire exit 在哪",
    "where is the fire exit please",
    "the heating is on fire-ly hot",
    "火车站怎么走",
    "我想要个打火机",
    "附近有医院吗",
    "帮我转保安部的彭经理",
    "我房间有烟味 想换个房间",
    "烟雾报警器老是响 能来看看吗",
    "I want to book the fireplace table",
    "is there a fire drill tomorrow",
    "我儿子在房间打架子鼓 隔壁投诉了",
    "没有着火 就是有点焦味",
    "帮我转一下812房间",
    "I need an extra pillow",
    "我要报修 空调坏了",
    "我要投诉",
    "明早七点叫醒我",
]


@pytest.mark.parametrize(("said", "kind"), EMERGENCIES)
def test_emergencies_are_recognised_with_their_kind(said, kind):
    assert emergency_kind(said) == kind


@pytest.mark.parametrize("said", ORDINARY)
def test_ordinary_hotel_requests_are_not_emergencies(said):
    assert emergency_kind(said) is None


def test_nothing_said_is_no_emergency():
    assert emergency_kind("") is None
    assert emergency_kind(None) is None  # type: ignore[arg-type]
