"""SIPp scenarios and processes for the gateway tests: a caller, and staff phones (answering, busy, not answering).

The caller's scenario is written per test from a list of steps (pauses, key presses, speech from a pcap);
`rtp_pcap` writes our own audio (e.g. espeak-ng Korean) as a pcap of G.711 RTP that SIPp plays.
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass
from pathlib import Path

from voice_helpers import SIPP_DIR, free_udp_port, key_press, require_binary, wait_until_bound

from voice.audio import Codec, encode, frames
from voice.sip.rtp import build_rtp

DTMF = "/usr/share/sip-tester/dtmf_2833_{}.pcap"
SPEECH = "/usr/share/sip-tester/g711a.pcap"

CALLER_HEAD = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="gateway caller">
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Caller" <sip:+8613800000000@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:caller@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=caller 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      From: "Caller" <sip:+8613800000000@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>
"""

CALLER_SENDS_BYE = """  <send retrans="500"><![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      From: "Caller" <sip:+8613800000000@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>
  <recv response="200"/>
</scenario>
"""

CALLER_AWAITS_BYE = """  <recv request="BYE" timeout="{timeout_ms}"/>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
  ]]></send>
</scenario>
"""

STAFF_ANSWERS = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="staff phone, answers">
  <recv request="INVITE">{capture}</recv>
  <send><![CDATA[
      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag04[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
  ]]></send>
  <pause milliseconds="600"/>
  <send retrans="500"><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag04[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:staff@[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=staff 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
  ]]></send>
  <recv request="ACK"/>
{accept}
{ending}</scenario>
"""

STAFF_TALKS_AND_HANGS_UP = """  <nop><action><exec play_pcap_audio="{speech}"/></action></nop>
  <pause milliseconds="{talk_ms}"/>
  <send retrans="500"><![CDATA[
      BYE sip:receptionist@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:staff@[local_ip]:[local_port]>;tag=[pid]SIPpTag04[call_number]
      To: [$caller_from]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>
  <recv response="200"/>
"""

STAFF_IS_HUNG_UP_ON = """  <recv request="BYE" timeout="20000"/>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
  ]]></send>
"""


@dataclass(frozen=True)
class Step:
    pause_ms: int = 0
    pcap: str = ""


def keys(digits: str, gap_ms: int = 300) -> list[Step]:
    return [s for d in digits for s in (Step(pcap=DTMF.format(d)), Step(pause_ms=gap_ms))]


def caller_scenario(steps: list[Step], path: Path, hang_up: bool = True, wait_bye_ms: int = 60000,
                    caller_number: str = "+8613800000000") -> Path:
    """A SIPp caller: INVITE from `caller_number`, the steps, then BYE (or wait for the gateway's BYE)."""
    body = "".join(f'  <pause milliseconds="{s.pause_ms}"/>\n' if s.pause_ms else
                   f'  <nop><action><exec play_pcap_audio="{s.pcap}"/></action></nop>\n' for s in steps)
    tail = CALLER_SENDS_BYE if hang_up else CALLER_AWAITS_BYE.format(timeout_ms=wait_bye_ms)
    path.write_text((CALLER_HEAD + body + tail).replace("+8613800000000", caller_number))
    return path


def staff_answers_scenario(path: Path, accept_key: str | None = None, talk_ms: int = 3000,
                           accept_after_ms: int = 1500, answer_pcap: str | None = None,
                           hung_up_on: bool = False) -> Path:
    """A staff phone that answers; optionally answers an announcement with a key (or a spoken answer, a
    pcap) after `accept_after_ms`; then talks and hangs up, or (`hung_up_on`) waits for the gateway's BYE."""
    answer = answer_pcap or (DTMF.format(accept_key) if accept_key else None)
    settle = "" if hung_up_on else '\n  <pause milliseconds="400"/>'  # a BYE during a pause aborts SIPp
    accept = (f'  <pause milliseconds="{accept_after_ms}"/>\n  <nop><action><exec play_pcap_audio="{answer}"/>'
              f'</action></nop>{settle}') if answer else ""
    ending = STAFF_IS_HUNG_UP_ON if hung_up_on else STAFF_TALKS_AND_HANGS_UP.format(speech=SPEECH, talk_ms=talk_ms)
    capture = "" if hung_up_on else ('\n    <action><ereg regexp=".*" search_in="hdr" header="From:" '
                                     'assign_to="caller_from"/></action>\n  ')  # SIPp refuses an unused variable
    path.write_text(STAFF_ANSWERS.format(accept=accept, ending=ending, capture=capture))
    return path


class StaffPhone:
    """A SIPp UAS standing in for a staff phone on its own port; `finish()` returns (exit code, errors)."""

    def __init__(self, scenario: Path | str, workdir: Path, timeout_s: float = 120.0) -> None:
        self.scenario = scenario if isinstance(scenario, Path) else SIPP_DIR / scenario
        self.workdir = workdir
        self.timeout_s = timeout_s
        self.port = free_udp_port()
        self.process: asyncio.subprocess.Process | None = None

    @property
    def address(self) -> tuple[str, int]:
        return "127.0.0.1", self.port

    async def start(self) -> StaffPhone:
        sipp = require_binary("sipp", "sip-tester")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = await asyncio.create_subprocess_exec(
            sipp, "-sf", str(self.scenario), "-i", "127.0.0.1", "-p", str(self.port), "-mi", "127.0.0.1",
            "-mp", str(free_udp_port()), "-m", "1", "-nostdin", "-timeout", f"{int(self.timeout_s)}s", "-timeout_error",
            "-trace_err", "-error_file", str(self.workdir / "errors.log"),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, cwd=self.workdir)
        await wait_until_bound(self.port, self.process)
        return self

    async def finish(self, timeout_s: float = 120.0) -> tuple[int, str]:
        assert self.process is not None
        try:
            _, stderr = await asyncio.wait_for(self.process.communicate(), timeout_s)
        except asyncio.TimeoutError:
            self.process.kill()
            await self.process.wait()
            return -1, "the staff phone's scenario did not finish"
        errors = self.workdir / "errors.log"
        return self.process.returncode or 0, (errors.read_text(errors="replace") if errors.exists() else "") + \
            stderr.decode(errors="replace")


def rtp_pcap(linear_8k: bytes, path: Path, codec: Codec = Codec.PCMA) -> Path:
    """Audio as a pcap of 20 ms G.711 RTP packets (Ethernet/IPv4/UDP), the form SIPp's play_pcap_audio reads."""
    packets = [(n * 0.02, build_rtp(codec.payload_type, n, n * 160, 0x1234, encode(frame, codec), marker=n == 0))
               for n, frame in enumerate(frames(linear_8k, 320, b"\x00"))]
    return packets_pcap(packets, path)


def packets_pcap(packets: list[tuple[float, bytes]], path: Path) -> Path:
    """RTP packets (seconds from the start, RTP bytes) as a pcap SIPp can play."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for n, (at, rtp) in enumerate(packets):
        udp = struct.pack("!HHHH", 4000, 4002, 8 + len(rtp), 0) + rtp
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n & 0xFFFF, 0, 64, 17, 0,
                         bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
        ether = b"\x00" * 12 + b"\x08\x00" + ip
        micros = round(at * 1_000_000)
        out.append(struct.pack("<IIII", micros // 1_000_000, micros % 1_000_000, len(ether), len(ether)) + ether)
    path.write_bytes(b"".join(out))
    return path


def phone_line_pcap(plan: list[tuple[str, object]], path: Path, noise_rms: float = 40.0,
                    codec: Codec = Codec.PCMA, seed: int = 7) -> tuple[Path, float]:
    """A whole call's audio as a real phone sends it: RTP every 20 ms from start to end, line noise
    between the caller's speech, keys as RFC 4733 events (audio muted meanwhile, 300 ms apart).
    `plan`: ("pause", seconds) | ("speech", 8 kHz PCM) | ("keys", "8201#"). Returns the pcap and its length."""
    import random

    rng = random.Random(seed)
    packets: list[tuple[float, bytes]] = []
    clock = {"n": 0}

    def send(payload_type: int, payload: bytes, timestamp: int, marker: bool = False) -> None:
        n = clock["n"]
        packets.append((n * 0.02, build_rtp(payload_type, n & 0xFFFF, timestamp, 0x1234, payload, marker)))
        clock["n"] += 1

    def audio(pcm: bytes) -> None:
        for frame in frames(pcm, 320, b"\x00"):
            send(codec.payload_type, encode(frame, codec), clock["n"] * 160)

    def noise(seconds: float) -> bytes:
        samples = (max(-32768, min(32767, int(rng.gauss(0, noise_rms)))) for _ in range(int(8000 * seconds)))
        return b"".join(v.to_bytes(2, "little", signed=True) for v in samples)

    def key(digit: str) -> None:
        start = clock["n"] * 160
        press = key_press(digit)
        for payload, marker in press[:7]:
            send(101, payload, start, marker)
        for payload, _ in press[7:]:  # the three end packets, all in one frame slot
            packets.append((clock["n"] * 0.02, build_rtp(101, clock["n"] & 0xFFFF, start, 0x1234, payload)))
        clock["n"] += 1
        audio(noise(0.14))

    for kind, value in plan:
        if kind == "pause":
            audio(noise(float(value)))  # type: ignore[arg-type]
        elif kind == "speech":
            audio(value)  # type: ignore[arg-type]
        elif kind == "keys":
            for digit in str(value):
                key(digit)
    packets_pcap(packets, path)
    return path, clock["n"] * 0.02
