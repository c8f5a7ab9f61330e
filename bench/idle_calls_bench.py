"""Memory of idle calls (issue #16): the call recording held in memory (HEAD~ recorder) against streamed to disk.

    python -m bench.idle_calls_bench [--calls 50] [--minutes 10] [--live-seconds 60] [--old-recorder PATH]

An idle call costs the gateway what it records: one 20 ms frame each way every 20 ms (the pacer sends
silence when nothing plays, a phone sends line noise). Two measures, each in a fresh process per
recorder so one cannot hide in the other's heap:

1. simulated: `--calls` recorders, each fed `--minutes` of frames as the call would (G.711 silence
   sent, the caller's noise received and decoded: a new bytes object per frame, as RTP delivers),
   then saved. Resident memory (RSS) before and after, per call; and for the streaming recorder the
   time each chunk write takes on the event loop (interleave + write + header update).
2. live: `--calls` real calls over loopback for `--live-seconds`: a caller's RtpStream sending its
   idle frame every 20 ms to the gateway's RtpStream, whose recorder is wired as voice/call_session.py wires it (on_sent,
   on_audio). RSS before and after; growth per call-minute, extrapolated to `--minutes`.

The old recorder is `git show <commit>:voice/recording.py` (by default the commit before the
streaming one). Prints the figures and writes bench/results/idle_calls.md.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "idle_calls.md"
STREAMING_COMMIT = "2f9104e"
"""The commit that made the recorder stream to disk; its parent holds the in-memory recorder."""


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def load_recorder(path: str | None):
    """CallRecorder from `path` (the old recorder's source), or the current voice.recording."""
    if not path:
        from voice.recording import CallRecorder
        return CallRecorder
    spec = importlib.util.spec_from_file_location("old_recording", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CallRecorder


def noise_payloads(count: int = 500, seed: int = 3) -> list[bytes]:
    """G.711 A-law frames of quiet line noise (a phone line with nobody speaking)."""
    from voice.audio import Codec, encode

    rng = random.Random(seed)
    out = []
    for _ in range(count):
        samples = (max(-32768, min(32767, int(rng.gauss(0, 40)))) for _ in range(160))
        out.append(encode(b"".join(v.to_bytes(2, "little", signed=True) for v in samples), Codec.PCMA))
    return out


def time_flushes(recorder, times: list[tuple[float, float]]) -> None:
    """Time each chunk the streaming recorder writes (on the event loop's thread, in the gateway):
    (wall time, this thread's CPU time); wall minus CPU is waiting (the disk, or another process's turn)."""
    original = recorder._flush

    def timed(count: int) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        original(count)
        times.append((time.perf_counter() - wall, time.thread_time() - cpu))

    recorder._flush = timed


def flush_summary(times: list[tuple[float, float]]) -> dict[str, float] | None:
    if not times:
        return None
    out: dict[str, float] = {"count": len(times)}
    for index, kind in ((0, "wall"), (1, "cpu")):
        values = sorted(t[index] for t in times)
        out |= {f"{kind}_p50": values[len(values) // 2] * 1e6, f"{kind}_p99": values[int(len(values) * 0.99)] * 1e6,
                f"{kind}_max": values[-1] * 1e6}
    return out


def flush_text(flush: dict[str, float]) -> str:
    return (f"wall p50 {flush['wall_p50']:.0f} µs, p99 {flush['wall_p99']:.0f} µs, max {flush['wall_max']:.0f} µs; "
            f"CPU p50 {flush['cpu_p50']:.0f} µs, p99 {flush['cpu_p99']:.0f} µs, max {flush['cpu_max']:.0f} µs")


def new_recorder(cls, folder: Path, n: int):
    from voice.audio import Codec

    try:
        return cls(Codec.PCMA, folder / f"call-{n}.part")
    except TypeError:  # the in-memory recorder takes the codec only
        return cls(Codec.PCMA)


def simulated(args: argparse.Namespace) -> dict[str, object]:
    """Part 1 in this process: `calls` recorders fed `minutes` of frames each, round robin, then saved."""
    from voice.audio import Codec, decode, encode

    cls = load_recorder(args.recorder)
    streaming = not args.recorder
    folder = Path(tempfile.mkdtemp(prefix="idle-calls-"))
    noise = noise_payloads()
    sent = encode(b"\x00\x00" * 160, Codec.PCMA)
    before = rss_bytes()
    recorders = [new_recorder(cls, folder, n) for n in range(args.calls)]
    flushes: list[tuple[float, float]] = []
    if streaming:
        for recorder in recorders:
            time_flushes(recorder, flushes)
    frames = int(args.minutes * 60 * 50)
    started = time.perf_counter()
    buffered = 0
    for i in range(frames):
        payload = noise[i % len(noise)]
        for recorder in recorders:
            recorder.gateway_frame(sent)
            recorder.caller_audio(decode(payload, Codec.PCMA))  # a new object per frame, as RTP delivers
        if streaming and i % 7 == 0:
            buffered = max(buffered, max(r.buffered_bytes for r in recorders))
    fed_s = time.perf_counter() - started
    after = rss_bytes()
    saving = time.perf_counter()

    async def save_all() -> list[Path]:
        return [await r.save(folder, f"call-{n}") for n, r in enumerate(recorders)]

    paths = asyncio.run(save_all())
    saved_s = time.perf_counter() - saving
    sizes = [p.stat().st_size for p in paths]
    shutil.rmtree(folder)
    return {
        "recorder": "streaming (disk)" if streaming else "in memory (old)",
        "calls": args.calls, "minutes": args.minutes, "rss_before_mb": before / 1e6, "rss_after_mb": after / 1e6,
        "per_call_mb": (after - before) / args.calls / 1e6, "feed_cpu_s_per_call_minute": fed_s / args.calls / args.minutes,
        "save_s_per_call": saved_s / args.calls, "wav_mb": statistics.mean(sizes) / 1e6,
        "buffered_kb_max": buffered / 1e3 if streaming else None,
        "flush_us": flush_summary(flushes),
    }


async def live(args: argparse.Namespace) -> dict[str, object]:
    """Part 2 in this process: `calls` pairs of RtpStreams on loopback, the gateway side recorded."""
    from voice.audio import Codec
    from voice.sip.rtp import RtpStream

    cls = load_recorder(args.recorder)
    folder = Path(tempfile.mkdtemp(prefix="idle-live-"))
    flushes: list[tuple[float, float]] = []
    loop = asyncio.get_running_loop()
    before = rss_bytes()
    pairs = []
    for n in range(args.calls):
        gateway = RtpStream(Codec.PCMA, ("127.0.0.1", 9), None)
        caller = RtpStream(Codec.PCMA, ("127.0.0.1", 9), None)
        await loop.create_datagram_endpoint(lambda s=gateway: s, local_addr=("127.0.0.1", 0))
        await loop.create_datagram_endpoint(lambda s=caller: s, local_addr=("127.0.0.1", 0))
        gateway.negotiate(("127.0.0.1", caller.local_port))
        caller.negotiate(("127.0.0.1", gateway.local_port))
        recorder = new_recorder(cls, folder, n)
        if not args.recorder:
            time_flushes(recorder, flushes)
        gateway.on_sent = recorder.gateway_frame
        gateway.on_audio = recorder.caller_audio
        # the caller's phone sends a frame every 20 ms (its idle frame: nothing queued); it is not the
        # gateway, so its own send log is not kept (the gateway's is: rtp.py keeps the last 10 000 times)
        caller.stats.send_times = deque(maxlen=1)
        gateway.start()
        caller.start()
        pairs.append((gateway, caller, recorder))
    started = rss_bytes()
    step = min(30.0, args.live_seconds / 4)
    series = [(0.0, started)]
    begun = time.monotonic()
    while (elapsed := time.monotonic() - begun) < args.live_seconds - 1e-3:
        await asyncio.sleep(min(step, args.live_seconds - elapsed))
        series.append((time.monotonic() - begun, rss_bytes()))
    after = series[-1][1]
    # the slope over the last minute (or half): the gateway's RTP send log (rtp.py) fills up in its first 200 s
    tail_from = max(0.0, min(series[-1][0] - 60.0, series[-1][0] / 2))
    first = next(point for point in series if point[0] >= tail_from - 1e-6)
    slope = (after - first[1]) / max(1e-9, series[-1][0] - first[0]) * 60 / args.calls  # bytes per call-minute
    received = sum(g.stats.received for g, _, _ in pairs)
    for gateway, caller, _ in pairs:
        await gateway.close()
        await caller.close()
    for n, (_, _, recorder) in enumerate(pairs):
        await recorder.save(folder, f"call-{n}")
    await asyncio.to_thread(shutil.rmtree, folder)
    remaining_min = max(0.0, args.minutes - args.live_seconds / 60)
    return {"recorder": "streaming (disk)" if not args.recorder else "in memory (old)", "calls": args.calls,
            "seconds": args.live_seconds, "rss_before_mb": before / 1e6, "rss_calls_up_mb": started / 1e6,
            "rss_after_mb": after / 1e6, "received_per_call_s": received / args.calls / args.live_seconds,
            "series_mb": [(round(t), round(rss / 1e6, 1)) for t, rss in series],
            "growth_per_call_minute_mb": slope / 1e6,
            "extrapolated_mb": (after + slope * args.calls * remaining_min) / 1e6,
            "flush_us": flush_summary(flushes)}


def child(part: str, recorder: str | None, args: argparse.Namespace) -> dict[str, object]:
    command = [sys.executable, "-m", "bench.idle_calls_bench", "--child", part, "--calls", str(args.calls),
               "--minutes", str(args.minutes), "--live-seconds", str(args.live_seconds)]
    if recorder:
        command += ["--recorder", recorder]
    out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def report(rows: list[dict[str, object]], lives: list[dict[str, object]], args: argparse.Namespace,
           old_source: str) -> str:
    load = os.getloadavg()[0]
    lines = [
        "# Memory of idle calls (issue #16)",
        "",
        f"`python -m bench.idle_calls_bench --calls {args.calls} --minutes {args.minutes:g} "
        f"--live-seconds {args.live_seconds:g}` on {os.cpu_count()} cores (load {load:.1f}), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Old recorder: `{old_source}` (frames in lists "
        "in memory, up to 2 h); new: voice/recording.py (streamed to `<recordings>/<name>.part`).",
        "",
        f"## 1. {args.calls} calls, {args.minutes:g} simulated minutes of audio each (RSS of the process)",
        "",
        "| recorder | RSS before | RSS after | per call | CPU per call-minute | save per call | WAV |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(f"| {row['recorder']} | {row['rss_before_mb']:.1f} MB | {row['rss_after_mb']:.1f} MB | "
                     f"{row['per_call_mb']:.2f} MB | {row['feed_cpu_s_per_call_minute'] * 1e3:.1f} ms | "
                     f"{row['save_s_per_call'] * 1e3:.1f} ms | {row['wav_mb']:.1f} MB |")
    streaming = next(r for r in rows if r["flush_us"])
    flush = streaming["flush_us"]
    lines += ["", f"Streaming: at most {streaming['buffered_kb_max']:.0f} kB of audio held per call; "
              f"{flush['count']} one-second chunks written (interleave, a 32 kB write, the header update), here "
              f"at {args.calls} × 60 × {args.minutes:g} s of audio in a few seconds (far above real time, so the "
              f"kernel throttles dirty pages now and then): {flush_text(flush)}.", ""]
    if lives:
        lines += [f"## 2. {args.calls} live idle calls for {args.live_seconds:g} s (RtpStreams on loopback, "
                  "a frame every 20 ms each way)", "",
                  "| recorder | RSS before | calls up | after | growth per call-minute (last minute) | "
                  f"extrapolated to {args.minutes:g} min |", "| --- | --- | --- | --- | --- | --- |"]
        for row in lives:
            lines.append(f"| {row['recorder']} | {row['rss_before_mb']:.1f} MB | {row['rss_calls_up_mb']:.1f} MB | "
                         f"{row['rss_after_mb']:.1f} MB | {row['growth_per_call_minute_mb'] * 1e3:.0f} kB | "
                         f"{row['extrapolated_mb']:.0f} MB |")
        lines.append("")
        for row in lives:
            lines.append(f"RSS over time, {row['recorder']} (s: MB): "
                         + ", ".join(f"{t}: {mb}" for t, mb in row["series_mb"]) + ".")
        live_flush = next((r["flush_us"] for r in lives if r["flush_us"]), None)
        lines += ["", f"({lives[0]['received_per_call_s']:.0f} packets per call-second received; the callers' "
                  "streams run in the same process, so RSS holds both sides' sockets and pacers; the gateway's "
                  "RtpStream keeps its last 10 000 send times (voice/sip/rtp.py), about 0.3 MB a call once full, "
                  "after 200 s.)"]
        if live_flush:
            lines += ["", f"At real time ({args.calls} calls, {args.calls * 32 / 1000:.1f} MB/s to disk) each chunk "
                      f"written on the event loop ({live_flush['count']:.0f} chunks): {flush_text(live_flush)}."]
        lines.append("")
    lines += ["Besides, idle calls no longer stay: with the timers (voice/call_session.py) a silent caller is hung up "
              "after 2 × 15 s, a vanished one after 60 s of no RTP, any call after 1 h (4 h once bridged to staff).", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--live-seconds", type=float, default=60.0)
    parser.add_argument("--old-recorder", help="the old recording.py (default: from git, the streaming commit's parent)")
    parser.add_argument("--child", choices=["simulated", "live"], help=argparse.SUPPRESS)
    parser.add_argument("--recorder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child == "simulated":
        print(json.dumps(simulated(args)))
        return 0
    if args.child == "live":
        print(json.dumps(asyncio.run(live(args))))
        return 0

    old_source = args.old_recorder
    if old_source is None:
        scratch = Path(tempfile.mkdtemp(prefix="idle-bench-"))
        old_path = scratch / "old_recording.py"
        old_path.write_bytes(subprocess.run(["git", "show", f"{STREAMING_COMMIT}~1:voice/recording.py"], cwd=ROOT,
                                            check=True, capture_output=True).stdout)
        old_source, label = str(old_path), f"git show {STREAMING_COMMIT}~1:voice/recording.py"
    else:
        label = old_source
    rows = [child("simulated", old_source, args), child("simulated", None, args)]
    for row in rows:
        print(json.dumps(row))
    lives = []
    if args.live_seconds > 0:
        lives = [child("live", old_source, args), child("live", None, args)]
        for row in lives:
            print(json.dumps(row))
    text = report(rows, lives, args, label)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
