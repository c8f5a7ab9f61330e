"""Run the whole test suite as named stages, one line each: what ran, its result, its time.

`make test` calls this. Each stage's full output goes to ``results/stages/<stage>.log``; the
terminal shows one line per stage and, when a stage fails, the reason in a few lines (the wrong
intent, the failing test, the lint message) and where its log is. A stage runs only when the
stages it depends on passed (no model: no NLU gate, stories or pytest), and the rest still run,
so one failure does not hide another. The last line is pytest's tally (``N passed, N failed``).

Usage (from the repository root, inside the project's virtual environment)::

    .venv/bin/python scripts/test_stages.py              # every stage
    .venv/bin/python scripts/test_stages.py stories lint # only these (their prerequisites too)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "results" / "stages"
BIN = Path(sys.executable).parent


@dataclass
class Stage:
    """One step of the suite: a command, what it needs first, and how to say what happened."""

    name: str
    command: Callable[[], list[str]]
    needs: tuple[str, ...] = ()
    summary: Callable[[str], str] = lambda log: ""
    reason: Callable[[str], list[str]] = lambda log: last_lines(log, 12)


@dataclass
class Outcome:
    stage: str
    status: str  # "ok", "FAILED" or "skipped"
    seconds: float = 0.0
    summary: str = ""
    reason: list[str] = field(default_factory=list)


def last_lines(text: str, count: int) -> list[str]:
    lines = [line for line in strip_progress(text).splitlines() if line.strip()]
    return lines[-count:]


def strip_progress(text: str) -> str:
    """Drop progress bars (carriage-return redraws) and terminal colours from a captured log."""
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.splitlines())


def model_path() -> str:
    sys.path.insert(0, str(ROOT))
    from bot.training import current_model

    model = current_model()
    if model is None:
        raise RuntimeError("no trained model for the current training data")
    return str(model)


# ---------------------------------------------------------------- what each stage says


def model_summary(log: str) -> str:
    found = re.findall(r"(dialogue model is up to date: \S+|trained in \d+ s)", log)
    return found[-1] if found else ""


def nlu_summary(log: str) -> str:
    scores = re.findall(r"^(\w+): intent macro-F1 ([0-9.]+)", log, re.MULTILINE)
    return "macro-F1 " + ", ".join(f"{lang} {float(f1):.3f}" for lang, f1 in scores) if scores else ""


def nlu_reason(log: str) -> list[str]:
    lines = strip_progress(log).splitlines()
    keep = [line for line in lines if "macro-F1" in line or line.startswith("  - ") or "below" in line]
    return keep[:20] or last_lines(log, 12)


def validate_reason(log: str) -> list[str]:
    lines = strip_progress(log).splitlines()
    keep = [line for line in lines if re.search(r"error|warning|duplicate|conflict", line, re.IGNORECASE)]
    return keep[:15] or last_lines(log, 12)


STORIES_OUT = ROOT / "results" / "core"


def stories_summary(log: str) -> str:
    report = STORIES_OUT / "story_report.json"
    if report.is_file():
        stories = json.loads(report.read_text(encoding="utf-8")).get("conversation_accuracy", {})
        if stories.get("total"):
            return f"{stories['correct']}/{stories['total']} stories"
    match = re.search(r"Correct:\s+(\d+) / (\d+)", log)
    return f"{match.group(1)}/{match.group(2)} stories" if match else ""


def stories_reason(log: str) -> list[str]:
    """The failed story's name and the turn Rasa got wrong. With --fail-on-prediction-errors Rasa
    stops at the first wrong turn and prints that story (WrongPredictionException)."""
    failed = STORIES_OUT / "failed_test_stories.yml"
    text = failed.read_text(encoding="utf-8") if failed.is_file() else strip_progress(log)
    lines, story = [], ""
    for line in text.splitlines():
        named = re.match(r"\s*- story: (.*?)(?: \(.*)?$", line)
        if named:
            story = named.group(1)
        elif "# predicted:" in line:
            lines.append(f"{story}: {line.strip().lstrip('- ')}")
    return lines[:15] or last_lines(log, 12)


CONVERSATION_FLOOR = 0.95
"""The conversation set (tests/conversations/, issue #10) fails the suite on any mobile disclosed and
below this pass rate in any category: the 95 % the issue asks for."""


def conversations_summary(log: str) -> str:
    """"161/215 conversations, lowest category 53 %"."""
    tally = re.search(r"(\d+) of (\d+) conversations pass; (\d+) disclosed", log)
    rates = [int(r) for r in re.findall(r"(\d+)%\s*$", log, re.M)]
    if not tally:
        return ""
    lowest = f", lowest category {min(rates)} %" if rates else ""
    return f"{tally.group(1)}/{tally.group(2)} conversations{lowest}, {tally.group(3)} mobile disclosed"


def conversations_reason(log: str) -> list[str]:
    table = [line for line in strip_progress(log).splitlines() if re.search(r"\d+%\s*$", line)]
    return table + last_lines(log, 3)


def pytest_summary(log: str) -> str:
    tally = pytest_tally(log)
    return ", ".join(f"{count} {word}" for word, count in tally.items() if count) if tally else ""


def pytest_tally(log: str) -> dict[str, int]:
    """pytest's closing counts ("12 passed, 1 failed, 2 skipped in 3.4s")."""
    closing = [line for line in strip_progress(log).splitlines() if re.search(r"\d+ (passed|failed|error)", line)]
    if not closing:
        return {}
    found = dict((word, int(n)) for n, word in re.findall(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)",
                                                          closing[-1]))
    found["errors"] = found.pop("error", 0) + found.pop("errors", 0)
    return {word: found.get(word, 0) for word in ("passed", "failed", "errors", "skipped")}


def pytest_reason(log: str) -> list[str]:
    failed = [line for line in strip_progress(log).splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return failed[:20] or last_lines(log, 15)


STAGES = [
    Stage("model", lambda: [sys.executable, "-m", "bot.training", "--ensure"], summary=model_summary),
    Stage("nlu gate", lambda: [sys.executable, "scripts/nlu_eval.py", "--model", model_path()], needs=("model",),
          summary=nlu_summary, reason=nlu_reason),
    Stage("data validate", lambda: [str(BIN / "rasa"), "data", "validate", "--data", "data", "--domain",
                                    "domain.yml", "--config", "config.yml"], reason=validate_reason),
    Stage("stories", lambda: [str(BIN / "rasa"), "test", "core", "--e2e", "--stories", "tests/stories", "--model",
                              model_path(), "--fail-on-prediction-errors", "--out", str(STORIES_OUT)],
          needs=("model",), summary=stories_summary, reason=stories_reason),
    Stage("conversations", lambda: [sys.executable, "scripts/conversations.py", "--min-pass", str(CONVERSATION_FLOOR)],
          needs=("model",), summary=conversations_summary, reason=conversations_reason),
    Stage("lint", lambda: [str(BIN / "ruff"), "check", "."], summary=lambda log: "ruff clean"),
    Stage("pytest", lambda: [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], needs=("model",),
          summary=pytest_summary, reason=pytest_reason),
]


# ---------------------------------------------------------------- running


def log_path_of(stage_name: str) -> Path:
    return LOGS / f"{stage_name.replace(' ', '-')}.log"


def run_stage(stage: Stage) -> Outcome:
    log_path = log_path_of(stage.name)
    if stage.name == "stories":
        for stale in ("story_report.json", "failed_test_stories.yml"):
            (STORIES_OUT / stale).unlink(missing_ok=True)
    started = time.monotonic()
    try:
        command = stage.command()
    except RuntimeError as exc:
        return Outcome(stage.name, "FAILED", 0.0, reason=[str(exc)])
    with log_path.open("w", encoding="utf-8") as log:
        log.write("$ " + " ".join(command) + "\n")
        log.flush()
        code = subprocess.call(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    text = log_path.read_text(encoding="utf-8", errors="replace")
    outcome = Outcome(stage.name, "ok" if code == 0 else "FAILED", seconds, stage.summary(text))
    if code != 0:
        outcome.reason = [f"exit {code}; full log: {log_path.relative_to(ROOT)}", *stage.reason(text)]
    return outcome


def show(outcome: Outcome) -> None:
    took = f"{outcome.seconds:6.1f} s" if outcome.status != "skipped" else " " * 8
    print(f"  {outcome.stage:<14} {outcome.status:<8} {took}  {outcome.summary}".rstrip(), flush=True)
    for line in outcome.reason:
        print(f"      {line}", flush=True)


def selected(names: list[str]) -> list[Stage]:
    if not names:
        return STAGES
    wanted = set(names)
    for stage in STAGES:
        if stage.name in wanted:
            wanted.update(stage.needs)
    unknown = set(names) - {stage.name for stage in STAGES}
    if unknown:
        raise SystemExit(f"unknown stage(s): {', '.join(sorted(unknown))}; stages: "
                         + ", ".join(stage.name for stage in STAGES))
    return [stage for stage in STAGES if stage.name in wanted]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stages", nargs="*", help="stage names (default: all); quote names with spaces")
    args = parser.parse_args(argv)
    stages = selected(args.stages)
    LOGS.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    print(f"Front Desk tests: {len(stages)} stages, logs in {LOGS.relative_to(ROOT)}/", flush=True)
    started, outcomes = time.monotonic(), {}
    for stage in stages:
        missing = [need for need in stage.needs if outcomes.get(need, Outcome(need, "ok")).status != "ok"]
        if missing:
            outcome = Outcome(stage.name, "skipped", summary=f"not run: {', '.join(missing)} failed")
        else:
            outcome = run_stage(stage)
        outcomes[stage.name] = outcome
        show(outcome)
    failed = [o.stage for o in outcomes.values() if o.status != "ok"]
    minutes = (time.monotonic() - started) / 60
    verdict = "all passed" if not failed else "FAILED: " + ", ".join(failed)
    print(f"{verdict} in {minutes:.1f} min", flush=True)
    ran_pytest = "pytest" in outcomes and outcomes["pytest"].status != "skipped"
    pytest_log = log_path_of("pytest")
    tally = pytest_tally(pytest_log.read_text(encoding="utf-8", errors="replace")) if ran_pytest else {}
    if tally:
        failures = tally["failed"] + tally["errors"]
        print(f"pytest: {tally['passed']} passed, {failures} failed, {tally['skipped']} skipped", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
