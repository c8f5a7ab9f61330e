"""What every flow of a turn stands on: the conversation, the directory, saying and asking, the
plan for the caller, how a call is recorded as finished, and names as the caller hears them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.dialogue.faq import Faq
from bot.dialogue.phrases import say
from bot.dialogue.state import Conversation, Output, Payload, Pending, Say
from bot.directory.resolve import Candidate
from bot.hotel.rooms import list_rooms
from bot.org.model import Directory, OrgKind, Person
from bot.privacy import digits_of, scrub_for_caller
from bot.records import calls
from bot.rules.calendar import open_state
from bot.rules.routing import DUTY, OPERATOR, Caller, Plan, plan_call, salutation

MAX_MISUNDERSTOOD = 2
"""After this many turns not understood, the caller goes to the operator."""




if TYPE_CHECKING:
    from bot.dialogue.engine import Receptionist


class TurnBase:
    """One event's worth of work on one conversation; the flows (bot/dialogue/flows/) add what
    the caller is doing, and `bot.dialogue.engine._Turn` puts them together."""

    def __init__(self, receptionist: Receptionist, conversation: Conversation, directory: Directory) -> None:
        self.r = receptionist
        self.c = conversation
        self.d = directory
        self.outputs: list[Output] = []

    # ------------------------------------------------------------------ plumbing

    @property
    def faq(self) -> Faq:
        """The FAQ, if it is this organisation's (docs/faq.md, `organization`)."""
        return self.r.faq.for_organization(self.d.organization.name)

    def is_open(self) -> bool:
        """Whether the organisation is open now (its hours, holidays and make-up days)."""
        return open_state(self.d, self.now).open

    @property
    def now(self) -> dt.datetime:
        return self.r.clock() + dt.timedelta(seconds=self.c.clock_offset_s)

    def say(self, key: str, **params: object) -> None:
        self.say_text(say(key, self.c.language, **params))

    def say_text(self, text: str) -> None:
        """A sentence for the caller, through the privacy guard (in a hotel, room numbers and room
        extensions are masked too)."""
        self.outputs.append(Say(scrub_for_caller(text, self.d, self.room_numbers())))

    @property
    def is_hotel(self) -> bool:
        return self.d.organization.kind is OrgKind.HOTEL

    def room_numbers(self) -> frozenset[str]:
        """A hotel's room numbers (also without leading zeros) and room extensions, read once a turn."""
        if not self.is_hotel:
            return frozenset()
        cached = self.__dict__.get("_room_numbers")
        if cached is None:
            numbers: set[str] = set()
            with self.r.database.session() as session:
                for room in list_rooms(session):
                    digits = digits_of(room.number)
                    numbers.update(n for n in (digits, digits.lstrip("0")) if len(n) >= 3)
                    if room.extension:
                        numbers.add(room.extension)
            cached = self.__dict__["_room_numbers"] = frozenset(numbers)
        return cached

    def payload(self, data: dict[str, Any]) -> None:
        self.outputs.append(Payload(data))

    def ask(self, pending: Pending | None, key: str, **params: object) -> None:
        self.c.pending = pending
        self.say(key, **params)



    def caller(self) -> Caller:
        c = self.c
        return Caller(internal=c.internal, person_id=c.caller_person, name=c.caller_name, company=c.caller_company,
                      purpose=c.purpose, appointment=c.appointment, sales=c.sales, urgent=c.urgent,
                      channel=c.channel)

    def plan(self) -> Plan:
        target = {"operator": OPERATOR, "duty": DUTY}.get(self.c.target_kind or "", self.c.target or OPERATOR)
        return plan_call(self.d, target, self.caller(), self.now)

    def finish(self, outcome: str, transferred_to: str | None = None) -> None:
        """Record how the conversation ended (the last outcome wins: a message after a failed transfer)."""
        c = self.c
        c.outcome = outcome
        c.transferred_to = transferred_to if outcome in {"transferred", "operator"} else c.transferred_to
        with self.r.database.session() as session:
            calls.ensure_call(session, c.conversation, channel=c.channel, caller_id=c.caller_id, internal=c.internal)
            calls.end_call(session, c.conversation, outcome, transferred_to=c.transferred_to, at=self.now)

    def request_noted(self) -> None:
        """The conversation has filed all the messages or visits one conversation may
        (bot.records: MAX_MESSAGES_PER_CONVERSATION, MAX_VISITS_PER_CONVERSATION): nothing more is
        stored or e-mailed; the caller is told, politely, that it is noted and where to ask."""
        self.c.message = {}
        self.c.message_field = None
        self.ask(Pending.ANYTHING_ELSE, "request_noted")

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


def _spoken_name(person: Person) -> str:
    """How the receptionist refers to a person: 张总 for an executive with that alias, else the name."""
    return salutation(person)


def _count_word(count: int, language: str) -> str:
    if language == "en":
        return str(count)
    return {2: "两", 3: "三", 4: "四"}.get(count, str(count))

