"""Start the real action server and Rasa server (subprocesses on free ports) and talk to them over HTTP.

Used by tests/test_rasa_server.py and bench/dialogue_bench.py. The servers are started with the
launcher's own commands (bot/launcher.py: `python -m actions.server`, `python -m connectors.server`)
and run the trained model (`bot.training.current_model()`), on a database of their own holding
the demo organisation, with RECEPTIONIST_TEST_CLOCK=1 so a conversation's first message may say
what time it is. Each `Servers` has secrets of its own (docs/security.md): `token` (Rasa's HTTP
API), `action_secret`, and `tokens` (the REST channel's clients: phone, kiosk, chat).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import CHANNELS, DEMO_ORG, PROJECT_ROOT
from bot.db.engine import Database, open_database
from bot.launcher import action_command, rasa_command
from bot.org.orgfile import parse_org_file
from bot.org.store import replace_directory

BIN = Path(sys.executable).parent
START_TIMEOUT_S = 240.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def import_demo_org(db_url: str) -> None:
    database = open_database(db_url)
    try:
        with database.session() as session:
            replace_directory(session, parse_org_file(DEMO_ORG))
    finally:
        database.close()


def http_json(method: str, url: str, body: Any = None, timeout_s: float = 60.0,
              headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """(status, decoded JSON body or text) of one request."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw.decode() or "null")
    except ValueError:
        return status, raw.decode(errors="replace")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class Servers:
    workdir: Path
    model: Path
    db_url: str
    token: str = field(default_factory=new_secret)
    """Rasa's HTTP API token."""
    action_secret: str = field(default_factory=new_secret)
    tokens: dict[str, str] = field(default_factory=lambda: {channel: new_secret() for channel in CHANNELS})
    """The REST channel's clients: channel → token."""
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    prepare: Callable[[Database], None] | None = None
    """Fills the servers' database before they start (an organisation of the test's own); None: the demo."""
    extra_env: dict[str, str] = field(default_factory=dict)
    """More environment for both servers (RECEPTIONIST_TRACKER_STORE, …)."""

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    def env(self, **overrides: str) -> dict[str, str]:
        env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), RECEPTIONIST_DB=self.db_url,
                   RECEPTIONIST_TEST_CLOCK="1", RECEPTIONIST_ACTION_URL=f"{self.action_url}/webhook",
                   RECEPTIONIST_RASA_PORT=str(self.rasa_port), RECEPTIONIST_ACTION_PORT=str(self.action_port),
                   RECEPTIONIST_API_TOKEN=self.token, RECEPTIONIST_ACTION_SECRET=self.action_secret,
                   **{f"RECEPTIONIST_{channel.upper()}_TOKEN": token for channel, token in self.tokens.items()},
                   RECEPTIONIST_VAR=str(self.workdir / "var"),
                   SQLALCHEMY_SILENCE_UBER_WARNING="1", TF_CPP_MIN_LOG_LEVEL="2")
        return {**env, **self.extra_env, **overrides}

    # ------------------------------------------------------------------ processes

    def start(self) -> Servers:
        if self.prepare is None:
            import_demo_org(self.db_url)
        else:
            database = open_database(self.db_url)
            try:
                self.prepare(database)
            finally:
                database.close()
        self.start_actions(wait=False)
        self._spawn("rasa", rasa_command(self.model))
        self._wait("actions", f"{self.action_url}/health", bearer(self.action_secret))
        self._wait("rasa", f"{self.rasa_url}/")
        return self

    def start_actions(self, wait: bool = True, name: str = "actions", port: int | None = None) -> None:
        """An action server (another one, as `name`, on `port`: several may run)."""
        port = port or self.action_port
        self._spawn(name, action_command(), RECEPTIONIST_ACTION_PORT=str(port))
        if wait:
            self.wait_for_actions(name, port)

    def wait_for_actions(self, name: str = "actions", port: int | None = None) -> None:
        self._wait(name, f"http://127.0.0.1:{port or self.action_port}/health", bearer(self.action_secret))

    def stop_actions(self) -> None:
        self._stop("actions")

    def start_rasa(self, name: str = "rasa", port: int | None = None, wait: bool = True) -> None:
        """A Rasa server (another one, as `name`, on `port`: several may share a tracker store)."""
        port = port or self.rasa_port
        self._spawn(name, rasa_command(self.model), RECEPTIONIST_RASA_PORT=str(port))
        if wait:
            self.wait_for_rasa(name, port)

    def wait_for_rasa(self, name: str = "rasa", port: int | None = None) -> None:
        self._wait(name, f"http://127.0.0.1:{port or self.rasa_port}/")

    def start_gateway(self, name: str, sip_port: int) -> None:
        """A SIP gateway process (`python -m voice.service`) on UDP `sip_port`, reaching the dialogue at
        `rasa_url`, with a RECEPTIONIST_VAR of its own (its prompts and recordings)."""
        self._spawn(name, [sys.executable, "-m", "voice.service"], RECEPTIONIST_SIP_PORT=str(sip_port),
                    RECEPTIONIST_SIP_HOST="127.0.0.1", RECEPTIONIST_VAR=str(self.workdir / name),
                    RECEPTIONIST_SIP_MAX_CALLS_PER_SOURCE="100")
        deadline = time.monotonic() + START_TIMEOUT_S
        while f"sip:127.0.0.1:{sip_port}" not in self.log(name):
            process = self.processes[name]
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {name} gateway did not start (exit {process.poll()}):\n{self.log(name)[-3000:]}")
            time.sleep(0.2)

    def kill(self, name: str) -> None:
        """kill -9 of a server (its whole process group), as a crash would: nothing is saved on the way out."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for name in list(self.processes):
            self._stop(name)

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.is_file() else ""

    def _spawn(self, name: str, command: list[str], **env: str) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.workdir / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(command, cwd=PROJECT_ROOT, env=self.env(**env), stdout=log,
                                                    stderr=subprocess.STDOUT, start_new_session=True)

    def _wait(self, name: str, url: str, headers: dict[str, str] | None = None) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            process = self.processes[name]
            if process.poll() is not None:
                raise RuntimeError(f"the {name} server stopped (exit {process.returncode}):\n{self.log(name)[-3000:]}")
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"the {name} server did not start within {START_TIMEOUT_S:.0f} s:\n{self.log(name)[-3000:]}")

    def _stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    # ------------------------------------------------------------------ talking to them (contract section 3)

    def say(self, sender: str, message: str, metadata: dict[str, Any] | None = None,
            timeout_s: float = 60.0, client: str | None = None, token: str | None = None,
            via: str | None = None) -> tuple[int, Any]:
        """One turn through the REST channel as `client` (default: the channel the metadata names,
        else phone) with that client's token; `token` instead ("" for none) to try the door; to the
        Rasa server at `via` (a base URL) instead of `rasa_url`."""
        body: dict[str, Any] = {"sender": sender, "message": message}
        if metadata is not None:
            body["metadata"] = metadata
        if token is None:
            token = self.tokens[client or (metadata or {}).get("channel") or "phone"]
        return http_json("POST", f"{via or self.rasa_url}/webhooks/rest/webhook", body, timeout_s,
                         headers=bearer(token) if token else None)

    def report(self, sender: str, result: str, timeout_s: float = 60.0, via: str | None = None) -> tuple[int, Any]:
        """The phone system's transfer result (trigger_intent, with the API token)."""
        url = f"{via or self.rasa_url}/conversations/{sender}/trigger_intent?output_channel=latest&token={self.token}"
        return http_json("POST", url, {"name": "transfer_result", "entities": {"result": result}}, timeout_s)

    def call_record(self, sender: str) -> dict[str, Any]:
        """`receptionist calls show SENDER --json`, as staff would run it."""
        answer = subprocess.run([str(BIN / "receptionist"), "calls", "show", sender, "--json"], cwd=PROJECT_ROOT,
                                env=self.env(), capture_output=True, text=True, timeout=60)
        if answer.returncode != 0:
            raise RuntimeError(f"calls show {sender} failed: {answer.stderr}")
        shown = json.loads(answer.stdout)
        return shown[0] if isinstance(shown, list) else shown


@contextmanager
def running(workdir: Path, prepare: Callable[[Database], None] | None = None,
            extra_env: dict[str, str] | None = None) -> Iterator[Servers]:
    """Servers on a fresh SQLite database in `workdir`, filled by `prepare` (None: the demo), with
    `extra_env`, stopped afterwards; the test is skipped when no model is trained for the current data."""
    import pytest

    from bot.training import current_model

    model = current_model()
    if model is None:
        pytest.skip("no trained dialogue model for the current config, domain and data: run `make model`")
    started = Servers(workdir, model, f"sqlite:///{workdir / 'receptionist.db'}", prepare=prepare,
                      extra_env=dict(extra_env or {}))
    try:
        started.start()
        yield started
    finally:
        started.stop()


def organisation_from(path: Path) -> Callable[[Database], None]:
    """A `prepare` that stores the organisation file at `path`."""
    def prepare(database: Database) -> None:
        with database.session() as session:
            replace_directory(session, parse_org_file(path))
    return prepare


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages if "text" in m]


def customs(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["custom"] for m in messages if "custom" in m]
