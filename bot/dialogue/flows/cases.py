"""Hotline cases in the conversation (#12, point 1), for an organisation whose file lists case
categories (`cases.categories`: a 12345 hotline, or any organisation taking complaints as cases).

A matter reported: the caller's words are matched to a category (`bot.cases.categories`); the name
and a callback number are asked only when not known (a phone call's number is the callback); the case
is registered, classified and dispatched to the category's department with its deadline (a message
tells the department, and the message sweep chases it), and its number is read back with the
deadline, with a `record` payload of kind `case`. Without a matching category it is registered for
the hotline desk to classify.

"查询工单 202612040001": the case is found only when the call comes from the number it was registered
with (anything else gets the answer a missing number gets). An answer from the department is read
out, and the case is fed back and closed; the caller is then asked to rate it, and a score of 2 or
less opens a follow-up for the hotline's supervisors (a message for the general mailbox).
"""

from __future__ import annotations

import math
import re
from zoneinfo import ZoneInfo

from bot.cases import cases
from bot.cases.categories import deadline_of, match_category, resolved
from bot.dialogue import parse
from bot.dialogue.flows.base import TurnBase
from bot.dialogue.frame import matter_of
from bot.dialogue.state import Pending
from bot.org.model import CaseCategory
from bot.records import inquiries, messages
from bot.rules.routing import OPERATOR

RECEPTIONIST = "receptionist"
_QUERY = re.compile(r"查询?(?:一下)?(?:我的|我那个|那个)?工单|工单(?:号|的)?(?:进度|状态|结果|办得|处理得|怎么样|到哪)|"
                    r"查(?:一下)?进度|\b(?:check|track|status of|follow up on)\b.{0,20}\b(?:case|complaint|ticket)\b|"
                    r"\bcase number\b", re.IGNORECASE)
_NO = re.compile(r"不想|不用|不留|算了|不方便|匿名|\b(?:rather not|no thanks|anonymous|skip)\b", re.IGNORECASE)


class Cases(TurnBase):
    """Registering a case and answering a status query; for organisations with case categories."""

    @property
    def takes_cases(self) -> bool:
        return bool(self.d.case_categories)

    # ------------------------------------------------------------------ a new case

    def category_for(self, text: str) -> CaseCategory | None:
        return match_category(resolved(self.d.case_categories), text)

    def open_case(self, text: str) -> None:
        """The caller reported a matter: registered as a case once we know who and where to answer."""
        c = self.c
        category = self.category_for(text)
        c.case = {"text": (c.purpose or matter_of(text) or parse.clean_matter(text) or text)[:1000],
                  "category": category.id if category else None}
        if category is not None:
            label = category.label(c.language)
            self.say("case_heard_category", category=label.lower() if c.language == "en" else label)
        else:
            self.say("case_heard")
        self.next_case_question()

    def next_case_question(self) -> None:
        c = self.c
        if not c.caller_name and not c.case.get("no_name"):
            c.case["asking"] = "name"
            self.ask(Pending.CASE, "case_ask_name")
        elif not (c.callback or c.caller_id) and not c.case.get("no_number"):
            c.case["asking"] = "number"
            self.ask(Pending.CASE, "case_ask_number")
        else:
            self.register_case()

    def on_case(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        """The caller's name or number, asked for the case (what `listen` kept already counts)."""
        c = self.c
        asking = c.case.get("asking")
        if asking == "name" and not c.caller_name:
            identity = parse.caller_identity(text, entities)
            c.caller_name = identity.name or _bare_name(text)
            if not c.caller_name and (_NO.search(text) or c.misunderstood >= 1):
                c.case["no_name"] = True
            elif not c.caller_name:
                self.misunderstood(lambda: self.ask(Pending.CASE, "case_ask_name"))
                return
        if asking == "number" and not c.callback:
            number = parse.phone_number(text)
            if number:
                c.callback = number
            elif _NO.search(text) or c.misunderstood >= 1:
                c.case["no_number"] = True
            else:
                self.misunderstood(lambda: self.ask(Pending.CASE, "case_ask_number"))
                return
        c.misunderstood = 0
        self.next_case_question()

    def register_case(self) -> None:
        c = self.c
        zone = ZoneInfo(self.d.organization.timezone)
        category = next((k for k in resolved(self.d.case_categories) if k.id == c.case.get("category")), None)
        callback = _usable_number(c.callback or c.caller_id)
        with self.r.database.session() as session:
            case = cases.register(session, c.case.get("text") or "", caller_name=c.caller_name or "",
                                  callback_number=callback, zone=zone, now=self.now, actor=RECEPTIONIST,
                                  category=category.id if category else None, urgent=c.urgent, channel=c.channel,
                                  conversation=c.conversation)
            if category is not None and category.department:
                deadline = deadline_of(category, cases.DEFAULT_DEADLINE)
                case = cases.dispatch(session, case.number, category.department, deadline, actor=RECEPTIONIST,
                                      now=self.now)
                self.tell_the_department(session, case)
        c.case = {**c.case, "number": case.number, "asking": None}
        self.payload({"type": "record", "kind": "case", "id": case.id, "number": case.number})
        spoken = spoken_case_number(case.number)
        if case.department:
            days = max(1, math.ceil(category.deadline_days if category and category.deadline_days
                                     else cases.DEFAULT_DEADLINE.days))
            self.say("case_registered", number=spoken, department=self.name_for(case.department), days=days)
        else:
            self.say("case_registered_unclassified", number=spoken)
        self.finish_if_unset("message")
        self.ask(Pending.ANYTHING_ELSE, "anything_else")

    def tell_the_department(self, session: object, case: cases.CaseRecord) -> None:
        """A message for the department: the message sweep e-mails it and chases it until acknowledged."""
        due = case.deadline_at.astimezone(ZoneInfo(self.d.organization.timezone)) if case.deadline_at else None
        text = (f"新工单 {case.number}（{self.name_for(case.department or '')}），请于 {due:%Y-%m-%d %H:%M} 前答复"
                f"（receptionist cases reply {case.number} …）：{case.text}") if due else f"新工单 {case.number}：{case.text}"
        messages.take_message(session, case.department or OPERATOR, text, caller_name=case.caller_name,  # type: ignore[arg-type]
                              callback_number=case.callback_number, urgent=case.urgent,
                              conversation=self.c.conversation, at=self.now)

    # ------------------------------------------------------------------ a status query

    def case_query_said(self, text: str) -> bool:
        """"查询工单 2026 1204 0001", "I'd like to check my case": answered (True: the turn is done)."""
        numbers = cases.case_numbers_in(text)
        if not numbers and not _QUERY.search(text):
            return False
        if numbers:
            self.answer_case_query(numbers[0])
        else:
            self.ask(Pending.CASE_NUMBER, "case_ask_number_to_check")
        return True

    def on_case_number(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        numbers = cases.case_numbers_in(text)
        if numbers:
            self.answer_case_query(numbers[0])
        elif parse.yes_no(text, intent) is False or _NO.search(text):
            self.ask(Pending.ANYTHING_ELSE, "anything_else")
        else:
            self.misunderstood(lambda: self.ask(Pending.CASE_NUMBER, "case_ask_number_to_check"))

    def answer_case_query(self, number: str) -> None:
        c = self.c
        zone = ZoneInfo(self.d.organization.timezone)
        spoken = spoken_case_number(number)
        with self.r.database.session() as session:
            found = cases.case_for_caller(session, number, c.caller_id) if c.caller_id else None
            if found is not None and found.status is cases.CaseStatus.REPLIED:
                cases.feed_back(session, number, actor=RECEPTIONIST, how="phone query", now=self.now)
                found = cases.close(session, number, actor=RECEPTIONIST, now=self.now)
        self.finish_if_unset("answered")
        if found is None:
            self.ask(Pending.OFFER_OPERATOR, "case_not_found", number=spoken)
        elif found.reply and found.status in (cases.CaseStatus.CLOSED, cases.CaseStatus.FED_BACK,
                                              cases.CaseStatus.EVALUATED):
            self.say("case_status_answered", number=spoken, reply=found.reply)
            if found.status is cases.CaseStatus.CLOSED and found.satisfaction is None:
                c.case = {"number": number}
                self.ask(Pending.CASE_RATING, "case_rate")
            else:
                self.ask(Pending.ANYTHING_ELSE, "anything_else")
        elif found.status in cases.OPEN and found.deadline_at is not None:
            due = found.deadline_at.astimezone(zone)
            when = f"{due.month}月{due.day}日" if c.language == "zh" else f"{due:%B} {due.day}"
            self.say("case_status_open", number=spoken, department=self.name_for(found.department or ""), due=when)
            self.ask(Pending.ANYTHING_ELSE, "anything_else")
        else:
            self.say("case_status_waiting", number=spoken)
            self.ask(Pending.ANYTHING_ELSE, "anything_else")

    def on_case_rating(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        c = self.c
        score = parse.satisfaction_score(text, entities)
        number = c.case.get("number") or ""
        if score is None:
            self.misunderstood(lambda: self.ask(Pending.CASE_RATING, "case_rate"))
            if c.misunderstood >= 2:
                self.ask(Pending.ANYTHING_ELSE, "anything_else")
            return
        with self.r.database.session() as session:
            case = cases.evaluate(session, number, score, actor=RECEPTIONIST, now=self.now)
            inquiries.open_follow_up(session, c.conversation, score, reason="case_rating", case_number=number,
                                     caller_id=c.caller_id, at=self.now)
            if score <= 2:
                mailbox = self.d.policy.general_mailbox or OPERATOR
                messages.take_message(session, mailbox, f"回访：工单 {number} 的来电人评价 {score} 分（满分 5 分），"
                                      f"请安排回访。诉求：{case.text}；答复：{case.reply or ''}",
                                      caller_name=case.caller_name, callback_number=case.callback_number,
                                      urgent=False, conversation=c.conversation, at=self.now)
        self.say("case_low_rating" if score <= 2 else "thanks_for_rating")
        self.ask(Pending.ANYTHING_ELSE, "anything_else")


def spoken_case_number(number: str) -> str:
    """"202612040001" → "2026 1204 0001": read in groups, as a caller writes it down."""
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4))


def _usable_number(number: str | None) -> str | None:
    try:
        return messages.normalize_callback_number(number) if number else None
    except ValueError:
        return None


def _bare_name(text: str) -> str | None:
    """An answer that is only a name: "刘芳", "姓刘", "Li Na"."""
    said = re.sub(r"^(?:我)?(?:叫|姓|是)", "", text.strip(" 。，,.!！"))
    if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", said):
        return said
    if re.fullmatch(r"[\u4e00-\u9fff]", said):
        return f"{said}先生/女士"
    if re.fullmatch(r"[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}", said):
        return said
    return None
