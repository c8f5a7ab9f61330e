"""`receptionist run`: start every part of the receptionist and say where each listens.

Parts: the database (migrated on start), the organisation (the file in RECEPTIONIST_ORG, or
the demo organisation when the database has none), the message delivery sweep (a thread),
the Rasa action server and the Rasa server (subprocesses, so bot/ imports no Rasa). When
one part stops, the others are stopped too and the exit code says so.

Doors (docs/security.md): every server listens on 127.0.0.1 unless bot.config says otherwise,
and refuses to start beyond loopback with a short secret. The secrets (bot/tokens.py) are read
or generated here once and handed to the servers in their environment, never on a command
line: the action server (`python -m actions.server`) admits only the Rasa server, the Rasa
server (`python -m connectors.server`) only the channel clients and its API token holder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import DEMO_ORG, PROJECT_ROOT, Settings, connect_host, is_loopback, load_settings
from bot.context import Context, open_context
from bot.org.cli import describe
from bot.org.orgfile import parse_org_file
from bot.org.store import NoOrganization, replace_directory
from bot.tokens import Tokens, action_secrets, load_tokens, rasa_secrets, refuse_exposure
from bot.training import current_model, has_training_data
from bot.web.settings import ConsoleSettings, console_settings

BIN = Path(sys.executable).parent


@dataclass
class Part:
    name: str
    url: str
    process: subprocess.Popen | None = None
    health: str | None = None
    health_headers: dict[str, str] | None = None
    doors: str = ""
    """Who may come in, for the start-up lines (never a secret)."""


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


def action_command() -> list[str]:
    """The action server (host, port and secret from the environment: bot.config, bot.tokens)."""
    return [sys.executable, "-m", "actions.server"]


def rasa_command(model: Path) -> list[str]:
    """The Rasa server (host, port and secrets from the environment: bot.config, bot.tokens)."""
    return [sys.executable, "-m", "connectors.server", "--model", str(model)]


def server_env(settings: Settings, tokens: Tokens) -> dict[str, str]:
    """The servers' environment: this one, the project on the path, the secrets, where to find
    the action server."""
    return dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), **tokens.env(),
                RECEPTIONIST_ACTION_URL=action_url(settings))


def action_url(settings: Settings) -> str:
    return f"http://{connect_host(settings.action_host)}:{settings.action_port}/webhook"


def rasa_url(settings: Settings) -> str:
    return f"http://{connect_host(settings.rasa_host)}:{settings.rasa_port}"


def refuse_exposed_servers(settings: Settings, tokens: Tokens) -> None:
    """Stop before anything starts if a server would listen beyond loopback with a weak secret
    (each server checks again itself)."""
    refuse_exposure("action server", settings.action_host, action_secrets(tokens))
    refuse_exposure("Rasa server", settings.rasa_host, rasa_secrets(tokens))


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, start_new_session=True)


def _dialogue_parts(settings: Settings, tokens: Tokens) -> list[Part]:
    model = current_model()
    if model is None:
        reason = "no training data yet" if not has_training_data() else "model not trained (run `make model`)"
        print(f"dialogue: not started ({reason})")
        return []
    env = server_env(settings, tokens)
    base = action_url(settings).removesuffix("/webhook")
    actions = Part("action server", action_url(settings), health=f"{base}/health",
                   health_headers={"Authorization": f"Bearer {tokens.action}"},
                   doors=_doors(settings.action_host, "the Rasa server only: shared secret"))
    actions.process = _start(action_command(), env)
    rasa = Part("Rasa server (REST channel)", f"{rasa_url(settings)}/webhooks/rest/webhook",
                health=f"{rasa_url(settings)}/",
                doors=_doors(settings.rasa_host, "clients by token: phone (gateway), kiosk (relay), chat; "
                                                 "HTTP API by its token"))
    rasa.process = _start(rasa_command(model), env)
    return [actions, rasa]


def _doors(host: str, who: str) -> str:
    return who if is_loopback(host) else f"{who}; listening on {host}: reachable from the network"


def _wait_healthy(parts: list[Part], timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    for part in parts:
        while part.health and time.monotonic() < deadline:
            if part.process and part.process.poll() is not None:
                return
            try:
                with urllib.request.urlopen(urllib.request.Request(part.health, headers=part.health_headers or {}),
                                            timeout=2):
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
    config = gateway_config(settings, rasa_url(settings))
    try:
        running = start_in_thread(config, context.database, stop)
    except RuntimeError as error:
        return f"SIP gateway: not started ({error})"
    return describe(running, config.recordings_dir)


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    tokens = load_tokens(settings)
    if not args.no_dialogue:
        refuse_exposed_servers(settings, tokens)
    context = open_context(settings)
    print(f"database: {make_url(settings.db_url).render_as_string(hide_password=True)}")
    print(ensure_organisation(context))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # before anything starts: a stop is always clean
    _sweep_thread(context, stop)
    print(f"message delivery: SMTP {settings.smtp.host}:{settings.smtp.port}, checked every 60 s")
    console = _console_thread(context)
    console_url = f"http://{connect_host(console.host)}:{console.port}/"
    parts = [] if args.no_dialogue else _dialogue_parts(settings, tokens)
    _wait_healthy([*parts, Part("staff console", console_url, health=f"{console_url}signin")])
    print(f"staff console: http://{console.host}:{console.port}/ (first user: receptionist users add NAME --role admin)")
    for part in parts:
        print(f"{part.name}: {part.url} ({part.doors})")
    if parts:
        print(f"tokens: kept in {settings.var_dir} (mode 600) unless set in the environment (docs/security.md)")
    if parts and not args.no_voice:
        print(_start_gateway(context, stop))
    print("ready; Ctrl-C stops everything", flush=True)
    return _supervise(parts, stop, context)


def _supervise(parts: list[Part], stop: threading.Event, context: Context) -> int:
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
