"""Taking a message: the caller's name, call-back number and matter, one read-back, then saved."""

from __future__ import annotations

import re

from bot.dialogue import parse
from bot.dialogue.corrections import correction
from bot.dialogue.flows.base import TurnBase
from bot.dialogue.frame import harvest, matter_of
from bot.dialogue.phrases import say
from bot.dialogue.state import Pending
from bot.records import messages
from bot.rules.routing import DUTY, OPERATOR


class MessageTaking(TurnBase):
    """A message, field by field, then read back once."""

    def start_message(self, recipient: str, guest: dict | None = None) -> None:
        """A message for `recipient`; `guest` (a hotel): for a guest, through the front desk mailbox
        (flows/hotel.py: `guest` the name said, `stay`, `said_room`, `shown` the name said back)."""
        c = self.c
        with self.r.database.session() as session:
            room = messages.room_for_message(session, c.conversation)
        if not room:  # asked before the caller spells out name, number and matter for nothing
            self.request_noted()
            return
        c.message = {"recipient": recipient, **({"guest": guest} if guest else {})}
        if c.purpose:
            c.message["text"] = c.purpose
        self.next_message_field()

    def next_message_field(self) -> None:
        c = self.c
        if c.callback and not c.message.get("number"):
            c.message["number"] = c.callback
        if c.purpose and not c.message.get("text"):
            c.message["text"] = c.purpose
        recipient_name = self.message_recipient_name()
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
                     number=say("your_room_phone", c.language)
                     if c.caller_stay is not None and c.message["number"] == c.caller_id
                     else parse.format_number_for_readback(c.message["number"], c.language),
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
            c.message["text"] = new_content(text) or matter_of(text) or parse.clean_matter(text) or text[:200]
            c.urgent = c.urgent or parse.is_urgent(text)
        if field != "text" and not c.message.get("text"):
            c.message["text"] = matter_of(text, answering=True) or ""  # "我姓吕 电话… 就是问下那批托盘…"
        c.misunderstood = 0
        self.next_message_field()
        return None

    def on_message_confirm(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        """Any confirmation, a repetition of the number, or a correction of one field."""
        c = self.c
        fix = correction(text, c.message.get("number") or "", c.caller_name or "", c.message.get("text") or "")
        if fix is not None and fix.value is not None:
            if fix.field == "number":
                c.message["number"] = fix.value
            elif fix.field == "name":
                c.caller_name = fix.value
            else:
                c.message["text"] = fix.value
            self.next_message_field()  # read back again, with only that field changed
        elif fix is not None:
            self.ask_again_for(fix.field)
        elif new_content(text):
            c.message["text"] = new_content(text)  # "就说明天早上八点在大堂等她": what the message says
            self.next_message_field()
        elif parse.yes_no(text, intent) is True or harvest(text, entities, c.caller_id).callback:
            self.save_message()  # "对", or the number said again
        elif parse.yes_no(text, intent) is False:
            self.ask_again_for("number")
        else:
            self.misunderstood(self.next_message_field)

    def ask_again_for(self, field: str) -> None:
        """"名字不对": ask that field again, keep the others."""
        c = self.c
        if field == "name":
            c.caller_name, c.message_field = None, "name"
            self.ask(Pending.MESSAGE, "ask_again_name")
        elif field == "text":
            c.message.pop("text", None)
            c.message_field = "text"
            self.ask(Pending.MESSAGE, "ask_message_text", name=self.message_recipient_name())
        else:
            c.message.pop("number", None)
            c.callback, c.message_field = None, "number"
            self.ask(Pending.MESSAGE, "readback_fix")

    def message_recipient_name(self) -> str:
        """Whom the message is for, as the caller hears it: a guest by the name the caller said
        (when the guest is known to be staying), else the recipient."""
        guest = self.c.message.get("guest") or {}
        return guest.get("shown") or self.name_for(self.c.message.get("recipient", ""))

    def save_message(self, then_ask: bool = True) -> None:
        c = self.c
        recipient = c.message.get("recipient") or OPERATOR
        if recipient in {OPERATOR, DUTY}:
            recipient = self.d.policy.general_mailbox or recipient
        text = c.message["text"]
        if c.message.get("guest"):
            text = self.guest_message_text(text)
        try:
            with self.r.database.session() as session:
                record = messages.take_message(
                    session, recipient, text, c.caller_name or "",
                    callback_number=c.message.get("number"), caller_company=c.caller_company, urgent=c.urgent,
                    conversation=c.conversation, at=self.now, capped=True)
        except messages.ConversationFull:
            self.request_noted()
            return
        self.payload({"type": "record", "kind": "message", "id": record.id})
        self.question_message_saved(record.id, record.callback_number)
        self.say("message_saved", name=self.message_recipient_name())
        self.finish("message", recipient)
        c.message = {}
        if then_ask:
            self.ask(Pending.ANYTHING_ELSE, "anything_else")

    def on_offer_message(self, text: str, intent: str | None, entities: dict[str, str]) -> None:
        answer = parse.yes_no(text, intent)
        recipient = self.c.message.get("recipient") or self.c.target or OPERATOR
        if parse.is_urgent(text) and self.c.target and self.c.target_kind == "person" and self.is_open():
            self.offer_break_in()  # "留什么言啊，很急": the operator can break in (强插)
        elif answer is True or intent in {"leave_message", "callback_request"} or _LEAVE_IT.match(text):
            self.start_message(recipient)
        elif answer is False:
            self.say("call_back_later")
            self.ask(Pending.ANYTHING_ELSE, "anything_else")
        else:
            self.c.pending = Pending.WHOM
            self.find_target(text, intent, entities)


_LEAVE_IT = re.compile(r"^\s*(?:那|好|行)?\s*(?:就)?留(?:吧|一个|个吧|一下)?\s*$")


def _digits(number: str | None) -> str:
    """The number's digits without a leading 86 country code, to compare a repetition."""
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    return digits[2:] if digits.startswith("86") and len(digits) > 11 else digits


_SAYS = re.compile(r"^(?:那|嗯|呃|对|哦)?[\s,，]*(?:(?:你|您)?就说|(?:你|您)?就?(?:跟|和)(?:她|他|他们)说|(?:你|您)?就?告诉(?:她|他|他们)|"
                   r"麻烦(?:你)?转告(?:她|他)?|帮我转告(?:她|他)?|请(?:她|他)|让(?:她|他))[\s,，:：]*(?P<said>.{2,})$|"
                   r"^(?:oh|um|uh|ok|so)?[\s,]*(?:just )?(?:tell (?:her|him|them)|let (?:her|him|them) know|say|the message is)"
                   r"[\s,:]+(?:that )?(?P<said_en>.{2,})$", re.IGNORECASE)


def new_content(text: str) -> str | None:
    """What the message should say, said at the read-back ("就说明天早上八点在大堂等她", "tell her I'll be
    late"): the content, replacing what was understood before; None when it is not that."""
    found = _SAYS.match(text.strip())
    if not found:
        return None
    said = (found.group("said") or found.group("said_en") or "").strip(" 。.,，")
    asking = re.match(r"^(?:那|嗯|呃|对|哦)?[\s,，]*(请|让)(她|他)", text.strip())  # "请她回电": kept whole
    return f"{asking.group(1)}{asking.group(2)}{said}" if asking else said
