"""RTP for one call (RFC 3550): G.711 in 20 ms frames both ways, RFC 4733 key presses in.

Sending is paced against absolute deadlines (start + n × 20 ms), not "sleep 20 ms after each
send", so scheduling delays do not accumulate into drift; while nothing is being played the
stream sends silence, as a phone does, which keeps NAT bindings and the PBX's RTP time-outs
happy. Media goes only to the address the SDP negotiated, never to where packets came from,
and what comes in passes `RtpGate`: the negotiated IP, one latched source port and SSRC, and a
sane sequence number, so a stream spoofed from elsewhere can neither press keys nor be heard.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import struct
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from voice.audio import TELEPHONE_RATE, Codec, decode, encode, frame_bytes, frames

FRAME_S = 0.02
SAMPLES_PER_FRAME = TELEPHONE_RATE // 50
DTMF_EVENTS = "0123456789*#ABCD"


@dataclass(frozen=True)
class RtpPacket:
    payload_type: int
    marker: bool
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes


def parse_rtp(data: bytes) -> RtpPacket | None:
    """Parse an RTP packet; None for anything that is not RTP version 2."""
    if len(data) < 12 or data[0] >> 6 != 2:
        return None
    first, second, sequence, timestamp, ssrc = struct.unpack("!BBHII", data[:12])
    offset = 12 + 4 * (first & 0x0F)
    if first & 0x10:
        if len(data) < offset + 4:
            return None
        offset += 4 + 4 * struct.unpack("!H", data[offset + 2 : offset + 4])[0]
    end = len(data)
    if first & 0x20 and end > offset:
        end -= data[-1]
    if offset > end:
        return None
    return RtpPacket(second & 0x7F, bool(second & 0x80), sequence, timestamp, ssrc, data[offset:end])


def build_rtp(payload_type: int, sequence: int, timestamp: int, ssrc: int, payload: bytes, marker: bool = False) -> bytes:
    second = (0x80 if marker else 0) | (payload_type & 0x7F)
    return struct.pack("!BBHII", 0x80, second, sequence & 0xFFFF, timestamp & 0xFFFFFFFF, ssrc) + payload


_G711 = {codec.payload_type: codec for codec in Codec}


class DtmfReceiver:
    """RFC 4733 telephone-events → digits, each key press reported once.

    A key press is several packets with the same RTP timestamp (updates, then three end
    packets); the first packet of a new timestamp reports the digit, so the dialogue hears it
    at once and a lost end packet loses nothing. A press that reuses the timestamp of one that
    already ended counts as new when it starts with the marker bit (RFC 4733 2.5.1.2: set on an
    event's first packet) or after a pause: some senders replay recorded events, timestamps and all.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, repeat_gap_s: float = 0.2) -> None:
        self._clock = clock
        self._repeat_gap_s = repeat_gap_s
        self._last_timestamp: int | None = None
        self._ended = False
        self._last_seen = 0.0

    def accept(self, packet: RtpPacket) -> str | None:
        if len(packet.payload) < 4 or packet.payload[0] >= len(DTMF_EVENTS):
            return None
        now, end = self._clock(), bool(packet.payload[1] & 0x80)
        repeated = (packet.timestamp == self._last_timestamp and self._ended and not end
                    and (packet.marker or now - self._last_seen > self._repeat_gap_s))
        new = packet.timestamp != self._last_timestamp or repeated
        self._last_seen = now
        if not new:
            self._ended = self._ended or end
            return None
        self._last_timestamp, self._ended = packet.timestamp, end
        return DTMF_EVENTS[packet.payload[0]]


MAX_DROPOUT = 3000
"""A forward jump in sequence numbers larger than this is not the same stream (RFC 3550 A.1)."""
MAX_MISORDER = 100
"""A packet this far behind the highest seen is late or duplicated, not a new stream (RFC 3550 A.1)."""
MIN_SEQUENTIAL = 2
"""Packets in sequence a new SSRC (or a restarted sequence) must send before it is heard (RFC 3550 A.1)."""


class _SsrcTrack:
    """One latched SSRC and its highest sequence number, with a contender on probation."""

    def __init__(self, packet: RtpPacket) -> None:
        self.ssrc, self.max_seq = packet.ssrc, packet.sequence
        self.candidate: tuple[int, int, int] | None = None
        """(ssrc, next sequence expected, packets seen in sequence) of a stream on probation."""

    def admit(self, packet: RtpPacket) -> bool:
        if packet.ssrc != self.ssrc:
            return self._on_probation(packet)
        delta = (packet.sequence - self.max_seq) & 0xFFFF
        if delta < MAX_DROPOUT:
            self.max_seq = packet.sequence
            return True
        if delta > 0x10000 - MAX_MISORDER:
            return True  # late or duplicated
        return self._on_probation(packet)  # a jump: a restart must prove itself

    def _on_probation(self, packet: RtpPacket) -> bool:
        """Heard once MIN_SEQUENTIAL packets arrived in sequence (then latched); dropped until then."""
        candidate = self.candidate
        follows = candidate is not None and candidate[:2] == (packet.ssrc, packet.sequence)
        count = candidate[2] + 1 if follows and candidate is not None else 1
        if count >= MIN_SEQUENTIAL:
            self.ssrc, self.max_seq, self.candidate = packet.ssrc, packet.sequence, None
            return True
        self.candidate = (packet.ssrc, (packet.sequence + 1) & 0xFFFF, count)
        return False


class RtpGate:
    """Which received packets belong to the call (RFC 3550 A.1, as strict RTP in PBXs does it).

    - The source IP must be the negotiated one.
    - The first source port heard is latched. A packet from exactly the negotiated address
      takes the latch back, so a spoofer who spoke first cannot keep the call.
    - Each payload type latches its first SSRC. Some senders (SIPp among them) use one SSRC
      for speech and another for key presses.
    - A new SSRC, or a sequence number far from the stream's, is heard only after
      MIN_SEQUENTIAL packets in sequence: a restart must prove itself.

    A spoofer who can forge the latched address exactly still gets through; only SRTP stops
    that.
    """

    def __init__(self, negotiated: tuple[str, int]) -> None:
        self.negotiated = negotiated
        self.source: tuple[str, int] | None = None
        self._tracks: dict[int, _SsrcTrack] = {}

    def renegotiate(self, address: tuple[str, int]) -> None:
        """A re-INVITE moved the media: latch afresh."""
        self.negotiated, self.source, self._tracks = address, None, {}

    def admit(self, addr: tuple[str, int], packet: RtpPacket) -> bool:
        if addr[0] != self.negotiated[0]:
            return False
        if self.source is None or (addr == self.negotiated and self.source != addr):
            self.source, self._tracks = addr, {}
        if addr != self.source:
            return False
        track = self._tracks.get(packet.payload_type)
        if track is None:
            if len(self._tracks) >= 4:  # speech in two laws and key presses: anything more is not a phone
                return False
            self._tracks[packet.payload_type] = _SsrcTrack(packet)
            return True
        return track.admit(packet)


@dataclass
class RtpStats:
    received: int = 0
    sent: int = 0
    dropped_foreign: int = 0
    """Packets the gate refused (another address, port, SSRC or sequence), ignored."""
    send_times: deque[float] | None = None

    def intervals_ms(self) -> list[float]:
        times = list(self.send_times or ())
        return [(b - a) * 1000 for a, b in itertools.pairwise(times)]


class RtpStream(asyncio.DatagramProtocol):
    """The media of one call: `play()` audio out, `on_audio`/`on_dtmf` callbacks for what comes in."""

    def __init__(self, codec: Codec, remote: tuple[str, int], telephone_event: int | None,
                 on_audio: Callable[[bytes], None] | None = None, on_dtmf: Callable[[str], None] | None = None) -> None:
        self.codec = codec
        self.remote = remote
        """Where media is sent: the negotiated address (the SDP), never learned from packets."""
        self.gate = RtpGate(remote)
        self.telephone_event = telephone_event
        self.on_audio = on_audio
        self.on_dtmf = on_dtmf
        self.stats = RtpStats(send_times=deque(maxlen=10_000))
        self._transport: asyncio.DatagramTransport | None = None
        self._dtmf = DtmfReceiver()
        self._queue: deque[bytes] = deque()
        self._playing: asyncio.Future[bool] | None = None
        self._pacer: asyncio.Task[None] | None = None
        self._ssrc = secrets.randbits(32)
        self._sequence = secrets.randbits(16)
        self._timestamp = secrets.randbits(32)
        self._silence = encode(b"\x00\x00" * SAMPLES_PER_FRAME, codec)
        self.paused = False
        """On hold: nothing is sent (the peer said sendonly/inactive)."""
        self.on_sent: Callable[[bytes], None] | None = None
        """Called with each frame's G.711 payload as it is sent (prompts, hold audio, silence): the recording."""
        self.max_fed_frames = 6
        """`feed()` keeps at most this many frames queued (120 ms): a bridge never builds up delay."""

    @property
    def local_port(self) -> int:
        assert self._transport is not None
        return self._transport.get_extra_info("sockname")[1]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a datagram transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        packet = parse_rtp(data)
        if packet is None:
            return
        if not self.gate.admit(addr, packet):
            self.stats.dropped_foreign += 1
            return
        self.stats.received += 1
        if packet.payload_type in _G711 and self.on_audio is not None:
            # either law is decoded, whichever was negotiated: some phones switch, and a bridge must not go mute
            self.on_audio(decode(packet.payload, _G711[packet.payload_type]))
        elif packet.payload_type == self.telephone_event and self.on_dtmf is not None:
            digit = self._dtmf.accept(packet)
            if digit is not None:
                self.on_dtmf(digit)

    def error_received(self, exc: Exception) -> None:  # ICMP port unreachable etc.: keep going
        return

    def start(self) -> None:
        if self._pacer is None:
            self._pacer = asyncio.get_running_loop().create_task(self._pace(), name="rtp-pacer")

    def play(self, linear_8k: bytes) -> asyncio.Future[bool]:
        """Queue audio (8 kHz linear PCM); the future is True when it was all sent, False if stopped."""
        self.stop_playback()
        size = frame_bytes(TELEPHONE_RATE)
        self._queue.extend(encode(frame, self.codec) for frame in frames(linear_8k, size, b"\x00"))
        self._playing = asyncio.get_running_loop().create_future()
        if not self._queue:
            self._playing.set_result(True)
        return self._playing

    def feed(self, linear_8k: bytes) -> None:
        """Stream audio (a bridge): appended after what is queued, oldest frames dropped past `max_fed_frames`."""
        size = frame_bytes(TELEPHONE_RATE)
        self._queue.extend(encode(frame, self.codec) for frame in frames(linear_8k, size, b"\x00"))
        while len(self._queue) > self.max_fed_frames:
            self._queue.popleft()

    def negotiate(self, remote: tuple[str, int]) -> None:
        """The peer's (new) media address from an SDP offer or answer."""
        if remote != self.remote:
            self.remote = remote
            self.gate.renegotiate(remote)

    def set_codec(self, codec: Codec, telephone_event: int | None) -> None:
        """The codec the answer chose (calls we place offer both G.711 laws)."""
        self.codec, self.telephone_event = codec, telephone_event
        self._silence = encode(b"\x00\x00" * SAMPLES_PER_FRAME, codec)

    def stop_playback(self) -> None:
        """Barge-in: drop what is left of the prompt."""
        self._queue.clear()
        if self._playing is not None and not self._playing.done():
            self._playing.set_result(False)

    @property
    def is_playing(self) -> bool:
        return bool(self._queue)

    def _send_frame(self, loop_time: float) -> None:
        payload = self._queue.popleft() if self._queue else self._silence
        if not self._queue and self._playing is not None and not self._playing.done():
            self._playing.set_result(True)
        marker = self.stats.sent == 0
        self._sequence = (self._sequence + 1) & 0xFFFF
        self._timestamp = (self._timestamp + SAMPLES_PER_FRAME) & 0xFFFFFFFF
        if self._transport is not None and not self.paused:
            self._transport.sendto(build_rtp(self.codec.payload_type, self._sequence, self._timestamp, self._ssrc,
                                             payload, marker), self.remote)
            self.stats.sent += 1
            if self.on_sent is not None:
                self.on_sent(payload)
            assert self.stats.send_times is not None
            self.stats.send_times.append(loop_time)

    async def _pace(self) -> None:
        loop = asyncio.get_running_loop()
        start, n = loop.time(), 0
        while self._transport is not None and not self._transport.is_closing():
            n += 1
            delay = start + n * FRAME_S - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.2:  # the process was stalled: restart the clock rather than send a burst
                start, n = loop.time(), 0
            self._send_frame(loop.time())

    async def close(self) -> None:
        self.stop_playback()
        if self._transport is not None:
            self._transport.close()
        if self._pacer is not None:
            self._pacer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pacer
