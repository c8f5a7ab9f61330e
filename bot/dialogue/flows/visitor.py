"""The lobby kiosk: what a visitor must give, then the visit registered and the host told."""

from __future__ import annotations

from bot.dialogue.flows.base import TurnBase
from bot.dialogue.state import Conversation, Pending
from bot.org.model import Presence
from bot.records import messages, visits


class Visitor(TurnBase):
    """Signing a visitor in at the kiosk."""

    def visitor(self) -> None:
        c = self.c
        with self.r.database.session() as session:
            room = visits.room_for_visit(session, c.conversation)
        if not room:  # asked before the visitor gives name, company and purpose for nothing
            self.request_noted()
            return
        person = self.d.person(c.target or "")
        if person and c.sales and person.level in self.d.policy.block_sales_to:
            self.sales()
            return
        needed = (*self.d.policy.first_visit_must_give, "appointment")
        if c.appointment:  # expected by the host, who knows what it is about
            needed = tuple(need for need in needed if need != "purpose")
        c.asking = [need for need in dict.fromkeys(needed) if not self.caller().knows(need)]
        self.ask_identity()

    def register_visit(self) -> None:
        c = self.c
        person = self.d.person(c.target or "")
        try:
            with self.r.database.session() as session:
                visit = visits.register_visit(session, c.caller_name or "", company=c.caller_company,
                                              purpose=c.purpose, host=c.target, appointment=bool(c.appointment),
                                              appointment_time=c.appointment_time if c.appointment else None,
                                              conversation=c.conversation, at=self.now, capped=True)
                if person is not None:  # bounded by the visits' cap, not the messages'
                    messages.take_message(
                        session, person.id, _visit_notice(c, visit.id), c.caller_name or "",
                        caller_company=c.caller_company, conversation=c.conversation, at=self.now)
        except messages.ConversationFull:
            self.request_noted()
            return
        c.visit_id = visit.id
        self.payload({"type": "record", "kind": "visit", "id": visit.id})
        self.finish("answered", c.target)
        if person is not None and person.presence in {Presence.ON_LEAVE, Presence.AWAY}:
            c.message = {"recipient": person.id}
            self.ask(Pending.OFFER_MESSAGE, "visitor_host_away", name=self.target_name())
        else:
            self.ask(Pending.ANYTHING_ELSE, "visitor_registered", name=self.target_name())


def _visit_notice(c: Conversation, visit_id: int) -> str:
    appointment = "无预约"
    if c.appointment:
        appointment = f"约了{c.appointment_time}" if c.appointment_time else "有预约"
    company = f"（{c.caller_company}）" if c.caller_company else ""
    purpose = f"，事由：{c.purpose}" if c.purpose else ""
    return f"访客{c.caller_name or ''}{company}已到前台，{appointment}{purpose}。访客登记号 {visit_id}。"

