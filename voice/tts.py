"""Text to speech: pyttsx3 (espeak-ng) in Chinese and English, rendered to 8 kHz for G.711.

    Synthesizer.prompt(text, language) → cache hit: read var/prompts/<key>.wav
                                       → miss: a worker process renders it (time-out, then killed)
    Prompt.g711(codec) → µ-law / A-law bytes for RTP

Rendering never happens in the process that carries RTP: `voice.tts_worker` processes do it,
so a slow or hung engine delays only the reply being rendered, never another call's audio.
The cache is keyed by text, voice and rate, so the fixed prompts (greeting, "please hold",
the operator fallback) are rendered once, ever, and every later call reads the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
import sys
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.config import PROJECT_ROOT
from voice.audio import Codec, Pcm, encode, read_wav

log = logging.getLogger(__name__)

VOICES = {"zh": "sit/cmn", "en": "gmw/en-us"}
"""espeak-ng voice per dialogue language."""


class SynthesisError(Exception):
    """A prompt could not be rendered (engine error or time-out); the caller hears a canned prompt."""


@dataclass(frozen=True)
class Prompt:
    text: str
    language: str
    pcm: Pcm
    """8 kHz 16-bit mono."""
    cached: bool
    """True when read from the cache, False when rendered for this request."""

    def g711(self, codec: Codec) -> bytes:
        return encode(self.pcm.data, codec)


SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=[.])(?=\s)")
MIN_SENTENCE_CHARS = 6
"""A shorter piece ("好的。", "OK.") is spoken with the next: too short to be worth a render of its own."""


def split_sentences(text: str) -> list[str]:
    """`text` cut after each sentence's end (。！？；.!?;), short pieces joined to the next, nothing lost."""
    pieces, current = [], ""
    for piece in SENTENCE_END.split(text):
        current += piece
        if len(current.strip()) >= MIN_SENTENCE_CHARS:
            pieces.append(current.strip())
            current = ""
    if current.strip():
        if pieces:
            pieces[-1] = f"{pieces[-1]} {current.strip()}" if pieces[-1][-1:].isascii() else pieces[-1] + current.strip()
        else:
            pieces.append(current.strip())
    return pieces or [text]


def cache_key(text: str, voice: str, rate: int) -> str:
    return hashlib.sha256(f"{voice}\0{rate}\0{text}".encode()).hexdigest()[:40]


class RenderWorker:
    """One `python -m voice.tts_worker` process, restarted after a time-out or a crash."""

    def __init__(self) -> None:
        self._process: asyncio.subprocess.Process | None = None

    async def _ensure_started(self) -> asyncio.subprocess.Process:
        if self._process is None or self._process.returncode is not None:
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "voice.tts_worker",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
                env=env,
            )
        return self._process

    async def render(self, job: dict[str, object], timeout_s: float) -> dict[str, object]:
        process = await self._ensure_started()
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write((json.dumps(job) + "\n").encode())
            await asyncio.wait_for(process.stdin.drain(), timeout_s)
            line = await asyncio.wait_for(process.stdout.readline(), timeout_s)
        except (asyncio.TimeoutError, ConnectionError) as exc:
            await self.close()
            raise SynthesisError(f"rendering took longer than {timeout_s} s; the worker was restarted") from exc
        if not line:
            await self.close()
            raise SynthesisError("the rendering worker died; it will be restarted")
        return json.loads(line)

    async def close(self) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(process.wait(), 5)


MAX_CACHED_PROMPTS = 5000
"""Rendered prompts kept on disk (about 0.5 GB at most): replies name people and read numbers
back, so without a bound the cache grows with every call and kiosk visit."""
PRUNE_EVERY = 50
"""Renders between two prunes (at most a tenth of the bound): the cache exceeds it by less than that."""


def _touch_if_exists(path: Path) -> bool:
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True


def prune_cache(cache_dir: Path, max_files: int, keep: Path | None = None) -> int:
    """Delete the least recently used prompts beyond `max_files`; how many were deleted."""
    try:
        files = [(entry.stat().st_mtime, Path(entry.path)) for entry in os.scandir(cache_dir)
                 if entry.name.endswith(".wav") and entry.is_file()]
    except FileNotFoundError:
        return 0
    files.sort()
    excess = [path for _, path in files[:max(0, len(files) - max_files)] if path != keep]
    for path in excess:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return len(excess)


class Synthesizer:
    """Prompts for calls: cached on disk, rendered by a small pool of worker processes."""

    def __init__(self, cache_dir: Path, rate: int = 160, timeout_s: float = 20.0, workers: int = 1,
                 max_files: int = MAX_CACHED_PROMPTS) -> None:
        self.cache_dir = cache_dir
        self.rate = rate
        self.timeout_s = timeout_s
        self.max_files = max(1, max_files)
        self._workers = [RenderWorker() for _ in range(max(1, workers))]
        self._idle: asyncio.Queue[RenderWorker] | None = None
        self._in_flight: dict[str, asyncio.Future[str]] = {}
        self._renders_since_prune = PRUNE_EVERY  # prune once at the first render: the folder may be old
        self.renders: deque[tuple[str, str, float]] = deque(maxlen=1000)
        """(text, engine, seconds) of the latest renders, for logs and the benchmark."""

    def _queue(self) -> asyncio.Queue[RenderWorker]:
        if self._idle is None:
            self._idle = asyncio.Queue()
            for worker in self._workers:
                self._idle.put_nowait(worker)
        return self._idle

    def path_for(self, text: str, language: str) -> Path:
        return self.cache_dir / f"{language}-{cache_key(text, VOICES[language], self.rate)}.wav"

    async def prompt(self, text: str, language: str) -> Prompt:
        if language not in VOICES:
            raise SynthesisError(f"no voice for language {language!r}")
        path = self.path_for(text, language)
        cached = await asyncio.to_thread(_touch_if_exists, path)  # used now: pruned last
        if not cached:
            await self._render_once(text, language, path)
            self._renders_since_prune += 1
            if self._renders_since_prune >= max(1, min(PRUNE_EVERY, self.max_files // 10)):
                self._renders_since_prune = 0
                await asyncio.to_thread(prune_cache, self.cache_dir, self.max_files, keep=path)
        raw = await asyncio.to_thread(path.read_bytes)
        return Prompt(text, language, read_wav(raw), cached)

    async def prerender(self, prompts: Iterable[tuple[str, str]]) -> None:
        """Render fixed prompts ahead of the first call (start-up), so no caller waits for them."""
        await asyncio.gather(*(self.prompt(text, language) for text, language in prompts))

    async def _render_once(self, text: str, language: str, path: Path) -> None:
        """Render `path`, sharing one render among concurrent requests for the same prompt."""
        key = path.name
        pending = self._in_flight.get(key)
        if pending is not None:
            await asyncio.shield(pending)
            return
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            engine = await self._render(text, language, path)
            future.set_result(engine)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters get it through shield, nobody logs it twice
            raise
        finally:
            del self._in_flight[key]

    async def _render(self, text: str, language: str, path: Path) -> str:
        idle = self._queue()
        worker = await idle.get()
        try:
            job = {"text": text, "voice": VOICES[language], "rate": self.rate, "out": str(path)}
            reply = await worker.render(job, self.timeout_s)
        finally:
            idle.put_nowait(worker)
        if not reply.get("ok"):
            raise SynthesisError(f"could not render {text!r}: {reply.get('error')}")
        if reply.get("fallback"):
            log.warning("pyttsx3 failed on %r (%s); rendered with espeak-ng", text[:40], reply["fallback"])
        self.renders.append((text, str(reply["engine"]), float(reply["seconds"])))
        return str(reply["engine"])

    async def close(self) -> None:
        await asyncio.gather(*(worker.close() for worker in self._workers))
