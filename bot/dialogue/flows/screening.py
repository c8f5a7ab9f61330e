"""Screening: the caller's name, company, purpose and appointment where the rules ask for them."""

from __future__ import annotations

from bot.dialogue import parse
from bot.dialogue.flows.base import TurnBase
from bot.dialogue.frame import appointment_of
from bot.dialogue.state import Pending
from bot.rules.routing import OPERATOR


class Screening(TurnBase):
    """Asking only what the rules need and the caller has not said."""

    def ask_identity(self) -> None:
        c = self.c
        if c.channel == "kiosk" and c.target_kind == "person" and self.expected_visitor_arrives():
            return  # pre-registered (flows/visitor.py): greeted as expected, nothing more asked
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
            said = appointment_of(text)  # "约了的 他让我三点前到", "电话里约过了"
            c.appointment = said if said is not None else parse.yes_no(text, intent)
            if c.appointment:
                c.appointment_time = c.appointment_time or parse.clock_time(text)  # "yes, at ten thirty"
        if field and not self.caller().knows(field):
            self.misunderstood(lambda: self.ask(Pending.IDENTITY, "ask_again_name" if field == "name"
                                                else f"ask_{field}", name=self.target_name()))
            return
        c.misunderstood = 0
        c.asking = [need for need in c.asking if not self.caller().knows(need)]
        self.ask_identity()
