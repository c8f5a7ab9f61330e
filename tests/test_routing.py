"""The switchboard rules: who is rung, in what order, and why (shared/seeds)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.db.engine import open_database
from bot.org.model import AfterHours, Level, Presence, Rings
from bot.org.store import replace_directory
from bot.rules.routing import (
    CONNECT_ONLY,
    Caller,
    Plan,
    StepKind,
    TransferResult,
    UnknownTarget,
    plan_call,
    salutation,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY = dt.datetime(2026, 11, 25, 10, 15, tzinfo=SHANGHAI)
FRIDAY_NIGHT = dt.datetime(2026, 11, 27, 20, 30, tzinfo=SHANGHAI)
SATURDAY_2AM = dt.datetime(2026, 11, 28, 2, 0, tzinfo=SHANGHAI)
SATURDAY_NOON = dt.datetime(2026, 11, 28, 12, 0, tzinfo=SHANGHAI)
NATIONAL_DAY = dt.datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI)
MAKE_UP_SATURDAY = dt.datetime(2026, 10, 10, 10, 0, tzinfo=SHANGHAI)

VISITOR = Caller(name="王五", company="星辰贸易", purpose="商谈合作")
K = StepKind


def kinds(plan: Plan) -> list[StepKind]:
    return [step.kind for step in plan.steps]


def with_person(directory, person_id, **changes):
    people = tuple(dataclasses.replace(p, **changes) if p.id == person_id else p for p in directory.people)
    return dataclasses.replace(directory, people=people)


def with_policy(directory, **changes):
    return dataclasses.replace(directory, policy=dataclasses.replace(directory.policy, **changes))


# --------------------------------------------------------------------------------------
# Ordinary staff and departments in business hours


def test_available_staff_is_rung_blind_for_five_rings_then_a_message(demo_directory):
    plan = plan_call(demo_directory, "li-na", Caller(), WEDNESDAY)
    assert plan.open.open
    assert kinds(plan) == [K.RING, K.TAKE_MESSAGE]
    ring = plan.steps[0]
    assert (ring.destination, ring.mode, ring.ring_timeout_s) == ("8202", "blind", 25)
    assert ring.announcement is None
    assert plan.steps[1].target == "li-na"
    assert all(step.reason and step.reason_zh for step in plan.steps)


def test_ring_time_follows_the_policy(demo_directory):
    directory = with_policy(demo_directory, rings=Rings(default=4, executive=2), ring_seconds=6)
    assert plan_call(directory, "li-na", Caller(), WEDNESDAY).steps[0].ring_timeout_s == 24
    executive = plan_call(directory, "zhang-jianhua", VISITOR, WEDNESDAY)
    assert {s.ring_timeout_s for s in executive.steps if s.kind in (K.TRY_ASSISTANT, K.RING)} == {12}


def test_staff_mobiles_are_not_offered(demo_directory):
    plan = plan_call(demo_directory, "li-na", Caller(urgent=True), WEDNESDAY)
    assert K.OFFER_MOBILE not in kinds(plan)


def test_mobile_fallback_levels_are_configurable(demo_directory):
    directory = with_policy(demo_directory, mobile_fallback_levels=(Level.STAFF,))
    plan = plan_call(directory, "li-na", Caller(), WEDNESDAY)
    assert kinds(plan) == [K.RING, K.OFFER_MOBILE, K.TAKE_MESSAGE]
    assert plan.steps[1].connect_only


def test_a_department_is_rung_then_takes_a_message(demo_directory):
    plan = plan_call(demo_directory, "finance", Caller(), WEDNESDAY)
    assert plan.target_kind == "department"
    assert kinds(plan) == [K.RING, K.TAKE_MESSAGE]
    assert (plan.steps[0].destination, plan.steps[0].mode, plan.steps[0].ring_timeout_s) == ("8200", "blind", 25)
    assert plan.steps[1].target == "finance"


def test_the_operator_target_rings_the_operator(demo_directory):
    plan = plan_call(demo_directory, "operator", Caller(), WEDNESDAY)
    assert plan.steps[0].kind is K.OPERATOR
    assert plan.steps[0].destination == "8000"


def test_an_unknown_target_is_an_error(demo_directory):
    with pytest.raises(UnknownTarget, match="nobody"):
        plan_call(demo_directory, "nobody", Caller(), WEDNESDAY)


# --------------------------------------------------------------------------------------
# Executives: screened, announced, through the assistant


def test_an_external_caller_to_an_executive_is_asked_who_they_are_first(demo_directory):
    plan = plan_call(demo_directory, "zhang-jianhua", Caller(), WEDNESDAY)
    assert plan.steps[0].kind is K.ASK_IDENTITY
    assert plan.steps[0].needs == ("name", "company", "purpose")


def test_only_what_is_still_missing_is_asked(demo_directory):
    plan = plan_call(demo_directory, "zhang-jianhua", Caller(name="王五", company="星辰贸易"), WEDNESDAY)
    assert plan.steps[0].needs == ("purpose",)


def test_what_external_callers_must_give_is_configurable(demo_directory):
    directory = with_policy(demo_directory, external_must_give=("name", "appointment"))
    plan = plan_call(directory, "zhang-jianhua", Caller(company="星辰贸易"), WEDNESDAY)
    assert plan.steps[0].needs == ("name", "appointment")
    told = plan_call(directory, "zhang-jianhua", Caller(name="王五", appointment=False), WEDNESDAY)
    assert told.steps[0].kind is not K.ASK_IDENTITY


def test_an_identified_caller_goes_through_the_assistant_then_the_office_then_the_mobile(demo_directory):
    plan = plan_call(demo_directory, "zhang-jianhua", VISITOR, WEDNESDAY)
    assert kinds(plan) == [K.TRY_ASSISTANT, K.RING, K.OFFER_MOBILE, K.TAKE_MESSAGE]
    assistant, office, mobile, message = plan.steps
    assert (assistant.target, assistant.destination, assistant.mode) == ("zhao-min", "8003", "announced")
    assert (office.destination, office.mode, office.ring_timeout_s) == ("8001", "announced", 15)
    assert mobile.connect_only and mobile.destination == "+86 139 0000 0001"
    assert message.target == "zhang-jianhua"


def test_the_announcement_introduces_the_caller_and_asks_for_consent(demo_directory):
    plan = plan_call(demo_directory, "zhang-jianhua", VISITOR, WEDNESDAY)
    office = plan.steps[1]
    assert office.announcement == "张总您好，这里是总机，星辰贸易的王五来电，事由：商谈合作，请问您接听吗？"
    assistant = plan.steps[0]
    assert "星辰贸易的王五" in assistant.announcement and "张总" in assistant.announcement
    for step in plan.steps:
        assert "找你" not in (step.announcement or "") and "找您" not in (step.announcement or "")


def test_an_executive_without_an_assistant_is_rung_directly(demo_directory):
    directory = with_person(demo_directory, "zhang-jianhua", assistant=None)
    assert kinds(plan_call(directory, "zhang-jianhua", VISITOR, WEDNESDAY)) == [K.RING, K.OFFER_MOBILE, K.TAKE_MESSAGE]


def test_an_assistant_on_leave_is_skipped(demo_directory):
    directory = with_person(demo_directory, "zhao-min", presence=Presence.ON_LEAVE)
    assert kinds(plan_call(directory, "zhang-jianhua", VISITOR, WEDNESDAY))[0] is K.RING


def test_a_senior_colleague_is_announced_without_questions_and_skips_the_assistant(demo_directory):
    plan = plan_call(demo_directory, "zhang-jianhua", Caller(internal=True, person_id="liu-fang"), WEDNESDAY)
    assert kinds(plan) == [K.RING, K.OFFER_MOBILE, K.TAKE_MESSAGE]
    assert plan.steps[0].mode == "announced"
    assert plan.steps[0].announcement == "张总您好，这里是总机，财务部的刘芳来电，请问您接听吗？"


def test_the_assistant_calling_her_executive_is_not_put_through_her_own_office(demo_directory):
    plan = plan_call(demo_directory, "zhang-jianhua", Caller(internal=True, person_id="zhao-min", purpose="签字"),
                     WEDNESDAY)
    assert kinds(plan) == [K.RING, K.OFFER_MOBILE, K.TAKE_MESSAGE]
    assert "总经理办公室的赵敏" in plan.steps[0].announcement


def test_a_junior_colleague_states_the_purpose_first(demo_directory):
    plan = plan_call(demo_directory, "zhang-jianhua", Caller(internal=True, person_id="li-na"), WEDNESDAY)
    assert plan.steps[0].kind is K.ASK_IDENTITY
    assert plan.steps[0].needs == ("purpose",)
    with_purpose = plan_call(demo_directory, "zhang-jianhua",
                             Caller(internal=True, person_id="li-na", purpose="报销审批"), WEDNESDAY)
    assert kinds(with_purpose)[0] is K.TRY_ASSISTANT
    assert "财务部的李娜" in with_purpose.steps[0].announcement
    assert "报销审批" in with_purpose.steps[0].announcement


def test_the_internal_pass_level_is_configurable(demo_directory):
    manager = Caller(internal=True, person_id="yang-guang")
    assert plan_call(demo_directory, "zhang-jianhua", manager, WEDNESDAY).steps[0].kind is K.ASK_IDENTITY
    lowered = with_policy(demo_directory, internal_pass_level=Level.MANAGER)
    assert plan_call(lowered, "zhang-jianhua", manager, WEDNESDAY).steps[0].kind is K.RING


def test_screened_levels_are_configurable(demo_directory):
    directory = with_policy(demo_directory, screened_levels=(Level.EXECUTIVE, Level.DIRECTOR))
    plan = plan_call(directory, "liu-fang", Caller(), WEDNESDAY)
    assert plan.steps[0].kind is K.ASK_IDENTITY
    assert plan.steps[1].mode == "announced"
    assert plan.steps[1].announcement.startswith("刘总监您好")


def test_a_director_is_not_screened_but_the_mobile_is_offered(demo_directory):
    plan = plan_call(demo_directory, "liu-fang", Caller(), WEDNESDAY)
    assert kinds(plan) == [K.RING, K.OFFER_MOBILE, K.TAKE_MESSAGE]
    assert plan.steps[0].mode == "blind" and plan.steps[0].ring_timeout_s == 25


def test_a_known_location_is_tried_before_the_office_and_the_mobile(demo_directory):
    directory = with_person(demo_directory, "zhang-jianhua", location="8900")
    plan = plan_call(directory, "zhang-jianhua", VISITOR, WEDNESDAY)
    assert kinds(plan) == [K.TRY_ASSISTANT, K.TRY_LOCATION, K.RING, K.OFFER_MOBILE, K.TAKE_MESSAGE]
    location = plan.steps[1]
    assert (location.destination, location.mode) == ("8900", "announced")
    assert "请问张总方便接听吗" in location.announcement


def test_salutations_come_from_chinese_aliases(demo_directory):
    assert salutation(demo_directory.person("zhang-jianhua")) == "张总"
    assert salutation(demo_directory.person("liu-fang")) == "刘总监"
    assert salutation(demo_directory.person("li-na")) == "李娜"


def test_announcements_follow_the_organisations_first_language(demo_directory):
    english = dataclasses.replace(
        demo_directory, organization=dataclasses.replace(demo_directory.organization, languages=("en", "zh")),
    )
    office = plan_call(english, "zhang-jianhua", Caller(name="John Smith", company="Acme", purpose="a contract"),
                       WEDNESDAY).steps[1]
    assert office.announcement == ("Hello Jianhua Zhang, this is the operator. John Smith of Acme is calling "
                                   "about a contract. Will you take the call?")


# --------------------------------------------------------------------------------------
# Presence


def test_someone_on_leave_is_not_rung_a_message_is_taken_and_the_department_offered(demo_directory):
    plan = plan_call(demo_directory, "guo-ting", Caller(), WEDNESDAY)
    assert kinds(plan) == [K.TAKE_MESSAGE]
    assert "on leave" in plan.steps[0].reason and "休假" in plan.steps[0].reason_zh
    assert plan.alternative == "hr"


def test_someone_on_leave_with_an_urgent_caller_hands_over_to_the_department(demo_directory):
    plan = plan_call(demo_directory, "guo-ting", Caller(urgent=True), WEDNESDAY)
    assert kinds(plan) == [K.RING, K.TAKE_MESSAGE]
    assert (plan.steps[0].target, plan.steps[0].destination) == ("hr", "8400")
    assert plan.steps[1].urgent
    assert plan.alternative is None  # the department was rung already


def test_someone_in_a_meeting_without_an_assistant_gets_a_message(demo_directory):
    plan = plan_call(demo_directory, "wang-fang", Caller(), WEDNESDAY)
    assert kinds(plan) == [K.TAKE_MESSAGE]
    assert "in a meeting" in plan.steps[0].reason
    assert plan.alternative == "rnd"


def test_an_executive_in_a_meeting_goes_to_the_assistant_and_the_mobile_only_when_urgent(demo_directory):
    directory = with_person(demo_directory, "wang-qiang", presence=Presence.IN_MEETING)
    calm = plan_call(directory, "wang-qiang", VISITOR, WEDNESDAY)
    assert kinds(calm) == [K.TRY_ASSISTANT, K.TAKE_MESSAGE]
    assert "in a meeting" in calm.steps[0].reason
    urgent = plan_call(directory, "wang-qiang", dataclasses.replace(VISITOR, urgent=True), WEDNESDAY)
    assert kinds(urgent) == [K.TRY_ASSISTANT, K.OFFER_MOBILE, K.TAKE_MESSAGE]
    assert "有急事" in urgent.steps[0].announcement


def test_an_executive_who_stepped_away_is_tried_where_he_is_then_on_the_mobile(demo_directory):
    directory = with_person(demo_directory, "zhang-jianhua", presence=Presence.AWAY, location="8900")
    plan = plan_call(directory, "zhang-jianhua", VISITOR, WEDNESDAY)
    assert kinds(plan) == [K.TRY_ASSISTANT, K.TRY_LOCATION, K.OFFER_MOBILE, K.TAKE_MESSAGE]


def test_a_busy_person_gets_a_message_unless_the_matter_is_urgent(demo_directory):
    assert kinds(plan_call(demo_directory, "feng-xue", Caller(), WEDNESDAY)) == [K.TAKE_MESSAGE]
    urgent = plan_call(demo_directory, "feng-xue", Caller(urgent=True), WEDNESDAY)
    assert kinds(urgent) == [K.RING, K.OPERATOR, K.TAKE_MESSAGE]
    assert "urgent" in urgent.steps[0].reason
    assert "强插" in urgent.steps[1].reason
    no_retry = with_policy(demo_directory, urgent_retry_busy=False)
    assert kinds(plan_call(no_retry, "feng-xue", Caller(urgent=True), WEDNESDAY)) == [K.TAKE_MESSAGE]


# --------------------------------------------------------------------------------------
# What happens after a transfer result


def test_no_answer_moves_on_and_an_answer_ends_the_plan(demo_directory):
    plan = plan_call(demo_directory, "zhang-jianhua", VISITOR, WEDNESDAY)
    assert plan.after(0, TransferResult.NO_ANSWER) == plan.steps[1:]
    assert plan.after(1, "failed") == plan.steps[2:]
    assert plan.after(1, TransferResult.ANSWERED) == ()


def test_a_declined_call_is_never_tried_on_the_mobile(demo_directory):
    plan = plan_call(demo_directory, "zhang-jianhua", VISITOR, WEDNESDAY)
    left = plan.after(1, TransferResult.DECLINED)
    assert [s.kind for s in left] == [K.TAKE_MESSAGE]


def test_a_busy_line_leads_to_a_message_or_for_urgent_callers_the_operator(demo_directory):
    calm = plan_call(demo_directory, "li-na", Caller(), WEDNESDAY)
    assert [s.kind for s in calm.after(0, TransferResult.BUSY)] == [K.TAKE_MESSAGE]
    urgent = plan_call(demo_directory, "li-na", Caller(urgent=True), WEDNESDAY)
    busy_path = urgent.after(0, TransferResult.BUSY)
    assert [s.kind for s in busy_path] == [K.OPERATOR, K.TAKE_MESSAGE]
    assert busy_path[0].destination == "8000"
    # the busy path is followed like any other: the operator not answering leaves the message
    assert [s.kind for s in urgent.follow(busy_path, TransferResult.NO_ANSWER)] == [K.TAKE_MESSAGE]
    assert urgent.follow(busy_path, TransferResult.ANSWERED) == ()


def test_a_busy_shared_line_is_not_the_callees_busy_line(demo_directory):
    directory = with_person(demo_directory, "zhang-jianhua", location="8900", assistant=None)
    plan = plan_call(directory, "zhang-jianhua", VISITOR, WEDNESDAY)
    assert plan.steps[0].kind is K.TRY_LOCATION
    assert plan.after(0, TransferResult.BUSY) == plan.steps[1:]


def test_questions_are_followed_by_the_rest_whatever_is_reported(demo_directory):
    plan = plan_call(demo_directory, "zhang-jianhua", Caller(), WEDNESDAY)
    assert plan.after(0, TransferResult.ANSWERED) == plan.steps[1:]


# --------------------------------------------------------------------------------------
# Salespeople


def test_a_salesperson_never_reaches_an_executive(demo_directory):
    plan = plan_call(demo_directory, "zhang-jianhua", dataclasses.replace(VISITOR, sales=True), WEDNESDAY)
    assert kinds(plan) == [K.DECLINE, K.TAKE_MESSAGE]
    assert plan.steps[1].target == "admin"  # the general mailbox
    assert not any(step.is_transfer for step in plan.steps)


def test_a_salesperson_never_reaches_a_director_even_at_night(demo_directory):
    plan = plan_call(demo_directory, "liu-fang", Caller(sales=True, urgent=True), FRIDAY_NIGHT)
    assert kinds(plan) == [K.DECLINE, K.TAKE_MESSAGE]


def test_without_a_general_mailbox_the_message_is_for_the_person(demo_directory):
    directory = with_policy(demo_directory, general_mailbox=None)
    plan = plan_call(directory, "zhang-jianhua", Caller(sales=True), WEDNESDAY)
    assert plan.steps[1].target == "zhang-jianhua"


def test_a_salesperson_may_ring_ordinary_staff(demo_directory):
    assert kinds(plan_call(demo_directory, "zhang-wei-sales", Caller(sales=True), WEDNESDAY)) == [
        K.RING, K.TAKE_MESSAGE,
    ]


def test_blocked_sales_levels_are_configurable(demo_directory):
    directory = with_policy(demo_directory, block_sales_to=(Level.EXECUTIVE, Level.DIRECTOR, Level.MANAGER))
    assert kinds(plan_call(directory, "yang-guang", Caller(sales=True), WEDNESDAY))[0] is K.DECLINE


# --------------------------------------------------------------------------------------
# After hours


def test_after_hours_a_non_urgent_caller_is_offered_a_message(demo_directory):
    plan = plan_call(demo_directory, "li-na", Caller(), FRIDAY_NIGHT)
    assert not plan.open.open
    assert kinds(plan) == [K.TAKE_MESSAGE]
    assert "opens Monday 2026-11-30 08:30" in plan.steps[0].reason
    executive = plan_call(demo_directory, "zhang-jianhua", VISITOR, FRIDAY_NIGHT)
    assert kinds(executive) == [K.TAKE_MESSAGE]


def test_after_hours_an_urgent_call_goes_to_the_duty_line_then_the_duty_managers_mobile(demo_directory):
    plan = plan_call(demo_directory, "li-na", Caller(name="王五", purpose="服务器宕机", urgent=True), FRIDAY_NIGHT)
    assert kinds(plan) == [K.DUTY_LINE, K.DUTY_MANAGER, K.TAKE_MESSAGE]
    line, manager, message = plan.steps
    assert (line.destination, line.target, line.target_name) == ("8099", "duty", "陈静")
    assert plan.duty_person == "chen-jing"
    assert "王五" in line.announcement and "服务器宕机" in line.announcement
    assert (manager.target, manager.destination, manager.connect_only) == ("wang-qiang", "+86 139 0000 0002", True)
    assert message.urgent and message.target == "li-na"


def test_an_urgent_caller_after_hours_is_put_through_to_the_duty_line_before_any_question(demo_directory):
    """Urgent means now (issue #10): "机器冒烟了" at night is not answered with "您贵姓"."""
    plan = plan_call(demo_directory, "li-na", Caller(urgent=True), FRIDAY_NIGHT)
    assert kinds(plan) == [K.DUTY_LINE, K.DUTY_MANAGER, K.TAKE_MESSAGE]
    executive = plan_call(demo_directory, "zhang-jianhua", Caller(urgent=True, purpose="设备冒烟"), FRIDAY_NIGHT)
    assert executive.steps[0].kind is K.DUTY_LINE and "设备冒烟" in executive.steps[0].announcement


@pytest.mark.parametrize(("moment", "on_duty"), [
    (FRIDAY_NIGHT, "陈静"), (SATURDAY_2AM, "陈静"), (SATURDAY_NOON, "刘洋"),
])
def test_the_duty_line_names_the_person_on_duty_for_that_night(demo_directory, moment, on_duty):
    plan = plan_call(demo_directory, "finance", Caller(urgent=True, name="王五", purpose="付款"), moment)
    assert plan.steps[0].kind is K.DUTY_LINE
    assert plan.steps[0].target_name == on_duty


def test_without_a_duty_phone_the_duty_manager_is_next(demo_directory):
    directory = dataclasses.replace(demo_directory, after_hours=AfterHours(duty_manager="wang-qiang"))
    plan = plan_call(directory, "finance", Caller(urgent=True, name="王五", purpose="付款"), FRIDAY_NIGHT)
    assert kinds(plan) == [K.DUTY_MANAGER, K.TAKE_MESSAGE]


def test_a_duty_manager_without_a_mobile_is_rung_at_the_office(demo_directory):
    directory = with_person(demo_directory, "wang-qiang", mobile=None)
    plan = plan_call(directory, "finance", Caller(urgent=True, name="王五", purpose="付款"), FRIDAY_NIGHT)
    manager = plan.steps[1]
    assert (manager.destination, manager.connect_only) == ("8002", False)


def test_holidays_are_after_hours_and_make_up_days_are_working_days(demo_directory):
    assert kinds(plan_call(demo_directory, "li-na", Caller(), NATIONAL_DAY)) == [K.TAKE_MESSAGE]
    assert "国庆节" in plan_call(demo_directory, "li-na", Caller(), NATIONAL_DAY).open.reason
    assert kinds(plan_call(demo_directory, "li-na", Caller(), MAKE_UP_SATURDAY)) == [K.RING, K.TAKE_MESSAGE]


def test_a_utc_time_is_judged_in_the_organisations_zone(demo_directory):
    # 12:30 UTC on Friday is 20:30 in Shanghai: closed.
    plan = plan_call(demo_directory, "li-na", Caller(), dt.datetime(2026, 11, 27, 12, 30, tzinfo=dt.timezone.utc))
    assert kinds(plan) == [K.TAKE_MESSAGE]


def test_a_department_and_the_operator_after_hours(demo_directory):
    assert kinds(plan_call(demo_directory, "finance", Caller(), FRIDAY_NIGHT)) == [K.TAKE_MESSAGE]
    operator = plan_call(demo_directory, "operator", Caller(), FRIDAY_NIGHT)
    assert kinds(operator) == [K.TAKE_MESSAGE]
    assert operator.steps[0].target == "admin"


def test_the_duty_target_rings_the_duty_line(demo_directory):
    plan = plan_call(demo_directory, "duty", Caller(), SATURDAY_2AM)
    assert kinds(plan) == [K.DUTY_LINE, K.DUTY_MANAGER, K.TAKE_MESSAGE]
    assert plan.duty_person == "chen-jing"


# --------------------------------------------------------------------------------------
# The transfer payload and privacy


def test_a_mobile_is_only_in_the_transfer_payload(demo_directory):
    plan = plan_call(demo_directory, "zhang-jianhua", VISITOR, WEDNESDAY)
    mobile = plan.steps[2]
    assert mobile.transfer_payload() == {
        "type": "transfer", "destination": "+86 139 0000 0001", "target": "zhang-jianhua", "mode": "announced",
        "ring_timeout_s": 25, "announcement": "张总您好，这里是总机，星辰贸易的王五来电，事由：商谈合作，请问您接听吗？",
    }
    assert CONNECT_ONLY in mobile.describe()
    assert mobile.as_dict()["destination"] is None


def test_non_transfer_steps_have_no_payload(demo_directory):
    plan = plan_call(demo_directory, "zhang-jianhua", Caller(sales=True), WEDNESDAY)
    assert [step.transfer_payload() for step in plan.steps] == [None, None]
    blind = plan_call(demo_directory, "li-na", Caller(), WEDNESDAY).steps[0].transfer_payload()
    assert blind == {"type": "transfer", "destination": "8202", "target": "li-na", "mode": "blind",
                     "ring_timeout_s": 25}


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


CALLERS = [
    Caller(), VISITOR, dataclasses.replace(VISITOR, urgent=True), Caller(sales=True), Caller(urgent=True),
    Caller(internal=True, person_id="li-na"), Caller(internal=True, person_id="liu-fang", urgent=True),
]
MOMENTS = [WEDNESDAY, FRIDAY_NIGHT, SATURDAY_2AM, NATIONAL_DAY, MAKE_UP_SATURDAY]


def test_no_text_of_any_plan_contains_a_mobile_number_nor_reasons_an_extension(demo_directory):
    # every person away somewhere, so that locations, assistants and mobiles all appear in some plan
    variants = [demo_directory] + [
        dataclasses.replace(demo_directory, people=tuple(
            dataclasses.replace(p, presence=presence, location="8900") for p in demo_directory.people
        )) for presence in Presence
    ]
    mobiles = {_digits(p.mobile)[-11:] for p in demo_directory.people if p.mobile}  # 139xxxxxxxx
    targets = [p.id for p in demo_directory.people] + [d.id for d in demo_directory.departments] + ["operator", "duty"]
    plans = [plan_call(directory, target, caller, moment)
             for directory in variants for target in targets for caller in CALLERS for moment in MOMENTS]
    extensions = {p.extension for p in demo_directory.people} | {d.extension for d in demo_directory.departments}
    extensions |= {demo_directory.organization.operator, demo_directory.after_hours.duty_phone, "8900"}
    connect_only_steps = 0
    for plan in plans:
        texts = [*plan.describe(), json.dumps(plan.as_dict(), ensure_ascii=False)]
        for step in (*plan.steps, *plan.if_busy):
            spoken_or_reasons = [step.reason, step.reason_zh, step.announcement or ""]
            texts += [step.describe(), *spoken_or_reasons]
            connect_only_steps += step.connect_only
            # reasons and announcements carry no extension either: the dialogue may read them out
            assert not extensions & set(re.findall(r"\d+", " ".join(spoken_or_reasons))), spoken_or_reasons
        for text in texts:
            numbers = {_digits(run) for run in re.findall(r"\d[\d \-()]*\d", text)}
            assert not any(mobile in number for number in numbers for mobile in mobiles), text
    assert len(plans) == len(variants) * len(targets) * len(CALLERS) * len(MOMENTS)
    assert connect_only_steps > 100  # the scan did cover plans that connect to mobiles


# --------------------------------------------------------------------------------------
# The command line


def _receptionist() -> Path:
    return Path(sys.prefix) / "bin" / "receptionist"


@pytest.fixture
def demo_sqlite(sqlite_url, demo_directory, tmp_path):
    database = open_database(sqlite_url)
    with database.session() as session:
        replace_directory(session, demo_directory)
    database.close()
    return {**os.environ, "RECEPTIONIST_DB": sqlite_url, "RECEPTIONIST_VAR": str(tmp_path / "var")}


def _route(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(_receptionist()), "route", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_route_command_prints_the_plan_and_never_a_mobile(demo_sqlite):
    text = _route(demo_sqlite, "zhang-jianhua", "--at", "2026-11-27T20:30", "--caller", "external", "--urgent")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert "closed, after hours (opens Monday 2026-11-30 08:30)" in lines[0]
    assert "on duty now: 陈静 (chen-jing)" in text.stdout
    assert re.search(r"^ 1\. duty_line: 陈静 \(duty\) at ext 8099", text.stdout, re.M)
    assert re.search(r"^ 2\. duty_manager: 王强 \(wang-qiang\) at mobile \(connect only\)", text.stdout, re.M)
    assert "原因：" in text.stdout
    assert "0000 0002" not in text.stdout and "00000002" not in _digits(text.stdout)

    as_json = _route(demo_sqlite, "zhang-jianhua", "--at", "2026-11-25T02:15:00Z", "--from", "8202",
                     "--purpose", "报销审批", "--json")
    assert as_json.returncode == 0, as_json.stderr
    plan = json.loads(as_json.stdout)
    assert plan["open"] is True and plan["local_time"] == "2026-11-25T10:15:00+08:00"
    assert [s["kind"] for s in plan["steps"]] == ["try_assistant", "ring", "offer_mobile", "take_message"]
    assert "财务部的李娜" in plan["steps"][1]["announcement"]
    assert "0000" not in as_json.stdout

    missing = _route(demo_sqlite, "nobody-here", "--at", "2026-11-25T10:00")
    assert missing.returncode == 1
    assert "no person or department matches 'nobody-here'" in missing.stderr


def test_the_route_command_resolves_names_and_lists_ambiguous_ones(demo_sqlite):
    named = _route(demo_sqlite, "张总", "--at", "2026-11-25T10:00", "--json")
    assert named.returncode == 0, named.stderr
    assert json.loads(named.stdout)["target"] == "zhang-jianhua"
    ambiguous = _route(demo_sqlite, "张伟", "--at", "2026-11-25T10:00")
    assert ambiguous.returncode == 2
    assert "zhang-wei-fin" in ambiguous.stderr and "zhang-wei-sales" in ambiguous.stderr
