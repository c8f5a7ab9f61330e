"""`receptionist run`: start every part of the receptionist and say where each listens.

Parts: the database (migrated on start), the organisation (the file in RECEPTIONIST_ORG, or
the demo organisation when the database has none), the message delivery sweep (a thread),
the Rasa action server and the Rasa server (subprocesses, so bot/ imports no Rasa). When
one part stops, the others are stopped too and the exit code says so.

Stopping (SIGTERM, Ctrl-C, or a part that stopped) goes in order, each step logged: (1) the SIP
gateway takes no new call, hangs up the calls in progress and waits (GATEWAY_GRACE_S) until each
has filed the voice message being left and saved its recording in the call record, while the
dialogue is still up (a call's last turn or transfer result may still need it); (2) the Rasa server,
then the action server (SIGTERM, SIGKILL after SERVER_STOP_S); (3) the message sweep (an e-mail
being sent is finished and marked); (4) the database. A second SIGTERM or Ctrl-C stops waiting:
what is left is stopped at once (servers killed), and a call still storing may lose its recording.

Doors (docs/security.md): every server listens on 127.0.0.1 unless bot.config says otherwise,
and refuses to start beyond loopback with a short secret. The secrets (bot/tokens.py) are read
or generated here once and handed to the servers in their environment, never on a command
line: the action server (`python -m actions.server`) admits only the Rasa server, the Rasa
server (`python -m connectors.server`) only the channel clients and its API token holder.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from bot.config import DEMO_ORG, PROJECT_ROOT, Settings, connect_host, is_loopback, load_settings
from bot.context import Context, open_context
from bot.hotel.checkout import start_checkout_thread
from bot.org.cli import describe
from bot.org.orgfile import parse_org_file
from bot.org.store import NoOrganization, replace_directory
from bot.tokens import Tokens, action_secrets, load_tokens, rasa_secrets, refuse_exposure
from bot.training import current_model, has_training_data
from bot.web.settings import ConsoleSettings, console_settings

if TYPE_CHECKING:
    from voice.service import RunningGateway

BIN = Path(sys.executable).parent

GATEWAY_GRACE_S = 15.0
"""On a stop, how long the calls hung up get to store their recordings and voice messages."""
GATEWAY_STOP_S = GATEWAY_GRACE_S + 10.0
"""How long the launcher waits for the gateway's whole stop (the grace, the BYEs, closing its socket)."""
SERVER_STOP_S = 15.0
"""How long the Rasa server and the action server each get after SIGTERM before SIGKILL."""
SWEEP_STOP_S = 30.0
"""How long a message sweep in progress gets to finish (it marks each e-mail sent before the next)."""


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


def _wait_healthy(parts: list[Part], timeout_s: float = 180, stop: threading.Event | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    stop = stop or threading.Event()
    for part in parts:
        while part.health and time.monotonic() < deadline and not stop.is_set():
            if part.process and part.process.poll() is not None:
                return
            try:
                with urllib.request.urlopen(urllib.request.Request(part.health, headers=part.health_headers or {}),
                                            timeout=2):
                    break
            except OSError:
                stop.wait(1)


def _sweep_thread(context: Context, stop: threading.Event) -> threading.Thread:
    from bot.records.mailer import sweep_forever

    thread = threading.Thread(
        target=sweep_forever, args=(context.database, context.directory, context.settings.smtp, 60.0, stop),
        name="message-sweep", daemon=True,
    )
    thread.start()
    return thread


def _tracker_purge_thread(settings: Settings, stop: threading.Event) -> threading.Thread | None:
    """With a tracker store, conversations idle past the retention are deleted hourly
    (bot/records/tracker_retention.py); in memory, the Rasa server forgets them itself."""
    if not settings.tracker_store:
        return None
    import datetime as dt

    from bot.records.tracker_retention import purge_forever

    retention = dt.timedelta(days=settings.tracker_retention_days)
    thread = threading.Thread(target=purge_forever, args=(settings.tracker_store, retention, stop),
                              name="tracker-purge", daemon=True)
    thread.start()
    return thread


def _console_thread(context: Context) -> ConsoleSettings:
    """The staff console, on its own event loop in a daemon thread (it ends with the process)."""
    from bot.web.app import serve

    settings = console_settings(context.settings)
    threading.Thread(target=lambda: asyncio.run(serve(context, settings=settings)), name="console",
                     daemon=True).start()
    return settings


def _start_gateway(context: Context, stop: threading.Event) -> tuple[RunningGateway | None, str]:
    """The SIP gateway (voice/), which reaches the dialogue over HTTP like any channel; it closes when
    `stop` is set (RunningGateway.join waits for that)."""
    from voice.service import describe, gateway_config, start_in_thread

    settings = context.settings
    config = gateway_config(settings, rasa_url(settings))
    try:
        running = start_in_thread(config, context.database, stop, grace_s=GATEWAY_GRACE_S)
    except RuntimeError as error:
        return None, f"SIP gateway: not started ({error})"
    return running, describe(running, config.recordings_dir)


class StopSignals:
    """SIGTERM and Ctrl-C (SIGINT): the first asks for the ordered stop, a second hurries it (no more
    waiting: what is left is stopped at once). The handlers only set events: the stop prints."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.hurry = threading.Event()

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.received)

    def received(self, *_: object) -> None:
        if self.stop.is_set():
            self.hurry.set()
        self.stop.set()


@dataclass
class Running:
    """What `receptionist run` started, as stop_in_order stops it."""

    context: Context
    parts: list[Part] = field(default_factory=list)
    """The action server and the Rasa server, in the order they were started."""
    sweep: threading.Thread | None = None
    sweep_stop: threading.Event = field(default_factory=threading.Event)
    """Stops the message sweep and the hotel's automatic checkout."""
    checkout: threading.Thread | None = None
    gateway: RunningGateway | None = None
    gateway_stop: threading.Event = field(default_factory=threading.Event)


def say(line: str) -> None:
    print(line, flush=True)


def stop_in_order(running: Running, hurry: threading.Event) -> None:
    """The ordered stop (module docstring): gateway, dialogue servers, message sweep, database."""
    started = time.monotonic()
    say("stopping: gateway, then dialogue servers, then message delivery, then the database "
        "(a second Ctrl-C or SIGTERM stops waiting)")
    _stop_gateway(running, hurry)
    _stop_servers(running.parts, hurry)
    _stop_sweep(running, hurry)
    running.context.close()
    say(f"stopping: database closed; stopped in {time.monotonic() - started:.1f} s")


def _stop_gateway(running: Running, hurry: threading.Event) -> None:
    running.gateway_stop.set()
    gateway = running.gateway
    if gateway is None:
        return
    calls = gateway.calls_in_progress()
    say(f"stopping: gateway: no new calls; {_count(calls, 'call')} in progress"
        + (f": hanging up, up to {GATEWAY_GRACE_S:.0f} s to save recordings and file voice messages" if calls else ""))
    if not _wait_until(gateway.join, GATEWAY_STOP_S, hurry):
        say("stopping: gateway: " + ("second signal: not waiting; calls still storing may lose their recording"
                                     if hurry.is_set() else f"not closed after {GATEWAY_STOP_S:.0f} s; going on"))
        return
    report = gateway.report
    if report is None:
        say("stopping: gateway closed (its stop failed: see the log above)")
        return
    late = f"; {_count(report.late, 'call')} still storing after {GATEWAY_GRACE_S:.0f} s" if report.late else ""
    say(f"stopping: gateway closed in {report.seconds:.2f} s: {_count(report.calls, 'call')} hung up, "
        f"{_count(report.recordings, 'recording')} saved, {_count(report.voice_messages, 'voice message')} "
        f"filed{late}")


def _stop_servers(parts: list[Part], hurry: threading.Event) -> None:
    """The Rasa server first (it calls the action server), then the action server."""
    live = [part for part in reversed(parts) if part.process is not None]
    if live:
        say(f"stopping: dialogue servers: {', then '.join(part.name for part in live)}")
    for part in live:
        process = part.process
        assert process is not None
        if process.poll() is not None:
            say(f"stopping: {part.name} had already stopped (exit {process.returncode})")
            continue
        began = time.monotonic()
        _signal_group(process, signal.SIGTERM)
        if _wait_until(lambda timeout_s, p=process: _exited(p, timeout_s), SERVER_STOP_S, hurry):
            say(f"stopping: {part.name} stopped (exit {process.returncode}) in {time.monotonic() - began:.1f} s")
            continue
        _signal_group(process, signal.SIGKILL)
        process.wait()
        why = "second signal" if hurry.is_set() else f"still running after {SERVER_STOP_S:.0f} s"
        say(f"stopping: {part.name} killed ({why})")


def _stop_sweep(running: Running, hurry: threading.Event) -> None:
    running.sweep_stop.set()
    sweep = running.sweep
    if sweep is None:
        return
    if sweep.is_alive():
        say("stopping: message delivery (an e-mail being sent is finished and marked)")
    if running.checkout is not None:
        running.checkout.join(timeout=5)  # one UPDATE at most is in flight
    if _wait_until(lambda timeout_s: not _joined_alive(sweep, timeout_s), SWEEP_STOP_S, hurry):
        say("stopping: message delivery stopped")
    else:
        say("stopping: message delivery: not waiting any longer; the next start sends what is left")


def _wait_until(done: Callable[[float], bool], timeout_s: float, hurry: threading.Event) -> bool:
    """Whether `done(step)` (which may block up to `step` seconds) came true within `timeout_s`; a
    second signal (`hurry`) ends the wait at once."""
    deadline = time.monotonic() + timeout_s
    while not hurry.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if done(min(left, 0.2)):
            return True
    return False


def _exited(process: subprocess.Popen, timeout_s: float) -> bool:
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return False
    return True


def _joined_alive(thread: threading.Thread, timeout_s: float) -> bool:
    thread.join(timeout_s)
    return thread.is_alive()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    tokens = load_tokens(settings)
    if not args.no_dialogue:
        refuse_exposed_servers(settings, tokens)
    context = open_context(settings)
    print(f"database: {make_url(settings.db_url).render_as_string(hide_password=True)}")
    print(ensure_organisation(context))
    signals = StopSignals()
    signals.install()  # before anything starts: a stop is always the ordered one
    running = Running(context)
    running.sweep = _sweep_thread(context, running.sweep_stop)
    running.checkout = start_checkout_thread(context.database, running.sweep_stop)
    _tracker_purge_thread(settings, running.sweep_stop)
    try:
        print(f"message delivery: SMTP {settings.smtp.host}:{settings.smtp.port}, checked every 60 s")
        console = _console_thread(context)
        console_url = f"http://{connect_host(console.host)}:{console.port}/"
        running.parts = [] if args.no_dialogue else _dialogue_parts(settings, tokens)
        _wait_healthy([*running.parts, Part("staff console", console_url, health=f"{console_url}signin")],
                      stop=signals.stop)
        print(f"staff console: http://{console.host}:{console.port}/ (first user: receptionist users add NAME "
              "--role admin)")
        for part in running.parts:
            print(f"{part.name}: {part.url} ({part.doors})")
        if running.parts:
            print(f"tokens: kept in {settings.var_dir} (mode 600) unless set in the environment (docs/security.md)")
        if running.parts and not args.no_voice and not signals.stop.is_set():
            running.gateway, line = _start_gateway(context, running.gateway_stop)
            print(line)
        print("ready; Ctrl-C stops everything", flush=True)
    except BaseException:
        stop_in_order(running, signals.hurry)
        raise
    return _supervise(running, signals)


def _supervise(running: Running, signals: StopSignals) -> int:
    code = 0
    while not signals.stop.is_set():
        for part in running.parts:
            if part.process and part.process.poll() is not None:
                print(f"{part.name} stopped (exit {part.process.returncode}); stopping the rest", file=sys.stderr)
                code = 1
                signals.stop.set()
        signals.stop.wait(1)
    stop_in_order(running, signals.hurry)
    return code
