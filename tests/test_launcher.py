"""`receptionist run` (what `make run` starts): it sets up, says where it listens, and stops cleanly."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request

from bot.config import CHANNELS, PROJECT_ROOT


def test_run_imports_the_demo_organisation_says_where_it_listens_and_stops(tmp_path):
    port = _free_port()
    env = dict(os.environ, RECEPTIONIST_VAR=str(tmp_path), RECEPTIONIST_DB=f"sqlite:///{tmp_path / 'r.db'}",
               RECEPTIONIST_SMTP_PORT="1", RECEPTIONIST_CONSOLE_PORT=str(port))
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--no-dialogue"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if "ready" in line or not line:
            break
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/signin", timeout=10) as page:
        signin = page.read().decode()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    output = "".join(lines)
    assert "organisation: 华信科技有限公司" in output and "imported from" in output, output
    assert "database: sqlite:///" in output
    assert "message delivery: SMTP localhost:1" in output
    assert f"staff console: http://127.0.0.1:{port}/" in output
    assert "<form" in signin and "password" in signin
    assert "ready" in output
    assert process.returncode == 0


def test_run_checks_out_a_hotel_guest_whose_departure_has_passed(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'r.db'}"
    port = _free_port()
    env = dict(os.environ, RECEPTIONIST_VAR=str(tmp_path), RECEPTIONIST_DB=db_url, RECEPTIONIST_SMTP_PORT="1",
               RECEPTIONIST_CONSOLE_PORT=str(port))
    (tmp_path / "rooms.csv").write_text("room,extension,floor\n0812,6812,8\n")
    (tmp_path / "stays.csv").write_text("room,guest_name_zh,guest_name_latin,arrival,departure\n"
                                        "0812,欧阳娜娜,Nana Ouyang,2025-12-01,2025-12-08\n")
    hotel = [sys.executable, "-m", "bot.cli", "hotel"]
    subprocess.run([*hotel, "rooms", "import", str(tmp_path / "rooms.csv")], env=env, cwd=PROJECT_ROOT, check=True)
    subprocess.run([*hotel, "stays", "import", str(tmp_path / "stays.csv"), "--at", "2025-12-05T09:00"], env=env,
                   cwd=PROJECT_ROOT, check=True)
    before = subprocess.run([*hotel, "stays", "list"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert "欧阳娜娜" in before.stdout, "the guest is in house before the run"

    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--no-dialogue"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "ready" not in (process.stdout.readline() or "ready"):
            pass
        in_house = before.stdout
        while time.monotonic() < deadline and "欧阳娜娜" in in_house:
            time.sleep(0.5)
            in_house = subprocess.run([*hotel, "stays", "list"], env=env, cwd=PROJECT_ROOT, capture_output=True,
                                      text=True).stdout
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert "欧阳娜娜" not in in_house, "receptionist run checks out the stays past their departure"


def test_the_first_start_makes_each_secret_private_in_var_and_a_restart_keeps_them(tmp_path):
    """`make run` on a fresh clone: every secret generated (mode 600), never printed; kept after."""
    names = ["action-secret", "api-token", *(f"channel-token-{channel}" for channel in CHANNELS)]
    seen = []
    for _ in range(2):
        env = dict(os.environ, RECEPTIONIST_VAR=str(tmp_path), RECEPTIONIST_DB=f"sqlite:///{tmp_path / 'r.db'}",
                   RECEPTIONIST_SMTP_PORT="1", RECEPTIONIST_CONSOLE_PORT=str(_free_port()))
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--no-dialogue"], cwd=PROJECT_ROOT,
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output = _until_ready(process)
        process.send_signal(signal.SIGTERM)
        output += process.communicate(timeout=30)[0]
        assert process.returncode == 0, output
        secrets = {name: (tmp_path / name).read_text().strip() for name in names}
        assert all(stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600 for name in names)
        assert not any(secret in output for secret in secrets.values()), "a secret was printed"
        seen.append(secrets)
    assert seen[0] == seen[1] and len(set(seen[0].values())) == len(names)


def _until_ready(process: subprocess.Popen, timeout_s: float = 180) -> str:
    lines = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if "ready" in line or not line:
            break
    return "".join(lines)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
