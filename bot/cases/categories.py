"""A hotline's category tree (分类) and matching a caller's words to it.

The organisation file lists categories under `cases.categories` (docs/organisation.md): each with an
id, names, the words that signal it, the department that handles it and the deadline it gets, and
optionally a `parent`; a child without its own department or deadline takes its parent's. The
receptionist classifies a case from the caller's words (`match_category`): the category whose words
cover most of what was said wins, a child over its parent on a tie, so "路灯不亮" is streetlights, not
the broader "市政设施".
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from bot.org.model import CaseCategory


def resolved(categories: tuple[CaseCategory, ...]) -> tuple[CaseCategory, ...]:
    """Each category with its department and deadline, a child taking its parent's where it names none."""
    by_id = {c.id: c for c in categories}

    def inherited(category: CaseCategory, field: str) -> object:
        seen = set()
        current: CaseCategory | None = category
        while current is not None and current.id not in seen:
            value = getattr(current, field)
            if value is not None:
                return value
            seen.add(current.id)
            current = by_id.get(current.parent or "")
        return None

    return tuple(CaseCategory(c.id, c.name, c.name_en, c.keywords, inherited(c, "department"),  # type: ignore[arg-type]
                              inherited(c, "deadline_days"), c.parent) for c in categories)  # type: ignore[arg-type]


def deadline_of(category: CaseCategory | None, default: dt.timedelta) -> dt.timedelta:
    return dt.timedelta(days=category.deadline_days) if category and category.deadline_days else default


def depth(category: CaseCategory, categories: tuple[CaseCategory, ...]) -> int:
    by_id = {c.id: c for c in categories}
    level, current, seen = 0, category, set()
    while current.parent and current.parent in by_id and current.id not in seen:
        seen.add(current.id)
        current = by_id[current.parent]
        level += 1
    return level


def match_category(categories: tuple[CaseCategory, ...], text: str) -> CaseCategory | None:
    """The category the caller's words signal best, or None when no category's words are in them."""
    said = _normal(text)
    best: tuple[int, int, int] | None = None
    found = None
    for index, category in enumerate(categories):
        words = [_normal(w) for w in (*category.keywords, category.name, category.name_en or "") if w]
        covered = sum(len(w) for w in words if w and w in said)
        if not covered:
            continue
        rank = (covered, depth(category, categories), -index)
        if best is None or rank > best:
            best, found = rank, category
    return found


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())
