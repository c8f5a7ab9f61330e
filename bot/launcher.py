"""`receptionist run`: start every part of the receptionist and say where each listens.

Parts: the database (migrated on start), the organisation (the file in RECEPTIONIST_ORG, or
the demo organisation when the database has none), the message delivery sweep (a thread),
the Rasa action server and the Rasa server (subprocesses, so bot/ imports no Rasa). When
one part stops, the others are stopped too and the exit code says so.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import DEMO_ORG, PROJECT_ROOT, Settings, load_settings
from bot.context import Context, open_context
from bot.org.cli import describe
from bot.org.orgfile import parse_org_file
from bot.org.store import NoOrganization, replace_directory
from bot.training import current_model, has_training_data
from bot.web.settings import ConsoleSettings, console_settings

BIN = Path(sys.executable).parent


@dataclass
class Part:
    name: str
    url: str
    process: subprocess.Popen | None = None
    health: str | None = None


def register(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser("run", help="start the receptionist (what `make run` does)")
    run.add_argument("--no-dialogue", action="store_true", help="do not start the Rasa servers (nor the gateway)")
    run.add_argument("--no-voice", action="store_true", help="do not start the SIP gateway")
    run.set_defaults(handler=_run)


def ensure_organisation(context: Context) -> str:
    """Import RECEPTIONIST_ORG if given; otherwise the demo organisation if there is none."""
    org_file = context.settings.org_file
    if org_file is None:
        try:
            return f"organisation: {describe(context.directory.current())}"
        except NoOrganization:
            org_file = DEMO_ORG
    directory = parse_org_file(org_file)
    with context.database.session() as session:
        replace_directory(session, directory)
    return f"organisation: {describe(directory)} (imported from {org_file})"


def api_token(settings: Settings) -> str:
    """RECEPTIONIST_API_TOKEN, or one generated once and kept in var/api-token (mode 600)."""
    if settings.api_token:
        return settings.api_token
    path = settings.var_dir / "api-token"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, start_new_session=True)


def _dialogue_parts(settings: Settings, env: dict[str, str]) -> list[Part]:
    model = current_model()
    if model is None:
        reason = "no training data yet" if not has_training_data() else "model not trained (run `make model`)"
        print(f"dialogue: not started ({reason})")
        return []
    actions = Part("action server", f"http://localhost:{settings.action_port}/webhook",
                   health=f"http://localhost:{settings.action_port}/health")
    actions.process = _start([str(BIN / "rasa"), "run", "actions", "--actions", "actions",
                              "--port", str(settings.action_port)], env)
    rasa = Part("Rasa server (REST channel)", f"http://localhost:{settings.rasa_port}/webhooks/rest/webhook",
                health=f"http://localhost:{settings.rasa_port}/")
    rasa.process = _start([
        str(BIN / "rasa"), "run", "--model", str(model), "--port", str(settings.rasa_port),
        "--enable-api", "--auth-token", api_token(settings), "--endpoints", "endpoints.yml",
        "--credentials", "credentials.yml",
    ], env)
    return [actions, rasa]


def _wait_healthy(parts: list[Part], timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    for part in parts:
        while part.health and time.monotonic() < deadline:
            if part.process and part.process.poll() is not None:
                return
            try:
                with urllib.request.urlopen(part.health, timeout=2):
                    break
            except OSError:
                time.sleep(1)


def _sweep_thread(context: Context, stop: threading.Event) -> threading.Thread:
    from bot.records.mailer import sweep_forever

    thread = threading.Thread(
        target=sweep_forever, args=(context.database, context.directory, context.settings.smtp, 60.0, stop),
        name="message-sweep", daemon=True,
    )
    thread.start()
    return thread


def _console_thread(context: Context) -> ConsoleSettings:
    """The staff console, on its own event loop in a daemon thread (it ends with the process)."""
    from bot.web.app import serve

    settings = console_settings(context.settings)
    threading.Thread(target=lambda: asyncio.run(serve(context, settings=settings)), name="console",
                     daemon=True).start()
    return settings


def _start_gateway(context: Context, stop: threading.Event) -> str:
    """The SIP gateway (voice/), which reaches the dialogue over HTTP like any channel."""
    from voice.service import describe, gateway_config, start_in_thread

    settings = context.settings
    config = gateway_config(settings, f"http://127.0.0.1:{settings.rasa_port}")
    try:
        running = start_in_thread(config, context.database, stop)
    except RuntimeError as error:
        return f"SIP gateway: not started ({error})"
    return describe(running, config.recordings_dir)


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    context = open_context(settings)
    print(f"database: {make_url(settings.db_url).render_as_string(hide_password=True)}")
    print(ensure_organisation(context))
    stop = threading.Event()
    _sweep_thread(context, stop)
    print(f"message delivery: SMTP {settings.smtp.host}:{settings.smtp.port}, checked every 60 s")
    console = _console_thread(context)
    console_url = f"http://{console.host}:{console.port}/"
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT),
               RECEPTIONIST_ACTION_URL=f"http://localhost:{settings.action_port}/webhook")
    parts = [] if args.no_dialogue else _dialogue_parts(settings, env)
    _wait_healthy([*parts, Part("staff console", console_url, health=f"{console_url}signin")])
    print(f"staff console: {console_url} (first user: receptionist users add NAME --role admin)")
    for part in parts:
        print(f"{part.name}: {part.url}")
    if parts and not args.no_voice:
        print(_start_gateway(context, stop))
    print("ready; Ctrl-C stops everything", flush=True)
    return _supervise(parts, stop, context)


def _supervise(parts: list[Part], stop: threading.Event, context: Context) -> int:
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    code = 0
    try:
        while not stop.is_set():
            for part in parts:
                if part.process and part.process.poll() is not None:
                    print(f"{part.name} stopped (exit {part.process.returncode}); stopping the rest", file=sys.stderr)
                    code = 1
                    stop.set()
            stop.wait(1)
    except KeyboardInterrupt:
        stop.set()
    for part in parts:
        if part.process and part.process.poll() is None:
            os.killpg(part.process.pid, signal.SIGTERM)
    for part in parts:
        if part.process:
            try:
                part.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(part.process.pid, signal.SIGKILL)
    context.close()
    return code
