"""Turns marked misunderstood, as Rasa NLU training examples (`nlu:` YAML, format 3.1).

A turn is exported under the intent a supervisor said it should have had; turns marked
without a correct intent are listed as comments at the top, for someone to label.
"""

from __future__ import annotations

from collections import defaultdict

import yaml

from bot.config import PROJECT_ROOT
from bot.web.queries import MarkedTurn

DOMAIN = PROJECT_ROOT / "domain.yml"


def known_intents() -> tuple[str, ...]:
    """The intents the assistant knows (domain.yml), for the reviewer's choice."""
    try:
        data = yaml.safe_load(DOMAIN.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return ()
    names = [i if isinstance(i, str) else next(iter(i)) for i in data.get("intents") or [] if i]
    return tuple(sorted(set(names)))


def nlu_yaml(turns: list[MarkedTurn]) -> str:
    by_intent: dict[str, list[str]] = defaultdict(list)
    unlabelled: list[MarkedTurn] = []
    for turn in turns:
        text = _one_line(turn.text)
        if not text:
            continue
        if turn.correct_intent:
            if text not in by_intent[turn.correct_intent]:
                by_intent[turn.correct_intent].append(text)
        else:
            unlabelled.append(turn)
    lines = ["# Turns marked misunderstood on the staff console (Front Desk).",
             "# Review, then add to data/nlu/ and retrain (make model)."]
    for turn in unlabelled:
        predicted = f"{turn.intent} {turn.confidence:.2f}" if turn.intent and turn.confidence is not None \
            else (turn.intent or "no intent")
        lines.append(f"# needs an intent: {_one_line(turn.text)!r} (predicted {predicted}; {turn.conversation})")
    lines += ['version: "3.1"', "nlu:"]
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in by_intent[intent]]
    if not by_intent:
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())
