"""Several SIP gateways behind kamailio's dispatcher (issue #13), with the real parts of docs/deploy.md:
kamailio running deploy/kamailio-dispatcher.cfg, two gateway processes (`python -m voice.service`), the
real Rasa and action servers, SIPp callers.

- Calls are spread over the gateways: two calls in a row are answered by the two gateways.
- kill -9 of a gateway: the next calls are all answered (by the other one), and the call records of
  the calls before are all still there, with one more for each new call.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gateway_helpers import Step, caller_scenario
from sqlalchemy import create_engine, text
from voice_helpers import free_udp_port, require_binary, run_sipp

from bot.config import PROJECT_ROOT

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rasa_servers import Servers, running

pytestmark = pytest.mark.slow

CONFIG = PROJECT_ROOT / "deploy" / "kamailio-dispatcher.cfg"
GATEWAYS = ("gateway1", "gateway2")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    with running(tmp_path_factory.mktemp("dispatched")) as started:
        yield started


@pytest.fixture(scope="module")
def gateways(servers: Servers) -> dict[str, int]:
    """The two gateway processes: name → UDP port."""
    ports = {name: free_udp_port() for name in GATEWAYS}
    for name, port in ports.items():
        servers.start_gateway(name, port)
    return ports


@pytest.fixture(scope="module")
def dispatcher(gateways: dict[str, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """kamailio with the shipped config, its gateway list naming the two gateways; its UDP port."""
    binary = require_binary("kamailio", "kamailio")
    run_dir = tmp_path_factory.mktemp("kamailio")
    gateway_list = run_dir / "dispatcher.list"
    gateway_list.write_text("".join(f"1 sip:127.0.0.1:{port}\n" for port in gateways.values()))
    port = free_udp_port()
    process = subprocess.Popen(
        [binary, "-f", str(CONFIG), "-DD", "-E", "-l", f"udp:127.0.0.1:{port}", "-Y", str(run_dir),
         "-P", str(run_dir / "kamailio.pid"), "-w", str(run_dir), "-m", "32", "-M", "8",
         "-A", f'DISPATCHER_LIST="{gateway_list}"', "-A", f'CTL_SOCKET="unix:{run_dir / "ctl"}"'],
        stdout=subprocess.DEVNULL, stderr=(run_dir / "kamailio.log").open("wb"), start_new_session=True)
    time.sleep(1.0)
    if process.poll() is not None:
        pytest.fail(f"kamailio did not start:\n{(run_dir / 'kamailio.log').read_text(errors='replace')[-2000:]}")
    yield port
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)


def _answered_by(servers: Servers) -> dict[str, int]:
    """Calls each gateway has answered so far (each logs one line per call it takes)."""
    return {name: servers.log(name).count(" answered (") for name in GATEWAYS}


def _call_records(servers: Servers) -> list[str]:
    engine = create_engine(servers.db_url, future=True)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT conversation FROM calls WHERE channel = 'phone' "
                                          "ORDER BY conversation")).scalars())
    finally:
        engine.dispose()


def _call(dispatcher: int, tmp_path: Path, name: str) -> tuple[int, str]:
    """One SIPp caller through kamailio: answered, 3 s on the line, hangs up."""
    work = tmp_path / name
    work.mkdir()
    scenario = caller_scenario([Step(pause_ms=3000)], work / "caller.xml", hang_up=True)
    return asyncio.run(run_sipp(str(scenario), ("127.0.0.1", dispatcher), work, service="8888", timeout_s=40))


def _records_for(servers: Servers, count: int, timeout_s: float = 20.0) -> list[str]:
    deadline = time.monotonic() + timeout_s
    records = _call_records(servers)
    while len(records) < count and time.monotonic() < deadline:
        time.sleep(0.3)
        records = _call_records(servers)
    return records


def test_calls_are_spread_over_the_gateways_and_a_killed_gateway_loses_no_call(servers, gateways, dispatcher,
                                                                               tmp_path):
    code, log = _call(dispatcher, tmp_path, "call1")
    assert code == 0, f"the first call was not answered through the dispatcher: {log}"
    first = next(name for name, count in _answered_by(servers).items() if count == 1)
    code, log = _call(dispatcher, tmp_path, "call2")
    assert code == 0, f"the second call was not answered through the dispatcher: {log}"
    assert _answered_by(servers) == {"gateway1": 1, "gateway2": 1}, "round robin: one call each"
    before = _records_for(servers, 2)
    assert len(before) == 2, before

    servers.kill(first)  # the gateway round robin sends the next call to, before kamailio's probe notices
    other = next(name for name in GATEWAYS if name != first)
    for number in (3, 4):
        code, log = _call(dispatcher, tmp_path, f"call{number}")
        assert code == 0, f"call {number} after the kill was not answered: {log}"
    assert _answered_by(servers)[other] == 3
    after = _records_for(servers, 4)
    assert len(after) == 4 and set(before) <= set(after), (before, after)
