"""Inquiries: the FAQ file (checked like the organisation file), its answers, address, hours, directions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.dialogue.faq import (
    DEMO_FAQ,
    Faq,
    FaqError,
    address_answer,
    directions_answer,
    hours_answer,
    load_faq,
    parse_faq_text,
    privacy_problems,
    weekly_hours,
)
from bot.org.model import Holiday, Span
from bot.org.orgfile import OrgFileError
from bot.privacy import is_safe_for_caller

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_TEXT = DEMO_FAQ.read_text(encoding="utf-8")


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def demo_faq() -> Faq:
    return load_faq(DEMO_FAQ)


def _problems(text: str) -> list[str]:
    with pytest.raises(FaqError) as caught:
        parse_faq_text(text)
    return [str(p) for p in caught.value.problems]


# ============================================================================ the file


def test_the_demo_faq_loads_whole_and_discloses_no_protected_number(demo_faq, demo_directory):
    assert 10 <= len(demo_faq.entries) <= 15
    assert {"directions", "parking", "wifi", "parcel", "jobs", "invoice", "support", "visitor-registration",
            "meeting-rooms", "canteen"} <= {e.id for e in demo_faq.entries}
    for entry in demo_faq.entries:
        assert entry.answer_zh and entry.answer_en and entry.questions
        assert is_safe_for_caller(entry.answer_zh, demo_directory)
        assert is_safe_for_caller(entry.answer_en, demo_directory)
    assert load_faq(DEMO_FAQ, demo_directory) == demo_faq


MINIMAL = """\
faq:
  - id: parking
    questions: [停车, parking]
    answer:
      zh: 地下二层。
      en: Basement level 2.
  - id: wifi
    questions: [wifi, 无线网]
    answer:
      zh: 网络名 Guest。
      en: The network is Guest.
"""


def test_a_minimal_file_reads_back_its_entries():
    faq = parse_faq_text(MINIMAL)
    assert [e.id for e in faq.entries] == ["parking", "wifi"]
    assert faq.entry("wifi").answer("en") == "The network is Guest."
    assert faq.entry("wifi").answer("zh") == "网络名 Guest。"
    assert faq.entry("nothing") is None


MISTAKES = [
    ("unknown key in an entry", ("    questions: [停车, parking]", "    questions: [停车, parking]\n    tags: [car]"),
     "faq[0].tags", 4, "unknown key 'tags'"),
    ("unknown top-level key", ("faq:\n", "faqs: []\nfaq:\n"), "faqs", 1, "unknown key"),
    ("unknown answer language", ("      en: Basement level 2.", "      en: Basement level 2.\n      fr: Sous-sol."),
     "faq[0].answer.fr", 7, "unknown key 'fr'"),
    ("missing English answer", ("      en: Basement level 2.\n", ""), "faq[0].answer.en", 4, "is required"),
    ("empty Chinese answer", ("      zh: 地下二层。", "      zh: \"\""), "faq[0].answer.zh", 5, "must not be empty"),
    ("no answer at all", ("    answer:\n      zh: 地下二层。\n      en: Basement level 2.\n", ""),
     "faq[0].answer", 2, "is required"),
    ("empty questions", ("questions: [停车, parking]", "questions: []"), "faq[0].questions", 3,
     "at least one question"),
    ("missing questions", ("    questions: [停车, parking]\n", ""), "faq[0].questions", 2, "is required"),
    ("a question of filler words only", ("questions: [停车, parking]", "questions: [停车, 请问在哪里]"),
     "faq[0].questions[1]", 3, "no word to match on"),
    ("questions not a list", ("questions: [停车, parking]", "questions: 停车"), "faq[0].questions", 3,
     "must be a list"),
    ("duplicate id", ("  - id: wifi", "  - id: parking"), "faq[1].id", 7, "already used at faq[0]"),
    ("one question in two entries", ("questions: [wifi, 无线网]", "questions: [wifi, 停车]"),
     "faq[1].questions[1]", 8, "already a question of faq[0].questions[0]"),
    ("bad id", ("id: parking", "id: Parking Lot"), "faq[0].id", 2, "is not an id"),
    ("missing id", ("  - id: parking\n    questions", "  - questions"), "faq[0].id", 2, "is required"),
    ("faq not a list", (MINIMAL, "faq: parking\n"), "faq", 1, "must be a list"),
    ("no faq key", (MINIMAL, "entries: []\n"), "faq", None, "is required"),
]


@pytest.mark.parametrize(("case", "change", "path", "line", "message"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_is_reported_with_its_place_and_nothing_is_loaded(case, change, path, line, message):
    old, new = change
    assert old in MINIMAL
    problems = _problems(MINIMAL.replace(old, new))
    expected = f"line {line}: {path}: " if line else f"{path}: "
    assert any(p.startswith(expected) and message in p for p in problems), problems


def test_every_mistake_is_reported_at_once():
    text = MINIMAL.replace("  - id: wifi", "  - id: parking").replace("      en: The network is Guest.\n", "")
    problems = _problems(text)
    assert any("faq[1].id" in p for p in problems) and any("faq[1].answer.en" in p for p in problems)


@pytest.mark.parametrize(("text", "message"), [
    ("faq: [\n  - id: x\n", "not valid YAML"),
    ("", "the file is empty"),
    ("faq:\n  - id: a\n    id: b\n", "given twice"),
])
def test_broken_yaml_is_a_faq_error_with_a_line(text, message):
    problems = _problems(text)
    assert any(message in p for p in problems), problems


def test_faq_errors_are_organisation_file_errors_and_name_the_file(tmp_path):
    path = tmp_path / "faq.yml"
    path.write_text(MINIMAL.replace("  - id: wifi", "  - id: parking"), encoding="utf-8")
    with pytest.raises(OrgFileError) as caught:
        load_faq(path)
    assert isinstance(caught.value, FaqError)
    assert str(path) in str(caught.value) and "line 7: faq[1].id" in str(caught.value)


def test_unreadable_files_are_faq_errors(tmp_path):
    with pytest.raises(FaqError, match="cannot be read"):
        load_faq(tmp_path / "missing.yml")
    latin1 = tmp_path / "latin1.yml"
    latin1.write_bytes("faq: [{id: x, questions: [caf\xe9]}]".encode("latin-1"))
    with pytest.raises(FaqError, match="not UTF-8"):
        load_faq(latin1)


def test_an_answer_that_tells_a_staff_mobile_or_an_executives_extension_is_refused(tmp_path, demo_directory):
    leaky = MINIMAL.replace("Basement level 2.", "Call Mr Zhang on 139 0000 0001.").replace(
        "网络名 Guest。", "请拨张总分机8001。")
    faq = parse_faq_text(leaky)
    assert [p.path for p in privacy_problems(faq, demo_directory)] == ["faq[0].answer.en", "faq[1].answer.zh"]
    path = tmp_path / "faq.yml"
    path.write_text(leaky, encoding="utf-8")
    with pytest.raises(FaqError, match="discloses"):
        load_faq(path, demo_directory)
    assert load_faq(path) == faq  # without a directory there is nothing to check against


def test_the_faq_file_format_in_the_docs_parses():
    docs = (Path(__file__).parent.parent / "docs" / "faq.md").read_text(encoding="utf-8")
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    faq = parse_faq_text(example)
    assert faq.answer("where can I park", "en").entry_id == "parking"


# ============================================================================ answers

PARAPHRASES = [
    ("请问访客可以停车吗", "parking"), ("停车场在哪里", "parking"), ("我开车过来车停哪里", "parking"),
    ("你们的无线网密码是多少", "wifi"), ("wifi密码多少", "wifi"), ("有没有无限网", "wifi"), ("怎么上网", "wifi"),
    ("我想寄个快递", "parcel"), ("快递放哪里", "parcel"), ("外卖放在哪", "food-delivery"),
    ("你们食堂在几楼", "canteen"), ("中午在哪吃饭", "canteen"), ("我想投个简历", "jobs"), ("你们在招聘吗", "jobs"),
    ("怎么开发票", "invoice"), ("发票抬头怎么写", "invoice"), ("我的产品坏了", "support"), ("售后电话多少", "support"),
    ("坐地铁怎么去", "directions"), ("最近的地铁站是哪个", "directions"), ("我东西丢了", "lost-and-found"),
    ("有轮椅通道吗", "accessibility"), ("会议室怎么预订", "meeting-rooms"), ("访客要登记吗", "visitor-registration"),
    ("where can I park", "parking"), ("is there parking for visitors", "parking"), ("what's the wifi password", "wifi"),
    ("what's the Wi-Fi password", "wifi"), ("can I get on the internet", "wifi"), ("how do I send a parcel", "parcel"),
    ("where do I leave a package", "parcel"), ("I have a food delivery", "food-delivery"),
    ("where can I have lunch", "canteen"), ("is there a restaurnt nearby", "canteen"),
    ("I'd like to apply for a job", "jobs"), ("where do I send my resume", "jobs"), ("I need an invoice", "invoice"),
    ("my device is broken", "support"), ("I need technical support", "support"),
    ("how do I get there by subway", "directions"), ("which metro line", "directions"),
    ("do you have a wheelchair ramp", "accessibility"), ("I left my umbrella, is there a lost and found",
                                                         "lost-and-found"),
    ("can I book a meeting room", "meeting-rooms"), ("do I need to sign in as a visitor", "visitor-registration"),
]


@pytest.mark.parametrize(("question", "entry_id"), PARAPHRASES)
def test_paraphrased_questions_find_their_entry_in_both_languages(demo_faq, question, entry_id):
    for language in ("zh", "en"):
        found = demo_faq.answer(question, language)
        assert found is not None and found.entry_id == entry_id
        assert found.text == demo_faq.entry(entry_id).answer(language)
        assert 0.8 <= found.score <= 1.0 and found.matched in demo_faq.entry(entry_id).questions


def test_the_answer_is_in_the_language_asked_for(demo_faq):
    assert "地下二层" in demo_faq.answer("where can I park", "zh").text
    assert "basement level 2" in demo_faq.answer("可以停车吗", "en").text
    assert "jobs@huaxin.example" in demo_faq.answer("投简历", "en").text


UNRELATED = [
    "你们老板住哪", "今天天气怎么样", "你们总经理的手机号是多少", "我找李娜", "帮我转财务部", "我想找一下工作人员",
    "我在星辰贸易工作", "我有块地要卖", "我想跟你们谈合作", "你过来一下", "what's the CEO's salary",
    "where does your boss live", "what's the weather like today", "I'd like to speak to Nina Li",
    "is the general manager in", "who is your CEO", "I want to order a pizza", "tell me a joke", "thanks bye",
    "where is the toilet",
]


@pytest.mark.parametrize("question", UNRELATED)
def test_questions_the_faq_does_not_answer_get_none_never_a_guess(demo_faq, question):
    assert demo_faq.answer(question, "zh") is None
    assert demo_faq.answer(question, "en") is None


@pytest.mark.parametrize("text", ["", " ", "🙂🙂", "/intent{\"a\":1}", "<script>", "停" * 5000, "x" * 5000,
                                  "吗呢吧", "?", None, 42])
def test_garbage_gets_no_answer_and_never_raises(demo_faq, text):
    assert demo_faq.answer(text, "zh") is None  # type: ignore[arg-type]


def test_the_more_specific_question_wins():
    text = MINIMAL + """\
  - id: food
    questions: [food delivery, 外卖]
    answer: {zh: 外卖柜。, en: Delivery lockers.}
  - id: parcel
    questions: [delivery, 快递]
    answer: {zh: 前台。, en: Front desk.}
"""
    faq = parse_faq_text(text)
    assert faq.answer("I have a food delivery", "en").entry_id == "food"
    assert faq.answer("I have a delivery", "en").entry_id == "parcel"


def test_a_faq_built_in_code_answers_like_one_read_from_a_file(demo_faq):
    built = Faq(demo_faq.entries, organization=demo_faq.organization)
    assert built == demo_faq
    assert built.answer("可以停车吗", "en").entry_id == "parking"


def test_an_empty_faq_answers_nothing():
    faq = parse_faq_text("faq: []\n")
    assert faq.entries == () and faq.answer("停车", "zh") is None


# ============================================================================ address, hours, directions


def test_address_in_both_languages(demo_directory):
    assert address_answer(demo_directory, "zh") == "华信科技有限公司的地址是上海市浦东新区张江路 88 号 3 楼。"
    assert address_answer(demo_directory, "en") == "Huaxin Technology Co., Ltd. is at 3F, 88 Zhangjiang Road, Pudong, Shanghai."


def test_address_without_an_english_one_or_without_any(demo_directory):
    org = demo_directory.organization
    no_english = dataclasses.replace(demo_directory, organization=dataclasses.replace(org, address_en=""))
    assert "上海市浦东新区张江路 88 号 3 楼" in address_answer(no_english, "en")
    nothing = dataclasses.replace(demo_directory, organization=dataclasses.replace(org, address="", address_en=""))
    assert "张江" not in address_answer(nothing, "zh") and "抱歉" in address_answer(nothing, "zh")
    assert "Sorry" in address_answer(nothing, "en")


def test_directions_come_from_the_faq_else_the_address(demo_directory, demo_faq):
    assert "张江高科站" in directions_answer(demo_directory, demo_faq, "zh")
    assert "Line 2" in directions_answer(demo_directory, demo_faq, "en")
    without = parse_faq_text(MINIMAL)
    assert directions_answer(demo_directory, without, "en") == address_answer(demo_directory, "en")
    assert directions_answer(demo_directory, None, "zh") == address_answer(demo_directory, "zh")


def test_weekly_hours_are_summarised(demo_directory):
    assert weekly_hours(demo_directory, "zh") == "周一至周五 08:30-17:30，周六、周日休息"
    assert weekly_hours(demo_directory, "en") == "Monday to Friday 08:30-17:30, closed Saturday and Sunday"
    saturday = dataclasses.replace(demo_directory, hours={
        **demo_directory.hours, "sat": Span(dt.time(9), dt.time(12)), "wed": Span(dt.time(8, 30), dt.time(12))})
    assert weekly_hours(saturday, "zh") == \
        "周一、周二 08:30-17:30，周三 08:30-12:00，周四、周五 08:30-17:30，周六 09:00-12:00，周日休息"
    assert weekly_hours(saturday, "en") == ("Monday and Tuesday 08:30-17:30, Wednesday 08:30-12:00, Thursday and "
                                           "Friday 08:30-17:30, Saturday 09:00-12:00, closed Sunday")


def test_hours_on_a_weekday_while_open(demo_directory):
    at = local("2026-11-25T10:15")
    assert hours_answer(demo_directory, "zh", at) == \
        "我们的上班时间是周一至周五 08:30-17:30，周六、周日休息。现在正在上班，今天17:30下班。"
    assert hours_answer(demo_directory, "en", at) == ("Our hours are Monday to Friday 08:30-17:30, closed Saturday "
                                                      "and Sunday. We are open now, until 17:30 today.")


def test_hours_before_opening_and_after_closing(demo_directory):
    assert hours_answer(demo_directory, "zh", local("2026-11-25T07:00")).endswith("现在还没到上班时间，今天08:30上班。")
    assert hours_answer(demo_directory, "zh", local("2026-11-25T19:00")).endswith("现在是下班时间，明天08:30上班。")
    assert hours_answer(demo_directory, "en", local("2026-11-27T20:30")).endswith(
        "We are closed for the day now; we open again on Monday 30 November at 08:30.")


def test_hours_take_the_time_zone_into_account(demo_directory):
    # 02:15 UTC is 10:15 in Shanghai: open
    at = dt.datetime(2026, 11, 25, 2, 15, tzinfo=dt.timezone.utc)
    assert "现在正在上班" in hours_answer(demo_directory, "zh", at)


def test_hours_at_the_weekend(demo_directory):
    at = local("2026-11-28T11:00")
    assert hours_answer(demo_directory, "zh", at).endswith("今天星期六休息，11月30日（星期一）08:30上班。")
    assert hours_answer(demo_directory, "en", at).endswith(
        "We are closed today, Saturday; we open again on Monday 30 November at 08:30.")


def test_hours_on_a_holiday(demo_directory):
    at = local("2026-10-02T10:00")
    assert hours_answer(demo_directory, "zh", at).endswith("今天国庆节放假，10月8日（星期四）08:30上班。")
    assert hours_answer(demo_directory, "en", at).endswith(
        "Today we are closed for National Day; we open again on Thursday 8 October at 08:30.")


def test_hours_on_a_holiday_the_file_names_in_an_unknown_way(demo_directory):
    company_day = dataclasses.replace(demo_directory, holidays=(Holiday(dt.date(2026, 11, 25), name="司庆日"),))
    at = local("2026-11-25T10:00")
    assert "今天司庆日放假，明天08:30上班。" in hours_answer(company_day, "zh", at)
    english = hours_answer(company_day, "en", at)
    assert "closed for a public holiday" in english and "司庆" not in english


def test_a_make_up_working_day_is_announced(demo_directory):
    at = local("2026-10-10T10:00")  # a Saturday, 调休上班
    assert "今天调休上班，上班时间08:30-17:30。现在正在上班" in hours_answer(demo_directory, "zh", at)
    assert "Today is a make-up working day: we are open 08:30-17:30. We are open now" in \
        hours_answer(demo_directory, "en", at)


def test_special_hours_on_a_regular_day(demo_directory):
    short = dataclasses.replace(demo_directory, holidays=(
        Holiday(dt.date(2026, 11, 25), closed=False, hours=Span(dt.time(9), dt.time(12)), name="半天"),))
    assert "今天半天，上班时间调整为09:00-12:00。" in hours_answer(short, "zh", local("2026-11-25T13:00"))
    assert "现在是下班时间" in hours_answer(short, "zh", local("2026-11-25T13:00"))


def test_a_holiday_in_the_coming_week_is_mentioned(demo_directory):
    at = local("2026-09-28T10:00")
    assert hours_answer(demo_directory, "zh", at).endswith("另外，10月1日至10月7日国庆节放假。")
    assert hours_answer(demo_directory, "en", at).endswith(
        "Please note we will be closed from 1 October to 7 October for National Day.")
    assert "国庆" not in hours_answer(demo_directory, "zh", local("2026-09-20T10:00"))


def test_hours_when_the_office_never_opens(demo_directory):
    closed = dataclasses.replace(demo_directory, hours=dict.fromkeys(demo_directory.hours), holidays=())
    assert hours_answer(closed, "zh", local("2026-11-25T10:00")) == \
        "我们的上班时间是周一至周日休息。今天星期三休息，近期暂无上班安排。"


def test_a_faq_written_for_one_organisation_is_empty_for_another(demo_faq):
    assert demo_faq.organization == "华信科技有限公司"
    assert demo_faq.for_organization("华信科技有限公司").answer("可以停车吗", "zh") is not None
    assert demo_faq.for_organization("临江精工有限公司").answer("可以停车吗", "zh") is None
    assert Faq(demo_faq.entries).for_organization("临江精工有限公司").answer("可以停车吗", "zh") is not None
