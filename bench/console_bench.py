"""Benchmark of the staff console with 10,000 calls (with transcripts) in the database.

Starts the real console (aiohttp, on a free port) over a fresh database holding the demo
organisation and 10,000 calls of 6 to 12 turns each, signs in as a supervisor, and times
complete HTTP requests (server time plus a loopback round trip) for:

- the calls list (first page, a later page, a search by words said, by caller and outcome),
- one transcript page (which also writes its audit entry).

Target: p95 < 300 ms for each.

    python -m bench.console_bench [--calls 10000] [--rounds 60] [--db URL]

prints a summary and writes bench/results/console.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import re
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import requests
from aiohttp import web
from sqlalchemy import insert, select

from bot.config import DEMO_ORG, Settings
from bot.context import Context
from bot.db.engine import Database, open_database
from bot.db.tables import CallRow, TurnRow
from bot.org.orgfile import parse_org_file
from bot.org.store import DirectoryCache, replace_directory
from bot.web import ConsoleSettings, build_app
from bot.web.auth import create_user

RESULTS = Path(__file__).resolve().parent / "results" / "console.json"
TARGET_P95_MS = 300.0
PASSWORD = "bench-password-1"
OUTCOMES = ["transferred", "message", "operator", "answered", "abandoned"]
CALLER_LINES = ["你好，我找财务部的李娜", "我想问一下发票的事情", "请帮我转人事部", "Could I speak to support please",
                "我是来面试的", "你们几点下班", "我要投诉", "麻烦帮我留个言", "张总在吗", "I'd like to leave a message"]
REPLIES = ["您好，华信科技有限公司，请问有什么可以帮您？", "好的，请稍等，正在为您转接。", "请问您贵姓？",
           "Hello, Huaxin Technology. How can I help?", "需要我帮您留言吗？"]


def fill(database: Database, calls: int, seed: int = 20261127) -> None:
    """`calls` calls over the last 90 days, inserted in bulk (core inserts, not the ORM)."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.timezone.utc)
    with database.session() as session:
        replace_directory(session, parse_org_file(DEMO_ORG))
        create_user(session, "bench", PASSWORD, "supervisor")
    batch = 1000
    for start in range(0, calls, batch):
        call_rows, turn_rows = [], []
        for n in range(start, min(calls, start + batch)):
            began = now - dt.timedelta(seconds=rng.randint(60, 90 * 86400))
            call_rows.append({"id": n + 1, "conversation": f"bench-{n:06d}", "channel": "phone",
                              "caller_id": f"+86139{rng.randint(0, 99_999_999):08d}", "caller_name": None,
                              "internal": False, "language": "zh", "started_at": began,
                              "ended_at": began + dt.timedelta(seconds=rng.randint(20, 400)),
                              "outcome": rng.choice(OUTCOMES), "transferred_to": None,
                              "satisfaction": rng.choice([None, None, 3, 4, 5]), "recording": None})
            for k in range(rng.randint(6, 12)):
                caller = k % 2 == 1
                turn_rows.append({"call_id": n + 1, "who": "caller" if caller else "receptionist",
                                  "text": rng.choice(CALLER_LINES if caller else REPLIES),
                                  "intent": "request_person" if caller else None,
                                  "confidence": round(rng.uniform(0.3, 1.0), 2) if caller else None,
                                  "at": began + dt.timedelta(seconds=3 * k + 1), "misunderstood": False})
        with database.session() as session:
            session.execute(insert(CallRow), call_rows)
            session.execute(insert(TurnRow), turn_rows)


class Server:
    def __init__(self, app: web.Application) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.app, self.loop, self.ready = app, asyncio.new_event_loop(), threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        runner = web.AppRunner(self.app, access_log=None)
        self.loop.run_until_complete(runner.setup())
        self.loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(runner.cleanup())

    def __enter__(self) -> str:
        self.thread.start()
        self.ready.wait(30)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *_: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)


def sign_in(base: str) -> requests.Session:
    client = requests.Session()
    token = re.search(r'name="form_token" value="([^"]+)"', client.get(base + "/signin").text).group(1)
    response = client.post(base + "/signin", data={"username": "bench", "password": PASSWORD, "form_token": token},
                           allow_redirects=False)
    assert response.status_code == 303, "bench user could not sign in"
    return client


def timed(client: requests.Session, url: str, rounds: int) -> dict[str, float]:
    client.get(url)  # warm-up
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        response = client.get(url, allow_redirects=False)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, f"{url}: {response.status_code}"
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "max_ms": round(times[-1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--db", help="an SQLAlchemy URL of an EMPTY database (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        database = open_database(url)
        began = time.perf_counter()
        fill(database, args.calls)
        filled_s = time.perf_counter() - began
        with database.session() as session:
            turns = session.execute(select(TurnRow.id).order_by(TurnRow.id.desc()).limit(1)).scalar_one()
        context = Context(Settings(var_dir=Path(folder), database_url=url), database, DirectoryCache(database))
        with Server(build_app(context, ConsoleSettings(recordings_dir=Path(folder)))) as base:
            client = sign_in(base)
            pages = {
                "calls_list_first_page": "/calls",
                "calls_list_page_100": "/calls?page=100",
                "calls_search_words": "/calls?words=" + requests.utils.quote("发票"),
                "calls_search_caller_outcome": "/calls?caller=139&outcome=message",
                "transcript": f"/calls/bench-{args.calls // 2:06d}",
            }
            figures = {name: timed(client, base + path, args.rounds) for name, path in pages.items()}
        database.close()
    dialect = url.split(":", 1)[0]
    report = {"calls": args.calls, "turns": turns, "database": dialect, "rounds": args.rounds,
              "fill_seconds": round(filled_s, 1), "target_p95_ms": TARGET_P95_MS, "pages": figures,
              "met": all(f["p95_ms"] < TARGET_P95_MS for f in figures.values())}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{args.calls} calls, {turns} turns ({dialect}); {args.rounds} requests each")
    for name, figure in figures.items():
        print(f"  {name:<30} p50 {figure['p50_ms']:7.1f} ms   p95 {figure['p95_ms']:7.1f} ms   max {figure['max_ms']:7.1f} ms")
    print(f"target p95 < {TARGET_P95_MS:.0f} ms: {'met' if report['met'] else 'NOT met'}; written to {RESULTS}")


if __name__ == "__main__":
    main()
