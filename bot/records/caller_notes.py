"""Caller-ID notes (#12, point 2): what the front desk knows of an outside number: the caller's name
and company, VIP, nuisance, a free note. The live board shows a live call's note next to its number;
the dialogue knows a noted caller's name and company (not asked again), draws the operator's attention
to a VIP and puts a nuisance number through to nobody (a message instead; docs/dialogue.md).

A number is one number however it is written or presented: "+86 138 0013 8000", "13800138000" and
"008613800138000" are the same note (`bot.cases.cases.same_phone`). Caller ID is untrusted input: a
value that is not a phone number finds nothing, and every text is clipped or refused.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cases.cases import same_phone
from bot.db.tables import CallerNoteRow
from bot.records.common import aware, clip, one_line

MAX_NUMBER_DIGITS = 20
MIN_NUMBER_DIGITS = 3
MAX_NAME = 100
MAX_COMPANY = 200
MAX_NOTE = 1000
MAX_UPDATED_BY = 100
MAX_CALLER_ID = 64
"""A caller ID longer than this is not looked at (untrusted input)."""
_SUFFIX = 7
"""Stored numbers are found by their last digits, then compared as national numbers."""
_WRITTEN = re.compile(r"^\+?[0-9 ()\-.]+$")


@dataclass(frozen=True)
class CallerNote:
    number: str
    name: str | None = None
    company: str | None = None
    vip: bool = False
    nuisance: bool = False
    note: str | None = None
    updated_by: str | None = None
    updated_at: dt.datetime | None = None
    id: int | None = None


def normalise_number(number: str | None) -> str | None:
    """Digits with an optional leading + ("+86 138-0013-8000" → "+8613800138000"); None when it is not
    a phone number (letters, too short, too long)."""
    text = (number or "").strip()
    if not text or len(text) > MAX_CALLER_ID or not _WRITTEN.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if not MIN_NUMBER_DIGITS <= len(digits) <= MAX_NUMBER_DIGITS:
        return None
    return ("+" if text.startswith("+") else "") + digits


def set_note(session: Session, number: str, *, name: str | None = None, company: str | None = None,
             vip: bool = False, nuisance: bool = False, note: str | None = None, updated_by: str | None = None,
             now: dt.datetime | None = None) -> CallerNote:
    """Insert or update the note for `number` (the same national number's note, however it was
    written); a mistake (not a number, a field too long) raises ValueError and stores nothing."""
    normal = normalise_number(number)
    if normal is None:
        raise ValueError(f"not a phone number: {clip(str(number or ''), 40)!r}")
    values = {"name": one_line(name, "name", MAX_NAME), "company": one_line(company, "company", MAX_COMPANY),
              "vip": bool(vip), "nuisance": bool(nuisance), "note": _note(note),
              "updated_by": clip(updated_by, MAX_UPDATED_BY) if updated_by else None, "updated_at": aware(now)}
    row = _find(session, normal)
    if row is None:
        row = CallerNoteRow(number=normal, **values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    session.flush()
    return _record(row)


def remove_note(session: Session, number: str) -> bool:
    """Remove the note for `number` (however written); False when there was none."""
    normal = normalise_number(number)
    row = _find(session, normal) if normal else None
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def note_for(session: Session, caller_id: str | None) -> CallerNote | None:
    """The note for a caller ID ("+8613800138000", "13800138000", "008613800138000" all find the note of
    13800138000); None for no note or a caller ID that is not a number."""
    normal = normalise_number(caller_id)
    row = _find(session, normal) if normal else None
    return _record(row) if row is not None else None


def get_note(session: Session, note_id: int) -> CallerNote | None:
    row = session.get(CallerNoteRow, note_id)
    return _record(row) if row is not None else None


def list_notes(session: Session, limit: int = 1000) -> list[CallerNote]:
    """Every note, by number."""
    rows = session.execute(select(CallerNoteRow).order_by(CallerNoteRow.number).limit(limit)).scalars()
    return [_record(row) for row in rows]


# ---------------------------------------------------------------------------------- helpers


def _find(session: Session, normal: str) -> CallerNoteRow | None:
    exact = session.execute(select(CallerNoteRow).where(CallerNoteRow.number == normal)).scalar_one_or_none()
    if exact is not None:
        return exact
    suffix = normal.lstrip("+")[-_SUFFIX:]
    candidates = session.execute(select(CallerNoteRow).where(CallerNoteRow.number.like(f"%{suffix}"))
                                 .order_by(CallerNoteRow.id).limit(50)).scalars()
    return next((row for row in candidates if same_phone(row.number, normal)), None)


def _note(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = "\n".join(" ".join(line.split()) for line in str(text).strip().splitlines()).strip()
    if len(cleaned) > MAX_NOTE:
        raise ValueError(f"the note is too long ({len(cleaned)} characters, at most {MAX_NOTE})")
    return cleaned or None


def _record(row: CallerNoteRow) -> CallerNote:
    return CallerNote(number=row.number, name=row.name, company=row.company, vip=bool(row.vip),
                      nuisance=bool(row.nuisance), note=row.note, updated_by=row.updated_by,
                      updated_at=row.updated_at, id=row.id)
