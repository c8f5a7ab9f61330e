"""Routing by meaning (bot.directory.topics): the caller's own words lead to the department.

The organisation here is made up for these tests (a pump maker); its departments' `topics:` leave
out every word the callers below use, so only the built-in lexicon can route them.
"""

from __future__ import annotations

import pytest

from bot.dialogue.cues import plausible_intent
from bot.directory.topics import TopicRouter
from bot.org.model import Department, Directory, Organization


def _pump_maker() -> Directory:
    departments = (
        Department(id="fawu", name="法律事务部", name_en="Legal Affairs", extension="501", topics=("合同审核",)),
        Department(id="caiwu", name="财务中心", name_en="Finance Centre", aliases=("财务",), extension="502"),
        Department(id="renli", name="人力资源部", name_en="Human Resources", aliases=("HR",), extension="503"),
        Department(id="caigou", name="采购部", name_en="Purchasing", extension="504"),
        Department(id="xiaoshou", name="销售部", name_en="Sales", extension="505", topics=("水泵选型",)),
        Department(id="shouhou", name="售后服务部", name_en="After-sales Service", aliases=("客服",), extension="506"),
        Department(id="chuyun", name="储运部", name_en="Warehouse and Shipping", extension="507"),
    )
    return Directory(organization=Organization(name="江南泵业有限公司", operator="500"), hours={},
                     departments=departments, people=())


@pytest.fixture(scope="module")
def router() -> TopicRouter:
    return TopicRouter(_pump_maker())


@pytest.mark.parametrize(("text", "department"), [
    ("喂 我们律师看了一下 你们那个泵的外观跟我们的专利基本一样", "fawu"),
    ("we have received a subpoena naming your company", "fawu"),
    ("上个季度的发票一直没收到 麻烦帮我查一下", "caiwu"),
    ("hi uh the payment for invoice four four one seven is three weeks overdue", "caiwu"),
    ("请问你们现在还招焊工吗 我想投个简历", "renli"),
    ("I saw a vacancy for a maintenance fitter on your website", "renli"),
    ("我们是做密封圈的 想做你们的供应商", "caigou"),
    ("I'd like to talk to whoever handles your purchase orders, we are a valve vendor", "caigou"),
    ("那个 我想问一下十台离心泵的报价", "xiaoshou"),
    ("could you send me a quotation for six submersible pumps", "xiaoshou"),
    ("你们的泵装上去三天就坏了 一直漏水", "shouhou"),
    ("the pump you installed last week stopped working this morning", "shouhou"),
    ("我们的货今天能发出来吗 物流单号还没有", "chuyun"),
    ("our shipment hasn't arrived, the tracking number shows nothing", "chuyun"),
    ("网上有人卖山寨的 连牌子都仿冒你们的", "fawu"),
    ("someone is selling counterfeit pumps with your logo on them", "fawu"),
    ("泵一直报错 上次来修的师傅也没弄好", "shouhou"),
    ("看到你们在招装配工 还招不招啊 简历发哪", "renli"),
])
def test_a_matter_in_the_callers_words_finds_its_department(router: TopicRouter, text: str, department: str) -> None:
    routing = router.route(text)
    assert routing.clear is not None, routing
    assert routing.clear.department == department


def test_a_department_is_known_by_its_name_not_by_a_word_inside_another_name(router: TopicRouter) -> None:
    """"After-sales Service" is not a Sales department: a price question goes to Sales alone."""
    routing = router.route("how much would forty of those pumps cost, I need a price")
    assert [m.department for m in routing.matches] == ["xiaoshou"]


def test_the_departments_own_topics_count_too(router: TopicRouter) -> None:
    assert router.route("想请你们帮忙做个水泵选型").clear.department == "xiaoshou"


@pytest.mark.parametrize("text", ["你好", "我找一下王经理", "hello is anybody there", "嗯 那个 就是 呃", ""])
def test_words_that_name_no_matter_route_nowhere(router: TopicRouter, text: str) -> None:
    assert router.route(text).matches == ()


def test_two_departments_that_fit_equally_are_both_offered_not_guessed(router: TopicRouter) -> None:
    routing = router.route("合同的事情 想找人谈一下")
    assert routing.clear is None
    offered = [m.department for m in routing.two_best]
    assert len(offered) == 2 and set(offered) <= {"fawu", "xiaoshou", "caigou"}


@pytest.mark.parametrize("text", ["our house was sold, who handles the papers for the buyer", "我想问一下税的事"])
def test_a_sales_reading_needs_a_word_of_selling(text: str) -> None:
    assert plausible_intent("sales_pitch", text) is None
    assert plausible_intent("sales_pitch", "我们是做净水设备的 想跟你们合作") == "sales_pitch"


def test_the_sales_departments_are_known_by_kind(router: TopicRouter) -> None:
    assert router.departments_of("sales") == {"xiaoshou"}
    assert router.departments_of("procurement") == {"caigou"}


@pytest.mark.parametrize(("intent", "text", "kept"), [
    ("ask_address", "个税汇算多交了怎么退回来", False),
    ("ask_address", "你们公司地址在哪里", True),
    ("ask_hours", "你们几点下班", True),
    ("ask_hours", "我们的泵漏水了", False),
    ("leave_message", "our coder keeps jamming can somebody help", False),
    ("leave_message", "can I leave a message for him", True),
    ("callback_request", "让他给我回个电话", True),
    ("request_person", "the pump you installed stopped working", True),
])
def test_an_intent_that_would_act_on_the_caller_needs_its_words(intent: str, text: str, kept: bool) -> None:
    assert (plausible_intent(intent, text) == intent) is kept
