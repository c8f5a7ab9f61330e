"""A call always ends (issue #16): caller silence, RTP inactivity and the maximum duration, per call; and a
recording streamed to disk, so neither idle calls nor long ones hold audio in memory.

The calls are real: a SIPp caller (line noise from a pcap, as a phone sends between words, or keys), the
gateway as it runs, the Rasa and action servers answering over HTTP (tests/rasa_servers.py), SIPp staff
phones addressed by the dial plan. The limits are shortened through GatewayConfig; the production values
are the constants of voice/call_session.py.
"""

from __future__ import annotations

import asyncio
import sys
import time
import tracemalloc
import wave
from pathlib import Path

import pytest
from gateway_helpers import StaffPhone, Step, caller_scenario, keys, phone_line_pcap
from voice_helpers import eventually, free_udp_port, run_sipp

from bot.db.engine import open_database
from voice.audio import SAMPLE_WIDTH, Codec, Pcm, encode, tone
from voice.call_session import PHRASES, VOICEMAIL_S
from voice.gateway import Gateway, GatewayConfig
from voice.recording import CallRecorder
from voice.transfer import DialPlan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rasa_servers import Servers

OFFICE_HOURS = "2026-11-25T10:15:00+08:00"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory):
    from bot.config import PROJECT_ROOT
    from bot.training import current_model

    trained = sorted((PROJECT_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    model = current_model() or (trained[-1] if trained else None)
    if model is None:
        pytest.skip("no trained dialogue model: `make test` or `python -m bot.training --ensure` trains it")
    work = tmp_path_factory.mktemp("rasa")
    running = Servers(workdir=work, model=model, db_url=f"sqlite:///{work / 'receptionist.db'}").start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def prompts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prompts")


def config(servers: Servers, tmp_path: Path, prompts_dir: Path, routes: dict[str, tuple[str, int]] | None = None,
           rasa_url: str | None = None, **limits) -> GatewayConfig:
    return GatewayConfig(rasa_url=rasa_url or servers.rasa_url, api_token=servers.token,
                         channel_token=servers.tokens["phone"], recordings_dir=tmp_path / "recordings",
                         prompts_dir=prompts_dir, sip_port=0, dial_plan=DialPlan(routes=routes or {}),
                         dialogue_timeout_s=limits.pop("dialogue_timeout_s", 20.0),
                         first_metadata={"now": OFFICE_HOURS}, **limits)


async def place_call(cfg: GatewayConfig, db_url: str, steps: list[Step], tmp_path: Path,
                     staff: StaffPhone | None = None) -> tuple[Gateway, int, str, tuple[int, str], float]:
    """A SIPp caller who plays `steps` and then waits (90 s at most) for the gateway's BYE, never sending one.
    (gateway, caller's exit code, its log, (staff phone's exit code, log), seconds the call lasted)."""
    (tmp_path / "caller").mkdir(exist_ok=True)
    database = open_database(db_url)
    gateway = Gateway(cfg, database)
    await gateway.start()
    try:
        if staff is not None:
            await staff.start()
        scenario = caller_scenario(steps, tmp_path / "caller.xml", hang_up=False, wait_bye_ms=90000)
        started = time.monotonic()
        code, log = await run_sipp(str(scenario), ("127.0.0.1", gateway.ua.port), tmp_path / "caller",
                                   service="8888", timeout_s=150)
        lasted = time.monotonic() - started
        staff_result = await staff.finish() if staff is not None else (0, "")
        await eventually(lambda: bool(gateway.sessions) and gateway.sessions[-1].recording is not None)
        return gateway, code, log, staff_result, lasted
    finally:
        await gateway.close()
        database.close()


def line_noise(tmp_path: Path, seconds: float) -> Step:
    """A phone line with nobody speaking: RTP every 20 ms, quiet noise (what a real phone sends)."""
    pcap, _ = phone_line_pcap([("pause", seconds)], tmp_path / f"noise-{seconds:g}.pcap")
    return Step(pcap=str(pcap))


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


def test_a_silent_caller_is_asked_if_still_there_then_told_goodbye_and_hung_up(servers, tmp_path, prompts_dir):
    cfg = config(servers, tmp_path, prompts_dir, silence_s=4.0)

    gateway, code, log, _, lasted = asyncio.run(place_call(cfg, servers.db_url, [line_noise(tmp_path, 60)],
                                                           tmp_path))

    assert code == 0, f"the silent caller must be hung up on (BYE) by the gateway: {log}"
    session = gateway.sessions[-1]
    assert session.outcome == "silence", (session.outcome, session.spoken)
    still_there, goodbye = PHRASES["still_there"]["zh"], PHRASES["silence_goodbye"]["zh"]
    assert session.spoken.count(still_there) == 1, session.spoken
    assert session.spoken[-1] == goodbye and session.spoken.index(still_there) == len(session.spoken) - 2
    assert session.transcript_sent == [], "line noise is not speech: nothing reached the dialogue"
    assert lasted >= 2 * 4.0
    assert session.recording is not None and wav_seconds(session.recording) >= 2 * 4.0


def test_a_caller_whose_audio_stops_without_a_bye_is_ended(servers, tmp_path, prompts_dir):
    cfg = config(servers, tmp_path, prompts_dir, rtp_timeout_s=4.0)  # silence at its 15 s: it must not be that

    gateway, code, log, _, lasted = asyncio.run(place_call(cfg, servers.db_url, [line_noise(tmp_path, 3)],
                                                           tmp_path))

    assert code == 0, log
    session = gateway.sessions[-1]
    assert session.outcome == "rtp_timeout", (session.outcome, session.spoken)
    assert PHRASES["still_there"]["zh"] not in session.spoken
    assert session.recording is not None
    assert 3 + 4.0 - 1.0 <= wav_seconds(session.recording) <= 3 + 4.0 + 6.0, wav_seconds(session.recording)
    assert lasted < 20


def test_a_call_over_the_maximum_duration_is_told_so_and_ended(servers, tmp_path, prompts_dir):
    cfg = config(servers, tmp_path, prompts_dir, max_call_s=12.0, silence_s=60.0)

    gateway, code, log, _, lasted = asyncio.run(place_call(cfg, servers.db_url, [line_noise(tmp_path, 60)],
                                                           tmp_path))

    assert code == 0, log
    session = gateway.sessions[-1]
    assert session.outcome == "max_duration", (session.outcome, session.spoken)
    assert session.spoken[-1] == PHRASES["max_duration"]["zh"], session.spoken
    assert 12.0 <= lasted < 40, lasted


def test_a_call_put_through_to_staff_is_not_timed_for_silence_but_ends_at_its_longer_limit(
        servers, tmp_path, prompts_dir):
    """Bridged to a staff phone that never hangs up: silence (3 s here) is not timed, the receptionist's
    limit (25 s) does not apply, the bridged limit (40 s from the answer) does: both sides are told, both
    are hung up."""
    staff = StaffPhone("timer_staff_stays_on.xml", tmp_path / "staff")
    cfg = config(servers, tmp_path, prompts_dir, {"8202": staff.address}, silence_s=3.0, max_call_s=25.0,
                 max_bridged_call_s=40.0, rtp_timeout_s=120.0)

    gateway, code, log, (staff_code, staff_log), lasted = asyncio.run(place_call(
        cfg, servers.db_url, [Step(pause_ms=1500), *keys("8202")], tmp_path, staff=staff))

    assert code == 0, log
    assert staff_code == 0, f"the staff phone must be rung, bridged, then hung up on: {staff_log}"
    session = gateway.sessions[-1]
    assert session.transcript_sent == ["8202"]
    assert session.outcome == "max_duration", (session.outcome, session.spoken)
    assert PHRASES["still_there"]["zh"] not in session.spoken
    assert session.spoken[-1] == PHRASES["max_duration"]["zh"]
    assert session.recording is not None
    assert 40.0 <= wav_seconds(session.recording) < 60.0, wav_seconds(session.recording)
    assert lasted >= 40.0, "the bridged call outlived the receptionist's 25 s limit"


def test_a_caller_leaving_a_voice_message_whose_audio_stops_is_ended_and_the_message_filed(
        servers, tmp_path, prompts_dir):
    """The dialogue is down and the operator busy: the caller is leaving a voice message (VOICEMAIL_S) when
    their phone vanishes; the call ends at the RTP time-out, not VOICEMAIL_S later, and staff get the message."""
    from bot.records.messages import list_messages

    operator = StaffPhone("staff_busy.xml", tmp_path / "operator")
    dead = f"http://127.0.0.1:{free_udp_port()}"
    cfg = config(servers, tmp_path, prompts_dir, {"8000": operator.address}, rasa_url=dead, dialogue_timeout_s=2.0,
                 rtp_timeout_s=5.0)
    # the apology, the busy operator and the voice-mail prompt take about 17 s; the line goes dead at 40 s
    gateway, code, log, (op_code, op_log), lasted = asyncio.run(place_call(
        cfg, servers.db_url, [line_noise(tmp_path, 40)], tmp_path, staff=operator))

    assert code == 0, log
    assert op_code == 0, op_log
    session = gateway.sessions[-1]
    assert session.outcome == "rtp_timeout", (session.outcome, session.spoken)
    assert any("提示音" in text for text in session.spoken), "the voice message was being recorded"
    assert PHRASES["voicemail_thanks"]["zh"] not in session.spoken
    assert lasted < 40 + 5 + 10 < 17 + VOICEMAIL_S
    database = open_database(servers.db_url)
    try:
        with database.session() as db:
            left = [m for m in list_messages(db) if m.conversation == session.conversation]
    finally:
        database.close()
    assert len(left) == 1 and "语音留言" in left[0].text, left


# ---------------------------------------------------------------------------------------------- recording


def _frames(seconds: float) -> tuple[bytes, bytes]:
    """(what the gateway sends, one G.711 frame; what the caller says, one linear frame): two distinct tones."""
    return encode(tone(8000, 0.02, 440.0, 3000), Codec.PCMA), tone(8000, 0.02, 250.0, 2000)


def _channel_rms(path: Path, at_s: float, seconds: float = 1.0) -> tuple[float, float]:
    import audioop

    with wave.open(str(path)) as wav:
        wav.setpos(int(at_s * 8000))
        data = wav.readframes(int(seconds * 8000))
    return (Pcm(audioop.tomono(data, SAMPLE_WIDTH, 1, 0), 8000).rms,
            Pcm(audioop.tomono(data, SAMPLE_WIDTH, 0, 1), 8000).rms)


def test_a_long_recording_holds_little_memory_and_the_wav_is_complete(tmp_path):
    minutes = 30
    sent, heard = _frames(0.02)
    tracemalloc.start()
    try:
        recorder = CallRecorder(Codec.PCMA)
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for _ in range(minutes * 60 * 50):
            recorder.gateway_frame(sent)
            recorder.caller_audio(heard)
        held = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert held < 1_000_000, f"{minutes} minutes of a call held {held / 1e6:.1f} MB in Python memory"
    assert recorder.duration_s == minutes * 60

    path = asyncio.run(recorder.save(tmp_path / "recordings", "sip-long-call"))

    assert path == tmp_path / "recordings" / "sip-long-call.wav"
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 8000)
        assert wav.getnframes() == minutes * 60 * 8000
    for at in (0.0, minutes * 30.0, minutes * 60.0 - 1.0):  # the caller left, the gateway right, all the way
        caller, gateway = _channel_rms(path, at)
        assert abs(caller - Pcm(heard, 8000).rms) < 50 and gateway > 1000, (at, caller, gateway)
    assert not recorder.spool.exists()


def test_a_recording_cut_short_by_a_crash_is_still_a_playable_wav(tmp_path):
    """The spool is a valid WAV all along (its header kept up to date): a process killed mid-call leaves
    all but the last second of the call playable."""
    sent, heard = _frames(0.02)
    spool = tmp_path / "recordings" / "sip-crashed.part"
    recorder = CallRecorder(Codec.PCMA, spool)
    for _ in range(10 * 50):
        recorder.gateway_frame(sent)
        recorder.caller_audio(heard)

    assert spool.is_file()  # nothing saved: the process died here
    assert 9.0 <= wav_seconds(spool) <= 10.0
    caller, gateway = _channel_rms(spool, 0.0, 9.0)
    assert caller > 1000 and gateway > 1000
    recorder.discard()
    assert not spool.exists()


def test_a_phone_sending_30_ms_packets_is_recorded_as_it_spoke(tmp_path):
    """Audio arrives in whatever packets the phone uses (SIPp's g711a.pcap: 30 ms). It is recorded as the
    stream it is: the in-memory recorder cut each packet into 20 ms "frames" and padded the 10 ms piece,
    putting 10 ms of silence after every packet and stretching the caller's side by a third."""
    sent, _ = _frames(0.02)
    speech = tone(8000, 0.03, 250.0, 2000)  # one 30 ms packet
    recorder = CallRecorder(Codec.PCMA, tmp_path / "sip-ptime.part")
    for n in range(300):  # 6 s of gateway frames, the caller's 30 ms packets in step with them
        recorder.gateway_frame(sent)
        if n % 3 != 2:  # two 30 ms packets every three 20 ms frames
            recorder.caller_audio(speech)
    path = asyncio.run(recorder.save(tmp_path, "sip-ptime"))

    assert abs(wav_seconds(path) - 6.0) < 0.07, wav_seconds(path)
    import audioop

    with wave.open(str(path)) as wav:
        left = audioop.tomono(wav.readframes(wav.getnframes()), SAMPLE_WIDTH, 1, 0)
    quiet = [i for i in range(0, int(5.8 * 16000), 160) if audioop.rms(left[i:i + 160], SAMPLE_WIDTH) < 100]
    assert not quiet, f"{len(quiet)} gaps of 10 ms in the caller's speech, from {quiet[0] / 16000:.2f} s"
