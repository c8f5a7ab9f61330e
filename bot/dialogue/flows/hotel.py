"""A hotel's switchboard (#11, points 2 and 5; organisations of `kind: hotel` only).

Emergencies: fire, medical or security words (`bot.hotel.emergency`), whatever is pending, put
the caller through at once to `organization.emergency` (blind, every channel), file an urgent
record, and if that line does not answer, the operator, then the duty line; never a menu. The
room (said, or the room phone the call comes from) goes to staff only: the urgent record, and
the transfer payload's `room` and `announcement` on the phone.

Calls for a guest: what the caller says names a guest or a room, and no member of staff or
department better: `bot.hotel.guest_calls.decide_guest_call` decides; a room's extension only
ever goes into a transfer payload on the phone. A question asked (the name, the room, the full
name) keeps what was said before, so the answer is combined with it. Mismatch, not found,
do-not-disturb, a busy or unanswered room: a message, for the front desk mailbox, with the
guest's name in its text. Nothing said to the caller holds a room number or extension (the
privacy scrub masks the hotel's room numbers and extensions too: `TurnBase.say`).
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from bot.dialogue import parse
from bot.dialogue.flows.base import TurnBase
from bot.dialogue.frame import message_wish
from bot.dialogue.parse.identity_zh import _COMPOUND_SURNAMES, _SURNAMES
from bot.dialogue.state import Pending
from bot.directory.resolve import Resolution
from bot.directory.topics import router_for
from bot.hotel.emergency import emergency_kind
from bot.hotel.guest_calls import (
    GuestCall,
    GuestCallDecision,
    caller_guest,
    decide_guest_call,
    guest_request,
)
from bot.hotel.phrases import guest_call_text, spoken_name
from bot.hotel.rooms import get_room
from bot.hotel.stays import _TITLES_LATIN, _TITLES_ZH
from bot.hotel.wakeup_request import WakeupRequest, due_moment, wakeup_request
from bot.hotel.wakeups import PENDING as WAKEUP_PENDING
from bot.hotel.wakeups import BookedBy, BookingError, book, cancel, list_wakeups, spoken_due
from bot.org.model import Level
from bot.records import calls, messages
from bot.rules.routing import OPERATOR, Step, StepKind, TransferResult

GUEST_TARGET = "guest"
"""The `target` of a transfer to a guest's room (the destination is the room's extension)."""
EMERGENCY_TARGET = "emergency"
EMERGENCY_STEP = "emergency"
"""The `reason` marking the steps of an emergency's chain (emergency line, operator, duty line)."""
_PUBLIC_NUMBERS = frozenset({"110", "119", "120", "122"})
_KIND_ZH = {"fire": "火警", "medical": "急救", "security": "治安"}

_ASKS = re.compile(r"找|转|接|打给|打到|联系|在吗|在不在|住在|入住|客人|住客|房客|房间|"
                   r"\b(?:speak|talk|put me through|connect|call|calling|reach|looking for|there|staying|guest|room)\b",
                   re.IGNORECASE)
"""Words of a call for someone: a room or a name said without them is not a call for a guest
("812房间空调坏了")."""
_GUEST_WORDS = re.compile(r"客人|住客|房客|入住|住在|住你们|住这|房间|酒店|宾馆|\b(?:guest|staying|room|hotel)\b",
                          re.IGNORECASE)
_DONT_KNOW = re.compile(r"不知道|不清楚|不记得|忘了|\b(?:don'?t know|dunno|no idea|not sure|can'?t remember|forgot)\b",
                        re.IGNORECASE)
_LEAVE_IT = re.compile(r"留言|留个|留一下|留吧|\b(?:message|leave)\b", re.IGNORECASE)
_INTRODUCING = re.compile(r"我叫|我姓|我是|免贵|本人|\b(?:my name|this is|i'?m|i am|it'?s)\b", re.IGNORECASE)
"""The caller's own name ("我姓李", "this is Tom Walsh"), not a guest's."""
_MESSAGE_FOR = re.compile(r"给(.{2,16}?)(?:留|带个话|捎个话)|message for ([^,.;!?]{2,40}?)(?:[,.;!?]| please| from|$)",
                          re.IGNORECASE)
"""Whom a message is for: "帮我给812的欧阳娜娜留个言", "a message for Anna Miller, please"."""
_WHICH_ROOM = re.compile(r"(?:能|可以)?(?:告诉我|查一下|问一下)?(?:住)?(?:在)?(?:几号房间?|几零几|哪个房间|哪间房|哪一间|"
                         r"房间号是?多少|房号是?多少|的房间号|的房号)|"
                         r"\b(?:what|which) room(?: number)?(?: is| does)?|\bhis room number\b|\bher room number\b|"
                         r"\bthe room number (?:of|for)\b|\broom number is\b", re.IGNORECASE)
"""A caller asking which room a guest is in: never told."""
_ROOM_NUMBER_ASKED = re.compile(r"房间号|房号|几号房|哪个房间|哪间房|住哪|\b(?:room number|which room|what room)\b",
                                re.IGNORECASE)
_ONLY_STAYING = re.compile(r"^(?:她|他|客人|人)?(?:就|是)?(?:住|住在|入住)(?:在)?(?:你们|您们|贵)?(?:这儿|这里|这|那儿|酒店|宾馆|店里)?"
                           r"(?:的|呢|吧|啊)?$|^(?:she|he)(?:'s| is) (?:staying|a guest)(?: (?:here|with you|at your hotel))?$",
                           re.IGNORECASE)
"""A "matter" that only says the guest is staying ("她住你们这儿"): not what the call is about."""
_STRONG = {GuestCall.CONNECT, GuestCall.TAKE_MESSAGE, GuestCall.ASK_ROOM}
"""Decisions only a guest's name matching a registered guest gives."""
_ASKING = {GuestCall.ASK_GUEST, GuestCall.ASK_GUEST_NAME, GuestCall.ASK_FULL_NAME, GuestCall.ASK_ROOM}


class Hotel(TurnBase):
    """Guests and emergencies; every method is for a hotel only (`is_hotel`)."""

    # ------------------------------------------------------------------ a guest on the line

    def guest_on_the_line(self) -> None:
        """An internal call from an occupied room's phone: that room's guest (greeted by name)."""
        c = self.c
        with self.r.database.session() as session:
            stay = caller_guest(session, c.caller_id, self.now, ZoneInfo(self.d.organization.timezone),
                                self.d.policy.checkout_time)
        if stay is None:
            return
        c.caller_stay = stay.id
        c.caller_name = c.caller_name or stay.guest_name_zh or stay.guest_name_latin
        c.callback = c.callback or c.caller_id  # a message is called back on the room's phone (read back as such)
        if stay.language in self.d.organization.languages and stay.language in {"zh", "en"}:
            c.language = stay.language
        c.guest = {"caller_zh": stay.guest_name_zh or "", "caller_latin": stay.guest_name_latin or ""}
        if stay.vip:
            self.draw_attention(f"VIP：{stay.guest}（{stay.room}）来电 / VIP guest calling from their room")

    def draw_attention(self, note: str) -> None:
        """VIP attention (#11, point 4): the note goes on the operator's live board while the call lasts
        (written at the end of the turn, once the call's record exists: `flush_attention`)."""
        self.__dict__["_attention"] = note

    def flush_attention(self) -> None:
        note = self.__dict__.pop("_attention", None)
        if note and self.c.conversation:
            with self.r.database.session() as session:
                calls.set_attention(session, self.c.conversation, note)

    def guest_greeting_name(self) -> str:
        g = self.c.guest
        zh, latin = g.get("caller_zh") or "", g.get("caller_latin") or ""
        return (latin or zh) if self.c.language == "en" else (zh or latin)

    # ------------------------------------------------------------------ emergencies

    def emergency_said(self, text: str) -> bool:
        """Fire, medical or security words: connect at once (True: the turn is done)."""
        kind = emergency_kind(text)
        if kind is None:
            return False
        c = self.c
        if c.emergency and c.pending is Pending.TRANSFERRING:
            self.say("emergency_connecting")  # said again while being put through: still on its way
            return True
        room = self.emergency_room(text)
        first = c.emergency is None
        c.emergency, c.urgent, c.calm = kind, True, False
        c.emergency_room = room or c.emergency_room
        self.say("emergency_connecting")
        if first:
            self.file_emergency(kind, text, c.emergency_room)
        chain = self.emergency_chain()
        c.message, c.message_field, c.asking = {}, None, []
        c.steps, c.busy_steps = [_stored(step) for step in chain[1:]], []
        self.emergency_transfer(chain[0])
        return True

    def emergency_room(self, text: str) -> str | None:
        """The room of the emergency: the one said ("812" → 0812), else the room phone calling."""
        said = guest_request(text).room
        with self.r.database.session() as session:
            if said and said not in _PUBLIC_NUMBERS:
                found = get_room(session, said)
                return found.number if found else said
            if self.c.caller_stay is not None:
                found = caller_guest(session, self.c.caller_id, self.now, ZoneInfo(self.d.organization.timezone),
                                     self.d.policy.checkout_time)
                return found.room if found else None
        return None

    def emergency_chain(self) -> list[Step]:
        org = self.d.organization
        rings = self.d.policy.ring_timeout_s(Level.STAFF)
        chain = [Step(StepKind.RING, EMERGENCY_TARGET, "紧急线路", org.emergency, "blind", rings, urgent=True,
                      reason=EMERGENCY_STEP)] if org.emergency else []
        if org.operator:
            chain.append(Step(StepKind.OPERATOR, OPERATOR, "总机", org.operator, "blind", rings, urgent=True,
                              reason=EMERGENCY_STEP))
        duty = self.d.after_hours.duty_phone
        if duty and duty not in {org.emergency, org.operator}:
            chain.append(Step(StepKind.DUTY_LINE, "duty", "值班电话", duty, "blind", rings, urgent=True,
                              reason=EMERGENCY_STEP))
        return chain

    def emergency_transfer(self, step: Step) -> None:
        c = self.c
        payload: dict[str, Any] = {"type": "transfer", "destination": step.destination, "target": step.target,
                                   "mode": "blind", "ring_timeout_s": step.ring_timeout_s, "urgent": True,
                                   "emergency": c.emergency}
        if c.channel == "phone":  # staff side only: the gateway; a kiosk or chat client shows what it gets
            room = f"，{c.emergency_room}房间" if c.emergency_room else ""
            payload["announcement"] = f"紧急情况（{_KIND_ZH.get(c.emergency or '', '')}）{room}"
            if c.emergency_room:
                payload["room"] = c.emergency_room
        self.payload(payload)
        c.current = _stored(step)
        c.pending = Pending.TRANSFERRING

    def emergency_result(self, step: Step, outcome: TransferResult) -> None:
        """The emergency line (or the next in the chain) answered, or not: the next at once, never a menu."""
        c = self.c
        if outcome is TransferResult.ANSWERED:
            c.steps = []
            self.finish("operator" if step.target == OPERATOR else "transferred", step.target)
            c.pending = None
            return
        if c.steps:
            following = _restored(c.steps.pop(0))
            self.say("emergency_operator")
            self.emergency_transfer(following)
            return
        self.say("emergency_alerted")
        c.pending = None

    def file_emergency(self, kind: str, text: str, room: str | None) -> None:
        """An urgent message for the emergency line's department (else the front desk mailbox): the
        kind, the room, what the caller said; staff side only."""
        c = self.c
        org = self.d.organization
        department = next((d.id for d in self.d.departments if d.extension and d.extension == org.emergency), None)
        person = self.d.person_at_extension(org.emergency) if org.emergency and department is None else None
        recipient = department or (person.department if person else None) or self.d.policy.general_mailbox \
            or OPERATOR
        said = " ".join(text.split())[:300]
        where_zh, where_en = (f"：{room} 房间", f": room {room}") if room else ("", "")
        body = (f"紧急情况（{_KIND_ZH[kind]}）{where_zh}。来电人说：“{said}”。已为来电人转接紧急线路。\n"
                f"EMERGENCY ({kind}){where_en}. The caller said: \"{said}\". Put through to the emergency line.")
        try:
            callback = messages.normalize_callback_number(c.caller_id) if c.caller_id else None
        except ValueError:
            callback = None
        with self.r.database.session() as session:
            record = messages.take_message(session, recipient, body, c.caller_name or "", callback_number=callback,
                                           urgent=True, conversation=c.conversation, at=self.now)
        self.payload({"type": "record", "kind": "message", "id": record.id})

    # ------------------------------------------------------------------ wake-up calls

    def wakeup_asked(self, text: str) -> bool:
        """"明早七点叫醒我", "cancel my wake-up call": booked or cancelled for the guest calling from
        their room (True: the turn is done). From anywhere else, the front desk is offered."""
        request = wakeup_request(text)
        if request is None:
            return False
        if self.c.caller_stay is None:
            self.ask(Pending.OFFER_OPERATOR, "wakeup_from_room")
        elif request.cancel:
            self.cancel_wakeups()
        else:
            self.book_wakeup(request)
        return True

    def on_wakeup(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        """The answer to "what time?": a time (with the day said before), or a change of mind."""
        request = wakeup_request(text, expected=True) or WakeupRequest()
        if request.cancel or (not request.has_time and parse.yes_no(text, intent) is False):
            self.ask(Pending.ANYTHING_ELSE, "anything_else")
        elif request.has_time:
            day = request.day if request.day is not None else self.c.guest.get("wakeup_day")
            self.book_wakeup(WakeupRequest(clock=request.clock, day=day, after=request.after))
        elif self.named_target(text) is not None:
            self.c.pending = Pending.WHOM
            self.find_target(text, intent, entities)
        else:
            self.misunderstood(lambda: self.ask(Pending.WAKEUP, "wakeup_ask_time"))

    def book_wakeup(self, request: WakeupRequest) -> None:
        c = self.c
        zone = ZoneInfo(self.d.organization.timezone)
        due = due_moment(request, self.now, zone)
        c.guest = {**c.guest, "wakeup_day": request.day}
        if due is None:
            self.ask(Pending.WAKEUP, "wakeup_ask_time")
            return
        when = spoken_due(due.astimezone(zone), self.now.astimezone(zone).date(), c.language)
        try:
            with self.r.database.session() as session:
                stay_room = caller_guest(session, c.caller_id, self.now, zone, self.d.policy.checkout_time)
                if stay_room is None:
                    raise BookingError("the guest has checked out", "invalid")
                booked = book(session, stay_room.room, due, now=self.now, language=c.language,
                              booked_by=BookedBy.GUEST, conversation=c.conversation, zone=zone,
                              checkout_time=self.d.policy.checkout_time)
        except BookingError as refused:
            if refused.reason == "past":
                self.ask(Pending.WAKEUP, "wakeup_past", when=when)
            elif refused.reason == "after_checkout":
                self.ask(Pending.WAKEUP, "wakeup_after_checkout", when=when)
            else:
                self.to_operator("connecting_operator")
            return
        self.payload({"type": "record", "kind": "wakeup", "id": booked.id})
        self.say("wakeup_booked", when=when)
        self.finish_if_unset("answered")
        self.ask(Pending.ANYTHING_ELSE, "anything_else")

    def cancel_wakeups(self) -> None:
        """Every wake-up call still to come for this guest's stay is cancelled."""
        c = self.c
        zone = ZoneInfo(self.d.organization.timezone)
        with self.r.database.session() as session:
            stay = caller_guest(session, c.caller_id, self.now, zone, self.d.policy.checkout_time)
            mine = [w for w in list_wakeups(session, room=stay.room) if w.stay_id == stay.id
                    and w.status in WAKEUP_PENDING] if stay else []
            for wakeup in mine:
                cancel(session, wakeup.id, now=self.now)
        if not mine:
            self.say("wakeup_none")
        else:
            today = self.now.astimezone(zone).date()
            joiner = "、" if c.language == "zh" else " and "
            self.say("wakeup_cancelled", when=joiner.join(spoken_due(w.due_at.astimezone(zone), today, c.language)
                                                          for w in mine))
        self.finish_if_unset("answered")
        self.ask(Pending.ANYTHING_ELSE, "anything_else")

    # ------------------------------------------------------------------ calls for a guest

    def call_for_a_guest(self, text: str, intent: str | None, resolution: Resolution) -> bool:
        """What the caller said names a guest or a room (and no one of staff better): decided by
        `decide_guest_call`. False leaves the turn to the directory. Asked which room a guest is in
        ("张伟住几号房间"): never told, the call for the guest offered instead."""
        asks_the_room = _WHICH_ROOM.search(text)
        if asks_the_room:
            text = _WHICH_ROOM.sub(" ", text)
        said = guest_request(text)
        name = plausible_guest_name(said.name)
        if not name and not said.room:
            return False
        staff = resolution.best if resolution.confident and not resolution.best.matched.startswith("topic") else None
        with self.r.database.session() as session:
            room = get_room(session, said.room) if said.room else None
        if staff is not None and room is None:
            return False
        decision = self.decide_guest(name, said.room)
        if decision.kind not in _STRONG:
            if not (asks_the_room or _ASKS.search(text) or intent in {"request_person", "give_name"}):
                return False
            if router_for(self.d).route(text).clear is not None:
                return False
            if decision.kind is GuestCall.NOT_FOUND and not said.room and not _GUEST_WORDS.search(text) \
                    and not asks_the_room:
                return False  # an unknown name, like any other: the directory's "not found"
        if asks_the_room:
            self.say("guest_room_private")
        self.act_on_guest(decision, name, said.room)
        return True

    def names_a_guest(self, text: str) -> bool:
        """The words name a guest (a person's name or a room) and speak of guests or staying."""
        said = guest_request(_WHICH_ROOM.sub(" ", text))
        return bool(plausible_guest_name(said.name) or said.room) and bool(_GUEST_WORDS.search(text))

    def decide_guest(self, name: str, room: str) -> GuestCallDecision:
        with self.r.database.session() as session:
            return decide_guest_call(session, self.d, self.now, name=name, room=room or None,
                                     caller_extension=self.c.caller_id if self.c.internal else None)

    def act_on_guest(self, decision: GuestCallDecision, name: str, room: str) -> None:
        c = self.c
        c.guest = {**{k: v for k, v in c.guest.items() if k.startswith("caller_")},
                   "name": decision.name or name, "room": room, "asked": decision.kind.value,
                   "phrase": decision.phrase, "stay": decision.stay_id}
        c.misunderstood = 0
        if c.purpose and _ONLY_STAYING.search(c.purpose):
            c.purpose = None  # "她住你们这儿" says whom they want, not what about
        if decision.kind in _STRONG and decision.stay_id is not None:
            self.attend_to_a_vip(decision.stay_id)
        if decision.kind is GuestCall.CONNECT and self.nuisance_caller():
            self.ask(Pending.GUEST_OFFER, "guest_offer_message")  # a nuisance number (flows/caller_notes.py)
        elif decision.kind is GuestCall.CONNECT and c.channel != "phone":
            self.ask(Pending.GUEST_OFFER, "guest_no_transfer_here", name=self.guest_name())
        elif decision.kind is GuestCall.CONNECT:
            self.say_text(guest_call_text(decision, c.language))
            rings = self.d.policy.ring_timeout_s(Level.STAFF)
            self.payload({"type": "transfer", "destination": decision.extension, "target": GUEST_TARGET,
                          "mode": "blind", "ring_timeout_s": rings})
            c.steps, c.busy_steps = [], []
            c.current = _stored(Step(StepKind.RING, GUEST_TARGET, "客人", None, "blind", rings, connect_only=True,
                                     reason="a guest's room"))
            c.pending = Pending.TRANSFERRING
        else:
            self.say_text(guest_call_text(decision, c.language))
            c.pending = Pending.GUEST if decision.kind in _ASKING else Pending.GUEST_OFFER

    def attend_to_a_vip(self, stay_id: int) -> None:
        from bot.db.tables import StayRow

        with self.r.database.session() as session:
            row = session.get(StayRow, stay_id)
            vip = row is not None and row.vip
            names = " / ".join(n for n in (row.guest_name_zh, row.guest_name_latin) if n) if vip else ""
            room = row.room if vip else ""
        if vip:
            self.draw_attention(f"VIP：来电找 {names}（{room}）/ a call for a VIP guest")

    def guest_name(self) -> str:
        name = spoken_name(self.c.guest.get("name") or "", self.c.language)
        return name or ("the guest" if self.c.language == "en" else "这位客人")

    def on_guest(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        """The answer to a question about the guest: combined with what was said before."""
        c = self.c
        before = c.guest
        asked = before.get("asked")
        said = guest_request(text)
        name = plausible_guest_name(said.name)
        if not name and said.name and asked == GuestCall.ASK_FULL_NAME.value:
            name = plausible_guest_name(_completed(said.name, before.get("name") or ""))  # "Anna" for Mr Miller
        if not name and not said.room:
            staff = self.named_target(text)
            if staff is not None:
                self.begin(staff.kind, staff.id)
            elif _DONT_KNOW.search(text) or parse.yes_no(text, intent) is False:
                self.ask(Pending.GUEST_OFFER, "guest_offer_message")
            else:
                again = GuestCallDecision(GuestCall(asked or "ask_guest"), before.get("phrase") or "ask_guest",
                                          before.get("name") or "")
                self.misunderstood(lambda: self.act_on_guest(again, before.get("name") or "", before.get("room") or ""))
            return
        room = said.room or before.get("room") or ""
        if asked == GuestCall.ASK_ROOM.value and said.room:
            name = before.get("name") or name  # "812": the room of the guest named
        name = name or before.get("name") or ""
        self.act_on_guest(self.decide_guest(name, room), name, room)

    def room_number_insisted(self, text: str) -> bool:
        """"just give me the room number, I'll go up myself", "你就告诉我他房间号" while a guest is being
        discussed: never told; the message offered again (True: the turn is done)."""
        if self.c.pending not in {Pending.GUEST_OFFER, Pending.GUEST} or not _ROOM_NUMBER_ASKED.search(text):
            return False
        self.say("guest_room_private")
        self.ask(Pending.GUEST_OFFER, "guest_offer_message")
        return True

    def on_guest_offer(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        """A message for the guest offered (and, after a mismatch, the caller's name asked)."""
        c = self.c
        answer = parse.yes_no(text, intent)
        said = guest_request(text)
        if said.room or (plausible_guest_name(said.name) and not _INTRODUCING.search(text)):
            c.guest["asked"] = GuestCall.ASK_GUEST.value  # "room nine oh two, Anna Miller": asked again
            self.on_guest(text, intent, entities)
            return
        identity = parse.caller_identity(text, entities)
        if identity.name:
            c.caller_name = c.caller_name or identity.name
        if answer is True or identity.name or intent in {"leave_message", "callback_request"} \
                or message_wish(text) or _LEAVE_IT.search(text):
            self.guest_message()
        elif answer is False:
            self.say("call_back_later")
            self.ask(Pending.ANYTHING_ELSE, "anything_else")
        else:
            c.pending = Pending.WHOM
            self.find_target(text, intent, entities)

    def guest_message(self) -> None:
        """A message for the guest, to the front desk mailbox with the guest's name in its text."""
        c = self.c
        mailbox = self.d.policy.general_mailbox or OPERATOR
        known = c.guest.get("stay") is not None
        self.start_message(mailbox, guest={"guest": c.guest.get("name") or "", "stay": c.guest.get("stay"),
                                           "said_room": c.guest.get("room") or "",
                                           "shown": self.guest_name() if known else ""})

    def guest_message_text(self, text: str) -> str:
        """The saved message's text: for whom (staff side: the guest's name, their room when known)."""
        guest = self.c.message.get("guest") or {}
        stay_id = guest.get("stay")
        where = ""
        if stay_id is not None:
            from bot.db.tables import StayRow

            with self.r.database.session() as session:
                row = session.get(StayRow, stay_id)
                if row is not None:
                    names = " / ".join(n for n in (row.guest_name_zh, row.guest_name_latin) if n)
                    where = f"（{row.room} 房间，{names}）"
        elif guest.get("said_room"):
            where = f"（来电人说的房号 {guest['said_room']}，与登记客人不符或无此客人）"
        return f"给客人“{guest.get('guest') or ''}”的留言{where}：{text}"

    def guest_result(self, outcome: TransferResult) -> None:
        """The guest's room answered, or not: a message offered."""
        c = self.c
        if outcome is TransferResult.ANSWERED:
            self.finish("transferred", GUEST_TARGET)
            c.pending = None
        elif outcome is TransferResult.BUSY:
            self.ask(Pending.GUEST_OFFER, "guest_busy", name=self.guest_name())
        elif outcome is TransferResult.FAILED:
            self.say("failed")
            self.ask(Pending.GUEST_OFFER, "guest_offer_message")
        else:
            self.ask(Pending.GUEST_OFFER, "guest_no_answer", name=self.guest_name())

    def leave_a_message_for_a_guest(self, text: str) -> bool:
        """"帮我给欧阳娜娜留个言": a message for a guest named (to the front desk, with the name)."""
        named = _MESSAGE_FOR.search(text)
        said = guest_request(named.group(1) or named.group(2)) if named else guest_request(text)
        name = plausible_guest_name(said.name)
        if not name:
            return False
        decision = self.decide_guest(name, said.room)
        self.c.guest = {**{k: v for k, v in self.c.guest.items() if k.startswith("caller_")},
                        "name": decision.name or name, "room": said.room,
                        "stay": decision.stay_id if decision.kind in _STRONG else None}
        self.guest_message()
        return True


def plausible_guest_name(name: str) -> str:
    """The parts of a name `guest_request` found that may be a person's: Chinese characters starting
    with a surname (2 to 4 of them, or a surname with a title), Latin words two or more, or one with
    a title ("Mr Miller"); "" when none ("好", "太热", "Think")."""
    han = "".join(ch for ch in name if "\u4e00" <= ch <= "\u9fff")
    latin = " ".join(w for w in re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", name) if not _is_han_word(w))
    parts = []
    if han:
        core = next((han[: -len(t)] for t in _TITLES_ZH if han.endswith(t) and len(han) > len(t)), han)
        titled = core != han
        surname = next((s for s in _COMPOUND_SURNAMES if core.startswith(s)), core[:1])
        if (surname in _COMPOUND_SURNAMES or surname in _SURNAMES) and (titled or 2 <= len(core) <= 4):
            parts.append(han)
    words = latin.split()
    if words and (len(words) >= 2 or any(w.lower().strip(".") in _TITLES_LATIN for w in words)):
        parts.append(latin)
    return " ".join(parts)


def _completed(given: str, partial: str) -> str:
    """A given name said for a surname asked about: "Anna" and "Mr Miller" → "Anna Miller", "芳" and
    "王女士" → "王芳"."""
    han = "".join(ch for ch in partial if "\u4e00" <= ch <= "\u9fff")
    if han:
        surname = next((han[: -len(t)] for t in _TITLES_ZH if han.endswith(t) and len(han) > len(t)), han)
        return surname + "".join(ch for ch in given if "\u4e00" <= ch <= "\u9fff")
    surname = [w for w in partial.split() if w.lower().strip(".") not in _TITLES_LATIN]
    return " ".join([*given.split(), *surname[-1:]])


def _is_han_word(word: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in word)


def _stored(step: Step) -> dict[str, Any]:
    from bot.dialogue.flows.connecting import _stored as stored

    return stored(step)


def _restored(data: dict[str, Any]) -> Step:
    from bot.dialogue.flows.connecting import _restored as restored

    return restored(data)
