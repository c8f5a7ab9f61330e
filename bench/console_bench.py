"""Benchmark of the staff console with 10,000 calls (with transcripts) in the database.

Starts the real console (aiohttp, on a free port) over a fresh database holding the demo
organisation and 10,000 calls of 6 to 12 turns each, signs in as a supervisor, and times
complete HTTP requests (server time plus a loopback round trip) for:

- the calls list (first page, a later page, a search by words said, by caller and outcome),
- one transcript page (which also writes its audit entry).

and, with 100,000 hotline cases (工单, #12) on the demo government hotline's departments:

- the cases list (first page, a status filter: a rare status and the commonest one, a department
  filter, overdue ones, and a department user's own list, which is the department filter too).

Target: p95 < 300 ms for each.

    python -m bench.console_bench [--calls 10000] [--cases 100000] [--only calls|cases] [--rounds 60] [--db URL]

prints a summary and writes bench/results/console.json (or console_cases.json with `--only cases`).
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
from sqlalchemy import insert, select, text

from bot.cases.cases import CaseStatus
from bot.config import DEMO_ORG, Settings
from bot.context import Context
from bot.db.engine import Database, open_database
from bot.db.tables import CallRow, CaseEventRow, CaseRow, TurnRow
from bot.org.orgfile import parse_org_file
from bot.org.store import DirectoryCache, replace_directory
from bot.web import ConsoleSettings, build_app
from bot.web.auth import create_user
from bot.web.roles import set_department

RESULTS = Path(__file__).resolve().parent / "results" / "console.json"
CASES_RESULTS = RESULTS.with_name("console_cases.json")
GOVERNMENT_ORG = Path(__file__).resolve().parents[1] / "bot" / "org" / "demo_government.yml"
TARGET_P95_MS = 300.0
PASSWORD = "bench-password-1"
OUTCOMES = ["transferred", "message", "operator", "answered", "abandoned"]
CALLER_LINES = ["你好，我找财务部的李娜", "我想问一下发票的事情", "请帮我转人事部", "Could I speak to support please",
                "我是来面试的", "你们几点下班", "我要投诉", "麻烦帮我留个言", "张总在吗", "I'd like to leave a message"]
REPLIES = ["您好，华信科技有限公司，请问有什么可以帮您？", "好的，请稍等，正在为您转接。", "请问您贵姓？",
           "Hello, Huaxin Technology. How can I help?", "需要我帮您留言吗？"]


def prepare(database: Database, with_cases: bool) -> None:
    """The organisation (the demo government hotline when cases are benched: its departments and
    categories) and the bench's users: a supervisor, and an operator of the transport department."""
    with database.session() as session:
        replace_directory(session, parse_org_file(GOVERNMENT_ORG if with_cases else DEMO_ORG))
        create_user(session, "bench", PASSWORD, "supervisor")
        create_user(session, "bench-dept", PASSWORD, "operator")
        set_department(session, "bench-dept", "transport")


def fill(database: Database, calls: int, seed: int = 20261127) -> None:
    """`calls` calls over the last 90 days, inserted in bulk (core inserts, not the ORM)."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.timezone.utc)
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


CASE_DEPARTMENTS = {"city-management": ["city-appearance", "street-vendors", "rubbish", "illegal-building",
                                        "streetlights"],
                    "housing": ["property", "lifts"], "transport": ["buses", "roads"],
                    "environment": ["noise", "fumes"], "social-security": ["wages", "social-insurance"],
                    "water": ["water-supply"], "hotline": ["other"]}
CASE_TEXTS = ["小区门口夜市摊贩占道，晚上很吵", "路灯坏了一个星期", "公交车不停站", "楼下烧烤油烟太大", "停水两天了",
              "工地半夜施工", "物业不管电梯", "老板拖欠三个月工资", "垃圾桶满了没人清理", "路面有个大坑"]


def fill_cases(database: Database, count: int, seed: int = 20261204) -> dict[str, int]:
    """`count` cases over the last 365 days (about 270 a day, numbered by day), inserted in bulk with
    one history row each; most are long finished, recent ones still with their departments (some past
    their deadline), as on a working hotline. Returns how many of each status."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.timezone.utc)
    shanghai = dt.timezone(dt.timedelta(hours=8))
    moments = sorted(now - dt.timedelta(seconds=rng.randint(60, 365 * 86400)) for _ in range(count))
    per_day: dict[str, int] = {}
    statuses: dict[str, int] = {}
    batch, case_rows, event_rows = 5000, [], []
    for n, created in enumerate(moments, start=1):
        day = created.astimezone(shanghai).strftime("%Y%m%d")
        per_day[day] = per_day.get(day, 0) + 1
        age_days = (now - created).total_seconds() / 86400
        if age_days > 30:
            status = rng.choices([CaseStatus.EVALUATED, CaseStatus.CLOSED], [3, 1])[0]
        else:
            status = rng.choice(list(CaseStatus))
        statuses[status.value] = statuses.get(status.value, 0) + 1
        department = rng.choice(list(CASE_DEPARTMENTS))
        with_department = status not in (CaseStatus.REGISTERED, CaseStatus.CLASSIFIED)
        classified = status is not CaseStatus.REGISTERED
        deadline = created + dt.timedelta(days=rng.choice([1, 2, 3, 5, 7])) if with_department else None
        case_rows.append({
            "id": n, "number": f"{day}{per_day[day]:04d}", "status": status.value, "text": rng.choice(CASE_TEXTS),
            "caller_name": rng.choice(["王先生", "李女士", "张师傅", ""]),
            "callback_number": f"139{rng.randint(0, 99_999_999):08d}",
            "category": rng.choice(CASE_DEPARTMENTS[department]) if classified else None,
            "department": department if with_department else None, "urgent": rng.random() < 0.02,
            "channel": "phone", "conversation": None, "deadline_at": deadline,
            "reply": "已处理" if status in (CaseStatus.REPLIED, CaseStatus.FED_BACK, CaseStatus.CLOSED,
                                            CaseStatus.EVALUATED) else None,
            "satisfaction": rng.randint(1, 5) if status is CaseStatus.EVALUATED else None, "reminders": 0,
            "overdue_at": None, "last_reminded_at": None, "created_at": created, "updated_at": created})
        event_rows.append({"case_id": n, "at": created, "actor": "receptionist", "action": "register",
                           "status_before": None, "status_after": "registered", "note": None})
        if len(case_rows) >= batch or n == count:
            with database.session() as session:
                session.execute(insert(CaseRow), case_rows)
                session.execute(insert(CaseEventRow), event_rows)
            case_rows, event_rows = [], []
    if database.engine.dialect.name == "postgresql":  # ids given explicitly: move the sequences on
        with database.session() as session:
            for table in ("cases", "case_events"):
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
            session.execute(text("ANALYZE"))
    return statuses


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


def sign_in(base: str, username: str = "bench") -> requests.Session:
    client = requests.Session()
    token = re.search(r'name="form_token" value="([^"]+)"', client.get(base + "/signin").text).group(1)
    response = client.post(base + "/signin", data={"username": username, "password": PASSWORD, "form_token": token},
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
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--only", choices=["calls", "cases"], help="bench one list only")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--db", help="an SQLAlchemy URL of an EMPTY database (default: a temporary SQLite file)")
    args = parser.parse_args()
    calls = 0 if args.only == "cases" else args.calls
    case_count = 0 if args.only == "calls" else args.cases
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        database = open_database(url)
        prepare(database, with_cases=bool(case_count))
        began = time.perf_counter()
        fill(database, calls)
        filled_s = time.perf_counter() - began
        began = time.perf_counter()
        statuses = fill_cases(database, case_count) if case_count else {}
        cases_filled_s = time.perf_counter() - began
        with database.session() as session:
            turns = session.execute(select(TurnRow.id).order_by(TurnRow.id.desc()).limit(1)).scalar() or 0
        context = Context(Settings(var_dir=Path(folder), database_url=url), database, DirectoryCache(database))
        with Server(build_app(context, ConsoleSettings(recordings_dir=Path(folder)))) as base:
            client = sign_in(base)
            pages = {}
            if calls:
                pages.update({
                    "calls_list_first_page": "/calls",
                    "calls_list_page_100": "/calls?page=100",
                    "calls_search_words": "/calls?words=" + requests.utils.quote("发票"),
                    "calls_search_caller_outcome": "/calls?caller=139&outcome=message",
                    "transcript": f"/calls/bench-{calls // 2:06d}",
                })
            if case_count:
                pages.update({
                    "cases_list_first_page": "/cases",
                    "cases_status_dispatched": "/cases?status=dispatched",
                    "cases_status_evaluated": "/cases?status=evaluated",
                    "cases_department_transport": "/cases?department=transport",
                    "cases_overdue": "/cases?overdue=1",
                    "cases_department_page_20": "/cases?department=transport&page=20",
                })
            figures = {name: timed(client, base + path, args.rounds) for name, path in pages.items()}
            if case_count:
                figures["cases_department_user"] = timed(sign_in(base, "bench-dept"), base + "/cases", args.rounds)
        database.close()
    dialect = url.split(":", 1)[0].split("+")[0]
    report = {"calls": calls, "turns": turns, "cases": case_count, "case_statuses": statuses, "database": dialect,
              "rounds": args.rounds, "fill_seconds": round(filled_s, 1), "cases_fill_seconds": round(cases_filled_s, 1),
              "target_p95_ms": TARGET_P95_MS, "pages": figures,
              "met": all(f["p95_ms"] < TARGET_P95_MS for f in figures.values())}
    results = CASES_RESULTS if args.only == "cases" else RESULTS
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{calls} calls, {turns} turns, {case_count} cases ({dialect}); {args.rounds} requests each; "
          f"filled in {filled_s:.1f} s + {cases_filled_s:.1f} s")
    for name, figure in figures.items():
        print(f"  {name:<30} p50 {figure['p50_ms']:7.1f} ms   p95 {figure['p95_ms']:7.1f} ms   max {figure['max_ms']:7.1f} ms")
    print(f"target p95 < {TARGET_P95_MS:.0f} ms: {'met' if report['met'] else 'NOT met'}; written to {results}")


if __name__ == "__main__":
    main()
