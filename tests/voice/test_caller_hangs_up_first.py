"""The caller hangs up first (issue #12, point 5; the seed rulebook: 通话结束时等对方先挂机).

When the dialogue ends a call (its `hangup` payload, after the goodbye), the gateway keeps the line open
for CALLER_HANGS_UP_FIRST_S after the goodbye has played: the caller's BYE in that time ends the call as
theirs (the gateway sends none), keys pressed meanwhile are not a new turn, and only when the time is up
does the gateway send its BYE. A stop still hangs up at once.

Real parts, as in test_gateway.py: the Rasa and action servers (tests/rasa_servers.py), the production
`Gateway`, a SIPp caller. Keys alone never bring the real dialogue to its goodbye (digits are never a
"no" or a "thank you", and there is no Chinese speech model here), so once the call is answered the test
says the earlier turns of the same conversation through the REST channel with the phone client's token
("找李娜", the transfer reported busy, "不用了", "没有了 谢谢"), which leaves the dialogue asking for a
satisfaction score; the SIPp caller then keys 5#, and the gateway posts "5" and speaks the dialogue's
answer: "谢谢您的评价。" "谢谢您的来电，再见。" and the hangup payload.

Measured on the wire: the caller's SDP names a UDP port of the test's own, so the gateway's RTP arrives
there with the kernel's receive time (SO_TIMESTAMPNS, wall clock); the goodbye ends with its last voiced
packet plus the prompt's own trailing quiet. The BYEs are timed by SIPp's message trace (-trace_msg).
"""

from __future__ import annotations

import asyncio
import audioop
import re
import socket
import struct
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from gateway_helpers import DTMF, Step, caller_scenario, phone_line_pcap
from voice_helpers import eventually, run_sipp

from bot.db.engine import open_database
from bot.dialogue.phrases import PHRASES as DIALOGUE
from voice.audio import SAMPLE_WIDTH, Codec, decode, encode, frame_bytes, frames
from voice.call_session import CALLER_HANGS_UP_FIRST_S, CallSession
from voice.gateway import Gateway, GatewayConfig
from voice.sip.rtp import parse_rtp
from voice.transfer import DialPlan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rasa_servers import Servers, customs, texts

OFFICE_HOURS = "2026-11-25T10:15:00+08:00"
GRACE = CALLER_HANGS_UP_FIRST_S
THANKS, GOODBYE = DIALOGUE["thanks_for_rating"]["zh"], DIALOGUE["goodbye"]["zh"]
VOICED_RMS = 50.0
"""A 20 ms frame louder than this is the prompt speaking (the pacer's silence decodes to an RMS of 8)."""
KEYS_AFTER_S = 8.0
"""The caller keys 5# this long after the answer: the greeting has been spoken and the test has brought
the conversation to the satisfaction question (the keypad-only notice may still be playing: barged into)."""
REPLY_S = 0.15
"""From the # to the first packet of the reply (the dialogue's round trip, a cached prompt): bench p50 80 ms."""
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


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


# ---------------------------------------------------------------------------------------------- on the wire


class MediaSink:
    """The caller's media port: every RTP packet the gateway sends, with the kernel's receive time (wall
    clock) and its loudness, read in a thread of its own (the gateway's event loop cannot delay it)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self.packets: list[tuple[float, float]] = []
        """(received at, RMS of the decoded frame), in order."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                data, ancillary, _, _ = self.sock.recvmsg(2048, socket.CMSG_SPACE(16))
            except OSError:
                continue
            at = time.time()
            for level, kind, value in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
                    seconds, nanos = struct.unpack("qq", value[:16])
                    at = seconds + nanos / 1e9
            packet = parse_rtp(data)
            if packet is not None and packet.payload_type in (0, 8):
                pcm = decode(packet.payload, Codec.PCMA if packet.payload_type == 8 else Codec.PCMU)
                self.packets.append((at, float(audioop.rms(pcm, SAMPLE_WIDTH))))

    def last_voiced(self, before: float = float("inf")) -> float:
        return max(at for at, rms in self.packets if rms > VOICED_RMS and at < before)

    def voiced_between(self, start: float, end: float) -> list[float]:
        return [at for at, rms in self.packets if rms > VOICED_RMS and start < at < end]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def trailing_quiet_s(pcm_8k: bytes) -> float:
    """How long a prompt ends in quiet after its last voiced 20 ms frame, as the phone hears it (G.711)."""
    chunks = list(frames(pcm_8k, frame_bytes(8000), b"\x00"))
    loud = [n for n, chunk in enumerate(chunks)
            if audioop.rms(decode(encode(chunk, Codec.PCMA), Codec.PCMA), SAMPLE_WIDTH) > VOICED_RMS]
    return (len(chunks) - 1 - loud[-1]) * 0.02


STAMP = re.compile(r"^-{20,} (\d{4}-\d\d-\d\d)\s+(\d\d:\d\d:\d\d\.\d{6})(?:\s+(\d+\.\d{6}))?", re.M)


def sip_trace(path: Path) -> list[tuple[float, str, str]]:
    """SIPp's message trace: (wall clock, "sent" | "received", the start line) of every message."""
    found = []
    if not path.exists():
        return found
    blocks = STAMP.split(path.read_text(errors="replace"))
    for n in range(1, len(blocks) - 3, 4):
        day, clock, epoch, body = blocks[n:n + 4]
        at = float(epoch) if epoch else datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M:%S.%f").timestamp()
        direction = "sent" if " message sent" in body.split("\n", 2)[1] else "received"
        start_line = next((line.strip() for line in body.split("\n")[2:] if line.strip()), "")
        found.append((at, direction, start_line))
    return found


def byes(trace: list[tuple[float, str, str]], direction: str) -> list[float]:
    return [at for at, way, line in trace if way == direction and line.startswith("BYE ")]


# ---------------------------------------------------------------------------------------------- the call


def keys(digits: str, gap_ms: int = 300) -> list[Step]:
    """Key presses from SIPp's own RFC 4733 pcaps (# and * included)."""
    names = {"#": "pound", "*": "star"}
    return [s for d in digits for s in (Step(pcap=DTMF.format(names.get(d, d))), Step(pause_ms=gap_ms))]


def bring_to_the_survey(servers: Servers, conversation: str) -> None:
    """The conversation's earlier turns, through the REST channel as the phone client: it ends asking for a score."""
    status, body = servers.say(conversation, "找李娜")
    assert status == 200 and any(c.get("type") == "transfer" for c in customs(body)), body
    status, _ = servers.report(conversation, "busy")
    assert status == 200
    status, body = servers.say(conversation, "不用了")
    assert status == 200 and DIALOGUE["anything_else"]["zh"] in texts(body), body
    status, body = servers.say(conversation, "没有了 谢谢")
    assert status == 200 and texts(body) == [DIALOGUE["ask_satisfaction"]["zh"]], body


class Call:
    """One call measured: the session, SIPp's exit and trace, the media the caller received, key times."""

    def __init__(self) -> None:
        self.sink = MediaSink()
        self.session: CallSession | None = None
        self.code, self.log = -1, ""
        self.trace: list[tuple[float, str, str]] = []
        self.keyed: list[tuple[float, str]] = []
        """(wall clock, digit) of each key the gateway's RTP stream decoded."""
        self.survey_reached_at = 0.0
        self.goodbye_tail_s = 0.0
        self.goodbye_s = 0.0
        self.thanks_s = 0.0
        self.stopped = False
        """The test has already stopped the gateway (Gateway.close)."""

    @property
    def goodbye_ended(self) -> float:
        """When the goodbye prompt's last frame reached the caller (its last voiced packet, then its quiet tail)."""
        return self.sink.last_voiced() + self.goodbye_tail_s


async def place(servers: Servers, tmp_path: Path, prompts_dir: Path, tail: list[Step], hang_up: bool,
                meanwhile=None) -> Call:
    """The caller keys 5# at KEYS_AFTER_S, then `tail` (pauses/keys timed from the goodbye's expected end),
    then sends BYE (`hang_up`) or waits for the gateway's. `meanwhile(gateway, call)` runs during the call."""
    call = Call()
    (tmp_path / "caller").mkdir(exist_ok=True)
    database = open_database(servers.db_url)
    cfg = GatewayConfig(rasa_url=servers.rasa_url, api_token=servers.token, channel_token=servers.tokens["phone"],
                        recordings_dir=tmp_path / "recordings", prompts_dir=prompts_dir, sip_port=0,
                        dial_plan=DialPlan(routes={}), dialogue_timeout_s=20.0, first_metadata={"now": OFFICE_HOURS})
    gateway = Gateway(cfg, database)
    await gateway.start()
    try:
        thanks = await gateway.synthesizer.prompt(THANKS, "zh")  # cached: the gateway speaks these very prompts
        goodbye = await gateway.synthesizer.prompt(GOODBYE, "zh")
        call.thanks_s, call.goodbye_s = thanks.pcm.duration_s, goodbye.pcm.duration_s
        call.goodbye_tail_s = trailing_quiet_s(goodbye.pcm.data)
        # after the # (and SIPp's 300 ms pause behind it): the reply starts, both prompts play
        until_goodbye_ends_ms = int((REPLY_S + call.thanks_s + call.goodbye_s + 0.04 - 0.3) * 1000)
        steps = [Step(pause_ms=int(KEYS_AFTER_S * 1000)), *keys("5#"),
                 *[Step(pause_ms=until_goodbye_ends_ms + s.pause_ms) if n == 0 and s.pause_ms else s
                   for n, s in enumerate(tail)]]
        scenario = caller_scenario(steps, tmp_path / "caller.xml", hang_up=hang_up, wait_bye_ms=30000)
        scenario.write_text(scenario.read_text().replace("m=audio [media_port]", f"m=audio {call.sink.port}"))
        messages = tmp_path / "caller" / "messages.log"
        caller = asyncio.ensure_future(run_sipp(str(scenario), ("127.0.0.1", gateway.ua.port), tmp_path / "caller",
                                                service="8888", timeout_s=60,
                                                extra=["-trace_msg", "-message_file", str(messages)]))
        assert await eventually(lambda: caller.done() or bool(gateway.sessions and gateway.sessions[-1].spoken)), \
            "the call was not answered and greeted"
        assert gateway.sessions, await caller
        session = call.session = gateway.sessions[-1]
        heard = session.call.rtp.on_dtmf
        assert heard is not None

        def keyed(digit: str) -> None:
            call.keyed.append((time.time(), digit))
            heard(digit)

        session.call.rtp.on_dtmf = keyed
        await asyncio.to_thread(bring_to_the_survey, servers, session.conversation)
        call.survey_reached_at = time.time()
        if meanwhile is not None:
            await meanwhile(gateway, call)
        call.code, call.log = await caller
        call.trace = sip_trace(messages)
        await eventually(lambda: session.recording is not None, timeout_s=20)
        return call
    finally:
        if not call.stopped:
            await gateway.close()
        database.close()
        call.sink.close()


def check_the_goodbye(call: Call) -> None:
    session = call.session
    assert session is not None
    assert call.keyed[:2] and "".join(d for _, d in call.keyed[:2]) == "5#", call.keyed
    assert call.survey_reached_at < call.keyed[0][0], "the survey question was reached before the caller keyed 5"
    assert session.transcript_sent == ["5"], session.transcript_sent
    assert session.spoken[-2:] == [THANKS, GOODBYE], session.spoken
    assert session.outcome == "hangup", session.outcome


def report(name: str, **figures: float) -> None:
    print(f"{name}: " + ", ".join(f"{key} {value:.3f} s" for key, value in figures.items()))


# ---------------------------------------------------------------------------------------------- the tests


def test_a_caller_who_stays_on_after_the_goodbye_is_hung_up_on_only_after_the_grace(servers, tmp_path, prompts_dir):
    """The caller keys 0# a moment after the goodbye (it is not a turn: no operator, nothing said) and never
    hangs up: the gateway's BYE comes CALLER_HANGS_UP_FIRST_S after the goodbye ended, not before, not much later."""
    call = asyncio.run(place(servers, tmp_path, prompts_dir, [Step(pause_ms=800), *keys("0#", gap_ms=200)],
                             hang_up=False))

    received = byes(call.trace, "received")
    assert received, f"the caller never got the gateway's BYE (SIPp exit {call.code}): {call.log}"
    ended = call.goodbye_ended
    bye_after = received[0] - ended
    late_keys = [(at - ended, d) for at, d in call.keyed[2:]]
    report("gateway's BYE after the goodbye", thanks_and_goodbye_prompts=call.thanks_s + call.goodbye_s,
           goodbye_quiet_tail=call.goodbye_tail_s, ended_to_bye=bye_after, last_voiced_to_bye=received[0] -
           call.sink.last_voiced(), hash_to_goodbye_end=ended - call.keyed[1][0])
    assert GRACE - 0.02 <= bye_after <= GRACE + 0.5, \
        f"the gateway's BYE came {bye_after:.3f} s after the goodbye ended (grace {GRACE} s)"
    assert call.code == 0, call.log
    check_the_goodbye(call)
    session = call.session
    assert session is not None
    assert [d for _, d in late_keys] == ["0", "#"] and all(0 < t < bye_after for t, _ in late_keys), \
        f"the caller's keys must land in the grace (s after the goodbye): {late_keys}"
    assert session.transcript_sent == ["5"], "keys pressed after the goodbye are not a new turn"
    assert not call.sink.voiced_between(ended, received[0]), "nothing was said after the goodbye"
    assert session.hung_up_by == "gateway", session.hung_up_by
    assert len(received) == 1 and not byes(call.trace, "sent"), call.trace


def test_a_caller_who_hangs_up_after_the_goodbye_ends_the_call_and_gets_no_bye(servers, tmp_path, prompts_dir):
    """The caller sends BYE about a second after the goodbye: the call ends at once as hung up by the
    caller, and the gateway sends no BYE of its own."""
    call = asyncio.run(place(servers, tmp_path, prompts_dir, [Step(pause_ms=1000)], hang_up=True))

    received, sent = byes(call.trace, "received"), byes(call.trace, "sent")
    assert not received, f"the gateway sent a BYE of its own, {received[0] - call.goodbye_ended:.3f} s after the " \
                         f"goodbye ended, before the caller could hang up"
    assert call.code == 0, call.log
    assert len(sent) == 1, call.trace
    ended = call.goodbye_ended
    caller_bye_after = sent[0] - ended
    media_stopped_after = call.sink.packets[-1][0] - sent[0]
    report("caller's BYE after the goodbye", ended_to_caller_bye=caller_bye_after,
           caller_bye_to_last_rtp=media_stopped_after)
    assert 0.2 <= caller_bye_after <= GRACE - 0.5, f"the caller's BYE must come within the grace: {caller_bye_after:.3f}"
    assert media_stopped_after < 0.3, "the call ended at once on the caller's BYE (the gateway's RTP stopped)"
    check_the_goodbye(call)
    assert call.session is not None and call.session.hung_up_by == "caller", call.session and call.session.hung_up_by


def test_a_stop_during_the_grace_hangs_up_at_once(servers, tmp_path, prompts_dir):
    """Gateway.close() half a second after the goodbye: the caller gets the BYE then, not at the grace's end,
    and the stop is not held up by it."""
    timing: dict[str, float] = {}

    async def stop_after_the_goodbye(gateway: Gateway, call: Call) -> None:
        session = call.session
        assert session is not None
        assert await eventually(lambda: GOODBYE in session.spoken, timeout_s=30)
        await asyncio.sleep(call.goodbye_s + 0.5)
        timing["close"] = time.time()
        call.stopped = True
        await gateway.close()
        timing["closed"] = time.time()

    call = asyncio.run(place(servers, tmp_path, prompts_dir, [], hang_up=False, meanwhile=stop_after_the_goodbye))

    received = byes(call.trace, "received")
    assert received and call.code == 0, call.log
    ended = call.goodbye_ended
    report("stop in the grace", ended_to_stop=timing["close"] - ended, stop_to_bye=received[0] - timing["close"],
           stop_took=timing["closed"] - timing["close"])
    assert timing["close"] - ended < GRACE - 1.0, "the stop came during the grace"
    assert received[0] >= timing["close"], \
        f"the gateway's BYE came {timing['close'] - received[0]:.3f} s before the stop, {received[0] - ended:.3f} s " \
        "after the goodbye ended: the line was not kept open"
    assert received[0] - timing["close"] < 0.5, "the stop hung up at once, not at the grace's end"
    assert timing["closed"] - timing["close"] < 2.0
    check_the_goodbye(call)
    assert call.session is not None and call.session.hung_up_by == "gateway"


def test_after_its_own_goodbye_to_a_silent_caller_the_gateway_also_waits_for_them_to_hang_up(
        servers, tmp_path, prompts_dir):
    """The gateway ends a silent call itself ("没有听到您的声音…再见"): it too leaves the line open for the
    grace after that goodbye before its BYE (before, the BYE left with the goodbye's last packet)."""
    from voice.call_session import PHRASES as GATEWAY

    goodbye_text = GATEWAY["silence_goodbye"]["zh"]

    async def scenario() -> tuple[Call, float]:
        call = Call()
        (tmp_path / "caller").mkdir(exist_ok=True)
        database = open_database(servers.db_url)
        cfg = GatewayConfig(rasa_url=servers.rasa_url, api_token=servers.token,
                            channel_token=servers.tokens["phone"], recordings_dir=tmp_path / "recordings",
                            prompts_dir=prompts_dir, sip_port=0, dial_plan=DialPlan(routes={}),
                            dialogue_timeout_s=20.0, first_metadata={"now": OFFICE_HOURS}, silence_s=3.0)
        gateway = Gateway(cfg, database)
        await gateway.start()
        try:
            goodbye = await gateway.synthesizer.prompt(goodbye_text, "zh")
            tail_s = trailing_quiet_s(goodbye.pcm.data)
            noise, _ = phone_line_pcap([("pause", 40.0)], tmp_path / "noise.pcap")
            path = caller_scenario([Step(pcap=str(noise))], tmp_path / "caller.xml", hang_up=False,
                                   wait_bye_ms=60000)
            path.write_text(path.read_text().replace("m=audio [media_port]", f"m=audio {call.sink.port}"))
            messages = tmp_path / "caller" / "messages.log"
            call.code, call.log = await run_sipp(str(path), ("127.0.0.1", gateway.ua.port), tmp_path / "caller",
                                                 service="8888", timeout_s=60,
                                                 extra=["-trace_msg", "-message_file", str(messages)])
            call.trace = sip_trace(messages)
            call.session = gateway.sessions[-1]
            return call, tail_s
        finally:
            await gateway.close()
            database.close()
            call.sink.close()

    call, tail_s = asyncio.run(scenario())
    session = call.session
    assert session is not None and session.outcome == "silence" and session.spoken[-1] == goodbye_text, \
        (session and session.outcome, session and session.spoken)
    received = byes(call.trace, "received")
    assert received and call.code == 0, f"the silent caller never got the gateway's BYE: {call.log}"
    ended = call.sink.last_voiced() + tail_s
    report("gateway's BYE after its silence goodbye", ended_to_bye=received[0] - ended)
    assert GRACE - 0.02 <= received[0] - ended <= GRACE + 0.5, \
        f"the gateway's BYE came {received[0] - ended:.3f} s after its goodbye ended (grace {GRACE} s)"
    assert session.hung_up_by == "gateway", session.hung_up_by
