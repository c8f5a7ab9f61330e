"""The text-to-speech worker process: renders prompts to 8 kHz WAV files, one request per line.

    stdin  → {"text": ..., "voice": "sit/cmn", "rate": 160, "out": "/path/x.wav"}
    stdout ← {"ok": true, "engine": "pyttsx3", "seconds": 0.12} | {"ok": false, "error": "..."}

It is a separate process so that a synthesis engine that hangs or crashes can be killed and
restarted without touching any call's audio (voice/tts.py does that). pyttsx3's espeak driver
prints "Audio saved to ..." on stdout, sometimes after `runAndWait` has returned, so replies
go to a private copy of stdout and everything else printed goes to stderr. When pyttsx3 fails or writes nothing, the espeak-ng command renders instead.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

from voice.audio import TELEPHONE_RATE, read_wav, resample, wav_bytes

_engine = None


def _pyttsx3_engine():  # pyttsx3.Engine, imported lazily
    global _engine
    if _engine is None:
        import pyttsx3

        _engine = pyttsx3.init("espeak")
    return _engine


def _voice_id(engine, name: str) -> str:
    for voice in engine.getProperty("voices"):
        if voice.id == name or voice.id.rsplit("/", 1)[-1] == name.rsplit("/", 1)[-1]:
            return voice.id
    raise LookupError(f"pyttsx3 has no voice {name!r}")


def complete_wav(path: Path) -> bool:
    """True when `path` is a whole WAV: its header's frame count matches the data present."""
    try:
        with wave.open(str(path)) as wav:
            expected = wav.getnframes() * wav.getsampwidth() * wav.getnchannels()
            return expected > 0 and len(wav.readframes(wav.getnframes())) == expected
    except (OSError, EOFError, wave.Error):
        return False


def render_pyttsx3(text: str, voice: str, rate: int, raw_path: Path, settle_s: float = 2.0) -> None:
    """Render with pyttsx3; `runAndWait` may return before the espeak driver has finished the
    file, so wait (up to `settle_s`) until the WAV is whole."""
    engine = _pyttsx3_engine()
    engine.setProperty("voice", _voice_id(engine, voice))
    engine.setProperty("rate", rate)
    with contextlib.redirect_stdout(io.StringIO()):
        engine.save_to_file(text, str(raw_path))
        engine.runAndWait()
    deadline = time.monotonic() + settle_s
    while not complete_wav(raw_path):
        if time.monotonic() > deadline:
            raise RuntimeError("pyttsx3 wrote no complete WAV")
        time.sleep(0.02)


def render_espeak(text: str, voice: str, rate: int, raw_path: Path) -> None:
    name = voice.rsplit("/", 1)[-1]
    subprocess.run(["espeak-ng", "-v", name, "-s", str(rate), "-w", str(raw_path), text],
                   check=True, timeout=30, capture_output=True)


def render(text: str, voice: str, rate: int, out: Path) -> tuple[str, str]:
    """Render `text` to `out` (8 kHz 16-bit mono WAV, written atomically); (engine used, why it fell back)."""
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "raw.wav"
        engine, fallback = "pyttsx3", ""
        try:
            render_pyttsx3(text, voice, rate, raw)
        except Exception as exc:  # any engine failure falls back to the command
            engine, fallback = "espeak-ng", f"{type(exc).__name__}: {exc}"
            render_espeak(text, voice, rate, raw)
        pcm = resample(read_wav(raw.read_bytes()), TELEPHONE_RATE)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    partial.write_bytes(wav_bytes(pcm))
    partial.replace(out)
    return engine, fallback


def serve(requests: io.TextIOBase, replies: io.TextIOBase) -> None:
    for line in requests:
        started = time.monotonic()
        try:
            job = json.loads(line)
            engine, fallback = render(job["text"], job["voice"], int(job["rate"]), Path(job["out"]))
            reply = {"ok": True, "engine": engine, "fallback": fallback,
                     "seconds": round(time.monotonic() - started, 4)}
        except Exception as exc:  # report every failure to the client, keep serving
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main() -> None:
    """Serve on a private copy of stdout; fd 1 and sys.stdout go to stderr, so nothing an engine
    prints (pyttsx3's "Audio saved to", even after runAndWait returned, or C-level output) can
    ever mix with the replies."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin, replies)


if __name__ == "__main__":
    main()
