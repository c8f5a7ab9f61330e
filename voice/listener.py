"""One party's audio fed to a Transcriber as it arrives, gaps in the RTP decoded as the silence they are.

    RTP audio ─▶ Listener.hear ─▶ queue ─▶ Transcriber (a worker thread) ─▶ Partial | Utterance, in order

A phone that suppresses silence (or a caller whose audio simply stops) sends no packets after
speech; the end of the utterance must still be found, so after `gap_s` without audio, shortly
after speech, the gap counts as quiet (`Recognizer.pause`: counted, not decoded). Used for the caller (their turns, barge-in) and for a
callee who answers an announced transfer by voice ("好的，接过来" / "no").
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from voice.audio import Pcm
from voice.stt import Partial, Transcriber, Utterance

log = logging.getLogger(__name__)

GAP_S = 0.05
"""No audio for this long, soon after speech, counts as this much quiet (the end of speech is found on time)."""
QUIET_AFTER_S = 2.0
"""Gaps are fed as silence only this long after the last speech (an idle line costs nothing)."""
SPEECH_RMS = 300.0


class Listener:
    def __init__(self, transcriber: Transcriber, rate: int = 8000, gap_s: float = GAP_S) -> None:
        self.transcriber = transcriber
        self.rate = rate
        self.gap_s = gap_s
        self.last_voiced = 0.0
        """time.monotonic() of the last chunk with speech in it: when the caller stopped speaking."""
        self._audio: asyncio.Queue[tuple[bytes, bool | None]] = asyncio.Queue()
        self._heard_until = time.monotonic()
        """Audio (or a gap) up to this moment has been handed to the transcriber."""

    def hear(self, pcm: bytes, voiced: bool | None = None) -> None:
        """RTP callback: 16-bit PCM at `rate` (a 20 ms frame). Speech is timed as it arrives, not as decoded.

        `voiced`: the call's voice activity detector's verdict on this frame (the recognizer then uses it
        rather than running a detector of its own); None: a level threshold times it, the recognizer decides."""
        if voiced if voiced is not None else Pcm(pcm, self.rate).rms >= SPEECH_RMS:
            self.last_voiced = time.monotonic()
        self._audio.put_nowait((pcm, voiced))

    def clear(self) -> None:
        """Drop what has arrived and not been decoded (e.g. audio heard during a transfer)."""
        while not self._audio.empty():
            self._audio.get_nowait()

    async def _next_chunk(self) -> tuple[bytes, list[bool] | None] | float | None:
        """The audio that arrived (joined, with the frames' verdicts when all have one), or the length of a
        gap soon after speech, or None (idle line)."""
        wait = max(0.001, self._heard_until + self.gap_s - time.monotonic())
        try:
            chunks = [await asyncio.wait_for(self._audio.get(), wait)]
        except asyncio.TimeoutError:
            now = time.monotonic()
            gap, self._heard_until = now - self._heard_until, now  # wall time: a slow decode must not stretch it
            return None if now - self.last_voiced > QUIET_AFTER_S else gap
        while not self._audio.empty():
            chunks.append(self._audio.get_nowait())
        self._heard_until = time.monotonic()
        verdicts = [voiced for _, voiced in chunks]
        aligned = all(len(pcm) == self.rate // 50 * 2 for pcm, _ in chunks)  # a verdict per 20 ms frame
        known = [bool(v) for v in verdicts] if aligned and None not in verdicts else None
        return b"".join(pcm for pcm, _ in chunks), known

    async def results(self, name: str = "") -> AsyncIterator[Partial | Utterance]:
        """Partials and utterances until the call ends (the task is cancelled) or decoding is retired."""
        while True:
            heard = await self._next_chunk()
            if heard is None:
                continue
            try:
                if isinstance(heard, tuple):
                    result = await self.transcriber.feed(*heard)
                else:
                    result = await self.transcriber.pause(heard)
            except asyncio.TimeoutError:
                log.warning("%s: speech decoding fell behind", name)
                if self.transcriber.retired:
                    log.error("%s: speech recognition stopped for this call; keys still work", name)
                    return
                continue
            if result is not None:
                yield result
