"""Scale-out (issue #13): REST turns per second and latency with one and with two Rasa workers, and
calls spread over two SIP gateways, on the layout of docs/deploy.md.

Dialogue: for 1 and then 2 workers (each a Rasa server and an action server), the cluster of
tests/cluster.py: PostgreSQL for the records and Rasa's trackers, redis-server as the lock store,
haproxy with deploy/haproxy.cfg in front. Short phone calls (bench/dialogue_bench.py's) are played by
20, 50 and 100 clients at once through the balancer.

Calls: kamailio with deploy/kamailio-dispatcher.cfg in front of two gateway processes; SIPp places
calls (a few at once, each 4 s on the line): how many are answered, and by which gateway.

    RECEPTIONIST_TEST_PG_URL=postgresql://… python -m bench.scale_bench [--turns 300]

writes bench/results/scale_out.json and scale_out.md. This machine has 2 cores: the two workers'
figures are read as a ratio to one worker's, not as what two machines would do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.dialogue_bench import run_level
from bot.config import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "tests"))
sys.path.insert(0, str(PROJECT_ROOT / "tests" / "voice"))

RESULTS = Path(__file__).resolve().parent / "results"
LEVELS = (20, 50, 100)


def dialogue(admin_url: str, workers: int, turns: int) -> list[dict[str, Any]]:
    from cluster import fresh_postgres, running_cluster

    workdir = Path(tempfile.mkdtemp(prefix=f"frontdesk-scale-{workers}-"))
    with fresh_postgres(admin_url) as url, running_cluster(workdir, url, workers=workers) as cluster:
        port, phone = cluster.balancer.rasa_port, cluster.servers.tokens["phone"]
        run_level(port, phone, 4, 40, f"warm{workers}")
        levels = []
        for level in LEVELS:
            result = run_level(port, phone, level, max(turns, 2 * level), f"w{workers}")
            result["workers"] = workers
            print(f"{workers} worker(s), {level:>3} at once: {result['turns']} turns, {result['turns_per_s']} "
                  f"turns/s, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, {result['errors']} errors",
                  flush=True)
            levels.append(result)
        return levels


def calls(calls_total: int, at_once: int) -> dict[str, Any]:
    """Calls through kamailio to two gateway processes: answered, and how they were spread."""
    import subprocess

    from gateway_helpers import Step, caller_scenario
    from rasa_servers import running
    from voice_helpers import free_udp_port, run_sipp

    workdir = Path(tempfile.mkdtemp(prefix="frontdesk-scale-calls-"))
    with running(workdir / "servers") as servers:
        ports = {f"gateway{i}": free_udp_port() for i in (1, 2)}
        for name, port in ports.items():
            servers.start_gateway(name, port)
        run_dir = workdir / "kamailio"
        run_dir.mkdir()
        (run_dir / "dispatcher.list").write_text("".join(f"1 sip:127.0.0.1:{p}\n" for p in ports.values()))
        sip_port = free_udp_port()
        kamailio = subprocess.Popen(
            ["kamailio", "-f", str(PROJECT_ROOT / "deploy" / "kamailio-dispatcher.cfg"), "-DD", "-E",
             "-l", f"udp:127.0.0.1:{sip_port}", "-Y", str(run_dir), "-P", str(run_dir / "pid"), "-w", str(run_dir),
             "-m", "64", "-M", "8", "-A", f'DISPATCHER_LIST="{run_dir / "dispatcher.list"}"',
             "-A", f'CTL_SOCKET="unix:{run_dir / "ctl"}"'],
            stdout=subprocess.DEVNULL, stderr=(run_dir / "kamailio.log").open("wb"), start_new_session=True)
        try:
            time.sleep(1.0)
            scenario = timed(caller_scenario([Step(pause_ms=4000)], workdir / "caller.xml", hang_up=True))
            started = time.perf_counter()
            code, log = asyncio.run(run_sipp(str(scenario), ("127.0.0.1", sip_port), workdir, service="8888",
                                             timeout_s=120, calls=calls_total,
                                             extra=["-r", str(at_once), "-rp", "4000", "-trace_rtt",
                                                    "-rtt_freq", "1"]))
            wall = time.perf_counter() - started
        finally:
            os.killpg(kamailio.pid, 15)
            kamailio.wait(timeout=10)
        answered = {name: servers.log(name).count(" answered (") for name in ports}
    failed = log.count("Aborting call")
    answer_ms = sorted(answer_times(workdir))
    p50 = round(statistics.median(answer_ms), 1) if answer_ms else None
    p95 = round(answer_ms[int(0.95 * (len(answer_ms) - 1))], 1) if answer_ms else None
    print(f"calls: {calls_total} placed ({at_once} per 4 s), answered per gateway {answered}, "
          f"{failed} failed, INVITE to 200 OK p50 {p50} ms, p95 {p95} ms, {wall:.1f} s", flush=True)
    return {"placed": calls_total, "at_once": at_once, "answered": answered, "failed": failed,
            "answer_p50_ms": p50, "answer_p95_ms": p95, "sipp_exit": code, "wall_s": round(wall, 1)}


def timed(scenario: Path) -> Path:
    """The caller's scenario with SIPp's response-time marks: from the INVITE sent to its 200 OK."""
    text = scenario.read_text()
    text = text.replace('<send retrans="500">', '<send retrans="500" start_rtd="answer">', 1)
    text = text.replace('<recv response="200" rrs="true"/>', '<recv response="200" rrs="true" rtd="answer"/>', 1)
    scenario.write_text(text)
    return scenario


def answer_times(workdir: Path) -> list[float]:
    """Every call's INVITE-to-200 time in ms, from SIPp's -trace_rtt file(s)."""
    times: list[float] = []
    for path in workdir.glob("*_rtt.csv"):
        for line in path.read_text().splitlines()[1:]:
            fields = line.split(";")
            if len(fields) >= 3 and fields[1].strip():
                times.append(float(fields[1]))
    return times


def markdown(levels: list[dict[str, Any]], spread: dict[str, Any]) -> str:
    one = {lvl["concurrency"]: lvl for lvl in levels if lvl["workers"] == 1}
    rows = ["| at once | workers | turns/s | p50 ms | p95 ms | errors | turns/s vs 1 worker |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for lvl in levels:
        base = one.get(lvl["concurrency"])
        ratio = f"{lvl['turns_per_s'] / base['turns_per_s']:.2f}×" if base and base["turns_per_s"] else "–"
        rows.append(f"| {lvl['concurrency']} | {lvl['workers']} | {lvl['turns_per_s']} | {lvl['p50_ms']} | "
                    f"{lvl['p95_ms']} | {lvl['errors']} | {ratio} |")
    return ("# Scale-out benchmark (bench/scale_bench.py)\n\n"
            f"Measured {time.strftime('%Y-%m-%d')} on this 2-core machine: the Rasa servers, action servers, "
            "PostgreSQL, redis-server, haproxy and the clients share the two cores.\n\n"
            "REST turns through haproxy (deploy/haproxy.cfg), trackers in PostgreSQL, Redis lock store:\n\n"
            + "\n".join(rows) + "\n\n"
            f"Calls through kamailio (deploy/kamailio-dispatcher.cfg) to 2 gateways: {spread['placed']} placed, "
            f"{spread['at_once']} every 4 s, 4 s each; answered per gateway {spread['answered']}, "
            f"{spread['failed']} failed; INVITE to 200 OK p50 {spread['answer_p50_ms']} ms, "
            f"p95 {spread['answer_p95_ms']} ms.\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=600, help="turns timed at each level (at least 2 per client)")
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--calls-at-once", type=int, default=10)
    args = parser.parse_args(argv)
    admin_url = os.environ.get("RECEPTIONIST_TEST_PG_URL", "")
    if not admin_url:
        print("RECEPTIONIST_TEST_PG_URL is not set: export RECEPTIONIST_TEST_PG_URL=\"$(bash scripts/postgres.sh)\"",
              file=sys.stderr)
        return 2
    levels = [*dialogue(admin_url, 1, args.turns), *dialogue(admin_url, 2, args.turns)]
    spread = calls(args.calls, args.calls_at_once)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale_out.json").write_text(json.dumps({"levels": levels, "calls": spread}, indent=2) + "\n")
    (RESULTS / "scale_out.md").write_text(markdown(levels, spread), encoding="utf-8")
    print("written to bench/results/scale_out.md")
    return 0 if all(lvl["errors"] == 0 for lvl in levels) and spread["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
