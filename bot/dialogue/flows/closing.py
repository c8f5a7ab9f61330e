"""Closing a conversation: anything else, the satisfaction question, goodbye."""

from __future__ import annotations

from bot.dialogue import parse
from bot.dialogue.flows.base import TurnBase
from bot.dialogue.state import Pending
from bot.records import calls, inquiries


class Closing(TurnBase):
    """Ending the conversation well."""

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
                follow_up = inquiries.open_follow_up(session, self.c.conversation, score, caller_id=self.c.caller_id,
                                                     at=self.now)  # 2 or less: the supervisor follows it up
            self.say("low_rating_sorry" if follow_up or score <= inquiries.LOW_SCORE else "thanks_for_rating")
        self.goodbye()

    def goodbye(self) -> None:
        self.say("goodbye_kiosk" if self.c.channel == "kiosk" else "goodbye")
        self.payload({"type": "hangup", "reason": "completed"})
        self.finish_if_unset("answered")
        self.c.pending, self.c.ended = None, True
