"""A call's audio, both directions, as a stereo WAV: left = the caller, right = what the gateway sent.

The right channel is clocked by the RTP pacer (one frame every 20 ms, silence included), so it
is the call's timeline; the caller's frames are placed against it (lost or late packets become
silence). The audio is streamed to disk as the call goes: about a second of each channel is held
in memory, then written (interleaved) to `<recordings>/<name>.part`, a WAV whose header is brought
up to date after every write, so memory per call stays bounded however long the call lasts, and a
process that dies mid-call still leaves a playable file of all but its last second. `save()` writes
the rest, fixes the header and renames the file to `<recordings>/<safe conversation id>.wav`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import struct
import tempfile
import warnings
from pathlib import Path

from voice.audio import SAMPLE_WIDTH, TELEPHONE_RATE, Codec, decode

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

FRAME_BYTES = TELEPHONE_RATE // 50 * SAMPLE_WIDTH
FLUSH_BYTES = TELEPHONE_RATE * SAMPLE_WIDTH
"""Each channel is written once a second (16 kB a channel, one 32 kB write): bounded memory, few system calls."""
JITTER_BYTES = 3 * FRAME_BYTES
"""The caller's audio may lag the gateway's clock by this much (60 ms of jitter) before the gap is silence."""
MAX_LEAD_BYTES = 50 * FRAME_BYTES
"""The caller's audio may run this far (1 s) ahead of the gateway's frames (the gateway's pacer stalled,
or the call is on hold and we send nothing) before the gateway's channel is filled with the silence it
sent: what is held in memory stays bounded whatever either side does."""
MAX_SECONDS = 2 * 60 * 60
"""Two hours: a longer call (one put through to staff may last up to four) keeps its first two hours on disk."""
MAX_CHANNEL_BYTES = MAX_SECONDS * TELEPHONE_RATE * SAMPLE_WIDTH


def recording_name(conversation: str) -> str:
    """A file name from an (untrusted) conversation id: no path separators, no dots at the start."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", conversation)[:96].strip("_")
    return f"{safe or 'call'}.wav"


def _wav_header(data_bytes: int) -> bytes:
    """A canonical 44-byte PCM WAV header: 2 channels, 16 bit, 8 kHz, `data_bytes` of audio."""
    channels, rate = 2, TELEPHONE_RATE
    block = channels * SAMPLE_WIDTH
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block, block, SAMPLE_WIDTH * 8)
            + b"data" + struct.pack("<I", data_bytes))


class CallRecorder:
    """Both channels of one call, streamed to `spool` (a WAV kept valid as it grows).

    `spool` defaults to a temporary file; `save()` moves it into place. Memory held: under
    FLUSH_BYTES + MAX_LEAD_BYTES of each channel (about 50 kB), whatever the call's length."""

    def __init__(self, codec: Codec, spool: Path | None = None) -> None:
        self.codec = codec
        if spool is None:
            fd, name = tempfile.mkstemp(prefix="call-", suffix=".part")
            self.spool = Path(name)
        else:
            spool.parent.mkdir(parents=True, exist_ok=True)
            self.spool = spool
            fd = os.open(spool, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        self._fd: int | None = fd
        os.write(fd, _wav_header(0))
        self._left = bytearray()
        """The caller's audio not yet written."""
        self._right = bytearray()
        """The gateway's audio not yet written."""
        self._written = 0
        """Bytes of each channel already in the file (the same for both)."""
        self.writes = 0
        """Chunks written (for the benchmark)."""

    def caller_audio(self, linear: bytes) -> None:
        """Audio that arrived from the caller (already linear PCM, any whole number of samples)."""
        if self._fd is None or self._written >= MAX_CHANNEL_BYTES:
            return
        self._left += linear
        lead = len(self._left) - len(self._right) - MAX_LEAD_BYTES
        if lead > 0:
            self._right += bytes(lead)
        self._maybe_flush()

    def gateway_frame(self, payload: bytes) -> None:
        """One G.711 frame the gateway sent; keeps the caller's channel aligned to the call's clock."""
        if self._fd is None or self._written >= MAX_CHANNEL_BYTES:
            return
        self._right += decode(payload, self.codec)
        missing = len(self._right) - len(self._left) - JITTER_BYTES  # up to 60 ms of jitter before padding
        if missing > 0:
            self._left += bytes(missing)
        self._maybe_flush()

    @property
    def duration_s(self) -> float:
        return (self._written + max(len(self._left), len(self._right))) / SAMPLE_WIDTH / TELEPHONE_RATE

    @property
    def buffered_bytes(self) -> int:
        """Audio held in memory, both channels (what streaming keeps bounded)."""
        return len(self._left) + len(self._right)

    def _maybe_flush(self) -> None:
        if len(self._left) >= FLUSH_BYTES and len(self._right) >= FLUSH_BYTES:
            self._flush(min(len(self._left), len(self._right)))

    def _flush(self, count: int) -> None:
        """Write the first `count` bytes of each channel, interleaved, and bring the header up to date."""
        count -= count % SAMPLE_WIDTH
        if count <= 0 or self._fd is None:
            return
        left, right = self._left[:count], self._right[:count]
        del self._left[:count]
        del self._right[:count]
        stereo = audioop.add(audioop.tostereo(left, SAMPLE_WIDTH, 1, 0), audioop.tostereo(right, SAMPLE_WIDTH, 0, 1),
                             SAMPLE_WIDTH)
        os.write(self._fd, stereo)  # a page-cache write of 32 kB (bench/idle_calls_bench.py times it)
        self._written += count
        self.writes += 1
        data = 2 * self._written
        os.pwrite(self._fd, struct.pack("<I", 36 + data), 4)
        os.pwrite(self._fd, struct.pack("<I", data), 40)

    def _finish(self, path: Path) -> None:
        """Write what is left (the shorter channel padded with silence), close, and move into place."""
        if self._fd is None:
            raise RuntimeError("the recording was already saved or discarded")
        longest = max(len(self._left), len(self._right))
        longest += longest % SAMPLE_WIDTH
        self._left += bytes(longest - len(self._left))
        self._right += bytes(longest - len(self._right))
        self._flush(longest)
        os.close(self._fd)
        self._fd = None
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.spool.parent.resolve() == path.parent.resolve():
            self.spool.replace(path)
        else:
            shutil.move(str(self.spool), str(path))

    async def save(self, folder: Path, conversation: str) -> Path:
        """The recording as `<folder>/<safe conversation id>.wav` (the last second written off the event loop)."""
        path = folder / recording_name(conversation)
        await asyncio.to_thread(self._finish, path)
        return path

    def discard(self) -> None:
        """Nothing worth keeping (the call had no audio): close and remove the spool file."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        with contextlib.suppress(OSError):
            self.spool.unlink()
