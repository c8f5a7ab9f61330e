"""Salespeople and inquiries: declined politely where the rules say so; address, hours, directions, FAQ."""

from __future__ import annotations

from bot.dialogue.faq import address_answer, directions_answer, hours_answer
from bot.dialogue.flows.base import TurnBase
from bot.dialogue.state import Pending, Say
from bot.directory.topics import router_for
from bot.privacy import scrub_for_caller
from bot.rules.routing import OPERATOR


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
            self.outputs.append(Say(scrub_for_caller(address_answer(self.d, language), self.d)))
        elif intent == "ask_hours":
            self.outputs.append(Say(scrub_for_caller(hours_answer(self.d, language, self.now), self.d)))
        else:
            self.outputs.append(Say(scrub_for_caller(directions_answer(self.d, self.faq, language), self.d)))
        self.finish_if_unset("answered")
        self.ask(Pending.ANYTHING_ELSE, "anything_else")

    def try_faq(self, text: str) -> bool:
        answer = self.faq.answer(text, self.c.language)
        if answer is None:
            return False
        self.outputs.append(Say(scrub_for_caller(answer.text, self.d)))
        self.finish_if_unset("answered")
        self.ask(Pending.ANYTHING_ELSE, "anything_else")
        return True
