"""Round trip of one caller turn through the real servers (`make bench`): REST channel → NLU →
rules → the custom action (dialogue engine, database) → the answer, as the phone system sees it.

It starts its own action server and Rasa server (tests/rasa_servers.py: free ports, the trained
model, a temporary SQLite database with the demo organisation) and plays short phone calls
(connect, greeting, a person, an inquiry, goodbye), one call at a time and then 20 at once, each
client on its own keep-alive connection. Targets: p95 < 300 ms alone, < 1 s with 20 at once.

    python -m bench.dialogue_bench [--turns 200] [--concurrency 20]

prints a summary and writes bench/results/dialogue.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT
from bot.training import current_model

RESULTS = Path(__file__).resolve().parent / "results" / "dialogue.json"
TARGETS_P95_MS = {1: 300.0, 20: 1000.0}
METADATA = {"channel": "phone", "caller_id": "+8613800000000", "caller_name": None, "internal": False,
            "now": "2026-11-25T10:15:00+08:00"}
CALL = ["", "喂，您好", "帮我找一下研发部的吴昊", "请问贵公司具体在什么位置", "谢谢，再见",
        "", "Good morning", "I'd like to talk to Nina Li, please", "Are you open on Sunday?", "Thanks, bye"]
"""Two calls of five turns: each conversation starts with the empty message (connect)."""


class Client:
    """One caller's connection to the REST channel (keep-alive), as the phone client (its token), timing each turn."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def turn(self, sender: str, text: str) -> tuple[float, list[dict[str, Any]]]:
        body = json.dumps({"sender": sender, "message": text, "metadata": METADATA})
        started = time.perf_counter()
        self.connection.request("POST", "/webhooks/rest/webhook", body, self.headers)
        answer = self.connection.getresponse()
        data = answer.read()
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status != 200:
            raise RuntimeError(f"HTTP {answer.status}: {data[:200]!r}")
        return elapsed, json.loads(data)


def play(port: int, token: str, name: str, turns: int, latencies: list[float], errors: list[str]) -> None:
    client = Client(port, token)
    call = 0
    for index in range(turns):
        text = CALL[index % len(CALL)]
        if text == "":
            call += 1
        try:
            elapsed, messages = client.turn(f"{name}-{call}", text)
        except Exception as error:  # a failed turn is reported, not timed
            errors.append(f"{name}: {error}")
            client = Client(port, token)
            continue
        if not any("text" in m for m in messages):
            errors.append(f"{name}: no answer to {text!r}")
        latencies.append(elapsed)


def run_level(port: int, token: str, concurrency: int, total_turns: int, tag: str) -> dict[str, Any]:
    per_client = -(-total_turns // concurrency)
    latencies: list[float] = []
    errors: list[str] = []
    threads = [threading.Thread(target=play, args=(port, token, f"{tag}-c{concurrency}-{i}", per_client, latencies,
                                                   errors)) for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "concurrency": concurrency, "turns": len(latencies), "errors": len(errors), "error_samples": errors[:5],
        "p50_ms": round(statistics.median(ordered), 1) if ordered else None,
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1) if ordered else None,
        "max_ms": round(ordered[-1], 1) if ordered else None,
        "turns_per_s": round(len(latencies) / wall, 1),
        "target_p95_ms": TARGETS_P95_MS.get(concurrency),
    }


def servers_class() -> type:
    """tests/rasa_servers.py's `Servers`: the same start-up as tests/test_rasa_server.py."""
    sys.path.insert(0, str(PROJECT_ROOT / "tests"))
    from rasa_servers import Servers

    return Servers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200, help="turns timed at each concurrency level")
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args(argv)
    model = current_model()
    if model is None:
        print("no trained dialogue model: run `make model` first", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="frontdesk-bench-"))
    servers = servers_class()(workdir, model, f"sqlite:///{workdir / 'receptionist.db'}")
    print(f"starting the action server and the Rasa server ({model.name}) ...", flush=True)
    try:
        servers.start()
        phone = servers.tokens["phone"]
        run_level(servers.rasa_port, phone, 2, 20, "warmup")
        levels = [run_level(servers.rasa_port, phone, level, args.turns, "bench") for level in (1, args.concurrency)]
    finally:
        servers.stop()
    summary = {"model": model.name, "database": "sqlite", "levels": levels,
               "ok": all(lvl["errors"] == 0 and (lvl["target_p95_ms"] is None or lvl["p95_ms"] < lvl["target_p95_ms"])
                         for lvl in levels)}
    for level in levels:
        print(f"{level['concurrency']:>3} at once: {level['turns']} turns, p50 {level['p50_ms']} ms, "
              f"p95 {level['p95_ms']} ms (target < {level['target_p95_ms']} ms), max {level['max_ms']} ms, "
              f"{level['turns_per_s']} turns/s, {level['errors']} errors")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(PROJECT_ROOT)}")
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
