"""The files in deploy/ are what an administrator installs (docs/deploy.md): each is checked by the
program that will read it. The systemd units by `systemd-analyze verify` (with /opt/frontdesk read as
this checkout), haproxy's and kamailio's configs by their own `-c`, and every RECEPTIONIST_ setting
in the example environment file is one the code reads."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
UNITS = DEPLOY / "systemd"
ENV_EXAMPLE = UNITS / "frontdesk.env.example"


def _installed(tmp_path: Path) -> Path:
    """The units as installed from this checkout: /opt/frontdesk → here, the example environment file."""
    for unit in [*UNITS.glob("*.service"), *UNITS.glob("*.target")]:
        text = unit.read_text().replace("/opt/frontdesk", str(PROJECT_ROOT))
        text = text.replace("/etc/frontdesk/frontdesk.env", str(ENV_EXAMPLE))
        (tmp_path / unit.name).write_text(text)
    return tmp_path


def test_the_systemd_units_are_valid_and_start_what_exists(tmp_path: Path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    units = _installed(tmp_path)
    for template in units.glob("*@.service"):  # an instance of each template, e.g. frontdesk-rasa@5101
        (units / template.name.replace("@.", "@5101.")).write_text(template.read_text())
    names = [p.name for p in units.iterdir() if "@." not in p.name]
    assert {"frontdesk-rasa@5101.service", "frontdesk-actions@5101.service", "frontdesk-gateway@5101.service",
            "frontdesk-console.service", "frontdesk-balancer.service", "frontdesk-sip.service"} <= set(names)
    done = subprocess.run([analyze, "verify", "--man=no", *names], cwd=units, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    for name in names:
        if name.endswith(".service") and "-balancer" not in name and "-sip" not in name:
            assert "Restart=on-failure" in (units / name).read_text(), name


def test_the_balancer_config_is_valid_for_haproxy():
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        pytest.skip("haproxy is not installed (Debian package haproxy; scripts/system-packages.sh)")
    done = subprocess.run([haproxy, "-c", "-f", str(DEPLOY / "haproxy.cfg")], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "RECEPTIONIST_ACTION_SECRET": "x" * 32}, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_dispatcher_config_is_valid_for_kamailio(tmp_path: Path):
    kamailio = shutil.which("kamailio") or "/usr/sbin/kamailio"
    if not Path(kamailio).exists():
        pytest.skip("kamailio is not installed (Debian package kamailio; scripts/system-packages.sh)")
    done = subprocess.run([kamailio, "-c", "-f", str(DEPLOY / "kamailio-dispatcher.cfg"),
                           "-A", f'DISPATCHER_LIST="{DEPLOY / "dispatcher.list"}"'],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_setting_in_the_example_environment_is_one_the_code_reads():
    names = [line.split("=", 1)[0] for line in ENV_EXAMPLE.read_text().splitlines()
             if line and not line.startswith("#")]
    code = "\n".join(p.read_text(errors="replace") for folder in ("bot", "connectors", "voice", "actions")
                     for p in (PROJECT_ROOT / folder).rglob("*.py"))
    code += (DEPLOY / "haproxy.cfg").read_text()
    channel_tokens = {f"RECEPTIONIST_{c}_TOKEN" for c in ("PHONE", "KIOSK", "CHAT")}
    unknown = [n for n in names if n not in channel_tokens and not re.search(rf"\b{re.escape(n)}\b", code)]
    assert not unknown, f"settings nothing reads: {unknown}"
