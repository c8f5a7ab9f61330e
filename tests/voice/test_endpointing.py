"""Voice activity, the end of a turn and our own echo (voice/endpointing.py), on real synthesised speech
through G.711 the way a phone line carries it."""

from __future__ import annotations

import audioop
import random
from pathlib import Path

import numpy as np
import pytest
from voice_helpers import espeak

from voice.audio import frame_bytes, silence
from voice.endpointing import LONG_QUIET_S, SHORT_QUIET_S, EchoGuard, SpeechOnset, VoiceActivity, quiet_needed

RATE = 8000
FRAME = frame_bytes(RATE)


def phone_line(pcm: bytes) -> bytes:
    return audioop.ulaw2lin(audioop.lin2ulaw(pcm, 2), 2)


def frames(pcm: bytes) -> list[bytes]:
    return [pcm[i:i + FRAME] for i in range(0, len(pcm) - FRAME + 1, FRAME)]


def hiss(seconds: float, level: int = 150, seed: int = 5) -> bytes:
    rng = random.Random(seed)
    return b"".join(rng.randint(-level, level).to_bytes(2, "little", signed=True) for _ in range(int(RATE * seconds)))


@pytest.mark.parametrize(("partial", "language", "complete"), [
    ("我找一下李娜", "zh", True),
    ("呃 那个 我找一下", "zh", False),
    ("财务部 的", "zh", False),
    ("帮我转", "zh", False),
    ("I'd like to speak to the", "en", False),
    ("put me through to sales please", "en", True),
    ("um", "en", False),
    ("재무팀 부탁합니다", "ko", True),
    ("저기 그", "ko", False),
    ("", "zh", False),
])
def test_a_turn_ends_soon_only_when_what_was_said_reads_as_complete(partial, language, complete):
    assert quiet_needed(partial, language) == (SHORT_QUIET_S if complete else LONG_QUIET_S)


def test_line_noise_after_a_digitally_silent_pause_is_not_speech():
    """A phone with silence suppression, or a recording with gaps, goes digitally silent between words; the
    line noise that comes back after it must not read as speech (webrtcvad's did, for seconds)."""
    activity = VoiceActivity(RATE)
    line = phone_line(hiss(3.0) + silence(RATE, 0.5) + hiss(3.0, seed=6))

    speech_frames = sum(activity.is_speech(f) for f in frames(line))

    assert speech_frames == 0


def test_speech_is_found_within_a_tenth_of_a_second_of_its_start_and_ends_with_it(tmp_path: Path):
    speech = phone_line(espeak("재무팀 부탁합니다", "ko", RATE, tmp_path).data)
    level = [audioop.rms(f, 2) for f in frames(speech)]
    first_loud = next(n for n, rms in enumerate(level) if rms >= 500)
    last_loud = max(n for n, rms in enumerate(level) if rms >= 500)
    onset = SpeechOnset(VoiceActivity(RATE))
    line = frames(phone_line(hiss(1.0)) + speech + phone_line(hiss(1.0)))
    offset = round(1.0 * 50)

    found = [n for n, f in enumerate(line) if onset.hear(f)[0] and onset.speaking]

    assert found, "no speech found"
    assert (found[0] - offset - first_loud) * 0.02 <= 0.1, "speech found more than 100 ms after it began"
    assert (found[-1] - offset - last_loud) * 0.02 <= 0.1, "speech still heard 100 ms after it ended"


def _echo_of(prompt: bytes, delay_frames: int, gain: float) -> list[bytes]:
    sent = frames(prompt)
    return [phone_line(audioop.mul(sent[n - delay_frames], 2, gain)) if n >= delay_frames else bytes(FRAME)
            for n in range(len(sent))]


@pytest.mark.parametrize(("delay_ms", "gain"), [(0, 0.5), (100, 0.3), (300, 0.1)])
def test_our_prompt_coming_back_is_echo_and_the_caller_speaking_over_it_is_not(tmp_path: Path, delay_ms, gain):
    prompt = espeak("您好，华信科技有限公司，请问您找哪位？", "cmn", RATE, tmp_path).data
    caller = frames(espeak("재무팀 부탁합니다 김민수 씨 계세요", "ko", RATE, tmp_path).data)
    sent = frames(prompt)
    echo = _echo_of(prompt, delay_ms // 20, gain)

    def share_taken_for_echo(with_caller: bool) -> float:
        guard, judged, echoes = EchoGuard(), 0, 0
        for n, frame in enumerate(sent):
            guard.sent(frame)
            heard = echo[n]
            if with_caller:
                heard = audioop.add(heard, phone_line(caller[n % len(caller)]), 2)
            guard.heard(heard)
            if audioop.rms(heard, 2) >= 200:
                judged, echoes = judged + 1, echoes + guard.is_echo()
        return echoes / judged

    assert share_taken_for_echo(with_caller=False) >= 0.9
    assert share_taken_for_echo(with_caller=True) <= 0.35


def test_the_caller_alone_is_not_echo(tmp_path: Path):
    prompt = frames(espeak("您好，华信科技有限公司，请问您找哪位？", "cmn", RATE, tmp_path).data)
    caller = frames(phone_line(espeak("재무팀 부탁합니다 김민수 씨 계세요", "ko", RATE, tmp_path).data))
    guard, flagged, judged = EchoGuard(), 0, 0
    for n, frame in enumerate(caller):
        guard.sent(prompt[n % len(prompt)])
        guard.heard(frame)
        if audioop.rms(frame, 2) >= 200:
            judged, flagged = judged + 1, flagged + guard.is_echo()
    assert flagged / judged <= 0.05
    assert np.isfinite(guard.similarity())
