"""The lobby kiosk: what a visitor must give, then the visit registered and the host told.

A visitor staff pre-registered (bot/records/expected_visits.py) is greeted as expected once they
say their name ("你好 我是来找张经理的 我姓王"), and is not asked what the pre-registration says
(company, purpose, appointment). A visitor whose host is not there and who says they will come
again ("我改天再来") leaves the host a note of it (the rulebooks: 若来访者表示下次再来，则需注明)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.dialogue.come_again import coming_again
from bot.dialogue.flows.base import TurnBase
from bot.dialogue.state import Conversation, Pending
from bot.org.model import Presence
from bot.records import expected_visits, messages, visits
from bot.records.expected_visits import ExpectedVisit

_NOT_THERE = {Presence.ON_LEAVE, Presence.AWAY}
"""A host the visitor is told is not there (and offered a message)."""
_UNAVAILABLE = _NOT_THERE | {Presence.IN_MEETING, Presence.BUSY}
"""A host a visitor may decide to come back for another day."""


class Visitor(TurnBase):
    """Signing a visitor in at the kiosk."""

    def visitor(self) -> None:
        c = self.c
        with self.r.database.session() as session:
            room = visits.room_for_visit(session, c.conversation)
            expecting = bool(c.target) and expected_visits.expects_anyone(session, c.target or "", self.now,
                                                                         self._zone())
        if not room:  # asked before the visitor gives name, company and purpose for nothing
            self.request_noted()
            return
        person = self.d.person(c.target or "")
        if person and c.sales and person.level in self.d.policy.block_sales_to:
            self.sales()
            return
        needed = (*self.d.policy.first_visit_must_give, "appointment")
        if expecting:  # the name first: it may say the rest (expected_visitor_arrives)
            needed = ("name", *needed)
        if c.appointment:  # expected by the host, who knows what it is about
            needed = tuple(need for need in needed if need != "purpose")
        c.asking = [need for need in dict.fromkeys(needed) if not self.caller().knows(need)]
        self.ask_identity()

    def expected_visitor_arrives(self) -> bool:
        """The visitor's name (and the host they named) fits a pre-registered visitor: greeted as
        expected and registered at once; True when so (bot.dialogue.flows.screening asks first)."""
        c = self.c
        if c.channel != "kiosk" or c.target_kind != "person" or not c.caller_name or c.sales:
            return False
        with self.r.database.session() as session:
            found = expected_visits.match(session, c.caller_name, host=c.target, at=self.now, zone=self._zone(),
                                          company=c.caller_company)
        if found is None:
            return False
        c.caller_name = found.name  # "王" said, "王建国" expected: the book has the whole name
        c.caller_company = found.company or c.caller_company  # what staff wrote over what was heard
        c.purpose = found.purpose or c.purpose
        c.appointment, c.appointment_time = True, c.appointment_time or found.time_from
        c.asking = []
        self.register_visit(expected=found)
        return True

    def register_visit(self, expected: ExpectedVisit | None = None) -> None:
        c = self.c
        person = self.d.person(c.target or "")
        try:
            with self.r.database.session() as session:
                visit = visits.register_visit(session, c.caller_name or "", company=c.caller_company,
                                              purpose=c.purpose, host=c.target, appointment=bool(c.appointment),
                                              appointment_time=c.appointment_time if c.appointment else None,
                                              conversation=c.conversation, at=self.now, capped=True)
                if expected is not None:
                    expected_visits.arrive(session, expected.id, visit.id, at=self.now)
                if person is not None:  # bounded by the visits' cap, not the messages'
                    messages.take_message(
                        session, person.id, _visit_notice(c, visit.id, expected is not None), c.caller_name or "",
                        caller_company=c.caller_company, conversation=c.conversation, at=self.now)
        except messages.ConversationFull:
            self.request_noted()
            return
        c.visit_id = visit.id
        self.payload({"type": "record", "kind": "visit", "id": visit.id})
        self.finish("answered", c.target)
        self._tell_the_visitor(expected, person is not None and person.presence in _NOT_THERE)

    def _tell_the_visitor(self, expected: ExpectedVisit | None, host_away: bool) -> None:
        c, name = self.c, self.target_name()
        if host_away:
            c.message = {"recipient": c.target}
            if expected is not None:
                self.say("visitor_expected_welcome", visitor=c.caller_name or "")
            self.ask(Pending.OFFER_MESSAGE, "visitor_host_away", name=name)
        elif expected is not None:
            self.ask(Pending.ANYTHING_ELSE, "visitor_expected", visitor=c.caller_name or "", name=name)
        else:
            self.ask(Pending.ANYTHING_ELSE, "visitor_registered", name=name)

    def kiosk_visitor_said(self, text: str) -> bool:
        """What only a visitor at the kiosk says, before anything else is read into it: the name
        of someone expected, without whom they came to see; "I'll come again"; True when handled."""
        return self.expected_by_name_alone(text) or self.visitor_comes_again(text)

    def expected_by_name_alone(self, text: str) -> bool:
        """"你好 我是王建国 约了十点": nobody named, but the visitor's name is an expected visitor's
        (the whole name, or a surname with the company they gave): their host is whom they want."""
        c = self.c
        if c.target or c.pending not in {None, Pending.WHOM} or not c.caller_name or c.sales:
            return False
        if self.named_target(text) is not None:
            return False  # they said whom they want: matched for that host (expected_visitor_arrives)
        with self.r.database.session() as session:
            found = expected_visits.match(session, c.caller_name, host=None, at=self.now, zone=self._zone(),
                                          company=c.caller_company)
        if found is None or self.d.person(found.host) is None:
            return False
        self.begin("person", found.host)
        return True

    def visitor_comes_again(self, text: str) -> bool:
        """"我改天再来" when the host is not there: a note for the host with the visitor's name,
        company and when they will come, the visit checked out, the visitor told; True when so."""
        c = self.c
        person = self.d.person(c.target or "")
        if c.channel != "kiosk" or person is None or c.pending not in {Pending.OFFER_MESSAGE, Pending.ANYTHING_ELSE}:
            return False
        if person.presence not in _UNAVAILABLE and c.pending is not Pending.OFFER_MESSAGE:
            return False
        when = coming_again(text)
        if when is None:
            return False
        try:
            with self.r.database.session() as session:
                visit = visits.get_visit(session, c.visit_id) if c.visit_id is not None else None
                c.purpose = visit.purpose if visit is not None else c.purpose  # not "那我改天再来" heard as more
                messages.take_message(session, person.id, _come_again_note(c, when), c.caller_name or "访客",
                                      caller_company=c.caller_company, conversation=c.conversation, at=self.now,
                                      capped=True)
                if visit is not None:
                    visits.check_out(session, visit.id, at=self.now)
        except messages.ConversationFull:
            self.request_noted()
            return True
        c.message, c.message_field = {}, None
        self.finish("message")
        self.say("visitor_come_again", name=self.target_name(), when=_when_said(when, c.language))
        self.payload({"type": "hangup", "reason": "completed"})
        c.pending, c.ended = None, True
        return True

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.d.organization.timezone)


def _visit_notice(c: Conversation, visit_id: int, expected: bool = False) -> str:
    appointment = "无预约"
    if c.appointment:
        appointment = f"约了{c.appointment_time}" if c.appointment_time else "有预约"
    company = f"（{c.caller_company}）" if c.caller_company else ""
    purpose = f"，事由：{c.purpose}" if c.purpose else ""
    who = "预约访客" if expected else "访客"
    return f"{who}{c.caller_name or ''}{company}已到前台，{appointment}{purpose}。访客登记号 {visit_id}。"


def _come_again_note(c: Conversation, when: str) -> str:
    company = f"（{c.caller_company}）" if c.caller_company else ""
    purpose = f"，事由：{c.purpose}" if c.purpose else ""
    return f"访客{c.caller_name or ''}{company}来访时您不在，表示{_when_said(when, 'zh')}再来{purpose}。"


def _when_said(when: str, language: str) -> str:
    """"改天"/"another day" as the visitor's language needs it (the note is always in Chinese)."""
    if language == "en" or not when.isascii():
        return when
    return _IN_CHINESE.get(when, "改天")


_IN_CHINESE = {"tomorrow": "明天", "tomorrow morning": "明天上午", "tomorrow afternoon": "明天下午", "next week": "下周",
               "later": "晚些时候", "later today": "今天晚些时候", "later on": "晚些时候", "this afternoon": "今天下午",
               "next time": "下次",
               **{f"on {day}": f"周{zh}" for day, zh in (("monday", "一"), ("tuesday", "二"), ("wednesday", "三"),
                                                         ("thursday", "四"), ("friday", "五"), ("saturday", "六"),
                                                         ("sunday", "日"))}}
