"""Salespeople and inquiries: declined politely where the rules say so; address, hours, directions, FAQ."""

from __future__ import annotations

from bot.dialogue.faq import address_answer, directions_answer, hours_answer
from bot.dialogue.flows.base import TurnBase
from bot.dialogue.state import Pending, Say
from bot.privacy import scrub_for_caller
from bot.rules.routing import OPERATOR


class Inquiries(TurnBase):
    """Sales calls and questions about the organisation."""

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
