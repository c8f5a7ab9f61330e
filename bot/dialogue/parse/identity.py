"""The caller's own name and company from one utterance, in either language."""

from __future__ import annotations

from collections.abc import Mapping

from bot.dialogue.parse.identity_en import _en_identity
from bot.dialogue.parse.identity_zh import _zh_identity
from bot.dialogue.parse.text import Identity, _clean, _entity, _has_han


def caller_identity(text: str, entities: Mapping[str, str] | None = None) -> Identity:
    """The caller's own name and company from one utterance; the NLU's entities win when present."""
    clean = _clean(text)
    if not clean:
        found = Identity()
    elif _has_han(clean):
        found = _zh_identity(clean)
    else:
        found = _en_identity(clean)
    return Identity(
        name=_entity(entities, "caller_name") or found.name,
        company=_entity(entities, "company") or found.company,
    )


def caller_name(text: str, entities: Mapping[str, str] | None = None) -> str | None:
    """The caller's own name: "我叫王明" → 王明, "我姓王" → 王, "我是顺丰快递的小李" → 小李,
    "this is John from Acme" → John; None for "我找李娜", "不知道", "ok"."""
    return caller_identity(text, entities).name


def company(text: str, entities: Mapping[str, str] | None = None) -> str | None:
    """The caller's company: "我是星辰贸易的王五" → 星辰贸易, "from Acme Corp" → Acme Corp."""
    return caller_identity(text, entities).company
