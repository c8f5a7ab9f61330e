"""Caller-ID notes (#12, point 2; bot/records/caller_notes.py): what the front desk noted of an outside
number. A noted caller's name and company are known from the first moment (screening does not ask
them again); a VIP's call is pointed out on the operator's live board; a nuisance number is put
through to nobody: whatever they ask for, and the operator too, they are offered a message.
Emergencies a hotel recognises (flows/hotel.py) still reach the emergency line."""

from __future__ import annotations

from bot.dialogue.flows.base import TurnBase
from bot.dialogue.state import Pending
from bot.records import caller_notes
from bot.records.caller_notes import CallerNote
from bot.rules.routing import OPERATOR

_NO_NOTE = object()


class CallerNotes(TurnBase):
    def caller_note(self) -> CallerNote | None:
        """The note for an outside caller's number (read once a turn); None for internal calls."""
        cached = self.__dict__.get("_caller_note", _NO_NOTE)
        if cached is _NO_NOTE:
            cached = None
            if self.c.caller_id and not self.c.internal:
                with self.r.database.session() as session:
                    cached = caller_notes.note_for(session, self.c.caller_id)
            self.__dict__["_caller_note"] = cached
        return cached  # type: ignore[return-value]

    def known_caller(self) -> None:
        """At the start of a call: a noted number's name and company are the caller's; a VIP is
        pointed out on the live board ("VIP：王建国")."""
        note = self.caller_note()
        if note is None:
            return
        self.c.caller_name = self.c.caller_name or note.name
        self.c.caller_company = self.c.caller_company or note.company
        if note.vip:
            self.draw_attention(f"VIP：{note.name or note.company or note.number}")

    def nuisance_caller(self) -> bool:
        note = self.caller_note()
        return note is not None and note.nuisance

    def message_instead(self, ident: str) -> None:
        """A nuisance number asking for `ident`: not put through; "unavailable", then a message offered
        (a yes takes it, as for anyone whose call was not answered)."""
        c = self.c
        c.steps, c.busy_steps, c.current, c.asking = [], [], None, []
        if c.message.get("wanted") or c.message_if_unanswered:
            self.start_message(ident)
            return
        c.message = {"recipient": ident}
        self.say("unavailable", name=self.name_for(ident))
        self.ask(Pending.OFFER_MESSAGE, "offer_message", name=self.name_for(ident or OPERATOR))
