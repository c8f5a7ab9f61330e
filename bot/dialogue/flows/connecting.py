"""Following the routing plan: transfers, what the phone system reports, the offers that follow
(mobile, breaking in, the department, the operator)."""

from __future__ import annotations

import re
from dataclasses import asdict, fields, replace
from typing import Any

from bot.dialogue import parse
from bot.dialogue.flows.base import TurnBase
from bot.dialogue.state import Pending
from bot.org.model import Presence
from bot.privacy import may_connect_mobile
from bot.rules.routing import DUTY, OPERATOR, Step, StepKind, TransferResult, plan_call

_TRANSFER_PHRASE = {
    StepKind.RING: "connecting", StepKind.TRY_ASSISTANT: "connecting_assistant",
    StepKind.TRY_LOCATION: "connecting_location", StepKind.DUTY_LINE: "connecting_duty",
    StepKind.DUTY_MANAGER: "connecting_duty_manager", StepKind.OPERATOR: "connecting_operator",
    StepKind.OFFER_MOBILE: "connecting_mobile",
}
_PRESENCE_PHRASE = {Presence.ON_LEAVE: "on_leave", Presence.IN_MEETING: "in_meeting", Presence.AWAY: "away"}


_TRY_THE_MOBILE = re.compile(r"^\s*(?:打|拨)(?:吧|过去|一下)?(?:\s|$)|打他手机|打她手机|打手机|转手机|赶紧打|"
                             r"call (?:his|her|the) mobile|try (?:his|her|the) mobile|try it", re.IGNORECASE)
_SHORT_ANSWER = 6
_OPERATOR_KINDS = frozenset({StepKind.OPERATOR, StepKind.DUTY_LINE, StepKind.DUTY_MANAGER})
"""Where a failed line's caller is sent (the operator; after hours, the duty line): a failure there is not
sent there again (it looped: the duty line failing, the duty line rung again, until the gateway stopped)."""
"""An answer this long or shorter ("是的，很急") says nothing about the matter."""


class Connecting(TurnBase):
    def begin(self, kind: str, ident: str) -> None:
        """The caller wants `ident` (person, department, operator or duty): follow the rules."""
        c = self.c
        c.target, c.target_kind, c.candidates, c.misunderstood = ident, kind, [], 0
        if c.message.get("wanted"):
            self.start_message(ident)
            return
        if self.nuisance_caller():  # a number noted as nuisance: put through to nobody (flows/caller_notes.py)
            self.message_instead(ident)
            return
        if c.channel == "kiosk" and kind == "person":
            self.visitor()
            return
        plan = self.plan()
        if not plan.open.open and not c.urgent and self.d.after_hours.duty_phone and kind not in {"operator"}:
            if c.calm:  # "不急，明天再说": no need to ask whether it is urgent
                self.start_message(ident)
            else:
                self.ask(Pending.CLOSED_URGENT, "closed_offer", name=self.target_name())
            return
        person = self.d.person(ident) if kind == "person" else None
        if person and person.presence in _PRESENCE_PHRASE and plan.open.open and not c.sales:
            self.say(_PRESENCE_PHRASE[person.presence], name=self.target_name())
        self.follow(plan.steps, plan.if_busy)

    def change_of_mind(self, kind: str, ident: str) -> None:
        """The caller now wants someone else: what was being asked or taken for the first is dropped."""
        c = self.c
        c.asking, c.message, c.message_field, c.steps, c.busy_steps, c.current = [], {}, None, [], [], None
        self.begin(kind, ident)

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
        elif step.kind is StepKind.TAKE_MESSAGE and c.message_if_unanswered:
            self.start_message(step.target)  # "她要是不在我就留个言": said already, not asked again
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
        payload = step.transfer_payload()
        if step.target == OPERATOR:
            handover = self.handover()
            if handover:
                payload["handover"] = handover
        return payload

    def handover(self) -> dict[str, Any]:
        """What the receptionist understood, for the operator taking the call (the live board and the
        transcript show it, so the operator never asks again): whom the caller wanted, who they are,
        what about, urgent. Only what the caller said and directory names: never a number."""
        c = self.c
        wanted = self.__dict__.get("_wanted_before_operator") or (
            c.target if c.target and c.target not in {OPERATOR} and c.target_kind != "operator" else None)
        who = (c.caller_name or "") + (f"（{c.caller_company}）" if c.caller_company else "")
        found = {"wanted": self.name_for(wanted) if wanted else None, "caller": who or None,
                 "matter": (c.purpose or "")[:200] or None, "urgent": True if c.urgent else None}
        return {key: value for key, value in found.items() if value}

    def transfer_result(self, result: str) -> None:
        c = self.c
        if c.current is None or result not in TransferResult._value2member_map_:
            return
        step = _restored(c.current)
        c.current = None
        outcome = TransferResult(result)
        if step.reason == "emergency":  # a hotel's emergency chain (flows/hotel.py)
            self.emergency_result(step, outcome)
            return
        if step.target == "guest" and step.connect_only and self.is_hotel:  # a guest's room (flows/hotel.py)
            self.guest_result(outcome)
            return
        if outcome is TransferResult.ANSWERED:
            self.finish("operator" if step.target == OPERATOR else "transferred", step.target)
            self.question_put_through(step.target)
            c.pending = None
            return
        if outcome is TransferResult.FAILED and step.kind not in _OPERATOR_KINDS:
            self.say("failed")
            self.to_operator(None)  # after hours that is the duty line: not again when it was the one that failed
            return
        remaining = (step, *(_restored(s) for s in c.steps))
        plan = replace(self.plan(), if_busy=tuple(_restored(s) for s in c.busy_steps))
        following = plan.follow(remaining, outcome)
        if self.offers_break_in(step, outcome, following):
            self.c.steps = [_stored(s) for s in following]
            self.c.busy_steps = [_stored(s) for s in plan.if_busy]
            self.ask(Pending.OFFER_BREAK_IN, "busy_urgent", name=self.name_for(step.target))
            return
        self.say_result(step, outcome, following)
        self.follow(following, plan.if_busy)

    @staticmethod
    def offers_break_in(step: Step, outcome: TransferResult, following: tuple[Step, ...]) -> bool:
        """Busy, urgent, and the operator can break in (强插): ask the caller first."""
        return (outcome is TransferResult.BUSY and step.kind is not StepKind.OPERATOR
                and bool(following) and following[0].kind is StepKind.OPERATOR)

    def say_result(self, step: Step, outcome: TransferResult, following: tuple[Step, ...]) -> None:
        name = self.name_for(step.target) if step.target not in {OPERATOR, DUTY} else self.target_name()
        upcoming = following[0].kind if following else None
        if outcome is TransferResult.BUSY:
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
        answer = True if _TRY_THE_MOBILE.search(text) else parse.yes_no(text, intent)
        if answer is None or step is None:
            self.misunderstood(lambda: self.ask(Pending.OFFER_MOBILE, "offer_mobile", name=self.target_name()))
        elif answer:
            self.transfer(step)
        else:
            self.c.current = None
            self.next_step()

    def offer_break_in(self) -> None:
        """Urgent on a line that was busy: offer the operator's break-in, then a message."""
        c = self.c
        operator = next((s for s in plan_call(self.d, OPERATOR, self.caller(), self.now).steps if s.is_transfer), None)
        if operator is None or self.nuisance_caller():
            self.start_message(c.target or OPERATOR)
            return
        message = Step(StepKind.TAKE_MESSAGE, c.target or OPERATOR, self.target_name())
        c.steps, c.busy_steps, c.current = [_stored(operator), _stored(message)], [], None
        self.ask(Pending.OFFER_BREAK_IN, "busy_urgent", name=self.target_name())

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
            said = parse.clean_matter(text)
            self.c.purpose = self.c.purpose or (said if len(said) > _SHORT_ANSWER else None)
            plan = self.plan()
            self.follow(plan.steps, plan.if_busy)
        elif answer is False or self.c.calm or intent in {"leave_message", "deny"}:
            self.start_message(self.c.target or OPERATOR)  # "不急不急 节后再说吧": not urgent is an answer
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
        if self.nuisance_caller():  # the operator too: a message (flows/caller_notes.py)
            self.message_instead(OPERATOR)
            return
        if c.target and c.target != OPERATOR and c.target_kind != "operator":
            self.__dict__["_wanted_before_operator"] = c.target  # for the handover: whom they wanted first
        c.target, c.target_kind = OPERATOR, "operator"
        step = next((s for s in plan_call(self.d, OPERATOR, self.caller(), self.now).steps if s.is_transfer), None)
        if step is None:  # nobody at the switchboard now (after hours): a message, not a promise
            self.say("operator_closed")
            self.start_message(OPERATOR)
            return
        if phrase:
            self.say(phrase)
        payload = self.transfer_payload(step)
        if payload:
            self.payload(payload)
        c.steps, c.busy_steps = [], []
        c.current = _stored(step)
        c.pending = Pending.TRANSFERRING


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

