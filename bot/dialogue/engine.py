"""The receptionist's side of a conversation: what to say and do after each thing that happens.

`Receptionist.handle(state, event)` is the whole dialogue: given the conversation so far (plain
data) and one event (`Start`, `Heard`, `TransferReport`), it returns what to say, the payloads
for the channel (transfer, hangup, record) and the new state. It decides with the directory,
the routing rules and the records, and knows nothing of Rasa: the Rasa actions, the kiosk and
the tests drive it the same way.

Flow (docs/dialogue.md): greet → find whom the caller wants (ask which one when ambiguous,
confirm when unsure) → ask what the rules require (identity, purpose, appointment) → follow
the routing plan step by step (transfer, then what the phone system reports decides the next
step: mobile offered, a message, the operator) → a message is read back before it is saved →
close (satisfaction question where enabled) → hang up. Some requests are answered whatever is
pending: the operator, complaints, requests for a phone number (never given), inquiries,
switching language, goodbye.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot.db.engine import Database
from bot.db.tables import utcnow
from bot.dialogue import parse
from bot.dialogue.cues import (
    asks_for_a_human,
    asks_for_a_number,
    language_asked_for,
    plausible_intent,
    request_tails,
    says_complaint,
    says_goodbye,
)
from bot.dialogue.faq import Faq, weekly_hours
from bot.dialogue.flows.base import TurnBase
from bot.dialogue.flows.caller_notes import CallerNotes
from bot.dialogue.flows.cases import Cases
from bot.dialogue.flows.closing import Closing
from bot.dialogue.flows.connecting import Connecting
from bot.dialogue.flows.finding import Finding
from bot.dialogue.flows.hotel import Hotel
from bot.dialogue.flows.inquiry import Inquiries
from bot.dialogue.flows.message import MessageTaking
from bot.dialogue.flows.screening import Screening
from bot.dialogue.flows.visitor import Visitor
from bot.dialogue.frame import describes_the_company, harvest, matter_of, message_wish
from bot.dialogue.language import detect_language
from bot.dialogue.phrases import DAYPARTS
from bot.dialogue.state import Conversation, Event, Heard, Pending, Reply, Start, TransferReport
from bot.directory.topics import router_for
from bot.org.model import Directory
from bot.org.store import DirectoryCache
from bot.records import calls
from bot.rules.calendar import open_state

CONFIDENT_INTENT = 0.5
"""Below this NLU confidence the intent is ignored and the text alone decides."""
MAX_TEXT = 1000
_CALLER_ID = re.compile(r"^\+?[0-9]{2,20}$")


class Receptionist:
    """One per process; `handle` is safe to call from several threads (it keeps no state)."""

    def __init__(self, database: Database, directory: DirectoryCache, faq: Faq,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.database = database
        self.directory = directory
        self.faq = faq
        self.clock = clock

    def handle(self, state: dict[str, Any] | None, event: Event) -> Reply:
        conversation = Conversation.from_dict(state)
        turn = _Turn(self, conversation, self.directory.current())
        turn.run(event)
        return Reply(turn.outputs, conversation.to_dict())


class _Turn(Finding, Connecting, Screening, MessageTaking, Visitor, Inquiries, Closing, Hotel, Cases, CallerNotes,
            TurnBase):
    """One event's worth of work on one conversation: the flows put together, and what comes first."""

    def run(self, event: Event) -> None:
        if isinstance(event, Start):
            self.start(event)
        elif isinstance(event, Heard):
            self.heard(event)
        elif isinstance(event, TransferReport):
            self.transfer_result(event.result)
        self.flush_attention()

    # ------------------------------------------------------------------ start and greeting

    def start(self, event: Start) -> None:
        c = self.c
        c.conversation = event.conversation
        c.channel = event.channel if event.channel in {"phone", "kiosk", "chat"} else "chat"
        c.caller_id = event.caller_id if event.caller_id and _CALLER_ID.match(event.caller_id) else None
        c.internal = bool(event.internal)
        if event.now is not None:
            c.clock_offset_s = (event.now - self.r.clock()).total_seconds()
        if c.internal and c.caller_id:
            caller = self.d.person_at_extension(c.caller_id)
            c.caller_person = caller.id if caller else None
        c.language = self.d.organization.languages[0] if self.d.organization.languages else "zh"
        if self.is_hotel and c.internal and c.caller_id and not c.caller_person:
            self.guest_on_the_line()  # a room's phone: that room's guest
        self.known_caller()  # a caller-ID note: name and company known, a VIP pointed out
        c.started = True
        with self.r.database.session() as session:
            calls.ensure_call(session, c.conversation, channel=c.channel, caller_id=c.caller_id,
                              internal=c.internal, language=c.language, at=self.now)
        self.greet()

    def greet(self) -> None:
        org = self.d.organization
        name = org.name_en if self.c.language == "en" and org.name_en else org.name
        local = open_state(self.d, self.now)
        part = "morning" if local.local_time.hour < 12 else "afternoon" if local.local_time.hour < 18 else "evening"
        daypart = DAYPARTS[part]
        if self.c.channel == "kiosk":
            self.ask(Pending.WHOM, "greet_kiosk", org=name, daypart=daypart)
        elif self.c.internal and self.c.caller_stay is not None and self.guest_greeting_name():
            self.ask(None, "greet_guest", guest=self.guest_greeting_name(), daypart=daypart)
        elif self.c.internal:
            self.ask(Pending.WHOM, "greet_internal", daypart_lower=daypart.lower())
        elif not local.open:
            self.ask(None, "greet_closed", org=name, daypart=daypart,
                     hours=weekly_hours(self.d, self.c.language))
        else:
            self.ask(None, "greet_external", org=name, daypart=daypart)

    # ------------------------------------------------------------------ what the caller said

    def heard(self, event: Heard) -> None:
        c = self.c
        text = " ".join((event.text or "").split())[:MAX_TEXT]
        greeted = False
        if not c.started:
            self.start(Start(conversation=event.conversation))
            greeted = True
        if not text:
            if not greeted:
                self.not_understood(silence=True)
            return
        previous = c.language
        c.language = language_asked_for(text) or detect_language(text, c.language, names=_english_name_words(self.d))
        if greeted and c.language != previous:
            self.outputs.clear()
            self.greet()
        c.ended = False
        intent = event.intent if event.confidence >= CONFIDENT_INTENT and event.intent != "nlu_fallback" else None
        intent = plausible_intent(intent, text)
        entities = dict(event.entities or {})
        self.listen(text, entities)
        if self.is_hotel and self.emergency_said(text):
            return  # fire, medical, security: the emergency line at once, whatever was pending
        if self.is_hotel and self.room_number_insisted(text):
            return  # "just give me the room number": never told, a message offered again
        if self.is_hotel and c.pending not in _COLLECTING and self.wakeup_asked(text):
            return  # "明早七点叫醒我": a wake-up call for the room's guest
        if self.takes_cases and c.pending not in _COLLECTING and self.case_query_said(text):
            return  # "查询工单 2026 1204 0001"
        if c.channel == "kiosk" and self.kiosk_visitor_said(text):
            return  # an expected visitor's name alone, "我改天再来" with the host away (flows/visitor.py)
        intent = self.matter_over_a_word(text, intent)
        if self.anywhere(text, intent):
            return
        handler = {
            Pending.CHOOSE: self.on_choose, Pending.CONFIRM: self.on_confirm, Pending.IDENTITY: self.on_identity,
            Pending.CLOSED_URGENT: self.on_closed_urgent, Pending.OFFER_MOBILE: self.on_offer_mobile,
            Pending.OFFER_BREAK_IN: self.on_offer_break_in, Pending.OFFER_MESSAGE: self.on_offer_message,
            Pending.OFFER_DEPARTMENT: self.on_offer_department, Pending.OFFER_OPERATOR: self.on_offer_operator,
            Pending.MESSAGE: self.on_message_field, Pending.MESSAGE_CONFIRM: self.on_message_confirm,
            Pending.TRANSFERRING: self.on_while_transferring, Pending.ANYTHING_ELSE: self.on_anything_else,
            Pending.SATISFACTION: self.on_satisfaction,
            Pending.GUEST: self.on_guest, Pending.GUEST_OFFER: self.on_guest_offer, Pending.WAKEUP: self.on_wakeup,
            Pending.CASE: self.on_case, Pending.CASE_NUMBER: self.on_case_number,
            Pending.CASE_RATING: self.on_case_rating,
        }.get(c.pending, self.find_target)
        handler(text, intent, entities)

    def refuse_a_number(self, text: str) -> None:
        """A staff number asked for: never given; putting through or a message is offered, for the
        person named ("把吴晓军的手机号给我" → "那你帮我转过去吧" reaches 吴晓军)."""
        c = self.c
        named = self.named_target_told_apart(text)
        if named is not None:
            c.target, c.target_kind, c.candidates = named.id, named.kind, [f"{named.kind}:{named.id}"]
        self.say("no_disclosure")
        if named is not None:
            c.pending = Pending.CONFIRM
        elif c.target:
            c.pending = Pending.OFFER_MESSAGE

    def introduced_in_passing(self, text: str) -> dict[str, str]:
        """"sure. Tom Walsh from Domino, number …": leaving a message, a name said on its own is the
        caller's (unless it is someone in the directory)."""
        for clause in re.split(r"[.,;!?。，；！？]+", text):
            identity = parse.caller_identity(clause)
            if identity.name and not self.named_target(identity.name):
                return {"name": identity.name, **({"company": identity.company} if identity.company else {})}
        return {}

    def leave_a_message(self, text: str) -> None:
        """The caller asks to leave a message: for whom they name, else for whom they wanted."""
        c = self.c
        named = self.named_target(text)
        if named:
            c.target, c.target_kind = named.id, named.kind
        c.purpose = c.purpose or matter_of(text)  # "你直接帮我给他留个言吧 约个采访的事"
        if not named and c.pending is Pending.GUEST_OFFER and c.guest.get("name"):
            self.guest_message()  # "我姓李 留个言吧": the message offered for the guest
            return
        if not named and self.is_hotel and self.leave_a_message_for_a_guest(text):
            return  # "帮我给欧阳娜娜留个言": for the guest, through the front desk
        if not named and not c.target and self.question_recipient():
            self.start_message(self.question_recipient() or "")  # about the question nobody could answer
        elif c.target:
            self.start_message(c.target)
        else:
            c.message = {"wanted": True}
            self.ask(Pending.WHOM, "ask_whom")

    def listen(self, text: str, entities: dict[str, str]) -> None:
        """Keep everything this utterance says that the conversation needs (bot.dialogue.frame),
        whatever was asked: the receptionist then asks only for what is still missing."""
        c = self.c
        facts = harvest(text, entities, c.caller_id)
        if not facts.name and (c.pending is Pending.OFFER_MESSAGE or message_wish(text)):
            facts = replace(facts, **self.introduced_in_passing(text))
        c.caller_name = c.caller_name or facts.name
        c.caller_company = c.caller_company or facts.company
        c.callback = facts.callback or c.callback
        if c.appointment is None and facts.appointment is not None:
            c.appointment = facts.appointment
        c.appointment_time = c.appointment_time or facts.appointment_time
        if facts.matter and self.only_names_someone(facts.matter):
            facts = replace(facts, matter=None)  # "周敏在不在": whom they want, not what about
        if not c.purpose and c.pending in _OPEN_TO_A_MATTER:
            c.purpose = facts.matter
        elif c.purpose and facts.matter and facts.matter not in c.purpose and (
                c.pending is Pending.OFFER_MESSAGE
                or (message_wish(text) and c.pending in {Pending.OFFER_MOBILE, Pending.CLOSED_URGENT})):
            c.purpose = f"{c.purpose}{'；' if c.language == 'zh' else '. '}{facts.matter}"  # more said with the message
        elif not c.purpose and c.pending is Pending.IDENTITY and c.asking[:1] != ["purpose"] \
                and not (c.asking[:1] == ["company"] and describes_the_company(text)):
            c.purpose = matter_of(text, answering=True)  # "我叫黎明轩 苏州银行的 来送开户资料": the rest
        if message_wish(text) == "if_unanswered":
            c.message_if_unanswered = True

    def handle_complaint(self, text: str) -> None:
        """"我要投诉你们", "I want to make a complaint": an apology, then the organisation's complaints
        section if it has one (12345热线), else the operator; never the department complained of."""
        c = self.c
        c.purpose = c.purpose or matter_of(text)
        if self.takes_cases:
            self.open_case(text)  # a hotline: the complaint is a case, with a number to quote
            return
        section = next(iter(sorted(router_for(self.d).departments_of("hotline"))), None)
        if section is None:
            self.to_operator("complaint")
            return
        self.say("complaint")
        c.steps, c.busy_steps, c.current = [], [], None
        self.begin("department", section)

    def matter_over_a_word(self, text: str, intent: str | None) -> str | None:
        """No reading when it rests on one word and a department clearly handles the matter described:
        "总机 我这边电脑上不了网了 找谁啊" addresses the operator and asks for IT; "I want to open a small
        cafe, what licence do I need" is not a question about opening hours."""
        if self.c.pending in _COLLECTING or intent not in {"request_operator", "ask_hours"}:
            return intent
        if intent == "request_operator" and asks_for_a_human(text):
            return intent  # "转人工": said in so many words
        if intent == "ask_hours" and _ASKS_WHEN.search(text):
            return intent
        if self.named_target(text) or not self.topic_department(text):
            return intent
        return None

    def anywhere(self, text: str, intent: str | None) -> bool:
        """Requests answered whatever question is pending; True when the turn is done."""
        c = self.c
        if parse.is_not_urgent(text):
            c.urgent, c.calm = False, True
        elif intent == "urgent" or parse.is_urgent(text):
            c.urgent, c.calm = True, False
            if intent in _NOT_IN_AN_EMERGENCY and not (intent == "ask_phone_number" and asks_for_a_number(text)):
                intent = None  # "仓库报警器一直在响" is not a sales call, "找值班的" not a request for a number
        named = next((found for tail in request_tails(text) if (found := self.named_target(tail))), None)
        if (intent == "request_operator" and named is None) or asks_for_a_human(text):  # not "总机 帮我找蒋浩"
            self.to_operator("connecting_operator")
        elif says_goodbye(text) and c.pending in _COLLECTING - {Pending.SATISFACTION}:
            if c.pending is Pending.MESSAGE_CONFIRM and parse.yes_no(text) is True:
                self.save_message(then_ask=False)  # "对 就这样 谢谢 再见": saved, then goodbye
            self.goodbye()  # "不用记了 先挂了啊": leaving in a hurry, no survey
        elif named is not None and named.id != c.target and c.pending in _COLLECTING | {Pending.OFFER_MESSAGE}:
            self.change_of_mind(named.kind, named.id)  # "算了 你帮我转销售部刘经理吧"
        elif c.pending in _COLLECTING | _OFFERS and self.their_line_or_department(text):
            pass  # "那帮我转她们部门吧", "她们财务还有别人吧 随便帮我转一个"
        elif intent == "complain" and not says_complaint(text) and self.is_hotel and self.names_a_guest(text):
            return False  # "请问你们这儿有没有住一位叫赵婉清的客人": a call for a guest, not a complaint
        elif intent == "complain" and c.pending not in _COLLECTING and self.topic_department(text) \
                and not says_complaint(text) and not (self.takes_cases and self.category_for(text)):
            self.begin_by_topic(self.topic_department(text) or "", text)  # "楼下烧烤摊天天弄到半夜"
        elif (intent == "complain" and c.pending not in _COLLECTING) or says_complaint(text):
            self.handle_complaint(text)  # not "对 快点处理" at a read-back: that is a yes
        elif intent == "ask_phone_number" and c.pending not in _COLLECTING | {Pending.OFFER_MOBILE, Pending.GUEST} \
                and not parse.phone_number(text):  # giving their own number is not asking for one
            self.refuse_a_number(text)
        elif intent == "change_language" or language_asked_for(text):
            c.language = language_asked_for(text) or ("en" if re.search(r"english|英文|英语", text, re.I) else "zh")
            if message_wish(text) == "now" and c.pending not in _TAKING_A_MESSAGE:
                self.leave_a_message(text)  # "我还是说中文吧 帮我留个言"
            elif self.named_target(text) or self.topic_department(text) or c.pending in _COLLECTING:
                return False  # "could you help me in English? I'm looking for Amy Zhou": both at once
            else:
                self.ask(c.pending if c.pending not in (None, Pending.ANYTHING_ELSE) else Pending.WHOM,
                         "switched_language")
        elif intent in {"ask_address", "ask_hours", "ask_directions"} and c.pending not in _COLLECTING:
            self.inquiry(intent, text)
        elif (intent == "goodbye" or says_goodbye(text)) and c.pending not in _COLLECTING:
            self.closing()
        elif (intent in {"leave_message", "callback_request"} or message_wish(text) == "now") \
                and c.pending not in _TAKING_A_MESSAGE and message_wish(text) != "if_unanswered":
            self.leave_a_message(text)
        elif intent == "sales_pitch" and c.pending not in _ANSWERING:
            c.sales = True
            self.sales(text)
        else:
            return False
        return True


_ASKS_WHEN = re.compile(r"几点|什么时候|时间|营业|上班|下班|开门|关门|周末|节假日|"
                        r"\bhours\b|what time|\bwhen\b|are you open|open (?:on|at|until|till|today|tomorrow|now)",
                        re.IGNORECASE)
"""Asking when, in so many words: an hours question even when a department's topic is named too."""
_OPEN_TO_A_MATTER = {None, Pending.WHOM, Pending.MATTER, Pending.CLOSED_URGENT, Pending.OFFER_MESSAGE,
                     Pending.OFFER_MOBILE, Pending.OFFER_OPERATOR, Pending.ANYTHING_ELSE}
"""Pending questions after which the rest of an utterance may be the matter (not after "which one?")."""
_OFFERS = {Pending.OFFER_MESSAGE, Pending.OFFER_MOBILE, Pending.OFFER_OPERATOR}
_NOT_IN_AN_EMERGENCY = {"sales_pitch", "ask_phone_number", "ask_address", "ask_hours", "ask_directions", "greet"}
"""Readings the NLU may give an emergency call ("我是隔壁厂的，你们仓库报警器在响"), which urgency overrides."""

_COLLECTING = {Pending.MESSAGE, Pending.MESSAGE_CONFIRM, Pending.IDENTITY, Pending.SATISFACTION, Pending.WAKEUP,
               Pending.CASE, Pending.CASE_NUMBER, Pending.CASE_RATING}
"""While these are pending, what the caller says is an answer, not a new request."""
_TAKING_A_MESSAGE = {Pending.MESSAGE, Pending.MESSAGE_CONFIRM, Pending.SATISFACTION}
"""A wish to leave a message wins over any other question ("不用转了，帮我给他留个言就行")."""
_ANSWERING = _COLLECTING | {Pending.CHOOSE, Pending.CONFIRM}
"""…and while these are, it is not a sales pitch either ("技术部那个，做硬件的")."""


def _english_name_words(directory: Directory) -> frozenset[str]:
    cached = directory.__dict__.get("_english_name_words")
    if cached is None:
        words = set()
        for person in directory.people:
            for name in (person.name_en, *person.aliases):
                words.update(w.lower() for w in re.findall(r"[A-Za-z]{2,}", name or ""))
        cached = frozenset(words)
        object.__setattr__(directory, "_english_name_words", cached)
    return cached
