"""Helpers shared by the voice tests (imported by name: this folder is on sys.path under pytest)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from voice.audio import Pcm, read_wav, resample
from voice.sip.rtp import DTMF_EVENTS


def espeak(text: str, voice: str, rate: int, tmp_path: Path) -> Pcm:
    """Speech for `text` from the espeak-ng command, as 16-bit mono PCM at `rate`."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (scripts/system-packages.sh installs it)")
    out = tmp_path / f"espeak-{abs(hash((text, voice)))}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(out), text], check=True, timeout=30)
    return resample(read_wav(out.read_bytes()), rate)


def require_binary(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package {package}, installed by scripts/system-packages.sh)")
    return path


SIPP_DIR = Path(__file__).resolve().parent / "sipp"


def free_udp_port(host: str = "127.0.0.1") -> int:
    """A UDP port free right now on `host` (each test picks its own: nothing clashes)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def udp_port_bound(port: int) -> bool:
    """Whether some process has bound UDP `port` (read from /proc/net/udp: binding the port here to
    find out could take it from the process about to bind it)."""
    suffix = f":{port:04X}"
    with open("/proc/net/udp", encoding="ascii") as table:
        return any(line.split()[1].endswith(suffix) for line in table.readlines()[1:] if line.strip())


async def wait_until_bound(port: int, process, timeout_s: float = 30.0) -> None:
    """Wait for `process` (an asyncio subprocess) to listen on UDP `port`: on a busy machine SIPp may
    take seconds to start, and a call sent before that is lost."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout_s
    while not udp_port_bound(port):
        if process.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the SIP peer did not start listening on UDP {port} (exit {process.returncode})")
        await asyncio.sleep(0.05)


async def eventually(condition, timeout_s: float = 30.0, step_s: float = 0.05) -> bool:
    """Wait until `condition()` holds (polled every `step_s`), at most `timeout_s`; whether it held.
    The limit is generous: it is there so a broken build fails, not to time a healthy one."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step_s)
    return True


async def run_sipp(scenario: str, target: tuple[str, int], tmp_path: Path, service: str = "8888",
                   timeout_s: float = 40.0, extra: list[str] | None = None, local_ip: str = "127.0.0.1",
                   calls: int = 1) -> tuple[int, str]:
    """Run SIPp with one of the scenarios in tests/voice/sipp for `calls` calls (at most 50 at once)
    from `local_ip` (any 127.x.y.z: another caller on this machine); (exit code, its error log)."""
    import asyncio

    sipp = require_binary("sipp", "sip-tester")
    port, media = free_udp_port(local_ip), free_udp_port(local_ip)
    scenario_path = scenario if scenario.startswith("/") else str(SIPP_DIR / scenario)
    args = [sipp, "-sf", scenario_path, "-i", local_ip, "-p", str(port), "-mi", local_ip,
            "-mp", str(media), "-s", service, "-m", str(calls), "-l", str(min(calls, 50)), "-nostdin", "-timeout", f"{int(timeout_s)}s",
            "-timeout_error", "-trace_err", "-error_file", str(tmp_path / "sipp_errors.log"),
            *(extra or []), f"{target[0]}:{target[1]}"]
    process = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.PIPE, cwd=tmp_path)
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout_s + 10)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()
        raise
    errors = (tmp_path / "sipp_errors.log")
    log = errors.read_text(errors="replace") if errors.exists() else ""
    return process.returncode or 0, log + stderr.decode(errors="replace")


def key_press(digit: str) -> list[tuple[bytes, bool]]:
    """One RFC 4733 key press as a phone sends it, as (payload, marker): seven updates 20 ms apart, the
    first with the marker bit, then the end packet three times (RFC 4733 2.5.1.4)."""
    event = DTMF_EVENTS.index(digit)
    updates = [(bytes([event, 0x0A]) + (160 * step).to_bytes(2, "big"), step == 1) for step in range(1, 8)]
    return updates + [(bytes([event, 0x8A]) + (160 * 8).to_bytes(2, "big"), False)] * 3
