"""PCM helpers: resampling, G.711 µ-law/A-law, 20 ms framing, level and duration.

Audio inside voice/ is always 16-bit signed little-endian mono PCM ("linear"); G.711 exists
only at the RTP edge. `audioop` is in the standard library up to Python 3.12 (this project
runs 3.10); it is deprecated, so the import is kept in this one module.
"""

from __future__ import annotations

import io
import math
import warnings
import wave
from dataclasses import dataclass
from enum import Enum

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

SAMPLE_WIDTH = 2
TELEPHONE_RATE = 8000
FRAME_MS = 20


class Codec(str, Enum):
    """G.711 codecs with their static RTP payload types (RFC 3551)."""

    PCMU = "PCMU"
    PCMA = "PCMA"

    @property
    def payload_type(self) -> int:
        return 0 if self is Codec.PCMU else 8


@dataclass(frozen=True)
class Pcm:
    """Linear 16-bit mono audio and its sample rate."""

    data: bytes
    rate: int

    @property
    def duration_s(self) -> float:
        return len(self.data) / SAMPLE_WIDTH / self.rate

    @property
    def rms(self) -> float:
        return float(audioop.rms(self.data, SAMPLE_WIDTH)) if self.data else 0.0


def resample(pcm: Pcm, rate: int) -> Pcm:
    if pcm.rate == rate:
        return pcm
    data, _ = audioop.ratecv(pcm.data, SAMPLE_WIDTH, 1, pcm.rate, rate, None)
    return Pcm(data, rate)


def encode(linear: bytes, codec: Codec) -> bytes:
    return audioop.lin2ulaw(linear, SAMPLE_WIDTH) if codec is Codec.PCMU else audioop.lin2alaw(linear, SAMPLE_WIDTH)


def decode(payload: bytes, codec: Codec) -> bytes:
    return audioop.ulaw2lin(payload, SAMPLE_WIDTH) if codec is Codec.PCMU else audioop.alaw2lin(payload, SAMPLE_WIDTH)


def frame_bytes(rate: int, ms: int = FRAME_MS, width: int = SAMPLE_WIDTH) -> int:
    return rate * ms // 1000 * width


def frames(data: bytes, size: int, pad: bytes) -> list[bytes]:
    """Cut `data` into frames of `size` bytes, padding the last one with the byte `pad`."""
    out = [data[i : i + size] for i in range(0, len(data), size)]
    if out and len(out[-1]) < size:
        out[-1] = out[-1] + pad * (size - len(out[-1]))
    return out


def silence(rate: int, seconds: float) -> bytes:
    return b"\x00\x00" * int(rate * seconds)


def tone(rate: int, seconds: float, hz: float = 440.0, amplitude: int = 8000) -> bytes:
    """A sine tone, for tests and hold audio."""
    count = int(rate * seconds)
    samples = (int(amplitude * math.sin(2 * math.pi * hz * i / rate)) for i in range(count))
    return b"".join(s.to_bytes(2, "little", signed=True) for s in samples)


def read_wav(raw: bytes) -> Pcm:
    """Read a WAV (any rate, 8 or 16 bit, mono or stereo) as 16-bit mono."""
    with wave.open(io.BytesIO(raw)) as wav:
        width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
        data = wav.readframes(wav.getnframes())
    if channels == 2:
        data = audioop.tomono(data, width, 0.5, 0.5)
    if width != SAMPLE_WIDTH:
        data = audioop.lin2lin(data, width, SAMPLE_WIDTH)
    return Pcm(data, rate)


def wav_bytes(pcm: Pcm) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(pcm.rate)
        wav.writeframes(pcm.data)
    return buffer.getvalue()
