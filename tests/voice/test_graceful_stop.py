"""Stopping `receptionist run` (SIGTERM, Ctrl-C) in order: the gateway first, while the dialogue is
still up, so a call in progress keeps its recording and a voice message being left is filed; then
the Rasa and action servers, the message sweep, the database (bot/launcher.py, stop_in_order).

The first test runs the real `receptionist run` (Rasa, action server, gateway) and a real SIPp
caller; the stop comes mid-call. The voice-message test drives the gateway (voice.service, as the
launcher starts it) with a dialogue that never answers and no operator, so the caller is recording
a voice message when the stop comes, and stops it with the launcher's own stop_in_order: `receptionist
run` itself cannot be made to lose its dialogue while its own Rasa server is up.
"""

from __future__ import annotations

import asyncio
import audioop
import os
import signal
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import pytest
from gateway_helpers import Step, caller_scenario, phone_line_pcap, rtp_pcap
from voice_helpers import free_udp_port, run_sipp

from bot.config import PROJECT_ROOT, load_settings
from bot.context import Context
from bot.db.engine import open_database
from bot.org.store import DirectoryCache
from voice.audio import SAMPLE_WIDTH, Pcm, silence, tone

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rasa_servers import free_port


def talk(seconds: float) -> bytes:
    """What the caller says: half-second tone bursts with short gaps, like speech (8 kHz PCM)."""
    burst = tone(8000, 0.5, 350.0, 6000) + silence(8000, 0.2) + tone(8000, 0.5, 520.0, 6000) + silence(8000, 0.3)
    return burst * max(1, int(seconds / 1.5))


def caller_talking(path: Path, seconds: float = 60.0) -> Path:
    return rtp_pcap(talk(seconds), path)


def caller_channel(recording: Path) -> Pcm:
    """The caller's side (left) of a call's stereo recording."""
    with wave.open(str(recording)) as wav:
        data = wav.readframes(wav.getnframes())
    return Pcm(audioop.tomono(data, SAMPLE_WIDTH, 1, 0), 8000)


def voiced_seconds(pcm: Pcm, frame: int = 320, level: float = 200.0) -> float:
    return sum(1 for i in range(0, len(pcm.data) - frame + 1, frame) if Pcm(pcm.data[i:i + frame], 8000).rms > level) \
        * frame / 2 / 8000


# ---------------------------------------------------------------------------------------------- the launcher


class Launcher:
    """`receptionist run` as a subprocess, its output collected line by line (a reader thread)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=PROJECT_ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def said(self, fragment: str) -> bool:
        return any(fragment in line for line in self.lines)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def launcher_env(var: Path, sip_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEPTIONIST_")}
    return dict(env, RECEPTIONIST_VAR=str(var), RECEPTIONIST_DB=f"sqlite:///{var / 'receptionist.db'}",
                RECEPTIONIST_SMTP_PORT="1", RECEPTIONIST_CONSOLE_PORT=str(free_port()),
                RECEPTIONIST_RASA_PORT=str(free_port()), RECEPTIONIST_ACTION_PORT=str(free_port()),
                RECEPTIONIST_SIP_HOST="127.0.0.1", RECEPTIONIST_SIP_PORT=str(sip_port),
                SQLALCHEMY_SILENCE_UBER_WARNING="1", TF_CPP_MIN_LOG_LEVEL="2")


def phone_calls(db_url: str) -> list:
    from bot.records.calls import list_calls

    database = open_database(db_url)
    try:
        with database.session() as session:
            return [c for c in list_calls(session) if c.conversation.startswith("sip-")]
    finally:
        database.close()


def messages_for(db_url: str, conversation: str) -> list:
    from bot.records.messages import list_messages

    database = open_database(db_url)
    try:
        with database.session() as session:
            return [m for m in list_messages(session) if m.conversation == conversation]
    finally:
        database.close()


def test_a_stop_during_a_call_hangs_up_keeps_the_recording_and_stops_the_dialogue_after_the_gateway(tmp_path):
    from bot.training import current_model

    if current_model() is None:
        pytest.skip("no dialogue model for the current training data: `python -m bot.training --ensure`")
    var = tmp_path / "var"
    sip_port = free_udp_port()
    env = launcher_env(var, sip_port)
    db_url = env["RECEPTIONIST_DB"]
    (tmp_path / "caller").mkdir()
    # The caller talks over the greeting, waits for the prompts and keys 8202#; the stop comes 0.1 s later
    # (SIPp runs the kill), while the dialogue is answering that turn.
    plan: list[tuple[str, object]] = [("pause", 1.0), ("speech", talk(6.0)), ("pause", 16.0), ("keys", "8202#")]
    _, keyed_at = phone_line_pcap(plan, tmp_path / "until-keys.pcap")
    audio, _ = phone_line_pcap([*plan, ("pause", 60.0)], tmp_path / "call.pcap")
    launcher = Launcher(env)
    kill = f'  <nop><action><exec command="kill -TERM {launcher.process.pid}"/></action></nop>\n'
    scenario = caller_scenario([Step(pcap=str(audio)), Step(pause_ms=int(keyed_at * 1000) + 100)],
                               tmp_path / "caller.xml", hang_up=False, wait_bye_ms=120000)
    scenario.write_text(scenario.read_text().replace("  <recv request=\"BYE\"", kill + "  <recv request=\"BYE\"", 1))
    try:
        deadline = time.monotonic() + 300
        while not launcher.said("ready") and launcher.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert launcher.said("ready") and launcher.said(f"SIP gateway: sip:127.0.0.1:{sip_port}"), launcher.output

        code, log = asyncio.run(run_sipp(str(scenario), ("127.0.0.1", sip_port), tmp_path / "caller", timeout_s=150))
        launcher.process.wait(timeout=120)
        launcher.reader.join(10)
    finally:
        launcher.kill()

    output = launcher.output
    print(output)
    assert launcher.process.returncode == 0, output
    assert code == 0, f"the caller must be hung up on cleanly (BYE), not left hanging: {log}"
    [call] = phone_calls(db_url)
    said = [(turn.who.value, turn.text) for turn in call.transcript]
    keyed = said.index(("caller", "8202")) if ("caller", "8202") in said else -1
    assert keyed >= 0 and any(who == "receptionist" for who, _ in said[keyed + 1:]), \
        f"the turn the caller keyed just before the stop was answered by the dialogue: {said}\n{output}"
    assert not messages_for(db_url, call.conversation), "no fail-safe: the dialogue was there to the end"
    wavs = sorted((var / "recordings").glob("*.wav"))
    assert [str(p) for p in wavs] == [call.recording], (wavs, call.recording, output)
    assert not list((var / "recordings").glob("*.part")), "the recording was finished, not left half-written"
    caller = caller_channel(wavs[0])
    assert caller.duration_s > 4 and voiced_seconds(caller) > 2, "the recording holds what the caller said"
    # the order an operator reads: the gateway stored its call before the dialogue servers were stopped
    steps = ["stopping: gateway: no new calls; 1 call in progress",
             "stopping: gateway closed in", "stopping: dialogue servers: Rasa server (REST channel), then action server",
             "stopping: Rasa server (REST channel) stopped", "stopping: action server stopped",
             "stopping: message delivery stopped", "stopping: database closed"]
    at = [next((n for n, line in enumerate(launcher.lines) if step in line), -1) for step in steps]
    assert -1 not in at and at == sorted(at), f"the stop's steps, in this order: {steps}\n{output}"
    closed = launcher.lines[at[1]]
    assert "1 call hung up, 1 recording saved, 0 voice messages filed" in closed, closed
    stop_s = float(launcher.lines[at[-1]].rsplit("stopped in ", 1)[1].split(" s")[0])
    assert stop_s < 60, f"the stop took {stop_s:.0f} s"


# ---------------------------------------------------------------------------------------------- a voice message


def test_a_caller_leaving_a_voice_message_when_the_stop_comes_has_it_filed_with_the_recording(
        demo_db, tmp_path, capsys):
    from bot.launcher import Running, stop_in_order
    from bot.records.calls import get_call
    from bot.records.messages import list_messages
    from voice.gateway import GatewayConfig
    from voice.service import start_in_thread

    (tmp_path / "caller").mkdir()
    dead = f"http://127.0.0.1:{free_port()}"  # the dialogue never answers; no route to the operator either
    config = GatewayConfig(rasa_url=dead, api_token="t", channel_token="t", recordings_dir=tmp_path / "recordings",
                           prompts_dir=tmp_path / "prompts", sip_port=free_udp_port(), dialogue_timeout_s=1.0)
    running = Running(Context(settings=load_settings(), database=demo_db, directory=DirectoryCache(demo_db)))
    running.gateway = start_in_thread(config, demo_db, running.gateway_stop)
    gateway = running.gateway.gateway
    assert gateway is not None
    scenario = caller_scenario([Step(pause_ms=300), Step(pcap=str(caller_talking(tmp_path / "talk.pcap", 90)))],
                               tmp_path / "caller.xml", hang_up=False, wait_bye_ms=150000, caller_number="13800138000")
    result: dict[str, object] = {}
    caller = threading.Thread(target=lambda: result.update(sipp=asyncio.run(run_sipp(
        str(scenario), running.gateway.address, tmp_path / "caller", timeout_s=170))))
    caller.start()
    try:
        # the apology, the operator tried (no route), the voice-mail prompt, the tone: the gateway stops
        # listening for turns and records the message
        deadline = time.monotonic() + 120
        while not (gateway.sessions and gateway.sessions[-1].outcome == "failsafe:voicemail"
                   and not gateway.sessions[-1]._listening) and time.monotonic() < deadline:
            time.sleep(0.1)
        session = gateway.sessions[-1]
        assert session.outcome == "failsafe:voicemail" and not session._listening, (session.outcome, session.spoken)
        time.sleep(4.0)  # the caller talks for a while
        started = time.monotonic()
        stop_in_order(running, threading.Event())
        stop_s = time.monotonic() - started
    finally:
        running.gateway_stop.set()
        caller.join(60)

    # right after the stop returns: nothing is still on its way
    with demo_db.session() as db:
        left = [m for m in list_messages(db) if m.conversation == session.conversation]
        record = get_call(db, session.conversation)
    output = capsys.readouterr().out
    print(output)
    print(f"stop took {stop_s:.1f} s")
    code, log = result["sipp"]  # type: ignore[misc]
    assert code == 0, f"the caller must be hung up on cleanly (BYE): {log}"
    assert len(left) == 1, left
    assert "语音留言" in left[0].text and left[0].callback_number == "13800138000"
    assert record is not None and record.recording and Path(record.recording).is_file(), record
    assert voiced_seconds(caller_channel(Path(record.recording))) > 3, "the voice message is in the recording"
    assert "1 call hung up, 1 recording saved, 1 voice message filed" in output, output
    assert stop_s < 15, f"the stop took {stop_s:.0f} s"


# ---------------------------------------------------------------------------------------------- slow parts


STUBBORN = ("import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); "
            "time.sleep(120)")


def stubborn_server(name: str):
    """A server that ignores SIGTERM (a stuck Rasa server), in its own session as the launcher starts them."""
    from bot.launcher import Part

    process = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True,
                               start_new_session=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "up"
    return Part(name, "", process=process)


class StuckGateway:
    """A gateway whose calls never finish storing (what join sees of it)."""

    def __init__(self) -> None:
        self.report = None

    def calls_in_progress(self) -> int:
        return 3

    def join(self, timeout_s: float | None = None) -> bool:
        time.sleep(timeout_s or 0)
        return False


def test_a_server_that_ignores_sigterm_is_killed_after_its_time(sqlite_url, tmp_path, monkeypatch, capsys):
    import bot.launcher as launcher

    monkeypatch.setattr(launcher, "SERVER_STOP_S", 1.0)
    database = open_database(sqlite_url)
    running = launcher.Running(Context(settings=load_settings(), database=database, directory=DirectoryCache(database)),
                               parts=[stubborn_server("action server"), stubborn_server("Rasa server")])
    started = time.monotonic()
    launcher.stop_in_order(running, threading.Event())
    took = time.monotonic() - started

    output = capsys.readouterr().out
    assert all(part.process.returncode == -signal.SIGKILL for part in running.parts), output
    assert "stopping: dialogue servers: Rasa server, then action server" in output
    assert "stopping: Rasa server killed (still running after 1 s)" in output
    assert "stopping: action server killed (still running after 1 s)" in output
    assert 2.0 <= took < 10, took


def test_a_second_signal_stops_waiting_for_the_gateway_and_kills_the_servers_at_once(sqlite_url, tmp_path, capsys):
    """The first SIGTERM/Ctrl-C starts the ordered stop; a second one ends every wait: the gateway's
    calls still storing are left (they may lose their recording) and the servers are killed."""
    from bot.launcher import Running, StopSignals, stop_in_order

    signals = StopSignals()
    signals.received()
    assert signals.stop.is_set() and not signals.hurry.is_set()
    database = open_database(sqlite_url)
    running = Running(Context(settings=load_settings(), database=database, directory=DirectoryCache(database)),
                      parts=[stubborn_server("action server"), stubborn_server("Rasa server")])
    running.gateway = StuckGateway()  # type: ignore[assignment]
    threading.Timer(1.0, signals.received).start()  # the operator presses Ctrl-C again a second later
    started = time.monotonic()
    stop_in_order(running, signals.hurry)
    took = time.monotonic() - started

    output = capsys.readouterr().out
    assert signals.hurry.is_set()
    assert "stopping: gateway: no new calls; 3 calls in progress" in output
    assert "stopping: gateway: second signal: not waiting" in output
    assert "stopping: Rasa server killed (second signal)" in output and "action server killed (second signal)" in output
    assert all(part.process.returncode == -signal.SIGKILL for part in running.parts)
    assert "stopping: database closed" in output
    assert took < 5, took
