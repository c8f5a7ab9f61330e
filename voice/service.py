"""The voice gateway as a part of `receptionist run`: configured from bot.config, on its own loop;
or on its own, one process of several behind kamailio's dispatcher (docs/deploy.md):

    python -m voice.service        (RECEPTIONIST_SIP_PORT, RECEPTIONIST_RASA_HOST/PORT: the balancer)

The gateway talks to the dialogue only over HTTP (the Rasa REST channel and API); it reads the
directory (which destinations may be dialled) and writes recordings into call records.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.db.engine import Database
from bot.tokens import load_tokens
from voice.gateway import CLOSE_GRACE_S, Gateway, GatewayConfig, StopReport
from voice.models import model_path
from voice.sip.ua import Account
from voice.transfer import DialPlan

log = logging.getLogger(__name__)


def gateway_config(settings: Settings, rasa_url: str) -> GatewayConfig:
    sip = settings.sip
    account, dial_plan = None, DialPlan()
    if sip.registrar:
        host, _, port = sip.registrar.partition(":")
        registrar = (socket.gethostbyname(host), int(port or 5060))
        account = Account(registrar=registrar, domain=sip.domain or host, username=sip.username,
                          password=sip.password)
        dial_plan = DialPlan(proxy=registrar, domain=sip.domain or host)
    speech = {lang: path for lang in ("zh", "en") if (path := model_path(lang, settings.voice)) is not None}
    tokens = load_tokens(settings)
    return GatewayConfig(
        rasa_url=rasa_url, api_token=tokens.api, channel_token=tokens.channels["phone"],
        recordings_dir=settings.recordings_dir or settings.var_dir / "recordings",
        prompts_dir=settings.var_dir / "prompts", sip_host=sip.host, sip_port=sip.port,
        advertised_host=sip.advertised_host or None, user=sip.username, account=account, dial_plan=dial_plan,
        speech_paths=speech, dialogue_timeout_s=sip.dialogue_timeout_s, tts_rate=settings.voice.tts_rate,
        internal_peers=frozenset(_addresses(sip.internal_from)), max_calls=sip.max_calls,
        max_calls_per_source=sip.max_calls_per_source,
    )


def _addresses(hosts: tuple[str, ...]) -> list[str]:
    """Host names resolved once, at start: the INVITE's source address is compared with them."""
    resolved = []
    for host in hosts:
        try:
            resolved.append(socket.gethostbyname(host))
        except OSError:
            log.error("RECEPTIONIST_SIP_INTERNAL_FROM: %r does not resolve; calls from it count as external", host)
    return resolved


@dataclass
class RunningGateway:
    address: tuple[str, int]
    languages: tuple[str, ...]
    """Languages with a speech model; the others are keypad only."""
    gateway: Gateway | None = None
    thread: threading.Thread | None = None
    """The gateway's thread: it ends once the gateway has closed (after `stop` is set)."""
    report: StopReport | None = None
    """What the stop did, once the thread has ended."""

    def calls_in_progress(self) -> int:
        return self.gateway.calls_in_progress if self.gateway is not None else 0

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait until the gateway has closed (its calls hung up, their recordings and voice messages
        stored; then `report` says what it did); whether it had within `timeout_s`."""
        if self.thread is not None:
            self.thread.join(timeout_s)
            return not self.thread.is_alive()
        return True


def start_in_thread(config: GatewayConfig, database: Database, stop: threading.Event,
                    timeout_s: float = 60.0, grace_s: float = CLOSE_GRACE_S) -> RunningGateway:
    """Start the gateway on its own event loop in a daemon thread; raise if it cannot start. Once `stop`
    is set the gateway closes (Gateway.close: up to `grace_s` for the calls hung up to store what they
    hold) and the thread ends: `RunningGateway.join` waits for that."""
    started: dict[str, object] = {}
    ready = threading.Event()
    running = RunningGateway(address=("", 0), languages=tuple(config.speech_paths))

    async def serve() -> None:
        gateway = Gateway(config, database)
        running.gateway = gateway
        try:
            started["address"] = await gateway.start()
        except BaseException as error:
            started["error"] = error
            ready.set()
            raise
        ready.set()
        try:
            await asyncio.to_thread(stop.wait)
        finally:
            running.report = await gateway.close(grace_s)

    thread = threading.Thread(target=lambda: asyncio.run(serve()), name="sip-gateway", daemon=True)
    running.thread = thread
    thread.start()
    if not ready.wait(timeout_s):
        raise RuntimeError("the SIP gateway did not start in time")
    if "error" in started:
        raise RuntimeError(f"the SIP gateway could not start: {started['error']}")
    running.address = started["address"]  # type: ignore[assignment]
    return running


def describe(running: RunningGateway, recordings: Path) -> str:
    host, port = running.address
    speech = ", ".join(running.languages) or "none installed (keypad only: receptionist models fetch zh|en)"
    return f"SIP gateway: sip:{host}:{port} (speech: {speech}; recordings in {recordings})"


def main() -> int:
    """One gateway process: started from the settings, stopped (in order: no new call, the calls in
    progress hung up and stored) by SIGTERM or Ctrl-C; a second signal hurries the stop."""
    from bot.context import open_context
    from bot.launcher import GATEWAY_GRACE_S, GATEWAY_STOP_S, StopSignals, rasa_url

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    context = open_context()
    signals = StopSignals()
    signals.install()
    config = gateway_config(context.settings, rasa_url(context.settings))
    try:
        running = start_in_thread(config, context.database, signals.stop, grace_s=GATEWAY_GRACE_S)
    except RuntimeError as error:
        print(f"SIP gateway: not started ({error})", flush=True)
        context.close()
        return 1
    print(describe(running, config.recordings_dir), f"→ dialogue {config.rasa_url}", flush=True)
    signals.stop.wait()
    stopped = running.join(GATEWAY_STOP_S)
    context.close()
    print("SIP gateway: stopped" if stopped else "SIP gateway: stop timed out", flush=True)
    return 0 if stopped else 1


if __name__ == "__main__":
    raise SystemExit(main())
