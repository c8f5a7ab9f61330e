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
from dataclasses import asdict, fields, replace
from typing import Any

from bot.db.engine import Database
from bot.db.tables import utcnow
from bot.dialogue import parse
from bot.dialogue.faq import Faq, address_answer, directions_answer, hours_answer, weekly_hours
from bot.dialogue.language import detect_language
from bot.dialogue.phrases import DAYPARTS, say
from bot.dialogue.state import (
    Conversation,
    Event,
    Heard,
    Output,
    Payload,
    Pending,
    Reply,
    Say,
    Start,
    TransferReport,
)
from bot.directory.resolve import Candidate, Resolution, resolver_for
from bot.org.model import Directory, Person, Presence
from bot.org.store import DirectoryCache
from bot.privacy import may_connect_mobile, scrub_for_caller
from bot.records import calls, messages, visits
from bot.rules.calendar import open_state
from bot.rules.routing import DUTY, OPERATOR, Caller, Plan, Step, StepKind, TransferResult, plan_call, salutation

CONFIDENT_INTENT = 0.5
"""Below this NLU confidence the intent is ignored and the text alone decides."""
MAX_MISUNDERSTOOD = 2
"""After this many turns not understood, the caller goes to the operator."""
MAX_TEXT = 1000
_CALLER_ID = re.compile(r"^\+?[0-9]{2,20}$")
_FINDING = {"request_person", "visitor_checkin", "inform", "urgent",
            "dont_know_name", "give_name", "leave_message", "callback_request", "sales_pitch"}
_TRANSFER_PHRASE = {
    StepKind.RING: "connecting", StepKind.TRY_ASSISTANT: "connecting_assistant",
    StepKind.TRY_LOCATION: "connecting_location", StepKind.DUTY_LINE: "connecting_duty",
    StepKind.DUTY_MANAGER: "connecting_duty_manager", StepKind.OPERATOR: "connecting_operator",
    StepKind.OFFER_MOBILE: "connecting_mobile",
}
_PRESENCE_PHRASE = {Presence.ON_LEAVE: "on_leave", Presence.IN_MEETING: "in_meeting", Presence.AWAY: "away"}


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


class _Turn:
    """One event's worth of work on one conversation."""

    def __init__(self, receptionist: Receptionist, conversation: Conversation, directory: Directory) -> None:
        self.r = receptionist
        self.c = conversation
        self.d = directory
        self.outputs: list[Output] = []

    # ------------------------------------------------------------------ plumbing

    @property
    def now(self) -> dt.datetime:
        return self.r.clock() + dt.timedelta(seconds=self.c.clock_offset_s)

    def say(self, key: str, **params: object) -> None:
        text = say(key, self.c.language, **params)
        self.outputs.append(Say(scrub_for_caller(text, self.d)))

    def payload(self, data: dict[str, Any]) -> None:
        self.outputs.append(Payload(data))

    def ask(self, pending: Pending | None, key: str, **params: object) -> None:
        self.c.pending = pending
        self.say(key, **params)

    def run(self, event: Event) -> None:
        if isinstance(event, Start):
            self.start(event)
        elif isinstance(event, Heard):
            self.heard(event)
        elif isinstance(event, TransferReport):
            self.transfer_result(event.result)

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
        c.language = detect_language(text, c.language, names=_english_name_words(self.d))
        if greeted and c.language != previous:
            self.outputs.clear()
            self.greet()
        c.ended = False
        intent = event.intent if event.confidence >= CONFIDENT_INTENT and event.intent != "nlu_fallback" else None
        entities = dict(event.entities or {})
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
        }.get(c.pending, self.find_target)
        handler(text, intent, entities)

    def anywhere(self, text: str, intent: str | None) -> bool:
        """Requests answered whatever question is pending; True when the turn is done."""
        c = self.c
        if intent == "request_operator":
            self.to_operator("connecting_operator")
        elif intent == "complain":
            self.to_operator("complaint")
        elif intent == "ask_phone_number":
            self.say("no_disclosure")
            self.c.pending = Pending.OFFER_MESSAGE if c.target else c.pending
        elif intent == "change_language":
            c.language = "en" if re.search(r"english|英文|英语", text, re.I) else "zh"
            self.ask(c.pending if c.pending not in (None, Pending.ANYTHING_ELSE) else Pending.WHOM,
                     "switched_language")
        elif intent in {"ask_address", "ask_hours", "ask_directions"} and c.pending not in _COLLECTING:
            self.inquiry(intent, text)
        elif intent == "goodbye" and c.pending not in _COLLECTING:
            self.closing()
        elif intent in {"leave_message", "callback_request"} and c.pending not in _COLLECTING:
            if c.target:
                self.start_message(c.target)
            else:
                c.message = {"wanted": True}
                self.ask(Pending.WHOM, "ask_whom")
        elif intent == "sales_pitch" and c.pending not in _COLLECTING:
            c.sales = True
            self.sales()
        else:
            if intent == "urgent" or parse.is_urgent(text):
                c.urgent = True
            return False
        return True

    # ------------------------------------------------------------------ finding whom the caller wants

    def find_target(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        c = self.c
        if intent == "dont_know_name":
            self.ask(Pending.MATTER, "ask_matter")
            return
        if intent in {"thank", "deny"} and c.pending == Pending.ANYTHING_ELSE:
            self.closing()
            return
        self.note_identity(text, entities)
        resolution = resolver_for(self.d).resolve(text)
        seeking = intent in _FINDING or c.pending in {Pending.WHOM, Pending.MATTER, Pending.CHOOSE}
        if resolution.ambiguous and seeking:
            self.ask_which(resolution)
        elif resolution.best and resolution.confident:
            self.begin(resolution.best.kind, resolution.best.id)
        elif resolution.best and seeking:
            self.confirm(resolution.best)
        elif self.try_faq(text):
            return
        elif intent == "greet":
            self.ask(Pending.WHOM if c.pending == Pending.WHOM else None, "how_can_i_help")
        elif c.pending == Pending.MATTER or intent == "inform":
            self.ask(Pending.OFFER_OPERATOR, "faq_unknown")
        elif intent in {"request_person", "visitor_checkin"}:
            self.not_found(text)
        else:
            self.not_understood()

    def note_identity(self, text: str, entities: dict[str, str]) -> None:
        """Keep who the caller says they are ("我是星辰贸易的王五，找张总") for screening later."""
        identity = parse.caller_identity(text, entities)
        self.c.caller_name = self.c.caller_name or identity.name
        self.c.caller_company = self.c.caller_company or identity.company

    def ask_which(self, resolution: Resolution) -> None:
        top = [cand for cand in resolution.candidates if cand.score >= resolution.candidates[0].score - 0.1][:4]
        self.c.candidates = [f"{cand.kind}:{cand.id}" for cand in top]
        same_name = len({cand.name for cand in top}) == 1
        options = ("，" if self.c.language == "zh" else ", ").join(
            say("ambiguous_option", self.c.language, department=self.dept_label(cand)) if same_name
            else self.label(cand) for cand in top)
        if same_name:
            self.ask(Pending.CHOOSE, "ambiguous", count=_count_word(len(top), self.c.language),
                     name=self.name_of(top[0]), options=options)
        else:
            self.ask(Pending.CHOOSE, "ambiguous_mixed", options=options)

    def confirm(self, candidate: Candidate) -> None:
        self.c.candidates = [f"{candidate.kind}:{candidate.id}"]
        if candidate.kind == "person":
            self.ask(Pending.CONFIRM, "confirm_target", name=self.name_of(candidate),
                     department=self.dept_label(candidate))
        else:
            self.ask(Pending.CONFIRM, "confirm_department", name=self.name_of(candidate))

    def on_choose(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        options = [tuple(key.split(":", 1)) for key in self.c.candidates]
        index = parse.ordinal_choice(text, len(options))
        if index is None:
            resolution = resolver_for(self.d).resolve(text)
            matches = [i for i, (kind, ident) in enumerate(options)
                       if any(cand.id == ident or cand.department == ident for cand in resolution.candidates)]
            matches = matches or [i for i, (_, ident) in enumerate(options)
                                  if self._department_named(ident, text)]
            index = matches[0] if len(set(matches)) == 1 else None
        if index is None:
            self.misunderstood(lambda: self.ask(Pending.CHOOSE, "not_understood"))
            return
        kind, ident = options[index]
        self.begin(kind, ident)

    def _department_named(self, person_id: str, text: str) -> bool:
        person = self.d.person(person_id)
        department = self.d.department(person.department) if person else None
        if department is None:
            return False
        words = (department.name, department.name_en, *department.aliases)
        return any(word and word.lower() in text.lower() for word in words)

    def on_confirm(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        answer = parse.yes_no(text, intent)
        if answer is True:
            kind, ident = self.c.candidates[0].split(":", 1)
            self.begin(kind, ident)
        elif answer is False and len(text) <= 6:
            self.ask(Pending.WHOM, "ask_whom")
        else:
            self.c.pending = Pending.WHOM
            self.find_target(text, intent, entities)

    # ------------------------------------------------------------------ following the plan

    def caller(self) -> Caller:
        c = self.c
        return Caller(internal=c.internal, person_id=c.caller_person, name=c.caller_name, company=c.caller_company,
                      purpose=c.purpose, appointment=c.appointment, sales=c.sales, urgent=c.urgent,
                      channel=c.channel)

    def plan(self) -> Plan:
        target = {"operator": OPERATOR, "duty": DUTY}.get(self.c.target_kind or "", self.c.target or OPERATOR)
        return plan_call(self.d, target, self.caller(), self.now)

    def begin(self, kind: str, ident: str) -> None:
        """The caller wants `ident` (person, department, operator or duty): follow the rules."""
        c = self.c
        c.target, c.target_kind, c.candidates, c.misunderstood = ident, kind, [], 0
        if c.message.get("wanted"):
            self.start_message(ident)
            return
        if c.channel == "kiosk" and kind == "person":
            self.visitor()
            return
        plan = self.plan()
        if not plan.open.open and not c.urgent and self.d.after_hours.duty_phone and kind not in {"operator"}:
            self.ask(Pending.CLOSED_URGENT, "closed_offer", name=self.target_name())
            return
        person = self.d.person(ident) if kind == "person" else None
        if person and person.presence in _PRESENCE_PHRASE and plan.open.open and not c.sales:
            self.say(_PRESENCE_PHRASE[person.presence], name=self.target_name())
        self.follow(plan.steps, plan.if_busy)

    def follow(self, steps: tuple[Step, ...], busy: tuple[Step, ...] = ()) -> None:
        self.c.steps = [_stored(step) for step in steps]
        self.c.busy_steps = [_stored(step) for step in busy]
        self.next_step()

    def next_step(self) -> None:
        c = self.c
        if not c.steps:
            self.ask(Pending.ANYTHING_ELSE, "anything_else")
            return
        step = _restored(c.steps.pop(0))
        if step.kind is StepKind.ASK_IDENTITY:
            c.asking = [need for need in step.needs if not self.caller().knows(need)]
            self.ask_identity()
        elif step.kind is StepKind.OFFER_MOBILE:
            c.current = _stored(step)
            self.ask(Pending.OFFER_MOBILE, "offer_mobile", name=self.target_name())
        elif step.kind is StepKind.TAKE_MESSAGE:
            c.message = {"recipient": step.target}
            self.ask(Pending.OFFER_MESSAGE, "offer_message", name=self.name_for(step.target))
        elif step.kind is StepKind.DECLINE:
            self.say("sales_decline", name=self.target_name())
            self.next_step()
        else:
            self.transfer(step)

    def transfer(self, step: Step) -> None:
        payload = self.transfer_payload(step)
        if payload is None:
            self.next_step()
            return
        phrase = "connecting_announced" if step.kind is StepKind.RING and step.mode == "announced" \
            else _TRANSFER_PHRASE.get(step.kind, "connecting")
        if step.kind is not StepKind.OFFER_MOBILE:
            self.say(phrase, name=self.name_for(step.target) if step.kind is not StepKind.TRY_ASSISTANT
                     else self.target_name())
        else:
            self.say(phrase)
        self.payload(payload)
        self.c.current = _stored(step)
        self.c.pending = Pending.TRANSFERRING

    def transfer_payload(self, step: Step) -> dict[str, Any] | None:
        """The `transfer` payload; a connect-only (mobile) destination is looked up only now, and
        only for the phone (the plan has no mobile step elsewhere; this is the second lock)."""
        if step.connect_only:
            if not may_connect_mobile(self.c.channel):
                return None
            person = self.d.person(step.target)
            if person is None or not person.mobile:
                return None
            step = replace(step, destination=person.mobile)
        return step.transfer_payload()

    def transfer_result(self, result: str) -> None:
        c = self.c
        if c.current is None or result not in TransferResult._value2member_map_:
            return
        step = _restored(c.current)
        c.current = None
        outcome = TransferResult(result)
        if outcome is TransferResult.ANSWERED:
            self.finish("operator" if step.target == OPERATOR else "transferred", step.target)
            c.pending = None
            return
        if outcome is TransferResult.FAILED and step.kind is not StepKind.OPERATOR:
            self.say("failed")
            self.to_operator(None)
            return
        remaining = (step, *(_restored(s) for s in c.steps))
        plan = replace(self.plan(), if_busy=tuple(_restored(s) for s in c.busy_steps))
        following = plan.follow(remaining, outcome)
        self.say_result(step, outcome, following)
        self.follow(following, plan.if_busy)

    def say_result(self, step: Step, outcome: TransferResult, following: tuple[Step, ...]) -> None:
        name = self.name_for(step.target) if step.target not in {OPERATOR, DUTY} else self.target_name()
        upcoming = following[0].kind if following else None
        if outcome is TransferResult.BUSY:
            if upcoming is StepKind.OPERATOR and step.kind is not StepKind.OPERATOR:
                self.c.steps = [_stored(s) for s in following]
                return self.say("busy_urgent", name=name)
            self.say("busy", name=name)
        elif outcome is TransferResult.DECLINED:
            self.say("unavailable", name=self.target_name())
        elif outcome is TransferResult.FAILED:
            self.say("failed")
        elif upcoming is not StepKind.OFFER_MOBILE:
            self.say("no_answer", name=name)
        return None

    def on_offer_mobile(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        step = _restored(self.c.current) if self.c.current else None
        answer = parse.yes_no(text, intent)
        if answer is None or step is None:
            self.misunderstood(lambda: self.ask(Pending.OFFER_MOBILE, "offer_mobile", name=self.target_name()))
        elif answer:
            self.transfer(step)
        else:
            self.c.current = None
            self.next_step()

    def on_offer_break_in(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        answer = parse.yes_no(text, intent)
        if answer:
            self.next_step()
        else:
            self.c.steps = [s for s in self.c.steps if s["kind"] == StepKind.TAKE_MESSAGE.value]
            self.next_step()

    def on_while_transferring(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        self.say("connecting_mobile")

    def on_closed_urgent(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        answer = parse.yes_no(text, intent)
        if self.c.urgent or answer is True:
            self.c.urgent = True
            plan = self.plan()
            self.follow(plan.steps, plan.if_busy)
        elif answer is False or intent in {"leave_message", "deny"}:
            self.start_message(self.c.target or OPERATOR)
        else:
            self.misunderstood(lambda: self.ask(Pending.CLOSED_URGENT, "closed_offer", name=self.target_name()))

    def on_offer_department(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        answer = parse.yes_no(text, intent)
        person = self.d.person(self.c.target or "")
        if answer and person:
            self.begin("department", person.department)
        else:
            self.start_message(self.c.target or OPERATOR)

    def on_offer_operator(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        answer = parse.yes_no(text, intent)
        if answer:
            self.to_operator("connecting_operator")
        elif answer is False:
            self.ask(Pending.ANYTHING_ELSE, "anything_else")
        else:
            self.c.pending = Pending.WHOM
            self.find_target(text, intent, entities)

    def to_operator(self, phrase: str | None) -> None:
        c = self.c
        c.target, c.target_kind = OPERATOR, "operator"
        step = next((s for s in plan_call(self.d, OPERATOR, self.caller(), self.now).steps if s.is_transfer), None)
        if step is None:
            self.ask(Pending.ANYTHING_ELSE, "system_problem")
            return
        if phrase:
            self.say(phrase)
        payload = self.transfer_payload(step)
        if payload:
            self.payload(payload)
        c.steps, c.busy_steps = [], []
        c.current = _stored(step)
        c.pending = Pending.TRANSFERRING

    # ------------------------------------------------------------------ screening

    def ask_identity(self) -> None:
        c = self.c
        if not c.asking:
            if c.channel == "kiosk" and c.target_kind == "person":
                self.register_visit()
            else:
                self.begin(c.target_kind or "person", c.target or OPERATOR)
            return
        field = c.asking[0]
        key = {"name": "ask_name", "company": "ask_company", "purpose": "ask_purpose",
               "appointment": "ask_appointment"}[field]
        self.ask(Pending.IDENTITY, key, name=self.target_name())

    def on_identity(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        c = self.c
        field = c.asking[0] if c.asking else None
        identity = parse.caller_identity(text, entities)
        c.caller_company = c.caller_company or identity.company
        if field == "name":
            c.caller_name = identity.name
        elif field == "company":
            c.caller_company = identity.company or parse.clean_matter(text)
        elif field == "purpose":
            c.purpose = parse.clean_matter(text) or None
            c.urgent = c.urgent or parse.is_urgent(text)
        elif field == "appointment":
            c.appointment = parse.yes_no(text, intent)
        if field and not self.caller().knows(field):
            self.misunderstood(lambda: self.ask(Pending.IDENTITY, "ask_again_name" if field == "name"
                                                else f"ask_{field}", name=self.target_name()))
            return
        c.misunderstood = 0
        c.asking = [need for need in c.asking if not self.caller().knows(need)]
        self.ask_identity()

    # ------------------------------------------------------------------ messages

    def start_message(self, recipient: str) -> None:
        c = self.c
        c.message = {"recipient": recipient}
        if c.purpose:
            c.message["text"] = c.purpose
        self.next_message_field()

    def next_message_field(self) -> None:
        c = self.c
        recipient_name = self.name_for(c.message.get("recipient", ""))
        if not c.caller_name:
            c.message_field = "name"
            self.ask(Pending.MESSAGE, "ask_message_name")
        elif not c.message.get("number"):
            c.message_field = "number"
            self.ask(Pending.MESSAGE, "ask_callback")
        elif not c.message.get("text"):
            c.message_field = "text"
            self.ask(Pending.MESSAGE, "ask_message_text", name=recipient_name)
        else:
            c.message_field = None
            urgent = say("readback_urgent", c.language) if c.urgent else ""
            self.ask(Pending.MESSAGE_CONFIRM, "readback", name=recipient_name, caller=c.caller_name,
                     number=parse.format_number_for_readback(c.message["number"], c.language),
                     text=c.message["text"], urgent=urgent)

    def on_message_field(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        c = self.c
        field = c.message_field
        if field == "name":
            identity = parse.caller_identity(text, entities)
            c.caller_name = identity.name
            c.caller_company = c.caller_company or identity.company
            if not c.caller_name:
                return self.misunderstood(lambda: self.ask(Pending.MESSAGE, "ask_again_name"))
        elif field == "number":
            number = c.caller_id if parse.wants_same_number(text) and c.caller_id else parse.phone_number(text)
            if not number:
                return self.misunderstood(lambda: self.ask(Pending.MESSAGE, "ask_callback_again"))
            c.message["number"] = number
        elif field == "text":
            c.message["text"] = parse.clean_matter(text) or text[:200]
            c.urgent = c.urgent or parse.is_urgent(text)
        c.misunderstood = 0
        self.next_message_field()
        return None

    def on_message_confirm(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        answer = parse.yes_no(text, intent)
        if answer is True:
            self.save_message()
        elif answer is False:
            self.c.message.pop("number", None)
            self.c.message_field = "number"
            self.ask(Pending.MESSAGE, "readback_fix")
        else:
            self.misunderstood(self.next_message_field)

    def save_message(self) -> None:
        c = self.c
        recipient = c.message.get("recipient") or OPERATOR
        if recipient in {OPERATOR, DUTY}:
            recipient = self.d.policy.general_mailbox or recipient
        with self.r.database.session() as session:
            record = messages.take_message(
                session, recipient, c.message["text"], c.caller_name or "", callback_number=c.message.get("number"),
                caller_company=c.caller_company, urgent=c.urgent, conversation=c.conversation, at=self.now)
        self.payload({"type": "record", "kind": "message", "id": record.id})
        self.say("message_saved", name=self.name_for(c.message.get("recipient", "")))
        self.finish("message", recipient)
        c.message = {}
        self.ask(Pending.ANYTHING_ELSE, "anything_else")

    def on_offer_message(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        answer = parse.yes_no(text, intent)
        recipient = self.c.message.get("recipient") or self.c.target or OPERATOR
        if answer is True or intent in {"leave_message", "callback_request"}:
            self.start_message(recipient)
        elif answer is False:
            self.say("call_back_later")
            self.ask(Pending.ANYTHING_ELSE, "anything_else")
        else:
            self.c.pending = Pending.WHOM
            self.find_target(text, intent, entities)

    # ------------------------------------------------------------------ salespeople, inquiries

    def sales(self) -> None:
        c = self.c
        mailbox = self.d.policy.general_mailbox
        person = self.d.person(c.target or "")
        blocked = person is None or person.level in self.d.policy.block_sales_to
        if blocked:
            self.say("sales_decline", name=self.target_name() if person else self.org_name())
            c.message = {"recipient": mailbox or c.target or OPERATOR}
            self.ask(Pending.OFFER_MESSAGE, "offer_message", name=self.name_for(c.message["recipient"]))
        else:
            self.begin("person", person.id)

    def inquiry(self, intent: str, text: str) -> None:
        language = self.c.language
        if intent == "ask_address":
            self.outputs.append(Say(scrub_for_caller(address_answer(self.d, language), self.d)))
        elif intent == "ask_hours":
            self.outputs.append(Say(scrub_for_caller(hours_answer(self.d, language, self.now), self.d)))
        else:
            self.outputs.append(Say(scrub_for_caller(directions_answer(self.d, self.r.faq, language), self.d)))
        self.finish_if_unset("answered")
        self.ask(Pending.ANYTHING_ELSE, "anything_else")

    def try_faq(self, text: str) -> bool:
        answer = self.r.faq.answer(text, self.c.language)
        if answer is None:
            return False
        self.outputs.append(Say(scrub_for_caller(answer.text, self.d)))
        self.finish_if_unset("answered")
        self.ask(Pending.ANYTHING_ELSE, "anything_else")
        return True

    # ------------------------------------------------------------------ the lobby kiosk

    def visitor(self) -> None:
        c = self.c
        person = self.d.person(c.target or "")
        if person and c.sales and person.level in self.d.policy.block_sales_to:
            self.sales()
            return
        needed = (*self.d.policy.first_visit_must_give, "appointment")
        c.asking = [need for need in dict.fromkeys(needed) if not self.caller().knows(need)]
        self.ask_identity()

    def register_visit(self) -> None:
        c = self.c
        person = self.d.person(c.target or "")
        with self.r.database.session() as session:
            visit = visits.register_visit(session, c.caller_name or "", company=c.caller_company, purpose=c.purpose,
                                          host=c.target, appointment=bool(c.appointment),
                                          conversation=c.conversation, at=self.now)
            if person is not None:
                messages.take_message(
                    session, person.id, _visit_notice(c, visit.id), c.caller_name or "",
                    caller_company=c.caller_company, conversation=c.conversation, at=self.now)
        c.visit_id = visit.id
        self.payload({"type": "record", "kind": "visit", "id": visit.id})
        self.finish("answered", c.target)
        if person is not None and person.presence in {Presence.ON_LEAVE, Presence.AWAY}:
            c.message = {"recipient": person.id}
            self.ask(Pending.OFFER_MESSAGE, "visitor_host_away", name=self.target_name())
        else:
            self.ask(Pending.ANYTHING_ELSE, "visitor_registered", name=self.target_name())

    # ------------------------------------------------------------------ closing and failures

    def on_anything_else(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        if parse.yes_no(text, intent) is False or intent == "thank":
            self.closing()
        else:
            self.find_target(text, intent, entities)

    def closing(self) -> None:
        c = self.c
        helped = c.outcome is not None or c.target is not None
        if self.d.policy.satisfaction_survey and not c.satisfaction_asked and c.channel == "phone" and helped:
            c.satisfaction_asked = True
            self.ask(Pending.SATISFACTION, "ask_satisfaction")
            return
        self.goodbye()

    def on_satisfaction(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        score = parse.satisfaction_score(text, entities)
        if score is not None:
            with self.r.database.session() as session:
                calls.ensure_call(session, self.c.conversation, channel=self.c.channel)
                calls.set_satisfaction(session, self.c.conversation, score)
            self.say("thanks_for_rating")
        self.goodbye()

    def goodbye(self) -> None:
        self.say("goodbye_kiosk" if self.c.channel == "kiosk" else "goodbye")
        self.payload({"type": "hangup", "reason": "completed"})
        self.finish_if_unset("answered")
        self.c.pending, self.c.ended = None, True

    def finish(self, outcome: str, transferred_to: str | None = None) -> None:
        """Record how the conversation ended (the last outcome wins: a message after a failed transfer)."""
        c = self.c
        c.outcome = outcome
        c.transferred_to = transferred_to if outcome in {"transferred", "operator"} else c.transferred_to
        with self.r.database.session() as session:
            calls.ensure_call(session, c.conversation, channel=c.channel, caller_id=c.caller_id, internal=c.internal)
            calls.end_call(session, c.conversation, outcome, transferred_to=c.transferred_to, at=self.now)

    def finish_if_unset(self, outcome: str) -> None:
        if self.c.outcome is None:
            self.finish(outcome)

    def misunderstood(self, again: Callable[[], None]) -> None:
        self.c.misunderstood += 1
        if self.c.misunderstood >= MAX_MISUNDERSTOOD:
            self.to_operator("too_many_misunderstood")
        else:
            again()

    def not_understood(self, silence: bool = False) -> None:
        pending = self.c.pending if self.c.pending not in (None, Pending.ANYTHING_ELSE) else Pending.WHOM
        self.misunderstood(lambda: self.ask(pending, "silence" if silence else "not_understood"))

    def not_found(self, text: str) -> None:
        self.misunderstood(lambda: self.ask(Pending.WHOM, "not_found", text=text[:20]))

    # ------------------------------------------------------------------ names as the caller hears them

    def org_name(self) -> str:
        org = self.d.organization
        return org.name_en if self.c.language == "en" and org.name_en else org.name

    def target_name(self) -> str:
        return self.name_for(self.c.target or "")

    def name_for(self, ident: str) -> str:
        english = self.c.language == "en"
        if ident == OPERATOR:
            return "the operator" if english else "总机"
        if ident == DUTY:
            return "the duty line" if english else "值班电话"
        person = self.d.person(ident)
        if person is not None:
            return (person.name_en or person.name) if english else _spoken_name(person)
        department = self.d.department(ident)
        if department is not None:
            return (department.name_en or department.name) if english else department.name
        return ident

    def name_of(self, candidate: Candidate) -> str:
        return self.name_for(candidate.id)

    def dept_label(self, candidate: Candidate) -> str:
        department = self.d.department(candidate.department)
        if department is None:
            return candidate.department_name
        return (department.name_en or department.name) if self.c.language == "en" else department.name

    def label(self, candidate: Candidate) -> str:
        if candidate.kind == "person":
            joiner = " in " if self.c.language == "en" else "的"
            name, dept = self.name_of(candidate), self.dept_label(candidate)
            return f"{name}{joiner}{dept}" if self.c.language == "en" else f"{dept}{joiner}{name}"
        return self.name_of(candidate)


_COLLECTING = {Pending.MESSAGE, Pending.MESSAGE_CONFIRM, Pending.IDENTITY, Pending.SATISFACTION}
"""While these are pending, what the caller says is an answer, not a new request."""


def _stored(step: Step) -> dict[str, Any]:
    data = asdict(step)
    data["kind"] = step.kind.value
    if step.connect_only:
        data["destination"] = None
    return data


def _restored(data: dict[str, Any]) -> Step:
    known = {f.name for f in fields(Step)}
    values = {k: v for k, v in data.items() if k in known}
    values["kind"] = StepKind(values["kind"])
    values["needs"] = tuple(values.get("needs") or ())
    return Step(**values)


def _spoken_name(person: Person) -> str:
    """How the receptionist refers to a person: 张总 for an executive with that alias, else the name."""
    return salutation(person)


def _count_word(count: int, language: str) -> str:
    if language == "en":
        return str(count)
    return {2: "两", 3: "三", 4: "四"}.get(count, str(count))


def _visit_notice(c: Conversation, visit_id: int) -> str:
    appointment = "有预约" if c.appointment else "无预约"
    company = f"（{c.caller_company}）" if c.caller_company else ""
    purpose = f"，事由：{c.purpose}" if c.purpose else ""
    return f"访客{c.caller_name or ''}{company}已到前台，{appointment}{purpose}。访客登记号 {visit_id}。"


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
