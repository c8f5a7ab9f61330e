"""The gateway as `receptionist run` starts it: configured from the settings, stopped with the rest."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time

from bot.config import SipSettings, load_settings
from voice.service import describe, gateway_config, start_in_thread


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def test_gateway_starts_on_the_configured_port_says_so_and_stops(demo_db, tmp_path):
    port = _free_udp_port()
    settings = dataclasses.replace(load_settings(), var_dir=tmp_path, sip=SipSettings(host="127.0.0.1", port=port))
    config = gateway_config(settings, "http://127.0.0.1:9")
    assert config.account is None and config.sip_port == port
    stop = threading.Event()
    running = start_in_thread(config, demo_db, stop)
    try:
        assert running.address == ("127.0.0.1", port)
        assert _port_taken(port)
        text = describe(running, config.recordings_dir)
        assert f"sip:127.0.0.1:{port}" in text and "keypad only" in text
    finally:
        stop.set()
    deadline = time.monotonic() + 10
    while _port_taken(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _port_taken(port)


def test_registration_to_a_pbx_comes_from_the_settings(tmp_path):
    sip = SipSettings(registrar="127.0.0.1:5070", domain="pbx.example", username="8000", password="s3cret")
    settings = dataclasses.replace(load_settings(), var_dir=tmp_path, sip=sip)
    config = gateway_config(settings, "http://127.0.0.1:5005")
    assert config.account.registrar == ("127.0.0.1", 5070) and config.account.username == "8000"
    assert config.dial_plan.route("8202") == ("sip:8202@pbx.example", ("127.0.0.1", 5070))


def test_trusted_pbx_addresses_and_the_fail_safe_time_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RECEPTIONIST_SIP_INTERNAL_FROM", "127.0.0.1, localhost,no-such-host.invalid")
    monkeypatch.setenv("RECEPTIONIST_DIALOGUE_TIMEOUT_S", "5")
    monkeypatch.setenv("RECEPTIONIST_VAR", str(tmp_path))

    config = gateway_config(load_settings(), "http://127.0.0.1:5005")

    assert config.internal_peers == frozenset({"127.0.0.1"}), "a name that does not resolve is left out"
    assert config.dialogue_timeout_s == 5


def test_without_a_trusted_pbx_no_call_is_internal(monkeypatch, tmp_path):
    monkeypatch.delenv("RECEPTIONIST_SIP_INTERNAL_FROM", raising=False)
    monkeypatch.setenv("RECEPTIONIST_VAR", str(tmp_path))
    assert gateway_config(load_settings(), "http://127.0.0.1:5005").internal_peers == frozenset()


def test_the_call_caps_come_from_the_environment_and_the_pbx_is_exempt_from_the_per_address_one(
        monkeypatch, tmp_path, demo_db):
    from voice.gateway import Gateway

    monkeypatch.setenv("RECEPTIONIST_SIP_MAX_CALLS", "12")
    monkeypatch.setenv("RECEPTIONIST_SIP_MAX_CALLS_PER_SOURCE", "2")
    monkeypatch.setenv("RECEPTIONIST_SIP_INTERNAL_FROM", "127.0.0.5")
    monkeypatch.setenv("RECEPTIONIST_SIP_REGISTRAR", "127.0.0.6:5070")
    monkeypatch.setenv("RECEPTIONIST_VAR", str(tmp_path))

    ua = Gateway(gateway_config(load_settings(), "http://127.0.0.1:5005"), demo_db).ua

    assert (ua.max_calls, ua.max_calls_per_source) == (12, 2)
    assert ua.trusted_peers == frozenset({"127.0.0.5", "127.0.0.6"})
