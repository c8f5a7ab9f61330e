"""Train the NLU model and score it on the held-out sets, one per language.

Usage (from the repository root)::

    .venv/bin/python scripts/nlu_eval.py                 # train into /tmp, then evaluate
    .venv/bin/python scripts/nlu_eval.py --model M.tar.gz  # evaluate an existing model

Prints intent macro-F1 per language, writes ``results/nlu_eval.json`` and exits 1 when any
language is below ``--min-f1`` (0.90). A prediction of ``nlu_fallback`` (confidence below the
FallbackClassifier threshold) counts as wrong: that is what a caller would experience.

The held-out files live in ``tests/nlu/`` so they are never part of the training data.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = {"zh": ROOT / "tests/nlu/heldout_zh.yml", "en": ROOT / "tests/nlu/heldout_en.yml"}
DEFAULT_MIN_F1 = 0.90


@dataclass
class LanguageScore:
    """Intent scores of one held-out file."""

    language: str
    examples: int
    macro_f1: float
    accuracy: float
    fallback_count: int
    per_intent_f1: dict[str, float]
    errors: list[dict[str, object]] = field(default_factory=list)
    predictions: list[tuple[str, float]] = field(default_factory=list)
    """Every example's predicted intent and exact confidence: two models that predict the same here
    are, for the callers of these sentences, the same model (scripts/seed_check.py --twice)."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="evaluate this model instead of training one")
    parser.add_argument("--config", default=str(ROOT / "config.yml"))
    parser.add_argument("--nlu", default=str(ROOT / "data/nlu"), help="training data directory")
    parser.add_argument("--out-dir", default=None, help="where to put the trained model (default: a /tmp dir)")
    parser.add_argument("--results", default=str(ROOT / "results/nlu_eval.json"))
    parser.add_argument("--min-f1", type=float, default=DEFAULT_MIN_F1)
    return parser.parse_args(argv)


def train_model(config: str, nlu_dir: str, out_dir: str | None) -> tuple[str, float]:
    """Train an NLU-only model, as reproducibly as `make test` trains; returns its path and the
    seconds it took."""
    from bot.training import REPRODUCIBLE_TRAINING_ENV

    os.environ.update(REPRODUCIBLE_TRAINING_ENV)  # before TensorFlow is imported
    from rasa.model_training import train_nlu

    output = out_dir or tempfile.mkdtemp(prefix="frontdesk-nlu-")
    started = time.monotonic()
    model_path = train_nlu(config=config, nlu_data=nlu_dir, output=output, fixed_model_name="nlu")
    if not model_path:
        raise RuntimeError("rasa train nlu produced no model")
    return str(model_path), time.monotonic() - started


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs of a Rasa NLU YAML file."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


async def predict(model_path: str, texts: list[str]) -> list[tuple[str, float]]:
    """Top intent and confidence for each text, as the running bot would see them."""
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    predictions = []
    for text in texts:
        parsed = await agent.parse_message(text)
        intent = parsed.get("intent") or {}
        predictions.append((intent.get("name") or "", float(intent.get("confidence") or 0.0)))
    return predictions


def score_language(language: str, examples: list[tuple[str, str]], predictions: list[tuple[str, float]]) -> LanguageScore:
    from sklearn.metrics import accuracy_score, f1_score

    gold = [intent for _, intent in examples]
    predicted = [name for name, _ in predictions]
    labels = sorted(set(gold))
    per_intent = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
    errors = [
        {"text": text, "expected": want, "predicted": got, "confidence": round(conf, 3)}
        for (text, want), (got, conf) in zip(examples, predictions, strict=True)
        if want != got
    ]
    return LanguageScore(
        language=language,
        examples=len(examples),
        macro_f1=float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)),
        accuracy=float(accuracy_score(gold, predicted)),
        fallback_count=predicted.count("nlu_fallback"),
        per_intent_f1={label: round(float(f), 4) for label, f in zip(labels, per_intent, strict=True)},
        errors=errors,
        predictions=predictions,
    )


def print_summary(scores: list[LanguageScore], min_f1: float) -> None:
    for score in scores:
        verdict = "ok" if score.macro_f1 >= min_f1 else f"BELOW {min_f1:.2f}"
        print(
            f"{score.language}: intent macro-F1 {score.macro_f1:.4f}  accuracy {score.accuracy:.4f}  "
            f"examples {score.examples}  fallbacks {score.fallback_count}  [{verdict}]"
        )
        weak = {k: v for k, v in score.per_intent_f1.items() if v < 0.9}
        if weak:
            print(f"  intents below 0.90: {weak}")
        for error in score.errors:
            print(f"  - {error['text']!r}: expected {error['expected']}, got {error['predicted']} ({error['confidence']})")


def write_results(path: str, scores: list[LanguageScore], model_path: str, train_seconds: float | None) -> None:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "model": model_path,
        "train_seconds": None if train_seconds is None else round(train_seconds, 1),
        "languages": {score.language: score.__dict__ for score in scores},
    }
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")


def quiet_logs() -> None:
    """Keep the output to the scores: Rasa logs every parsed message at debug level otherwise."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    quiet_logs()
    train_seconds = None
    model_path = args.model
    if not model_path:
        model_path, train_seconds = train_model(args.config, args.nlu, args.out_dir)
        print(f"trained {model_path} in {train_seconds:.1f} s")
    examples = {language: load_examples(path) for language, path in HELDOUT.items()}
    all_texts = [text for pairs in examples.values() for text, _ in pairs]
    all_predictions = asyncio.run(predict(model_path, all_texts))
    scores, start = [], 0
    for language, pairs in examples.items():
        scores.append(score_language(language, pairs, all_predictions[start : start + len(pairs)]))
        start += len(pairs)
    print_summary(scores, args.min_f1)
    write_results(args.results, scores, model_path, train_seconds)
    print(f"results written to {args.results}")
    return 0 if all(score.macro_f1 >= args.min_f1 for score in scores) else 1


if __name__ == "__main__":
    sys.exit(main())
