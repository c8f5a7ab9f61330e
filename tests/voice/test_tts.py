"""Text to speech: real pyttsx3/espeak-ng renders in a worker process, the prompt cache, G.711."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from voice_helpers import require_binary

from voice.audio import Codec, decode
from voice.tts import SynthesisError, Synthesizer

GREETING_ZH = "您好，华信科技有限公司，请问您找哪位？"
GREETING_EN = "Hello, Huaxin Technology. Who would you like to speak to?"


@pytest.fixture(autouse=True)
def _espeak_installed() -> None:
    require_binary("espeak-ng", "espeak-ng")


def run(coro):
    return asyncio.run(coro)


async def with_synth(cache: Path, action, **kwargs):
    synth = Synthesizer(cache, **kwargs)
    try:
        return await action(synth)
    finally:
        await synth.close()


@pytest.mark.parametrize(("language", "text"), [("zh", GREETING_ZH), ("en", GREETING_EN)])
def test_a_prompt_is_speech_at_8_khz_with_pyttsx3_in_both_languages(tmp_path: Path, language: str, text: str):
    async def action(synth: Synthesizer):
        return await synth.prompt(text, language), list(synth.renders)

    prompt, renders = run(with_synth(tmp_path, action))

    assert prompt.pcm.rate == 8000 and not prompt.cached
    assert 1.5 < prompt.pcm.duration_s < 12, prompt.pcm.duration_s
    assert prompt.pcm.rms > 500, "the prompt is (nearly) silent"
    assert renders[0][1] == "pyttsx3", f"pyttsx3 did not render, the worker fell back to {renders[0][1]}"
    for codec in Codec:
        g711 = prompt.g711(codec)
        assert len(g711) == len(prompt.pcm.data) // 2, "G.711 is one byte per 8 kHz sample"
        back = decode(g711, codec)
        assert abs(len(back) - len(prompt.pcm.data)) == 0


def test_a_prompt_is_rendered_once_then_read_from_the_cache_even_after_a_restart(tmp_path: Path):
    async def first(synth: Synthesizer):
        one = await synth.prompt(GREETING_ZH, "zh")
        two = await synth.prompt(GREETING_ZH, "zh")
        return one, two, len(synth.renders)

    async def after_restart(synth: Synthesizer):
        return await synth.prompt(GREETING_ZH, "zh"), len(synth.renders)

    one, two, renders = run(with_synth(tmp_path, first))
    three, renders_after_restart = run(with_synth(tmp_path, after_restart))

    assert (one.cached, two.cached, three.cached) == (False, True, True)
    assert renders == 1 and renders_after_restart == 0
    assert one.pcm == two.pcm == three.pcm
    assert len(list(tmp_path.glob("zh-*.wav"))) == 1


def test_the_cache_key_is_text_voice_and_rate(tmp_path: Path):
    async def action(synth: Synthesizer):
        await synth.prompt("请稍等", "zh")
        await synth.prompt("Please hold", "en")
        return synth.path_for("请稍等", "zh")

    slow = Synthesizer(tmp_path, rate=120)
    path = run(with_synth(tmp_path, action))

    assert path != slow.path_for("请稍等", "zh")
    assert len(list(tmp_path.glob("*.wav"))) == 2
    slow_prompt = run(with_synth(tmp_path, lambda s: s.prompt("Please hold", "en"), rate=100))
    fast_prompt = run(with_synth(tmp_path, lambda s: s.prompt("Please hold", "en"), rate=220))
    assert slow_prompt.pcm.duration_s > fast_prompt.pcm.duration_s * 1.3


def test_rendering_never_stalls_the_event_loop_and_concurrent_requests_share_one_render(tmp_path: Path):
    long_text = "。".join([GREETING_ZH] * 6)

    async def action(synth: Synthesizer):
        longest_gap = 0.0
        stop = asyncio.Event()

        async def heartbeat() -> None:
            nonlocal longest_gap
            last = time.monotonic()
            while not stop.is_set():
                await asyncio.sleep(0.005)
                now = time.monotonic()
                longest_gap = max(longest_gap, now - last)
                last = now

        ticker = asyncio.create_task(heartbeat())
        rendering = time.monotonic()
        prompts = await asyncio.gather(*(synth.prompt(long_text, "zh") for _ in range(4)))
        render_s = time.monotonic() - rendering
        stop.set()
        await ticker
        return longest_gap, render_s, prompts, len(synth.renders)

    longest_gap, render_s, prompts, renders = run(with_synth(tmp_path, action))

    assert renders == 1
    assert all(p.pcm == prompts[0].pcm for p in prompts)
    # Rendering on the event loop would stall it for the whole render; off the loop the longest stall
    # is the scheduler's noise. Relative to the render's own time, so a busy machine does not fail it.
    assert longest_gap < max(0.2, render_s / 2), \
        f"the event loop stalled {longest_gap * 1000:.0f} ms while rendering ({render_s:.2f} s)"


def test_a_render_that_takes_too_long_fails_fast_and_the_next_one_works(tmp_path: Path):
    async def action(synth: Synthesizer):
        started = time.monotonic()
        with pytest.raises(SynthesisError, match="longer than"):
            await synth.prompt("。".join([GREETING_ZH] * 20), "zh")
        failed_after = time.monotonic() - started
        synth.timeout_s = 20.0
        return failed_after, await synth.prompt(GREETING_EN, "en")

    failed_after, prompt = run(with_synth(tmp_path, action, timeout_s=0.05))

    assert failed_after < 2.0
    assert prompt.pcm.duration_s > 1.5
    assert not list(tmp_path.glob("zh-*.wav")), "a half-rendered prompt was left in the cache"


def test_an_unknown_language_is_refused(tmp_path: Path):
    with pytest.raises(SynthesisError, match="no voice for language 'fr'"):
        run(with_synth(tmp_path, lambda s: s.prompt("Bonjour", "fr")))


def test_the_prompt_cache_keeps_the_latest_used_prompts_within_its_bound(tmp_path: Path):
    """Replies name people and read numbers back: the cache must not grow with every call."""
    texts = [f"您的登记号是 {n}" for n in range(8)]

    async def action(synth: Synthesizer):
        for text in texts[:4]:
            await synth.prompt(text, "zh")
        await synth.prompt(texts[0], "zh")  # used again: the newest
        for text in texts[4:]:
            await synth.prompt(text, "zh")
        return synth

    synth = run(with_synth(tmp_path, action, max_files=4))
    kept = sorted(p.name for p in tmp_path.glob("*.wav"))
    assert len(kept) <= 4
    assert synth.path_for(texts[-1], "zh").name in kept
    assert synth.path_for(texts[1], "zh").name not in kept  # the least recently used went first
