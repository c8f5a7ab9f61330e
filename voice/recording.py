"""A call's audio, both directions, as a stereo WAV: left = the caller, right = what the gateway sent.

The right channel is clocked by the RTP pacer (one frame every 20 ms, silence included), so it
is the call's timeline; the caller's frames are placed against it (lost or late packets become
silence). The file goes to `<recordings>/<safe conversation id>.wav`, written off the event loop.
"""

from __future__ import annotations

import asyncio
import re
import warnings
import wave
from pathlib import Path

from voice.audio import SAMPLE_WIDTH, TELEPHONE_RATE, Codec, decode

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

FRAME_BYTES = TELEPHONE_RATE // 50 * SAMPLE_WIDTH
MAX_FRAMES = 50 * 60 * 60 * 2
"""Two hours: a longer call keeps only its first two hours of audio."""


def recording_name(conversation: str) -> str:
    """A file name from an (untrusted) conversation id: no path separators, no dots at the start."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", conversation)[:96].strip("_")
    return f"{safe or 'call'}.wav"


class CallRecorder:
    def __init__(self, codec: Codec) -> None:
        self.codec = codec
        self._caller: list[bytes] = []
        self._gateway: list[bytes] = []

    def caller_audio(self, linear: bytes) -> None:
        """Audio that arrived from the caller (already linear PCM, any whole number of frames)."""
        if len(self._caller) < MAX_FRAMES:
            self._caller.extend(linear[i:i + FRAME_BYTES] for i in range(0, len(linear), FRAME_BYTES))

    def gateway_frame(self, payload: bytes) -> None:
        """One G.711 frame the gateway sent; keeps the caller's channel aligned to the call's clock."""
        if len(self._gateway) >= MAX_FRAMES:
            return
        self._gateway.append(decode(payload, self.codec))
        missing = len(self._gateway) - len(self._caller) - 3  # up to 60 ms of jitter allowed before padding
        if missing > 0:
            self._caller.extend([b"\x00" * FRAME_BYTES] * missing)

    @property
    def duration_s(self) -> float:
        return max(len(self._caller), len(self._gateway)) / 50

    def _interleaved(self) -> bytes:
        """Both channels as one interleaved stereo stream (audioop: C speed, off the loop, little GIL)."""
        count = max(len(self._caller), len(self._gateway))
        left = b"".join(f.ljust(FRAME_BYTES, b"\x00") for f in self._caller).ljust(count * FRAME_BYTES, b"\x00")
        right = b"".join(f.ljust(FRAME_BYTES, b"\x00") for f in self._gateway).ljust(count * FRAME_BYTES, b"\x00")
        return audioop.add(audioop.tostereo(left, SAMPLE_WIDTH, 1, 0), audioop.tostereo(right, SAMPLE_WIDTH, 0, 1),
                           SAMPLE_WIDTH)

    def _write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        with wave.open(str(partial), "wb") as wav:
            wav.setnchannels(2)
            wav.setsampwidth(SAMPLE_WIDTH)
            wav.setframerate(TELEPHONE_RATE)
            wav.writeframes(self._interleaved())
        partial.replace(path)

    async def save(self, folder: Path, conversation: str) -> Path:
        path = folder / recording_name(conversation)
        await asyncio.to_thread(self._write, path)
        return path
