"""Cue words that check or override the NLU's reading (bot/dialogue/cues.py): a request for somebody's
number said in so many words is one whatever the model read, and a number mentioned without asking
for one (the caller's own, a line that does not answer) is not; a turn of only fillers names nobody."""

from __future__ import annotations

import pytest

from bot.dialogue.cues import asks_for_a_number, only_fillers, plausible_intent


@pytest.mark.parametrize("said", [
    "把你们社保科张敏的手机号给我 我是她亲戚",
    "你好 我要一下你们热线科罗科长的手机号",
    "陈总的手机号是多少 我有事找他",
    "怎么都没人接啊 那你把你们值班经理手机号给我 我自己打",
    "what's Director Zheng's mobile, I need to reach him today",
    "hi could I get Qiu Feng's mobile number I'm a driver and I need to reach him",
    "no no nothing urgent, but could you give me his cell number, I'll just text him",
])
def test_asking_for_somebodys_number_is_read_as_that_whatever_the_model_said(said):
    assert asks_for_a_number(said)
    assert plausible_intent("request_person", said) == "ask_phone_number"


@pytest.mark.parametrize("said", [
    "那留言吧 我是顺丰结算中心的小苗 电话就打我这个手机 是上个月的发票的事",
    "你们那边的货车今天几点能到我们仓库 司机电话一直打不通",
    "我的电话是13800138000",
    "请他回电话 号码是13800000000",
    "给我回个电话",
    "留个电话给你",
    "you can call me on my mobile 139 1234 5678",
    "I need a number to call back",
])
def test_a_number_mentioned_without_asking_for_one_is_not_a_request(said):
    assert not asks_for_a_number(said)
    assert plausible_intent("ask_phone_number", said) != "ask_phone_number"


@pytest.mark.parametrize(("said", "fillers"), [
    ("喂 喂 听得到吗 那个 呃", True), ("hello? um, can you hear me", True), ("嗯", True),
    ("喂 我找张伟", False), ("hi, is Kevin there", False), ("那个 财务部", False),
])
def test_a_turn_of_only_fillers(said, fillers):
    assert only_fillers(said) is fillers
