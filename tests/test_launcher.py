"""`receptionist run` (what `make run` starts): it sets up, says where it listens, and stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from bot.config import PROJECT_ROOT


def test_run_imports_the_demo_organisation_says_where_it_listens_and_stops(tmp_path):
    env = dict(os.environ, RECEPTIONIST_VAR=str(tmp_path), RECEPTIONIST_DB=f"sqlite:///{tmp_path / 'r.db'}",
               RECEPTIONIST_SMTP_PORT="1")
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--no-dialogue"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if "ready" in line or not line:
            break
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    output = "".join(lines)
    assert "organisation: 华信科技有限公司" in output and "imported from" in output, output
    assert "database: sqlite:///" in output
    assert "message delivery: SMTP localhost:1" in output
    assert "ready" in output
    assert process.returncode == 0
