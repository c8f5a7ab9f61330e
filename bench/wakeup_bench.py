"""Wake-up calls: N bookings due in the same minute, dialled by the real gateway.

    python -m bench.wakeup_bench                       # 500 bookings, SQLite, phones pick up and put down
    python -m bench.wakeup_bench --phones busy         # every phone busy (486): each attempt is one INVITE
    python -m bench.wakeup_bench --db "$RECEPTIONIST_TEST_PG_URL"   # PostgreSQL (a scratch database is made)
    python -m bench.wakeup_bench --write               # also write bench/results/wakeups.md

What runs: the demo organisation and N rooms, each with a guest in house, in a fresh database; N wake-up
calls booked for 07:00; the production `Gateway` (its UserAgent, pyttsx3 prompts and the WakeupDialer
it starts: 200 calls at once, claims every 2 s) on a test clock that reaches 07:00 three seconds after
the start; one SIPp UAS standing in for every room phone (the PBX: the dial plan's proxy), which answers
each INVITE and hangs up at once (`--phones answer`: tests/voice/sipp/wakeup_hang_up_at_once.xml), or
answers and listens to the whole message, twice, until the gateway hangs up (`--phones listen`:
wakeup_room_phone.xml, the audio going to a socket that drops it), or answers 486 (`--phones busy`). Measured: for each booking, when its INVITE went out (the dialler's
clock) minus 07:00: p50, p95, the last one; INVITEs per room as the phones received them (SIPp's
message trace): any room called twice is a double dial; the gateway's CPU time.
Exits 1 when a booking was not dialled within 60 s, or any room was called twice.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text

from bot.config import DEMO_ORG, PROJECT_ROOT
from bot.db.engine import open_database
from bot.db.tables import RoomRow, StayRow
from bot.hotel import wakeups
from bot.org.orgfile import parse_org_file
from bot.org.store import replace_directory
from voice.gateway import Gateway, GatewayConfig
from voice.transfer import DialPlan
from voice.wakeup import MAX_CONCURRENT_DIALS

SHANGHAI = ZoneInfo("Asia/Shanghai")
DUE = dt.datetime(2026, 12, 5, 7, 0, tzinfo=SHANGHAI)
BOOKED_AT = dt.datetime(2026, 12, 4, 22, 0, tzinfo=SHANGHAI)
SIPP_DIR = PROJECT_ROOT / "tests" / "voice" / "sipp"
SCENARIOS = {"answer": "wakeup_hang_up_at_once.xml", "busy": "staff_busy.xml", "listen": "wakeup_room_phone.xml"}
RESULT = PROJECT_ROOT / "bench" / "results" / "wakeups.md"
TARGET_S = 60.0


def free_udp_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(url: str, count: int) -> list[int]:
    """The demo organisation, `count` rooms with a guest each, and a 07:00 wake-up call for every one."""
    database = open_database(url)
    try:
        with database.session() as session:
            replace_directory(session, parse_org_file(DEMO_ORG))
            for n in range(count):
                number = f"{2001 + n}"
                session.add(RoomRow(number=number, extension=str(50000 + n), floor=str(20 + n // 100)))
                session.add(StayRow(room=number, guest_name_latin=f"Guest {n}" if n % 2 else None,
                                    guest_name_zh=None if n % 2 else f"客人{n}", arrival=dt.date(2026, 12, 3),
                                    departure=dt.date(2026, 12, 8), language="en" if n % 2 else "zh",
                                    status="active"))
        with database.session() as session:
            return [wakeups.book(session, f"{2001 + n}", DUE, now=BOOKED_AT, zone=SHANGHAI).id for n in range(count)]
    finally:
        database.close()


def invites_per_room(trace: Path) -> Counter[str]:
    """Calls (distinct Call-IDs: an INVITE retransmitted before the phone answered is the same call) per room."""
    lines = trace.read_text(errors="replace").splitlines() if trace.exists() else []
    calls, room = set(), None
    for line in lines:
        if line.startswith("INVITE sip:"):
            room = line.split()[1].split("@")[0].removeprefix("sip:")
        elif room is not None and line.lower().startswith(("call-id:", "i:")):
            calls.add((room, line.split(":", 1)[1].strip()))
            room = None
    return Counter(room for room, _ in calls)


async def run(url: str, count: int, phones: str, workdir: Path) -> dict[str, object]:
    sipp = shutil.which("sipp")
    if sipp is None:
        raise SystemExit("sipp is not installed (Debian package sip-tester)")
    port = free_udp_port()
    trace = workdir / "phones_messages.log"
    sink = await asyncio.get_running_loop().create_datagram_endpoint(asyncio.DatagramProtocol,
                                                                    local_addr=("127.0.0.1", 0))
    listen = ["-set", "rtp_sink", str(sink[0].get_extra_info("sockname")[1])] if phones == "listen" else []
    phone = await asyncio.create_subprocess_exec(
        sipp, "-sf", str(SIPP_DIR / SCENARIOS[phones]), *listen, "-i", "127.0.0.1", "-p", str(port), "-mi", "127.0.0.1",
        "-mp", str(free_udp_port()), "-m", str(count), "-nostdin", "-timeout", "300s", "-trace_msg",
        "-message_file", str(trace), "-trace_err", "-error_file", str(workdir / "phones_errors.log"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, cwd=workdir)
    await asyncio.sleep(1.0)  # SIPp binds its port
    database = open_database(url, upgrade=False)
    config = GatewayConfig(rasa_url="http://127.0.0.1:9", api_token="-", recordings_dir=workdir / "rec",
                           prompts_dir=workdir / "prompts", sip_port=0,
                           dial_plan=DialPlan(proxy=("127.0.0.1", port), domain="hotel.bench"))
    gateway = Gateway(config, database)
    began = time.monotonic()
    start_clock = DUE - dt.timedelta(seconds=3)
    gateway.wakeups.now = lambda: start_clock + dt.timedelta(seconds=time.monotonic() - began)
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    await gateway.start()
    deadline = time.monotonic() + 180
    while len({d.wakeup for d in gateway.wakeups.dials}) < count or gateway.wakeups.in_progress:
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(3 * gateway.wakeups.poll_s)  # time enough to dial anything twice, were it to
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    await gateway.close()
    try:
        await asyncio.wait_for(phone.wait(), 30)
    except asyncio.TimeoutError:
        phone.kill()
        await phone.wait()
    sink[0].close()
    with database.session() as session:
        statuses = Counter(w.status.value for w in wakeups.list_wakeups(session, include_finished=True))
    database.close()

    first_dials: dict[int, dt.datetime] = {}
    for dial in gateway.wakeups.dials:
        first_dials.setdefault(dial.wakeup, dial.started_at)
    lags = sorted((started - DUE).total_seconds() for started in first_dials.values())
    per_room = invites_per_room(trace)
    return {
        "bookings": count, "phones": phones, "dialled": len(first_dials),
        "gateway_dials": len(gateway.wakeups.dials), "phone_invites": sum(per_room.values()),
        "rooms_called": len(per_room), "double_dials": sum(n - 1 for n in per_room.values() if n > 1),
        "p50_s": statistics.median(lags) if lags else None,
        "p95_s": lags[max(0, round(0.95 * len(lags)) - 1)] if lags else None,
        "first_s": lags[0] if lags else None, "last_s": lags[-1] if lags else None,
        "statuses": dict(statuses),
        "results": dict(Counter(f"{d.result} {d.status}" for d in gateway.wakeups.dials)),
        "cpu_s": (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime),
        "errors": gateway.wakeups.errors,
    }


def scratch_postgres(url: str) -> tuple[str, object]:
    name = f"fd_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.rsplit("/", 1)[0] + f"/{name}", drop


def report(results: list[dict[str, object]]) -> str:
    load = os.getloadavg()
    lines = [
        "# Wake-up calls: 500 bookings due in the same minute",
        "",
        f"`python -m bench.wakeup_bench` on {os.cpu_count()} cores (shared; load average at the end "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}), Python {platform.python_version()}, "
        f"{MAX_CONCURRENT_DIALS} calls at once (`voice.wakeup.MAX_CONCURRENT_DIALS`), claims every 2 s.",
        "The production `Gateway` and its `WakeupDialer` on a test clock reaching 07:00 three seconds after the",
        "start; one SIPp UAS as every room phone (the dial plan's proxy). *Lag* = when the booking's INVITE went",
        "out minus 07:00 (the dialler's clock). *Double dials* = INVITEs beyond one per room, counted from the",
        "phones' own message trace.",
        "",
        "| database | phones | bookings | dialled | lag p50 | lag p95 | last dialled | double dials | statuses after | "
        "gateway CPU |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(r["statuses"].items()))  # type: ignore[union-attr]
        lines.append(f"| {r['database']} | {r['phones']} | {r['bookings']} | {r['dialled']} | {r['p50_s']:.2f} s | "
                     f"{r['p95_s']:.2f} s | {r['last_s']:.2f} s | {r['double_dials']} | {statuses} | "
                     f"{r['cpu_s']:.1f} s |")
    lines += [
        "",
        "Target: every booking dialled within 60 s of its time, none twice.",
        "",
        "*Phones*: `answer` picks up and puts down at once; `listen` picks up and hears the whole message twice",
        "(about 9 s a call) until the gateway's BYE, so with 200 calls at once the 500 go out in three waves and",
        "the last is dialled when the second wave's calls end; `busy` answers 486 (each booking is then `retry`,",
        "due 5 minutes later). The first lag, about 1 s, is the 2 s claim period's phase. *Gateway CPU* is the",
        "benchmark process's (gateway, dialler, database client) while it dialled; SIPp and the database server",
        "ran on the same 2 cores.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bookings", type=int, default=500)
    parser.add_argument("--phones", choices=sorted(SCENARIOS), action="append",
                        help="how the phones answer (repeatable; default: answer)")
    parser.add_argument("--db", action="append", default=None,
                        help="a PostgreSQL server URL (a scratch database is created); default a SQLite file")
    parser.add_argument("--write", action="store_true", help="write bench/results/wakeups.md")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (SIPp's traces), and say where")
    args = parser.parse_args(argv)
    results = []
    for url in args.db or ["sqlite"]:
        for phones in args.phones or ["answer"]:
            with tempfile.TemporaryDirectory(prefix="wakeup-bench-") as scratch:
                tmp = tempfile.mkdtemp(prefix="wakeup-bench-") if args.keep else scratch
                workdir = Path(tmp)
                drop = None
                if url == "sqlite":
                    db_url, label = f"sqlite:///{workdir / 'bench.db'}", "SQLite"
                else:
                    (db_url, drop), label = scratch_postgres(url), "PostgreSQL"
                try:
                    prepare(db_url, args.bookings)
                    result = asyncio.run(run(db_url, args.bookings, phones, workdir))
                finally:
                    if drop is not None:
                        drop()  # type: ignore[operator]
            result["database"] = label
            if args.keep:
                result["folder"] = tmp
            results.append(result)
            print(result, flush=True)
    text_report = report(results)
    print(text_report)
    if args.write:
        RESULT.write_text(text_report, encoding="utf-8")
    missed = [r for r in results if r["dialled"] != r["bookings"] or (r["last_s"] or 1e9) > TARGET_S
              or r["double_dials"]]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
