"""What the receptionist remembers of one conversation, and what goes in and out of a turn.

`Conversation` is plain data that round-trips through JSON (Rasa keeps it in one slot, the
kiosk in its session), so a turn is a pure function of (state, event). It never holds a
mobile number: a plan step that connects to a mobile stores only whose mobile it is, and the
number is looked up when the transfer payload is built.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Pending(str, Enum):
    """The question the receptionist is waiting for an answer to."""

    WHOM = "whom"                       # who or which department
    MATTER = "matter"                   # the caller does not know the name: what is it about
    CHOOSE = "choose"                   # which of several candidates
    CONFIRM = "confirm"                 # is this the one you mean
    IDENTITY = "identity"               # name / company / purpose / appointment (`asking`)
    CLOSED_URGENT = "closed_urgent"     # after hours: urgent (duty line) or a message
    OFFER_MOBILE = "offer_mobile"       # shall I try the mobile
    OFFER_BREAK_IN = "offer_break_in"   # busy and urgent: shall the operator interrupt
    OFFER_MESSAGE = "offer_message"     # would you like to leave a message
    OFFER_DEPARTMENT = "offer_department"
    OFFER_OPERATOR = "offer_operator"   # unknown question: operator or message
    MESSAGE = "message"                 # taking a message (`message_field`)
    MESSAGE_CONFIRM = "message_confirm"
    TRANSFERRING = "transferring"       # a transfer is under way; its result is awaited
    ANYTHING_ELSE = "anything_else"
    SATISFACTION = "satisfaction"
    GUEST = "guest"                     # a hotel guest's name or room asked (`guest`)
    GUEST_OFFER = "guest_offer"         # a message for a hotel guest offered (`guest`)
    WAKEUP = "wakeup"                   # a hotel guest asked for a wake-up call: what time
    CASE = "case"                       # a hotline case: the caller's name or number (`case`)
    CASE_NUMBER = "case_number"         # which case the caller wants to check
    CASE_RATING = "case_rating"         # the caller rates how their case was handled


# ---------------------------------------------------------------------------------- events in


@dataclass(frozen=True)
class Start:
    """The conversation begins: a call is answered, a visitor steps up, a chat opens."""

    conversation: str
    channel: str = "phone"
    caller_id: str | None = None
    caller_name: str | None = None
    internal: bool = False
    now: dt.datetime | None = None
    """The conversation's clock (tests only, RECEPTIONIST_TEST_CLOCK); None = the real clock."""


@dataclass(frozen=True)
class Heard:
    """What the caller said, with the NLU's reading of it."""

    conversation: str
    text: str
    intent: str | None = None
    confidence: float = 0.0
    entities: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TransferReport:
    """What the phone system reports about the transfer under way (contract section 3)."""

    conversation: str
    result: str


Event = Start | Heard | TransferReport


# ---------------------------------------------------------------------------------- out


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Payload:
    """A contract section 4 payload: transfer, hangup or record."""

    data: dict[str, Any]


Output = Say | Payload


@dataclass
class Reply:
    outputs: list[Output]
    state: dict[str, Any]

    @property
    def texts(self) -> list[str]:
        return [o.text for o in self.outputs if isinstance(o, Say)]

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [o.data for o in self.outputs if isinstance(o, Payload)]


# ---------------------------------------------------------------------------------- state


@dataclass
class Conversation:
    conversation: str = ""
    language: str = "zh"
    channel: str = "phone"
    caller_id: str | None = None
    internal: bool = False
    caller_person: str | None = None
    """The internal caller's person id, from their extension (only for internal calls)."""
    clock_offset_s: float = 0.0
    started: bool = False
    # what the caller told us
    caller_name: str | None = None
    caller_company: str | None = None
    purpose: str | None = None
    callback: str | None = None
    """A call-back number the caller gave, whenever they gave it."""
    message_if_unanswered: bool = False
    """"她要是不在我就留个言": a message follows a failed transfer without asking again."""
    urgent: bool = False
    calm: bool = False
    """The caller said it is not urgent ("不急", "no rush"): after hours, straight to a message."""
    sales: bool = False
    appointment: bool | None = None
    appointment_time: str | None = None
    """"HH:MM" when the visitor said it ("约了下午两点半")."""
    # whom they want
    target: str | None = None
    target_kind: str | None = None
    candidates: list[str] = field(default_factory=list)
    # the dialogue
    pending: Pending | None = None
    asking: list[str] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    """The plan's remaining steps (as `Step` fields, never a mobile number)."""
    busy_steps: list[dict[str, Any]] = field(default_factory=list)
    current: dict[str, Any] | None = None
    """The transfer under way."""
    message: dict[str, Any] = field(default_factory=dict)
    message_field: str | None = None
    misunderstood: int = 0
    satisfaction_asked: bool = False
    outcome: str | None = None
    transferred_to: str | None = None
    visit_id: int | None = None
    ended: bool = False
    # a hotel (bot/dialogue/flows/hotel.py)
    guest: dict[str, Any] = field(default_factory=dict)
    """The call for a guest: the name and room the caller said, what was asked, the stay (never a
    room's extension)."""
    caller_stay: int | None = None
    """The caller is this guest (an internal call from their room's phone)."""
    emergency: str | None = None
    """fire, medical or security: the caller reported an emergency."""
    emergency_room: str | None = None
    """The room of the emergency, for staff only (transfer metadata, the urgent record)."""
    # a hotline case (bot/dialogue/flows/cases.py)
    case: dict[str, Any] = field(default_factory=dict)
    """The matter and category of the case being registered, what is asked, the number once registered."""
    # a question the receptionist could not answer (bot/dialogue/flows/inquiry.py)
    question: dict[str, Any] = field(default_factory=dict)
    """{"id": the open inquiry, "department": who owns its topic (None: the operator's)}."""

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["pending"] = self.pending.value if self.pending else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Conversation:
        if not data:
            return cls()
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        pending = values.get("pending")
        values["pending"] = Pending(pending) if pending in Pending._value2member_map_ else None
        return cls(**values)
