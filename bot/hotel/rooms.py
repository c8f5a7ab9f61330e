"""The hotel's rooms: number as the hotel writes it ("0812", "A-1203"), phone extension, floor.

Room numbers are kept in upper case without surrounding spaces, so "a-1203" typed on the
console and "A-1203" in the PMS export are the same room. The list is loaded from the PMS
export (`bot.hotel.stays_csv.import_rooms`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.tables import RoomRow

ROOM_NUMBER = re.compile(r"[A-Z0-9](?:[A-Z0-9-]{0,14}[A-Z0-9])?")
"""Letters, digits and inner hyphens, at most 16 characters."""
EXTENSION = re.compile(r"[0-9]{1,16}")


@dataclass(frozen=True)
class RoomRecord:
    id: int
    number: str
    extension: str | None = None
    floor: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "extension": self.extension, "floor": self.floor}


def room_number(text: str) -> str:
    """A room number as stored: trimmed, upper case."""
    return text.strip().upper()


def list_rooms(session: Session) -> list[RoomRecord]:
    """Every room, by number."""
    rows = session.execute(select(RoomRow).order_by(RoomRow.number)).scalars()
    return [_record(row) for row in rows]


def get_room(session: Session, number: str) -> RoomRecord | None:
    """The room with this number; "812" finds "0812" when no room is numbered "812" itself."""
    wanted = room_number(number)
    row = session.execute(select(RoomRow).where(RoomRow.number == wanted)).scalar_one_or_none()
    if row is None and wanted.isdigit():
        padded = [r for r in session.execute(select(RoomRow).where(RoomRow.number.like("0%"))).scalars()
                  if r.number.lstrip("0") == wanted.lstrip("0")]
        row = padded[0] if len(padded) == 1 else None
    return _record(row) if row is not None else None


def room_by_extension(session: Session, extension: str) -> RoomRecord | None:
    """The room whose phone has this extension (an internal call from a room)."""
    row = session.execute(select(RoomRow).where(RoomRow.extension == extension.strip())).scalar_one_or_none()
    return _record(row) if row is not None else None


def _record(row: RoomRow) -> RoomRecord:
    return RoomRecord(id=row.id, number=row.number, extension=row.extension, floor=row.floor)
