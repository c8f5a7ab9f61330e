"""Speech to text: real Vosk models fed real (synthesised) speech through the streaming recognizer."""

from __future__ import annotations

import asyncio
import difflib
import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from voice_helpers import espeak

from bot.config import read_voice_settings
from voice.audio import frame_bytes, silence
from voice.endpointing import SHORT_QUIET_S, VoiceActivity
from voice.models import model_path
from voice.stt import KIOSK_RATE, TELEPHONE_RATE, Partial, Recognizer, SpeechModels, Transcriber, Utterance

KOREAN = "안녕하세요 저는 김민수입니다 재무팀 부탁합니다"


def voiced_part(pcm: bytes, rate: int) -> bytes:
    """`pcm` up to its last frame of speech (espeak-ng ends a sentence with a few hundred ms of quiet)."""
    size, activity = frame_bytes(rate), VoiceActivity(rate)
    voiced = [i for i in range(0, len(pcm), size) if activity.is_speech(pcm[i:i + size])]
    return pcm[: voiced[-1] + size]


def stream(recognizer: Recognizer, pcm: bytes, rate: int) -> list[Partial | Utterance]:
    """Feed `pcm` in 20 ms chunks, as RTP delivers it; collect the events."""
    size = frame_bytes(rate)
    events = [recognizer.accept(pcm[i : i + size]) for i in range(0, len(pcm), size)]
    return [e for e in events if e is not None]


@pytest.mark.parametrize("rate", [TELEPHONE_RATE, KIOSK_RATE])
def test_korean_speech_gives_partials_then_one_utterance_with_confidence(korean_model, tmp_path: Path, rate: int):
    speech = espeak(KOREAN, "ko", rate, tmp_path)
    recognizer = Recognizer(korean_model, rate)

    events = stream(recognizer, silence(rate, 0.5) + speech.data + silence(rate, 2.0), rate)

    utterances = [e for e in events if isinstance(e, Utterance)]
    partials = [e for e in events if isinstance(e, Partial)]
    assert len(utterances) == 1, events
    assert utterances[0].text.strip()
    assert 0.0 < utterances[0].confidence <= 1.0
    assert [w.text for w in utterances[0].words] == utterances[0].text.split()
    assert partials, "no partial result before the end of the utterance: barge-in would not work"
    assert events.index(partials[0]) < events.index(utterances[0])
    assert recognizer.flush() is None, "the utterance was already delivered at the end-point"


def test_end_of_utterance_is_detected_in_trailing_silence_not_only_at_hang_up(korean_model, tmp_path: Path):
    rate = TELEPHONE_RATE
    speech = espeak(KOREAN, "ko", rate, tmp_path)
    recognizer = Recognizer(korean_model, rate)

    events = stream(recognizer, speech.data + silence(rate, 0.7), rate)

    assert any(isinstance(e, Utterance) for e in events), "0.7 s of silence after speech did not end the utterance"
    assert recognizer.flush() is None, "the utterance waited for the hang-up"


def test_a_complete_request_ends_after_a_quarter_second_of_quiet(korean_model, tmp_path: Path):
    """The caller's turn ends SHORT_QUIET_S after their last word when what was heard reads as a whole
    request (here: a Korean sentence ending on a verb), not after the half second we used to wait."""
    rate = TELEPHONE_RATE
    speech = voiced_part(espeak("재무팀 부탁합니다", "ko", rate, tmp_path).data, rate)
    last_voiced_s = len(speech) / 2 / rate
    recognizer = Recognizer(korean_model, rate, language="ko")
    audio = speech + silence(rate, 1.0)
    size = frame_bytes(rate)

    ended_at = next(((i + size) / 2 / rate for i in range(0, len(audio), size)
                     if isinstance(recognizer.accept(audio[i:i + size]), Utterance)), None)

    assert ended_at is not None
    assert SHORT_QUIET_S - 0.03 <= ended_at - last_voiced_s <= SHORT_QUIET_S + 0.1, ended_at - last_voiced_s


def test_two_utterances_separated_by_a_pause_come_out_separately(korean_model, tmp_path: Path):
    rate = TELEPHONE_RATE
    first = espeak("안녕하세요", "ko", rate, tmp_path)
    second = espeak("재무팀 부탁합니다", "ko", rate, tmp_path)
    recognizer = Recognizer(korean_model, rate)

    events = stream(recognizer, first.data + silence(rate, 1.5) + second.data + silence(rate, 1.5), rate)

    assert len([e for e in events if isinstance(e, Utterance)]) == 2


def test_silence_and_line_noise_give_no_utterance(korean_model):
    rate = TELEPHONE_RATE
    rng = random.Random(4)
    noise = b"".join(rng.randint(-150, 150).to_bytes(2, "little", signed=True) for _ in range(rate * 3))
    recognizer = Recognizer(korean_model, rate)

    events = stream(recognizer, silence(rate, 3.0) + noise + silence(rate, 1.0), rate)

    assert not [e for e in events if isinstance(e, Utterance)]
    assert recognizer.flush() is None


def test_an_idle_line_costs_no_decoding_and_speech_after_it_is_still_recognised(korean_model, tmp_path: Path):
    """Phones send RTP all call long; only speech (with a little quiet around it) is given to Kaldi."""
    rate = TELEPHONE_RATE
    rng = random.Random(5)
    noise = b"".join(rng.randint(-150, 150).to_bytes(2, "little", signed=True) for _ in range(rate * 10))
    speech = espeak(KOREAN, "ko", rate, tmp_path)
    recognizer = Recognizer(korean_model, rate)

    idle = stream(recognizer, noise, rate)
    assert idle == [] and recognizer.decoded_s == 0.0, "ten seconds of an idle line were decoded"

    events = stream(recognizer, speech.data + noise[: rate * 2 * 2], rate)
    utterances = [e for e in events if isinstance(e, Utterance)]
    assert len(utterances) == 1 and utterances[0].text.strip()
    assert recognizer.decoded_s < speech.duration_s + 1.0, recognizer.decoded_s


def test_one_model_is_loaded_once_off_the_event_loop_and_shared_by_concurrent_calls(
    korean_model_path: Path, tmp_path: Path
):
    rate = TELEPHONE_RATE
    speech = espeak(KOREAN, "ko", rate, tmp_path).data + silence(rate, 1.5)

    async def scenario() -> tuple[float, float, bool, list[list[Utterance]]]:
        models = SpeechModels({"ko": korean_model_path})
        longest_gap = 0.0

        async def heartbeat() -> None:
            nonlocal longest_gap
            last = time.monotonic()
            while True:
                await asyncio.sleep(0.01)
                now = time.monotonic()
                longest_gap = max(longest_gap, now - last)
                last = now

        ticker = asyncio.create_task(heartbeat())
        loading = time.monotonic()
        first, second = await asyncio.gather(models.load("ko"), models.load("ko"))
        load_s = time.monotonic() - loading

        async def call() -> list[Utterance]:
            transcriber = Transcriber(Recognizer(models.get("ko"), rate))
            size = frame_bytes(rate)
            out = []
            for i in range(0, len(speech), size):
                event = await transcriber.feed(speech[i : i + size])
                if isinstance(event, Utterance):
                    out.append(event)
            return out

        results = await asyncio.gather(call(), call(), call())
        ticker.cancel()
        return longest_gap, load_s, first is second, list(results)

    longest_gap, load_s, shared, results = asyncio.run(scenario())

    assert shared, "two loads of the same language gave two models"
    # A load on the event loop would stall it for the whole load (seconds); off the loop, the longest
    # stall is the scheduler's noise. Relative to the load's own time, so a busy machine does not fail it.
    assert longest_gap < load_s / 3, \
        f"the event loop stalled {longest_gap:.3f} s while the model loaded ({load_s:.1f} s) or decoded"
    assert all(len(r) == 1 and r[0].text for r in results), results


def test_a_language_without_a_model_is_refused_clearly():
    models = SpeechModels({})
    with pytest.raises(KeyError, match="no speech model configured for 'zh'"):
        asyncio.run(models.load("zh"))


@pytest.mark.parametrize(
    ("language", "voice", "text"),
    [("zh", "cmn", "您好，我找财务部的李娜"), ("en", "en-us", "hello, I would like to speak to the finance department")],
)
def test_official_small_models_recognise_their_language(language: str, voice: str, text: str, tmp_path: Path):
    path = model_path(language, read_voice_settings())
    if path is None:
        pytest.skip(
            f"no {language} Vosk model installed: `receptionist models fetch {language}` (needs internet) "
            f"or set RECEPTIONIST_VOSK_{language.upper()}"
        )
    import vosk

    rate = TELEPHONE_RATE
    recognizer = Recognizer(vosk.Model(str(path)), rate)
    events = stream(recognizer, espeak(text, voice, rate, tmp_path).data + silence(rate, 1.5), rate)

    utterances = [e for e in events if isinstance(e, Utterance)]
    assert utterances and utterances[0].text and utterances[0].confidence > 0


def test_a_decode_that_overruns_retires_the_recognizer_instead_of_feeding_it_twice(korean_model, tmp_path: Path):
    """Vosk crashes when one recognizer decodes two chunks at once; an overrun stops this call's speech."""
    rate = TELEPHONE_RATE
    speech = espeak(KOREAN, "ko", rate, tmp_path).data

    async def scenario() -> tuple[bool, bool]:
        transcriber = Transcriber(Recognizer(korean_model, rate), timeout_s=1e-6)
        with pytest.raises(asyncio.TimeoutError):
            await transcriber.feed(speech)
        retired = transcriber.retired
        started = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await transcriber.feed(speech)
        return retired, time.monotonic() - started < 0.05

    retired, refused_at_once = asyncio.run(scenario())
    assert retired and refused_at_once


def test_when_the_audio_simply_stops_the_utterance_ends_half_a_second_after_the_last_word(korean_model, tmp_path: Path):
    """A phone that suppresses silence sends nothing after the caller's last word; the caller must still be
    answered promptly: the end of speech is found from the clock (Listener), and the words are recognised."""
    from concurrent.futures import ThreadPoolExecutor

    from voice.listener import Listener

    rate = TELEPHONE_RATE
    speech = espeak(KOREAN, "ko", rate, tmp_path).data
    size = frame_bytes(rate)

    async def scenario() -> tuple[Utterance, float]:
        with ThreadPoolExecutor(2) as executor:
            listener = Listener(Transcriber(Recognizer(korean_model, rate), executor))
            results = listener.results("test")

            async def talk() -> None:
                start = time.monotonic()
                for n, i in enumerate(range(0, len(speech), size)):
                    listener.hear(speech[i:i + size])
                    await asyncio.sleep(max(0.0, start + (n + 1) * 0.02 - time.monotonic()))

            talking = asyncio.ensure_future(talk())
            async for result in results:
                if isinstance(result, Utterance):
                    await talking
                    return result, time.monotonic() - listener.last_voiced
            raise AssertionError("no utterance")

    utterance, after_last_word_s = asyncio.run(asyncio.wait_for(scenario(), 20))

    assert utterance.text.strip() and utterance.confidence > 0
    # At least the quiet that ends a turn; the upper limit only catches an end that is never found by
    # the clock (the caller would wait for ever). How fast it is on this machine is
    # bench/voice_bench.py's to measure, not a test's.
    assert SHORT_QUIET_S - 0.03 <= after_last_word_s < 3.0, f"the end of speech was found {after_last_word_s:.2f} s after the last word"


def test_a_gap_in_the_audio_is_counted_as_quiet_but_one_short_pause_does_not_end_the_utterance(korean_model, tmp_path: Path):
    rate = TELEPHONE_RATE
    recognizer = Recognizer(korean_model, rate)
    heard = stream(recognizer, voiced_part(espeak("안녕하세요", "ko", rate, tmp_path).data, rate), rate)
    assert not [e for e in heard if isinstance(e, Utterance)]

    assert recognizer.pause(0.1) is None, "a tenth of a second between words is not the end of an utterance"
    finished = [recognizer.pause(0.1) for _ in range(5)]

    assert any(isinstance(e, Utterance) for e in finished), finished
    assert recognizer.pause(1.0) is None, "with no new speech, a long gap gives no second utterance"


def test_a_recognizer_kept_from_an_earlier_call_hears_the_same_words_for_a_third_of_the_cpu(korean_model, tmp_path):
    """Kaldi compiles its network computations per recognizer: a used one, Reset, is far cheaper (stt.WarmRecognizers)."""
    from voice.stt import WarmRecognizers

    rate = TELEPHONE_RATE
    earlier = [espeak(text, "ko", rate, tmp_path).data for text in ("안녕하세요 반갑습니다", "재무팀 부탁합니다")]
    speech = espeak("영업부 김철수 부장님 부탁드립니다", "ko", rate, tmp_path).data + silence(rate, 1.0)
    warm = WarmRecognizers(korean_model, rate)

    def hear(recognizer: Recognizer) -> tuple[str, float]:
        started = time.thread_time()
        events = stream(recognizer, speech, rate)
        spent = time.thread_time() - started
        texts = [e.text for e in events if isinstance(e, Utterance)]
        return " ".join(texts), spent

    fresh_text, fresh_cpu = hear(Recognizer(korean_model, rate))
    first_call = Recognizer(korean_model, rate, warm=warm)
    for pcm in earlier:
        stream(first_call, pcm + silence(rate, 1.0), rate)
    kaldi = first_call._kaldi
    first_call.release()
    second_call = Recognizer(korean_model, rate, warm=warm)
    assert second_call._kaldi is kaldi, "the next call did not get the kept recognizer"
    kept_text, kept_cpu = hear(second_call)

    # nearly the same words: in a whole run one borderline syllable of this espeak Korean came out
    # otherwise ("링코" for "링크"; the cause is not found, alone it is the same); CPU is the point here
    assert difflib.SequenceMatcher(None, kept_text, fresh_text).ratio() >= 0.8, (kept_text, fresh_text)
    assert kept_cpu < 0.75 * fresh_cpu, (kept_cpu, fresh_cpu)


def test_a_gateway_warming_recognizers_for_three_calls_has_three_warm_ones_ready(korean_model, tmp_path):
    """Three callers at once each get a warm recognizer, not one warm and two cold (a cold one costs up to
    nine times the CPU in its first seconds: the 8-call bench's decodes waited seconds for it)."""
    from voice.stt import WarmRecognizers

    rate = TELEPHONE_RATE
    warm = WarmRecognizers(korean_model, rate)
    warm.warm(3, 0.0, espeak("재무팀 부탁합니다", "ko", rate, tmp_path).data)
    assert warm.idle == 3
    calls = [Recognizer(korean_model, rate, warm=warm) for _ in range(3)]
    assert len({id(call._kaldi) for call in calls}) == 3 and warm.idle == 0
    speech = espeak("영업부 부탁드립니다", "ko", rate, tmp_path).data + silence(rate, 1.0)
    cold = Recognizer(korean_model, rate)
    started = time.thread_time()
    stream(cold, speech, rate)
    cold_cpu = time.thread_time() - started
    for call in calls:
        started = time.thread_time()
        stream(call, speech, rate)
        assert time.thread_time() - started < 0.75 * cold_cpu


class CountingExecutor(ThreadPoolExecutor):
    """A worker pool that counts what is handed to it."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.handed = 0

    def submit(self, fn, /, *args, **kwargs):
        self.handed += 1
        return super().submit(fn, *args, **kwargs)


def test_a_call_hands_the_decoding_worker_only_its_speech_a_tenth_of_a_second_at_a_time(korean_model, tmp_path: Path):
    """The gateway feeds every 20 ms frame with its detector's verdict. The line between turns (most of a
    call) never waits for the shared worker, and speech goes to it 100 ms at a time: at 8 calls on a core,
    a hand-over per frame kept decodes waiting for the worker while the core had time to spare."""
    rate = TELEPHONE_RATE
    size = frame_bytes(rate)
    rng = random.Random(9)
    noise = b"".join(rng.randint(-150, 150).to_bytes(2, "little", signed=True) for _ in range(rate * 4))
    speech = voiced_part(espeak(KOREAN, "ko", rate, tmp_path).data, rate)
    line = noise + speech + noise
    activity = VoiceActivity(rate)
    frames = [line[i:i + size] for i in range(0, len(line), size)]
    verdicts = [activity.is_speech(frame) for frame in frames]

    async def call(executor: CountingExecutor) -> list[Partial | Utterance]:
        transcriber = Transcriber(Recognizer(korean_model, rate, language="ko"), executor)
        events = []
        for frame, voiced in zip(frames, verdicts):
            event = await transcriber.feed(frame, [voiced])
            if event is not None:
                events.append(event)
        return events

    with CountingExecutor() as executor:
        events = asyncio.run(call(executor))
    utterances = [e for e in events if isinstance(e, Utterance)]
    assert len(utterances) == 1 and utterances[0].text.strip(), events
    speech_frames = len(speech) // size
    assert executor.handed <= speech_frames / 5 + 10, (executor.handed, len(frames))  # 45 of 600 frames here
    assert executor.handed >= speech_frames / 5 - 1  # while speaking: 100 ms at a time, not held to the end
