"""Salespeople and inquiries: declined politely where the rules say so; address, hours, directions,
FAQ. Every answered question is recorded with its answer; one nobody here can answer is recorded
for the department owning its topic, and the caller's callback message is linked to it
(bot/records/inquiries.py)."""

from __future__ import annotations

import re

from bot.dialogue import parse
from bot.dialogue.cues import put_through_to
from bot.dialogue.faq import address_answer, directions_answer, hours_answer
from bot.dialogue.flows.base import TurnBase
from bot.dialogue.state import Pending, Say
from bot.directory.topics import router_for
from bot.privacy import scrub_for_caller
from bot.records import inquiries
from bot.rules.routing import OPERATOR

_QUESTION_ZH = re.compile(
    r"[吗么呢][\s。？?！!]*$|[？?]|([\u4e00-\u9fff])不\1|什么|啥|怎么|怎样|如何|多少|几点|几号|几天|哪里|哪儿|哪个|哪些|为什么|是否|"
    r"能不能|可不可以|可以.{0,12}吗|有没有|是不是|需不需要|要不要|咨询|问一下|问个|想问|打听")
_QUESTION_EN = re.compile(
    r"\?|^(?:(?:hi|hello|hey|um+|uh+|so|and|also|sorry|excuse me|yes|yeah|ok(?:ay)?)[, ]+)*"
    r"(?:what|how|when|where|which|who|why|can|could|do|does|is|are|will|would|should|may)\b|"
    r"\b(?:i'?d like to (?:ask|know)|i want(?:ed)? to (?:ask|know)|wondering|a question)\b", re.I)
_WANTS_TO_ASK_ZH = re.compile(
    r"(?:喂|你好|您好|呃|嗯|那个|就是|麻烦)*[，,]?我?(?:想|要|有|能|可以)*(?:跟您|跟你|向您)?"
    r"(?:咨询|问|打听|请问)(?:一下|下|个|点)?(?:事|事情|问题|情况)?儿?[啊呀吧哈呢嘛]?[。.!！?？]*")
_WANTS_TO_ASK_EN = re.compile(
    r"(?:(?:hi|hello|yes|yeah|um+|uh+|so|ok(?:ay)?)[, ]+)*(?:i (?:have|'ve got|got) a (?:quick )?question|"
    r"(?:can|could|may) i ask (?:you )?(?:a (?:quick )?question|something)|i'?d like to ask (?:you )?"
    r"(?:a (?:quick )?question|something))[.!? ]*", re.I)
_INTENT_KIND = {"ask_address": "address", "ask_hours": "hours", "ask_directions": "directions"}


def only_wants_to_ask(text: str) -> bool:
    """"我想咨询一下", "I have a question": a question is coming, not yet said."""
    return bool(_WANTS_TO_ASK_ZH.fullmatch(re.sub(r"\s+", "", text)) or _WANTS_TO_ASK_EN.fullmatch(text.strip()))


def asks_a_question(text: str) -> bool:
    """"办居住证需要带什么材料", "how do I get a parking permit?" ask something; "帮我转财务" and
    "找一下张伟" ask for someone."""
    if put_through_to(text) is not None:
        return False
    return bool(_QUESTION_ZH.search(text) or _QUESTION_EN.search(text.strip()))


class Inquiries(TurnBase):
    """Sales calls and questions about the organisation."""

    def sales(self, text: str = "") -> None:
        c = self.c
        mailbox = self.d.policy.general_mailbox
        named = self.named_target(text) if c.target is None else None
        if named is not None:  # "tax services please" read as a pitch: they named whom they want
            c.sales = named.kind == "person"
            self.begin(named.kind, named.id)
            return
        person = self.d.person(c.target or "")
        handler = self.department_for_matter(text) if person is None else None
        if handler:
            self.begin_by_topic(handler, text)
            return
        blocked = person is None or person.level in self.d.policy.block_sales_to
        if blocked:
            self.say("sales_decline", name=self.target_name() if person else self.org_name())
            c.message = {"recipient": mailbox or c.target or OPERATOR}
            self.ask(Pending.OFFER_MESSAGE, "offer_message", name=self.name_for(c.message["recipient"]))
        else:
            self.begin("person", person.id)

    def department_for_matter(self, text: str) -> str | None:
        """A caller taken for a salesperson who names a matter a department clearly handles goes
        there: a supplier asking for purchasing ("想成为你们的合格供应商"), a patent claim for Legal.
        The rulebook turns away cold calls to people, not business with the department for it; a
        pitch is never sent to the organisation's own Sales, which is there for its customers."""
        router = router_for(self.d)
        match = router.route(text).clear
        return match.department if match and match.department not in router.departments_of("sales") else None

    def inquiry(self, intent: str, text: str) -> None:
        language = self.c.language
        if intent == "ask_address":
            answer = address_answer(self.d, language)
        elif intent == "ask_hours":
            answer = hours_answer(self.d, language, self.now)
        else:
            answer = directions_answer(self.d, self.faq, language)
        answer = scrub_for_caller(answer, self.d)
        self.outputs.append(Say(answer))
        self.record_answer(text, _INTENT_KIND.get(intent, "directions"), answer)
        self.finish_if_unset("answered")
        self.ask(Pending.ANYTHING_ELSE, "anything_else")

    def try_faq(self, text: str) -> bool:
        answer = self.faq.answer(text, self.c.language)
        if answer is None:
            return False
        said = scrub_for_caller(answer.text, self.d)
        self.outputs.append(Say(said))
        self.record_answer(text, "faq", said, faq_id=answer.entry_id)
        self.finish_if_unset("answered")
        self.ask(Pending.ANYTHING_ELSE, "anything_else")
        return True

    def record_answer(self, question: str, kind: str, answer: str, faq_id: str | None = None) -> None:
        with self.r.database.session() as session:
            inquiries.record_answered(session, self.c.conversation, question, kind, answer,
                                      language=self.c.language, faq_id=faq_id, at=self.now)

    def question_for_a_department(self, department: str, text: str) -> None:
        """A question only `department` can answer: recorded as theirs, and the caller told they are
        put through and, if nobody answers, called back (the message then taken is linked to it)."""
        self.record_question(text, department)
        self.c.message_if_unanswered = True
        self.say("question_passed_on", name=self.name_for(department))

    def record_question(self, text: str, department: str | None) -> None:
        """An unanswered question, open for `department` (None: the operator's, general mailbox)."""
        if self.c.question.get("id"):
            return  # one open question per conversation is enough to call them back about
        with self.r.database.session() as session:
            found = inquiries.record_unanswered(session, self.c.conversation, text, department,
                                                language=self.c.language, at=self.now)
        if found is not None:
            self.c.question = {"id": found.id, "department": department}
        self.c.purpose = self.c.purpose or parse.clean_matter(text) or text  # what a callback message is about

    def question_recipient(self) -> str | None:
        """Whom a message is for when the caller asks to leave one about their unanswered question."""
        if not self.c.question.get("id") or self.c.question.get("message"):
            return None
        return self.c.question.get("department") or self.d.policy.general_mailbox or OPERATOR

    def question_message_saved(self, message_id: int, number: str | None) -> None:
        """The callback message for the unanswered question: linked, so staff see both together."""
        ident = self.c.question.get("id")
        if not ident or self.c.question.get("message"):
            return
        with self.r.database.session() as session:
            inquiries.link_message(session, ident, message_id, number)
        self.c.question["message"] = message_id

    def question_put_through(self, target: str) -> None:
        """The department owning the question answered the transfer: it is theirs to answer live."""
        ident = self.c.question.get("id")
        if ident and target == self.c.question.get("department"):
            with self.r.database.session() as session:
                inquiries.put_through(session, ident, at=self.now)
