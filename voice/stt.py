"""Speech to text with Vosk: one model per language shared by all calls, a recognizer per call.

    audio chunk (16-bit PCM) → Recognizer.accept → None | Partial (barge-in) | Utterance (end of speech)

`SpeechModels` loads each model once, off the event loop, and hands the same `vosk.Model` to
every call (a Kaldi model is read-only once loaded; recognizers are per call). Decoding is CPU
work: `Transcriber` runs it in a shared thread pool (vosk's C calls release the GIL), one chunk
at a time per call, with a time-out, so the event loop carrying RTP never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import vosk

from voice.endpointing import ONSET_FRAMES, VoiceActivity, quiet_needed

TELEPHONE_RATE = 8000
KIOSK_RATE = 16000
T = TypeVar("T")


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Partial:
    """What the caller seems to be saying so far: enough to stop a prompt (barge-in)."""

    text: str


@dataclass(frozen=True)
class Utterance:
    """A finished utterance: the caller stopped speaking (Vosk's end-point) or the stream ended."""

    text: str
    confidence: float
    """Mean of the word confidences (0..1); 0 when Vosk gave no words."""
    words: tuple[Word, ...]


class WarmRecognizers:
    """Kaldi recognizers of one model and rate, kept between calls.

    A recognizer's first seconds of audio cost about three times its later ones (Kaldi compiles and
    caches its network computations per recognizer): measured on the Korean model, 0.42 CPU seconds
    per second of speech for a new recognizer, 0.13 for one that had decoded a few sentences and
    was Reset, with the same words out. So a call takes a used one and gives it back, Reset, when it
    ends; `warm` prepares some at start-up on a few seconds of line noise (0.26)."""

    def __init__(self, model: vosk.Model, sample_rate: int, keep: int = 64) -> None:
        self.model = model
        self.sample_rate = sample_rate
        self.keep = keep
        self._idle: list[vosk.KaldiRecognizer] = []
        self._lock = threading.Lock()

    def take(self) -> vosk.KaldiRecognizer:
        """A recognizer ready for a new stream (a kept one, else a new one: ~60 ms)."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        kaldi = vosk.KaldiRecognizer(self.model, self.sample_rate)
        kaldi.SetWords(True)
        return kaldi

    def give_back(self, kaldi: vosk.KaldiRecognizer) -> None:
        """The stream is over: Reset and keep it for the next call (never while a decode uses it)."""
        kaldi.Reset()
        with self._lock:
            if len(self._idle) < self.keep:
                self._idle.append(kaldi)

    def warm(self, count: int, seconds: float = 2.0, audio: bytes | None = None) -> None:
        """Prepare `count` recognizers on `seconds` of quiet line noise, or on `audio` (16-bit PCM at the
        pool's rate; speech warms best: 0.13 against 0.26). Blocking: run it off the loop."""
        rng = random.Random(0)
        noise = audio if audio is not None else b"".join(
            rng.randint(-300, 300).to_bytes(2, "little", signed=True) for _ in range(int(self.sample_rate * seconds)))
        step = self.sample_rate // 50 * 2
        taken = [self.take() for _ in range(count)]  # all at once: one taken and given back would come again
        for kaldi in taken:
            for start in range(0, len(noise), step):
                kaldi.AcceptWaveform(noise[start:start + step])
            kaldi.FinalResult()
        for kaldi in taken:
            self.give_back(kaldi)

    @property
    def idle(self) -> int:
        return len(self._idle)


class SpeechModels:
    """The loaded Vosk model of each configured language; load once, share with every call."""

    def __init__(self, paths: Mapping[str, Path]) -> None:
        self._paths = dict(paths)
        self._models: dict[str, vosk.Model] = {}
        self._locks = {language: asyncio.Lock() for language in self._paths}
        self._warm: dict[tuple[str, int], WarmRecognizers] = {}
        vosk.SetLogLevel(-1)

    @property
    def configured(self) -> tuple[str, ...]:
        return tuple(self._paths)

    def path(self, language: str) -> Path | None:
        """Where the language's model is (its vocabulary is read from there for directory grammars)."""
        return self._paths.get(language)

    def get(self, language: str) -> vosk.Model | None:
        return self._models.get(language)

    def recognizers(self, language: str, sample_rate: int) -> WarmRecognizers | None:
        """The kept recognizers of a loaded language's model at `sample_rate` (None: not loaded)."""
        model = self._models.get(language)
        if model is None:
            return None
        return self._warm.setdefault((language, sample_rate), WarmRecognizers(model, sample_rate))

    async def load(self, language: str, timeout_s: float = 120.0) -> vosk.Model:
        """Load the model for `language` in a worker thread (a model takes seconds to load)."""
        if language not in self._paths:
            raise KeyError(f"no speech model configured for {language!r}")
        async with self._locks[language]:
            if language not in self._models:
                path = str(self._paths[language])
                loop = asyncio.get_running_loop()
                self._models[language] = await asyncio.wait_for(loop.run_in_executor(None, vosk.Model, path), timeout_s)
            return self._models[language]

    async def load_all(self, timeout_s: float = 300.0) -> dict[str, str]:
        """Load every configured model; return the languages that failed, with why."""
        results = await asyncio.gather(*(self.load(lang, timeout_s) for lang in self._paths), return_exceptions=True)
        return {lang: repr(res) for lang, res in zip(self._paths, results) if isinstance(res, BaseException)}


def _utterance(result_json: str) -> Utterance | None:
    result = json.loads(result_json)
    text = result.get("text", "").strip()
    if not text:
        return None
    words = tuple(
        Word(w.get("word", ""), float(w.get("conf", 0.0)), float(w.get("start", 0.0)), float(w.get("end", 0.0)))
        for w in result.get("result", ())
    )
    confidence = sum(w.confidence for w in words) / len(words) if words else 0.0
    return Utterance(text, round(confidence, 4), words)


BATCH_S = 0.1
"""While a caller speaks, Kaldi is given their audio this much at a time (one hand-over per 100 ms, not 20)."""


@dataclass(frozen=True)
class Decode:
    """What a chunk of audio asks of Kaldi (`Recognizer.plan`): audio to decode, and whether the
    utterance ended with it. False when there is nothing to do."""

    pcm: bytes
    ended: bool

    def __bool__(self) -> bool:
        return bool(self.pcm) or self.ended


class Recognizer:
    """A streaming recognizer for one call. Not thread-safe: feed it from one worker at a time.

    Only speech is decoded. A 20 ms frame is speech when the voice activity detector says so (voice/endpointing.py), and
    speech has begun after `ONSET_FRAMES` such frames in a row; the audio before it is kept
    (`preroll_s`, for a soft first sound), and after speech Kaldi gets `tail_s` more of the quiet (a
    word's weak ending, and enough for its network to compute past the last word). The rest of the
    quiet is counted but not decoded: a phone sends RTP all call long, and decoding an idle line
    would cost a tenth of a core per call for nothing.

    The end of an utterance is quiet after speech: `SHORT_QUIET_S` when the partial result already
    reads as a complete request in `language`, `LONG_QUIET_S` when it stops mid-sentence
    (`endpointing.quiet_needed`); `end_silence_s`, when given, is a fixed length instead. Vosk's own
    end-point rarely comes first: it waits for longer silences, up to seconds on some models.
    """

    def __init__(self, model: vosk.Model, sample_rate: int, end_silence_s: float | None = None,
                 tail_s: float = 0.3, preroll_s: float = 0.3, grammar: str | None = None,
                 language: str | None = None, warm: WarmRecognizers | None = None) -> None:
        """`warm`: take the Kaldi recognizer from there, and give it back on `release()`."""
        self.sample_rate = sample_rate
        self.end_silence_s = end_silence_s
        self.language = language
        self.tail_s = tail_s
        self.decoded_s = 0.0
        """Seconds of audio given to Kaldi so far (what the call's recognition costs)."""
        self._warm = warm if grammar is None else None
        if self._warm is not None:
            self._kaldi = self._warm.take()
        else:  # `grammar`: a JSON list of phrases (Vosk's runtime grammar) the recognizer is limited to
            self._kaldi = (vosk.KaldiRecognizer(model, sample_rate, grammar) if grammar is not None
                           else vosk.KaldiRecognizer(model, sample_rate))
        self._kaldi.SetWords(True)
        self._activity: VoiceActivity | None = None
        """Made on first use: a caller that gives verdicts (the gateway) needs none."""
        self._frame = sample_rate // 50 * 2
        self._preroll: deque[bytes] = deque(maxlen=max(ONSET_FRAMES, round(preroll_s * 50)))
        self._speech_run = 0
        self._last_partial = ""
        self._heard_speech = False
        self._quiet_s = 0.0
        """Quiet since the last speech, heard or a gap in the audio."""
        self._tail_decoded_s = 0.0
        """Quiet after the last speech already given to Kaldi."""
        self._pending = bytearray()
        """Audio not yet given to Kaldi: it gets `BATCH_S` at a time (its network computes in chunks of
        that order anyway), and the rest when the utterance ends or its tail is complete."""
        self._batch_bytes = int(BATCH_S * sample_rate) * 2

    @property
    def speaking(self) -> bool:
        """An utterance is under way: speech heard and its end not yet found."""
        return self._heard_speech

    def quiet_needed(self) -> float:
        """The quiet after speech that ends this utterance, given what has been recognised so far."""
        if self.end_silence_s is not None:
            return self.end_silence_s
        return quiet_needed(self._last_partial, self.language)

    def _speech_ended(self) -> bool:
        return self._heard_speech and self._quiet_s >= self.quiet_needed() - 0.005  # 0.29 + 4 × 0.05 is not < 0.49

    def _is_speech(self, frame: bytes, voiced: bool | None) -> bool:
        """This frame is speech: the detector says so, and (before speech has begun) enough in a row."""
        if voiced is None:
            if self._activity is None:
                self._activity = VoiceActivity(self.sample_rate)
            voiced = self._activity.is_speech(frame)
        if not voiced:
            self._speech_run = 0
            return False
        self._speech_run += 1
        return self._heard_speech or self._speech_run >= ONSET_FRAMES

    def accept(self, pcm: bytes, voiced: Sequence[bool] | None = None) -> Partial | Utterance | None:
        """Feed 16-bit PCM at `sample_rate`; an Utterance when the caller has stopped speaking.

        `voiced`: a voice activity verdict per 20 ms frame of `pcm`, when the caller has one (the gateway
        runs one detector per call for barge-in and shares it); otherwise the recognizer runs its own."""
        return self.decode(self.plan(pcm, voiced))

    def plan(self, pcm: bytes, voiced: Sequence[bool] | None = None) -> Decode:
        """The bookkeeping half of `accept`: which audio Kaldi must decode now, and whether the utterance
        ended. No Kaldi call, so with `voiced` given it is cheap enough for the event loop: most of a
        call's frames (the line between turns) then never leave it (`Transcriber.feed`)."""
        ended, tail_done = False, False
        for n, start in enumerate(range(0, len(pcm), self._frame)):
            frame = pcm[start:start + self._frame]
            seconds = len(frame) / 2 / self.sample_rate
            verdict = voiced[n] if voiced is not None and n < len(voiced) else None
            if self._is_speech(frame, verdict) and not ended:
                if not self._heard_speech:
                    self._pending += b"".join(self._preroll)
                    self._preroll.clear()
                self._heard_speech, self._quiet_s, self._tail_decoded_s = True, 0.0, 0.0
                self._pending += frame
            elif not self._heard_speech or ended:
                self._preroll.append(frame)
            else:
                self._quiet_s += seconds
                if self._speech_ended():
                    ended = True  # the rest is the next utterance's pre-roll, if anything
                elif self._tail_decoded_s < self.tail_s:
                    self._pending += frame
                    self._tail_decoded_s += seconds
                    tail_done = self._tail_decoded_s >= self.tail_s
        if not (ended or tail_done or len(self._pending) >= self._batch_bytes):
            return Decode(b"", False)  # decoded with the next frames
        batch, self._pending = bytes(self._pending), bytearray()
        return Decode(batch, ended and self._heard_speech)

    def decode(self, work: Decode) -> Partial | Utterance | None:
        """The Kaldi half of `accept` (CPU work: in a worker thread)."""
        result = self._decode(work.pcm) if work.pcm else None
        if work.ended and self._heard_speech:
            return self.flush()
        return result

    def _decode(self, pcm: bytes) -> Partial | Utterance | None:
        self.decoded_s += len(pcm) / 2 / self.sample_rate
        if self._kaldi.AcceptWaveform(pcm):
            self._last_partial, self._heard_speech = "", False
            return _utterance(self._kaldi.Result())
        partial = json.loads(self._kaldi.PartialResult()).get("partial", "").strip()
        if partial and partial != self._last_partial:
            self._last_partial = partial
            return Partial(partial)
        return None

    def pause(self, seconds: float) -> Utterance | None:
        """No audio arrived for `seconds` (a phone that suppresses silence, a stream that stopped): quiet.

        At the first gap, what is left of `tail_s` is decoded as silence at once, ahead of the clock:
        Kaldi's network computes in chunks of about a quarter second, so without it the final result
        would first have to compute the last words (~150 ms here) after the end of speech is certain."""
        if not self._heard_speech:
            return None
        self._quiet_s += seconds
        if self._speech_ended():
            return self.flush()
        if self._tail_decoded_s < self.tail_s:
            silence = bytes(int((self.tail_s - self._tail_decoded_s) * self.sample_rate) * 2)
            self._decode(self._take_pending() + silence)
            self._tail_decoded_s = self.tail_s
        return None

    def _take_pending(self) -> bytes:
        pending, self._pending = bytes(self._pending), bytearray()
        return pending

    def release(self) -> None:
        """The call is over: the Kaldi recognizer goes back to the warm ones (this object is done)."""
        if self._warm is not None:
            warm, self._warm = self._warm, None
            warm.give_back(self._kaldi)

    def flush(self) -> Utterance | None:
        """End of speech or of the stream (hang-up): whatever is pending, then start afresh."""
        if self._pending:
            self._decode(self._take_pending())
        self._last_partial, self._heard_speech, self._quiet_s, self._speech_run = "", False, 0.0, 0
        return _utterance(self._kaldi.FinalResult())


DECODE_NICE = 10
"""How much lower than the event loop the decoding threads run (Linux nice, per thread)."""


def decoding_workers(count: int) -> ThreadPoolExecutor:
    """The shared decoding threads, `count` of them, each at a lower priority than the event loop.

    The loop paces every call's RTP at 20 ms; a decode is batch work that can wait a few milliseconds.
    At equal priority the kernel shares a core between them, so a decode's slice delayed packets:
    measured at 12 calls on one core, dozens of send gaps over 40 ms with the core 60 % busy."""
    return ThreadPoolExecutor(max_workers=count, thread_name_prefix="stt", initializer=_lower_priority)


def _lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):  # not Linux, or not allowed: equal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), DECODE_NICE)


class DecodeLoad:
    """How far behind the shared decoding workers are: the wait of recent decodes for a free worker.

    The gateway refuses new calls (503, so a proxy tries the next gateway) while it is over
    `OVERLOAD_WAIT_S`, rather than let every call's recognition fall behind together."""

    WINDOW_S = 3.0

    def __init__(self) -> None:
        self._waits: deque[tuple[float, float]] = deque()
        self.max_wait_s = 0.0
        """The longest wait seen (for the benchmark and logs)."""

    def record(self, wait_s: float) -> None:
        now = time.monotonic()
        self.max_wait_s = max(self.max_wait_s, wait_s)
        self._waits.append((now, wait_s))
        while self._waits and self._waits[0][0] < now - self.WINDOW_S:
            self._waits.popleft()

    @property
    def behind_s(self) -> float:
        """The longest wait for a worker in the last `WINDOW_S` (0 when idle)."""
        horizon = time.monotonic() - self.WINDOW_S
        return max((wait for at, wait in self._waits if at >= horizon), default=0.0)


class Transcriber:
    """The asynchronous face of a Recognizer: decoding in `executor`, never on the event loop."""

    def __init__(self, recognizer: Recognizer, executor: Executor | None = None, timeout_s: float = 5.0,
                 load: DecodeLoad | None = None) -> None:
        self._recognizer = recognizer
        self._executor = executor
        self._timeout_s = timeout_s
        self._load = load
        self._lock = asyncio.Lock()
        self._retired = False
        self._released = False
        self._in_flight: asyncio.Future[Any] | None = None

    async def _run(self, method: str, *args: object) -> Any:
        """Call the current recognizer's `method` in a worker, one call at a time."""
        async with self._lock:
            self._check()
            return await self._in_worker(getattr(self._recognizer, method), *args)

    def _check(self) -> None:
        if self._retired:
            raise asyncio.TimeoutError("speech decoding fell behind; this recognizer was retired")
        if self._released:
            raise RuntimeError("this transcriber's stream is over")

    async def _in_worker(self, fn: Callable[..., T], *args: object) -> T:
        """Decode off the loop (the caller holds the lock). A decode that outlives the time-out keeps
        running in its thread, so the recognizer is retired: feeding it concurrently crashes Vosk (found
        by bench/voice_bench.py at 8 calls on one core)."""
        loop = asyncio.get_running_loop()
        decoding = loop.run_in_executor(self._executor, self._timed, time.monotonic(), fn, *args)
        self._in_flight = decoding
        try:
            return await asyncio.wait_for(asyncio.shield(decoding), self._timeout_s)
        except asyncio.TimeoutError:
            self._retired = True
            raise

    def _timed(self, submitted: float, fn: Callable[..., T], *args: object) -> T:
        """Run in the worker: note how long the decode waited for it."""
        if self._load is not None:
            self._load.record(time.monotonic() - submitted)
        return fn(*args)

    @property
    def recognizer(self) -> Any:
        return self._recognizer

    async def use(self, recognizer: Any, unless_speaking: bool = True) -> bool:
        """Decode with `recognizer` from now on (between decodes); refused (False) while the current one
        is in the middle of an utterance and `unless_speaking`, so no utterance loses its beginning."""
        async with self._lock:
            if unless_speaking and getattr(self._recognizer, "speaking", False):
                return False
            self._recognizer = recognizer
            return True

    @property
    def retired(self) -> bool:
        """A decode overran its time-out; this call must go on without speech (keys still work)."""
        return self._retired

    async def feed(self, pcm: bytes, voiced: Sequence[bool] | None = None) -> Partial | Utterance | None:
        """Audio for the recognizer. With the frames' `voiced` verdicts, what to decode is worked out here
        on the loop (`Recognizer.plan`) and only Kaldi's part goes to a worker: the frames of a line
        between turns, most of a call, never wait for a thread, and speech goes 100 ms at a time."""
        if voiced is None or not hasattr(self._recognizer, "plan"):
            return await self._run("accept", pcm, voiced)
        async with self._lock:
            self._check()
            recognizer = self._recognizer
            work = recognizer.plan(pcm, voiced)
            return await self._in_worker(recognizer.decode, work) if work else None

    async def pause(self, seconds: float) -> Utterance | None:
        return await self._run("pause", seconds)

    async def finish(self) -> Utterance | None:
        return await self._run("flush")

    async def release(self) -> None:
        """The stream is over: give the recognizer's Kaldi state back for the next call, unless a decode
        that outlived its time-out may still be using it (a retired transcriber's is dropped)."""
        in_flight = self._in_flight
        if in_flight is not None and not in_flight.done():  # a cancelled caller's decode may still run
            await asyncio.wait({in_flight}, timeout=self._timeout_s)
            if not in_flight.done():
                return
        async with self._lock:
            if not self._retired and not self._released:
                self._released = True
                release = getattr(self._recognizer, "release", None)
                if release is not None:
                    await asyncio.to_thread(release)
