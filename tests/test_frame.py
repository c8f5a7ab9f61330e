"""Everything one utterance says (bot.dialogue.frame): name, company, number, matter, appointment."""

from __future__ import annotations

import pytest

from bot.dialogue.frame import harvest, matter_of, message_wish


def test_a_message_given_in_one_breath_is_read_whole():
    facts = harvest("好吧 那帮我留个言 我是顺丰的刘师傅 电话一八六 零零一二 三四五六 就是那个退回来的包裹要重新寄")
    assert (facts.name, facts.company, facts.callback) == ("刘师傅", "顺丰", "18600123456")
    assert facts.matter == "退回来的包裹要重新寄"


def test_an_english_caller_gives_everything_at_once():
    facts = harvest("hi this is Maria Lopez from Delta Freight, can you ask Sam to ring me back about the customs "
                    "paperwork, my number is two zero six five five five zero one nine nine")
    assert (facts.name, facts.company) == ("Maria Lopez", "Delta Freight")
    assert facts.callback == "2065550199"
    assert facts.matter == "the customs paperwork"


def test_a_visitor_says_who_they_are_whom_they_see_and_why():
    facts = harvest("你好 我是杭州云帆的何静 跟财务部王经理约了下午三点 来送发票的")
    assert (facts.name, facts.company, facts.appointment) == ("何静", "杭州云帆", True)
    assert facts.matter == "来送发票的"


@pytest.mark.parametrize("text", ["我没有预约 就是路过想问问", "no appointment, I was just passing by"])
def test_no_appointment_said_outright(text):
    assert harvest(text).appointment is False


@pytest.mark.parametrize("text", ["李娜", "我找一下李娜", "Kevin please. Kevin Brown.", "喂 你好", "嗯 那个 对"])
def test_a_name_said_alone_is_whom_they_want_not_who_they_are(text):
    facts = harvest(text)
    assert facts.name is None and facts.matter is None


def test_the_line_they_call_from_is_their_number_when_they_say_so():
    assert harvest("就打我现在这个手机吧", caller_id="+8613512345678").callback == "+8613512345678"
    assert harvest("就打我现在这个手机吧").callback is None


@pytest.mark.parametrize(("text", "wish"), [
    ("麻烦帮我给她留个言", "now"),
    ("can I leave a message for him", "now"),
    ("帮我找一下周敏 她要是不在我就留个言", "if_unanswered"),
    ("put me through to Sam, and if he's not in I'll leave a message", "if_unanswered"),
    ("我找周敏", None),
])
def test_a_wish_to_leave_a_message_and_whether_it_waits_for_the_call(text, wish):
    assert message_wish(text) == wish


def test_the_matter_is_what_remains_when_the_other_clauses_are_set_aside():
    assert matter_of("喂 总机 帮我转一下售后 我们那台打包机又卡住了") == "我们那台打包机又卡住了"
    assert matter_of("事情我刚才都说了") is None


@pytest.mark.parametrize("text", ["I'm here for my three o'clock with Ms Wu", "we have our ten thirty meeting with Dr Chen"])
def test_an_appointment_said_as_my_three_o_clock(text):
    assert harvest(text).appointment is True


def test_what_the_caller_came_for_in_their_introduction_is_the_matter():
    matter = matter_of("我是上周来送样品的周凯 想问问样品测得怎么样了")
    assert matter is not None and "来送样品" in matter and "测得怎么样" in matter


@pytest.mark.parametrize("text", ["no it can wait until tomorrow", "不着急 明天再说"])
def test_saying_it_can_wait_is_not_the_matter(text):
    assert matter_of(text) is None


def test_an_appointment_said_as_i_ve_got_a_ten_fifteen():
    facts = harvest("hi I've got a ten fifteen with Jenny Chen")
    assert (facts.appointment, facts.appointment_time) == (True, "10:15")


@pytest.mark.parametrize("text", ["hi is Mr Xu there", "could you give me her mobile number", "yes ok a message",
                                  "不好意思 我英语不太好", "王经理在吗"])
def test_a_question_or_a_request_is_not_the_matter(text):
    assert matter_of(text) is None


def test_a_company_answered_then_described_is_not_the_matter():
    from bot.dialogue.frame import describes_the_company
    assert describes_the_company("联达 做水处理设备的那个联达")
    assert not describes_the_company("联达的 来谈下个月的订单")
