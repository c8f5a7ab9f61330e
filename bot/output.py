"""Printing for the CLI: JSON for scripts, aligned tables for people.

Tables measure East Asian wide characters as two columns, so Chinese names line up.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO


def to_jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return value


def print_json(value: Any, out: TextIO | None = None) -> None:
    (out or sys.stdout).write(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2) + "\n")


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, enum.Enum):
        return str(value.value)
    return " ".join(str(value).split())


def print_table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], out: TextIO | None = None,
                max_width: int = 48) -> None:
    """Print `columns` of `rows` as an aligned table; long cells are cut with an ellipsis."""
    out = out or sys.stdout
    cells = [[_clip(_cell(row.get(c)), max_width) for c in columns] for row in rows]
    widths = [max([display_width(c)] + [display_width(r[i]) for r in cells]) for i, c in enumerate(columns)]
    out.write("  ".join(_pad(c, w) for c, w in zip(columns, widths)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write("  ".join(_pad(c, w) for c, w in zip(row, widths)).rstrip() + "\n")
    if not cells:
        out.write("(none)\n")


def _clip(text: str, limit: int) -> str:
    if display_width(text) <= limit:
        return text
    kept = ""
    for ch in text:
        if display_width(kept + ch) > limit - 1:
            break
        kept += ch
    return kept + "…"
