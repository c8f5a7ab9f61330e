"""Reading callers' answers: names, companies, numbers, yes/no, choices, scores, urgency, the matter."""

from __future__ import annotations

import pytest

from bot.dialogue.parse import (
    Identity,
    caller_identity,
    caller_name,
    clean_matter,
    clock_time,
    company,
    format_number_for_readback,
    is_urgent,
    ordinal_choice,
    phone_number,
    satisfaction_score,
    wants_same_number,
    yes_no,
)

GARBAGE = [
    "", " ", "\n\t", "🙂🙂", "/intent{\"a\":1}", '/transfer_result{"result": "answered"}', "<script>alert(1)</script>",
    "x" * 5000, "我" * 5000, "一" * 5000, "five " * 1000, "我叫" + "王" * 3000, "my name is " + "John " * 900,
    "\x00\x07\u200b\ufeff", "我是🙂的🙂", "第第第第", "+++", "0" * 40, "ｍｙ　ｎａｍｅ　ｉｓ　Ｊｏｈｎ", "你好 hello 你好 hello",
    "١٢٣٤٥٦٧٨٩", "Ⅻ", "😀" * 2000,
]


# ============================================================================ names and companies

NAMES = [
    # Chinese: 叫, 姓, 我是, X的Y, bare answers
    ("我叫王明", "王明"),
    ("我姓王", "王"),
    ("我姓刘", "刘"),
    ("免贵姓张", "张"),
    ("免贵姓张，张三", "张三"),
    ("我姓王叫王明", "王明"),
    ("姓王 王先生", "王先生"),
    ("我姓欧阳", "欧阳"),
    ("我姓黄 黄色的黄", "黄"),
    ("免贵姓谢 谢谢的谢", "谢"),
    ("我是王先生", "王先生"),
    ("我是刘先生", "刘先生"),
    ("我是顺丰快递的小李", "小李"),
    ("我是星辰贸易的王五", "王五"),
    ("我是宏达公司的赵磊", "赵磊"),
    ("我是华为的李工", "李工"),
    ("我是蓝天贸易的林经理", "林经理"),
    ("我是金地集团的陆总", "陆总"),
    ("这边是安达物流的小王", "小王"),
    ("我是立信会计师事务所的沈洁", "沈洁"),
    ("我是陈晨", "陈晨"),
    ("我的名字是郑浩", "郑浩"),
    ("我的名字叫梁静", "梁静"),
    ("我名字叫邓超然", "邓超然"),
    ("我的姓名是王明", "王明"),
    ("我是他朋友马骏", "马骏"),
    ("我是你们的客户钱伟", "钱伟"),
    ("我是供应商严浩", "严浩"),
    ("我是许晴 之前联系过", "许晴"),
    ("叫我小杨就行", "小杨"),
    ("我是胡蝶 古月胡", "胡蝶"),
    ("我叫林晓 双木林", "林晓"),
    ("我叫卓文 是你们的老客户", "卓文"),
    ("你好 我是丁一", "丁一"),
    ("你好我叫苏然", "苏然"),
    ("我是韩梅梅 新东方的", "韩梅梅"),
    ("何志强 我是远洋集团的", "何志强"),
    ("我是王明找李娜", "王明"),
    ("嗯我叫王明明天再打给你", "王明"),
    ("我叫Tom", "Tom"),
    ("王明", "王明"),
    ("孙建国", "孙建国"),
    ("石磊", "石磊"),
    # English
    ("my name is John Smith", "John Smith"),
    ("this is John from Acme", "John"),
    ("John Smith", "John Smith"),
    ("john smith", "John Smith"),
    ("I'm Sarah", "Sarah"),
    ("this is Tom Baker", "Tom Baker"),
    ("it's Mike from FedEx", "Mike"),
    ("my name's Anna Kowalski", "Anna Kowalski"),
    ("Rachel Adams here", "Rachel Adams"),
    ("I am Carlos Mendez", "Carlos Mendez"),
    ("call me Ben", "Ben"),
    ("the name is Harris", "Harris"),
    ("it's Dr. Patel", "Dr. Patel"),
    ("I'm Mrs. Thompson", "Mrs. Thompson"),
    ("this is Mr. Okoye calling", "Mr. Okoye"),
    ("surname Baker, first name Tom", "Tom Baker"),
    ("it's Grace, I called earlier", "Grace"),
    ("I'm a customer, my name is Robert Lee", "Robert Lee"),
    ("Olga speaking", "Olga"),
    ("you're speaking with Helen Ward", "Helen Ward"),
    ("I'm Victoria, a supplier", "Victoria"),
    ("Fatima Ali here, from Apex Legal", "Fatima Ali"),
    ("I'm Wang Lei from Sunrise Tech", "Wang Lei"),
    ("hi this is Megan", "Megan"),
    ("I go by Sam", "Sam"),
]

NOT_NAMES = [
    "我找李娜", "找一下李娜", "帮我转一下王总", "李娜在吗", "不知道", "好的", "可以", "马上", "明天", "我是来面试的",
    "我是送快递的", "我是李娜的同事", "我是中通快递", "嗯", "ok", "yes", "not sure", "I'd like to speak to Nina",
    "Nina please", "where is your office", "I'm calling from DHL", "I'm with Globex", "this is urgent",
    "i'm looking for nina li", "I'm calling from my mobile", "13912345678", "Acme Corp",
]


@pytest.mark.parametrize(("text", "name"), NAMES)
def test_the_callers_own_name_is_read(text, name):
    assert caller_name(text) == name


@pytest.mark.parametrize("text", NOT_NAMES)
def test_requests_and_filler_are_not_taken_for_a_name(text):
    assert caller_name(text) is None


COMPANIES = [
    ("我是星辰贸易的王五", "星辰贸易"),
    ("顺丰快递的", "顺丰快递"),
    ("我是顺丰快递的小李", "顺丰快递"),
    ("这边是京东物流的", "京东物流"),
    ("我是中通快递", "中通快递"),
    ("我是星光传媒的", "星光传媒"),
    ("我是邮政的", "邮政"),
    ("我是晶彩印务的邱红", "晶彩印务"),
    ("这里是海港银行", "海港银行"),
    ("我是金地集团", "金地集团"),
    ("我是宏达公司", "宏达公司"),
    ("我来自星辰贸易", "星辰贸易"),
    ("我们公司是星辰贸易", "星辰贸易"),
    ("我们公司叫星辰", "星辰"),
    ("我在星辰贸易工作", "星辰贸易"),
    ("星辰贸易", "星辰贸易"),
    ("何志强 我是远洋集团的", "远洋集团"),
    ("from Acme Corp", "Acme Corp"),
    ("I'm with Globex", "Globex"),
    ("this is John from Acme", "Acme"),
    ("I'm calling from DHL", "DHL"),
    ("this is Kim with Northwind", "Northwind"),
    ("I'm calling on behalf of Hilton Hotels", "Hilton Hotels"),
    ("I'm from SF Express", "SF Express"),
    ("I'm Dr. Russell, calling from Harbor Bank", "Harbor Bank"),
    ("Amy Lin speaking, from Zenith Bank", "Zenith Bank"),
    ("I'm Jack from Blue Ocean Trading", "Blue Ocean Trading"),
    ("Acme Corp", "Acme Corp"),
]


@pytest.mark.parametrize(("text", "expected"), COMPANIES)
def test_the_callers_company_is_read(text, expected):
    assert company(text) == expected


@pytest.mark.parametrize("text", [
    "我叫王明", "我是来面试的", "我是送快递的", "我在楼下", "我来自上海", "我在外面上班", "我是李娜的同事", "我是你们的客户钱伟", "王明", "我找李娜",
    "my name is John Smith", "I'm calling from my mobile", "I'd like to speak with Nina", "ok",
])
def test_no_company_when_none_is_named(text):
    assert company(text) is None


@pytest.mark.parametrize(("text", "identity"), [
    ("我是星辰贸易的王五", Identity("王五", "星辰贸易")),
    ("我是韩梅梅 新东方的", Identity("韩梅梅", "新东方")),
    ("my name is John Smith from Acme", Identity("John Smith", "Acme")),
    ("Emma Wilson from Globex", Identity("Emma Wilson", "Globex")),
    ("我找李娜", Identity(None, None)),
    ("我是无锡恒泰的财务 姓方", Identity("方", "无锡恒泰")),
    ("我是上周来应聘的刘畅", Identity("刘畅", None)),
    ("嗯 我是 那个 顺丰的 姓李 李强", Identity("李强", "顺丰")),
    ("我叫诸葛明 是腾讯的", Identity("诸葛明", "腾讯")),
    ("想给财务部的何静留个话 我叫潘越", Identity("潘越", None)),
    ("苏州恒泰机械", Identity(None, "苏州恒泰机械")),
    ("just tell him Sarah Lee from Contoso called", Identity("Sarah Lee", "Contoso")),
    ("tell her the samples are ready", Identity(None, None)),
    ("你好 我来找财务部的刘总监", Identity(None, None)),
    ("我顺丰速运的 姓孟", Identity("孟", "顺丰速运")),
    ("我们杭州联达的 想问下货款", Identity(None, "杭州联达")),
    ("我约了人事部的孙丽 我姓江", Identity("江", None)),
    ("我找财务部的张伟 张会计", Identity(None, None)),
    ("yes sorry, Mark Hill", Identity("Mark Hill", None)),
    ("could you ask Nina to call back Peter Grant on his mobile", Identity("Peter Grant", None)),
    ("I'm Sam Ortiz from the Evening Post", Identity("Sam Ortiz", "Evening Post")),
])
def test_name_and_company_from_one_utterance(text, identity):
    assert caller_identity(text) == identity


def test_entities_from_the_nlu_win_over_the_text():
    entities = {"caller_name": " 赵磊 ", "company": "宏达公司"}
    assert caller_identity("我是宏达的小赵", entities) == Identity("赵磊", "宏达公司")
    assert caller_name("随便说点什么", {"caller_name": "Peter Jones"}) == "Peter Jones"
    assert company("whatever", {"company": "Globex"}) == "Globex"


def test_empty_or_odd_entities_fall_back_to_the_text():
    assert caller_name("我叫王明", {"caller_name": "  "}) == "王明"
    assert caller_name("我叫王明", {"caller_name": None}) == "王明"  # type: ignore[dict-item]
    assert company("from Acme Corp", {"other": "x"}) == "Acme Corp"


# ============================================================================ phone numbers

PHONES = [
    ("13912345678", "13912345678"),
    ("139 1234 5678", "13912345678"),
    ("139-1234-5678", "13912345678"),
    ("139，1234，5678", "13912345678"),
    ("１３９１２３４５６７８", "13912345678"),
    ("一三九一二三四五六七八", "13912345678"),
    ("幺三九一二三四五六七八", "13912345678"),
    ("幺三八零零幺三八零零零", "13800138000"),
    ("我电话是一三九一二三四五六七八", "13912345678"),
    ("我的电话是一三九 一二三四 五六七八", "13912345678"),
    ("+86 139-1234-5678", "+8613912345678"),
    ("加八六一三九一二三四五六七八", "+8613912345678"),
    ("the number is +44 20 7946 0000", "+442079460000"),
    ("plus four four two zero seven nine four six zero nine five eight", "+442079460958"),
    ("my number is five five five zero one three four", "5550134"),
    ("it's one three nine one two three four five six seven eight", "13912345678"),
    ("call me back on oh two one five eight eight eight one two three four", "02158881234"),
    ("021-5888 1234", "02158881234"),
    ("座机0755-88889999", "075588889999"),
    ("回电打010 6655 7788就行", "01066557788"),
    ("下午三点打13912345678", "13912345678"),
    ("call me back at 555 0134", "5550134"),
    ("12345", "12345"),
]


@pytest.mark.parametrize(("text", "digits"), PHONES)
def test_callback_numbers_are_read_however_they_are_said(text, digits):
    assert phone_number(text) == digits


@pytest.mark.parametrize("text", [
    "1234", "我的分机是6021", "明天", "no", "第一个", "1234567890123456", "13912345678 13800138000", "十分感谢",
])
def test_too_short_too_long_or_no_number_gives_none(text):
    assert phone_number(text) is None


@pytest.mark.parametrize(("digits", "zh", "en"), [
    ("13912345678", "一三九 一二三四 五六七八", "one three nine, one two three four, five six seven eight"),
    ("+8613912345678", "加八六 一三九 一二三四 五六七八",
     "plus eight six, one three nine, one two three four, five six seven eight"),
    ("02158881234", "零二一 五八八八 一二三四", "zero two one, five eight eight eight, one two three four"),
    ("075588889999", "零七五五 八八八八 九九九九", "zero seven five five, eight eight eight eight, nine nine nine nine"),
    ("5550134", "五五五 零一三四", "five five five, zero one three four"),
    ("58881234", "五八八八 一二三四", "five eight eight eight, one two three four"),
    ("12345", "一二三四五", "one two three four five"),
])
def test_numbers_are_read_back_digit_by_digit_in_groups(digits, zh, en):
    assert format_number_for_readback(digits, "zh") == zh
    assert format_number_for_readback(digits, "en") == en


@pytest.mark.parametrize("text", [
    "订单号是二零二五一二零三零零八 帮我查一下", "合同编号 二零二五 一二零三 零零九", "the invoice number is five five zero one two three four five six",
    "my tracking number is 7700123456789",
])
def test_an_order_or_contract_number_is_not_a_callback_number(text):
    assert phone_number(text) is None


@pytest.mark.parametrize(("text", "digits"), [
    ("一五八 呃 六六七七 嗯 八八九九", "15866778899"),
    ("158 um 6677 uh 8899", "15866778899"),
    ("订单号二零二五一二零三零零八 我电话一五八六六七七八八九九", "15866778899"),
])
def test_fillers_inside_a_number_do_not_split_it(text, digits):
    assert phone_number(text) == digits


def test_readback_of_what_phone_number_returns_round_trips():
    for text, _ in PHONES:
        digits = phone_number(text)
        spoken = format_number_for_readback(digits, "zh")
        assert phone_number(spoken) == digits
        assert phone_number(format_number_for_readback(digits, "en")) == digits


def test_readback_of_nothing_is_empty():
    assert format_number_for_readback("", "zh") == ""
    assert format_number_for_readback("abc", "en") == ""


SAME_NUMBER = [
    "就是这个号码", "就打这个", "本机", "就打我现在这个号码", "用来电号码就可以", "我的号码你那边应该能看到",
    "打我现在这个电话就行", "来电显示的号码就是我的", "用这个号码回我", "this number", "the number I'm calling from",
    "call me on this number", "use my caller ID", "you can call me back on this line",
    "the number you see on your screen", "same number I'm calling from",
]


@pytest.mark.parametrize("text", SAME_NUMBER)
def test_the_caller_wants_the_call_back_on_this_line(text):
    assert wants_same_number(text) is True


@pytest.mark.parametrize("text", [
    "不是这个号码", "别打这个号码 打13912345678", "这个号码是13912345678", "not this number", "13912345678",
    "I'm calling from Acme", "hello", "我找李娜",
])
def test_a_different_or_no_number_is_not_this_line(text):
    assert wants_same_number(text) is False


# ============================================================================ yes / no

YES = ["是的", "对", "对的", "好", "好的", "可以", "行", "嗯", "嗯嗯", "没问题", "麻烦你了", "那就麻烦您了", "需要",
       "有", "没关系", "是的不过不用太急", "不好意思 是的", "yes", "yeah", "yep", "sure", "ok", "okay", "please do",
       "go ahead", "yes please", "no problem", "that's right", "of course", "correct", "do it"]
NO = ["不", "不用", "不要", "不是", "不需要", "算了", "没有", "不用了谢谢", "好的不用了谢谢", "嗯 不是", "不是很急", "别",
      "no", "nope", "nah", "don't", "no thanks", "no thank you", "ok no thanks", "not really", "never mind"]
UNCLEAR = ["是不是", "对不对", "可以吗", "不知道", "我不确定", "谢谢", "对不起我不知道", "为什么", "I don't know",
           "not sure", "maybe", "is it", "what", "hello", "我找李娜"]


@pytest.mark.parametrize("text", YES)
def test_yes(text):
    assert yes_no(text) is True


@pytest.mark.parametrize("text", NO)
def test_no(text):
    assert yes_no(text) is False


@pytest.mark.parametrize("text", UNCLEAR)
def test_questions_and_doubt_are_neither_yes_nor_no(text):
    assert yes_no(text) is None


def test_a_confident_intent_wins_over_the_words():
    assert yes_no("不", intent="affirm") is True
    assert yes_no("是的", intent="deny") is False
    assert yes_no("是的", intent="greet") is True
    assert yes_no("是的", intent=None) is True


# ============================================================================ choices and scores

ORDINALS = [
    ("第一位", 2, 0), ("第一个", 2, 0), ("前面那个", 2, 0), ("上面那个", 3, 0), ("第二位", 2, 1), ("第2位", 3, 1),
    ("后面那个", 2, 1), ("后面那个", 3, 2), ("最后一个", 3, 2), ("倒数第二个", 3, 1), ("中间那个", 3, 1), ("两", 3, 1),
    ("the first", 2, 0), ("the first one", 3, 0), ("the second one", 2, 1), ("number two", 2, 1), ("option 3", 3, 2),
    ("the last one", 3, 2), ("the latter", 2, 1), ("the former", 2, 0), ("second to last", 4, 2), ("1", 2, 0),
    ("2", 2, 1), ("one", 2, 0), ("third", 3, 2),
]


@pytest.mark.parametrize(("text", "count", "index"), ORDINALS)
def test_which_of_the_offered_options(text, count, index):
    assert ordinal_choice(text, count) == index


@pytest.mark.parametrize(("text", "count"), [
    ("3", 2), ("第三个", 2), ("the fifth", 2), ("中间那个", 2), ("the one in finance", 2), ("财务部的那个", 2),
    ("我不知道", 2), ("", 2), ("第一个", 0), ("第一个", -1), ("12345", 3),
])
def test_no_choice_when_unclear_or_out_of_range(text, count):
    assert ordinal_choice(text, count) is None


SCORES = [
    ("五分", 5), ("5分", 5), ("给5分", 5), ("5", 5), ("five", 5), ("满分", 5), ("给你打满分", 5), ("非常满意", 5),
    ("十分满意", 5), ("很满意", 5), ("very satisfied", 5), ("5 out of 5", 5), ("excellent", 5),
    ("四分吧", 4), ("4 stars", 4), ("满意", 4), ("比较满意", 4), ("还算满意", 4), ("挺好的", 4), ("还不错", 4),
    ("服务挺好的 满意", 4), ("satisfied", 4), ("good", 4), ("I'm happy with it", 4), ("not bad", 4),
    ("三分", 3), ("I'd give it a 3", 3), ("一般", 3), ("一般般", 3), ("还行吧", 3), ("凑合", 3), ("差不多吧", 3),
    ("okay", 3), ("it was okay", 3), ("so-so", 3),
    ("两分", 2), ("2", 2), ("不满意", 2), ("不太满意", 2), ("不太好", 2), ("不怎么样", 2), ("not satisfied", 2),
    ("not very satisfied", 2), ("bad", 2),
    ("一分", 1), ("one star", 1), ("很差", 1), ("很不满意", 1), ("非常不满意", 1), ("terrible", 1),
]


@pytest.mark.parametrize(("text", "score"), SCORES)
def test_satisfaction_scores_from_numbers_and_words(text, score):
    assert satisfaction_score(text) == score


@pytest.mark.parametrize("text", ["10分", "10", "0", "hello", "我找李娜", "", "十分"])
def test_no_score_outside_one_to_five_or_without_a_judgement(text):
    assert satisfaction_score(text) is None


def test_the_score_entity_wins_when_it_is_a_score():
    assert satisfaction_score("whatever", {"score": "4"}) == 4
    assert satisfaction_score("whatever", {"score": "five"}) == 5
    assert satisfaction_score("五分", {"score": "9"}) == 5  # not a score: the text decides


# ============================================================================ urgency and the matter

URGENT = ["很急", "紧急", "急事", "有急事找他", "十万火急", "马上", "请他尽快回电", "越快越好", "urgent", "it's urgent",
          "emergency", "asap", "please call me back as soon as possible", "right away",
          "电梯困人了 里面有老人", "路口有个井盖不见了", "the manhole on our street has no cover",
          "our water tank has burst", "can someone fix it tonight"]
NOT_URGENT = ["不急", "不着急", "不用急", "不是很急", "没那么急", "不急不急", "不要紧", "帮我留个言", "not urgent",
              "it's not urgent", "no rush", "it's not an emergency", "whenever he has time", "", "ok",
              "it can wait until tomorrow", "I burst out laughing"]


@pytest.mark.parametrize("text", URGENT)
def test_urgent(text):
    assert is_urgent(text) is True


@pytest.mark.parametrize("text", NOT_URGENT)
def test_not_urgent(text):
    assert is_urgent(text) is False


@pytest.mark.parametrize(("text", "matter"), [
    ("嗯 那个 就是 是这样的 我想问一下合同的事情", "我想问一下合同的事情"),
    ("呃，就是说合同已经寄出了。", "合同已经寄出了"),
    ("嗯嗯请他回电话 嗯 越快越好。", "请他回电话 越快越好"),
    ("um uh I wanted to ask about the invoice", "I wanted to ask about the invoice"),
    ("well, so, um, the contract is ready", "the contract is ready"),
    ("  the   parcel\tarrived  ", "the parcel arrived"),
    ("嗯嗯嗯", ""),
    ("", ""),
])
def test_the_matter_loses_its_fillers(text, matter):
    assert clean_matter(text) == matter


def test_a_long_matter_is_cut_to_about_two_hundred_characters():
    english = clean_matter("please tell him the shipment is late " * 30)
    chinese = clean_matter("请转告他货物延迟了" * 60)
    assert len(english) <= 201 and english.endswith("…") and not english[:-1].endswith(" ")
    assert english.startswith("please tell him the shipment is late")
    assert len(chinese) <= 201 and chinese.endswith("…")


# ============================================================================ never raising

FUNCTIONS = [
    lambda t: caller_name(t), lambda t: company(t), lambda t: caller_identity(t, {"caller_name": t}),
    lambda t: phone_number(t), lambda t: format_number_for_readback(t, "zh"),
    lambda t: format_number_for_readback(t, "en"), lambda t: format_number_for_readback(t, "fr"),
    lambda t: yes_no(t), lambda t: yes_no(t, t), lambda t: ordinal_choice(t, 3), lambda t: ordinal_choice(t, 10**9),
    lambda t: satisfaction_score(t, {"score": t}), lambda t: is_urgent(t), lambda t: wants_same_number(t),
    lambda t: clean_matter(t), lambda t: clock_time(t),
]


@pytest.mark.parametrize("text", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_never_raises_and_names_nothing(text):
    for function in FUNCTIONS:
        function(text)
    assert caller_name(text) is None or len(caller_name(text)) <= 60
    assert phone_number(text) is None or 5 <= len(phone_number(text).lstrip("+")) <= 15
    assert len(clean_matter(text)) <= 201
    if not any("\u4e00" <= ch <= "\u9fff" for ch in text):  # "我是…" does contain a 是
        assert yes_no(text) is None


def test_non_text_input_never_raises():
    for value in (None, 42, b"bytes", ["list"]):
        assert caller_name(value) is None  # type: ignore[arg-type]
        assert phone_number(value) is None  # type: ignore[arg-type]
        assert yes_no(value) is None  # type: ignore[arg-type]
        assert clean_matter(value) == ""  # type: ignore[arg-type]
        assert is_urgent(value) is False  # type: ignore[arg-type]


def test_a_company_whose_name_starts_like_a_surname_is_a_company():
    """东方 is a compound surname and 华 a surname; 东方贸易 and 华夏科技 are companies all the same."""
    assert caller_identity("我是东方贸易的王先生") == Identity(name="王先生", company="东方贸易")
    assert caller_identity("我是华夏科技的小周").company == "华夏科技"


@pytest.mark.parametrize(("text", "name", "company"), [
    ("Lukas Weber, Krones, we have a four thirty", "Lukas Weber", "Krones"),
    ("this is Rachel Tan, CFO of Lion Foods Singapore", "Rachel Tan", "Lion Foods Singapore"),
    ("John Smith, please", "John Smith", None),
])
def test_an_english_caller_lists_name_and_company(text, name, company):
    assert caller_identity(text) == Identity(name=name, company=company)


@pytest.mark.parametrize(("text", "name", "company"), [
    ("我是中信银行的客户经理 姓尚", "尚", "中信银行"),
    ("我是江苏联华的副总 姓霍", "霍", "江苏联华"),
    ("你好 我是江南设计院的 叫曹敬", "曹敬", "江南设计院"),
])
def test_a_job_title_after_the_company_leaves_the_company_and_the_name(text, name, company):
    assert caller_identity(text) == Identity(name=name, company=company)


def test_an_english_name_said_just_before_the_company_is_the_callers():
    identity = caller_identity("sure I'll leave a message Tom Becker from Siemens my number is 555 0100")
    assert identity == Identity("Tom Becker", "Siemens")
