"""Several dialogue processes as docs/deploy.md lays them out, started for a test (issue #13):
a Redis lock store (Debian's redis-server), two action servers and two Rasa servers sharing a
PostgreSQL tracker store, and haproxy in front of both kinds with deploy/haproxy.cfg, the file
shipped for production. Clients talk to the balancer as to one Rasa server (`Cluster.servers.say`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rasa_servers import Servers, free_port, http_json

from bot.config import PROJECT_ROOT

HAPROXY_CONFIG = PROJECT_ROOT / "deploy" / "haproxy.cfg"
START_TIMEOUT_S = 30.0


def _wait_for_port(port: int, process: subprocess.Popen, name: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} stopped (exit {process.returncode}):\n{log.read_text(errors='replace')[-2000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not listen on {port} within {START_TIMEOUT_S:.0f} s")


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@dataclass
class Redis:
    """redis-server on a free port with a password, nothing written to disk."""

    workdir: Path
    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (Debian package redis-server; scripts/system-packages.sh)")
        log = self.workdir / "redis.log"
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--requirepass", self.password, "--dir", str(self.workdir)],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        _wait_for_port(self.port, self.process, "redis-server", log)
        return self

    def stop(self) -> None:
        _stop(self.process)


@dataclass
class Balancer:
    """haproxy running deploy/haproxy.cfg, its addresses given by the environment as in production."""

    workdir: Path
    rasa: list[int]
    actions: list[int]
    action_secret: str
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def environment(self) -> dict[str, str]:
        env = dict(os.environ, FRONTDESK_RASA_BIND=f"127.0.0.1:{self.rasa_port}",
                   FRONTDESK_ACTION_BIND=f"127.0.0.1:{self.action_port}",
                   RECEPTIONIST_ACTION_SECRET=self.action_secret)
        for kind, ports in (("RASA", self.rasa), ("ACTION", self.actions)):
            for slot in (1, 2):  # the shipped config names two of each: one server alone fills both
                env[f"FRONTDESK_{kind}_{slot}"] = f"127.0.0.1:{ports[min(slot, len(ports)) - 1]}"
        return env

    def start(self) -> Balancer:
        binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not Path(binary).exists():
            pytest.skip("haproxy is not installed (Debian package haproxy; scripts/system-packages.sh)")
        log = self.workdir / "haproxy.log"
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            self.process = subprocess.Popen([binary, "-db", "-f", str(HAPROXY_CONFIG)], env=self.environment(),
                                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        _wait_for_port(self.rasa_port, self.process, "haproxy", log)
        return self

    def log(self) -> str:
        path = self.workdir / "haproxy.log"
        return path.read_text(errors="replace") if path.is_file() else ""

    def stop(self) -> None:
        _stop(self.process)


@dataclass
class Cluster:
    servers: Servers
    """The processes; `servers.rasa_url` is the balancer's address."""
    balancer: Balancer
    redis: Redis
    rasa_ports: dict[str, int]
    action_ports: dict[str, int]

    def direct(self, name: str) -> str:
        """The base URL of one Rasa server, bypassing the balancer."""
        return f"http://127.0.0.1:{self.rasa_ports[name]}"

    def wait_until_balanced(self, timeout_s: float = 30.0) -> None:
        """Until the balancer's health checks see every Rasa server up (a few requests all answer)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if all(http_json("GET", f"{self.servers.rasa_url}/", timeout_s=5)[0] == 200 for _ in range(4)):
                return
            time.sleep(0.5)
        raise RuntimeError(f"the balancer does not reach the Rasa servers:\n{self.balancer.log()[-2000:]}")


@contextmanager
def fresh_postgres(admin_url: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database on the server of `admin_url`, dropped afterwards
    (its leftover connections ended first)."""
    from sqlalchemy import create_engine, text

    name = f"fd_cluster_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid() AND usename = current_user"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextmanager
def running_cluster(workdir: Path, database_url: str, workers: int = 2) -> Iterator[Cluster]:
    """`workers` Rasa servers and action servers on `database_url` (PostgreSQL: records and trackers),
    one Redis lock store, haproxy in front; all stopped afterwards."""
    from rasa_servers import import_demo_org

    from bot.training import current_model

    model = current_model()
    if model is None:
        pytest.skip("no trained dialogue model for the current config, domain and data: run `make model`")
    redis = Redis(workdir / "redis")
    rasa_ports = {f"rasa{i}": free_port() for i in range(1, workers + 1)}
    action_ports = {f"actions{i}": free_port() for i in range(1, workers + 1)}
    servers = Servers(workdir, model, database_url)
    balancer = Balancer(workdir, list(rasa_ports.values()), list(action_ports.values()), servers.action_secret)
    servers.rasa_port, servers.action_port = balancer.rasa_port, balancer.action_port
    try:
        redis.start()
        balancer.start()
        servers.extra_env.update({"RECEPTIONIST_TRACKER_STORE": database_url, "RECEPTIONIST_LOCK_STORE": redis.url})
        import_demo_org(database_url)
        for name, port in action_ports.items():
            servers.start_actions(wait=False, name=name, port=port)
        for name, port in rasa_ports.items():
            servers.start_rasa(name, port, wait=False)
        for name, port in rasa_ports.items():
            servers.wait_for_rasa(name, port)
        for name, port in action_ports.items():
            servers.wait_for_actions(name, port)
        cluster = Cluster(servers, balancer, redis, rasa_ports, action_ports)
        cluster.wait_until_balanced()
        yield cluster
    finally:
        servers.stop()
        balancer.stop()
        redis.stop()
