"""Rate limits per client address on the console's open doors: the public kiosk and sign-in.

The limiter itself runs on a clock the test turns; the console's answers (429, Retry-After, the
kiosk's JSON, the sign-in page) through real HTTP, from two loopback addresses (127.0.0.1 and
127.0.0.2) to tell one client from another.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from console_seed import PASSWORDS
from console_server import Client, Console, start_console
from requests.adapters import HTTPAdapter

from bot.org.model import Directory
from bot.web import ConsoleSettings
from bot.web.ratelimit import Rate, RateLimiter
from bot.web.settings import KIOSK_RATE

OTHER_ADDRESS = "127.0.0.2"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_sustained_rate_per_address() -> None:
    clock = FakeClock()
    limiter = RateLimiter("test", Rate(burst=3, per_minute=6), clock=clock)
    assert [limiter.retry_after("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.retry_after("a") == 10  # one more every 10 s
    assert limiter.retry_after("b") == 0, "another address has its own bucket"
    clock.now += 9.5
    assert limiter.retry_after("a") == 1
    clock.now += 0.5
    assert limiter.retry_after("a") == 0
    clock.now += 3600
    assert [limiter.retry_after("a") for _ in range(4)] == [0, 0, 0, 10], "the burst refills, and no further"


def test_the_first_refusal_of_a_run_is_logged_not_every_one(caplog: pytest.LogCaptureFixture) -> None:
    limiter = RateLimiter("test", Rate(burst=1, per_minute=1), clock=FakeClock())
    with caplog.at_level(logging.WARNING, logger="bot.web.ratelimit"):
        assert [limiter.retry_after("10.0.0.9") > 0 for _ in range(5)] == [False, True, True, True, True]
    assert [r.getMessage() for r in caplog.records if "10.0.0.9" in r.getMessage()] == \
        ["test: 10.0.0.9 is over the limit (1 at once, 1 a minute): answering 429"]


def test_only_the_most_recent_addresses_are_remembered() -> None:
    limiter = RateLimiter("test", Rate(burst=1, per_minute=1), clock=FakeClock(), max_clients=2)
    for address in ("a", "b", "c"):
        limiter.retry_after(address)
    assert limiter.retry_after("a") == 0, "a was forgotten: a fresh bucket"
    assert limiter.retry_after("c") > 0


def test_a_kiosk_visitor_s_pace_stays_well_inside_the_default() -> None:
    """A brisk visitor: a turn (reply and its audio) every 5 s for ten minutes, on the real clock's terms."""
    clock = FakeClock()
    limiter = RateLimiter("kiosk", KIOSK_RATE, clock=clock)
    for _ in range(120):
        assert limiter.retry_after("lobby") == 0 and limiter.retry_after("lobby") == 0
        clock.now += 5


class FromAddress(HTTPAdapter):
    """requests from a chosen source address (another client on this machine)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_from(console: Console, address: str) -> Client:
    client = console.client()
    client.mount("http://", FromAddress(address))
    return client


@pytest.fixture
def limited(db_url: str, demo_directory: Directory, tmp_path: Path) -> Iterator[Console]:
    """A console whose kiosk allows 3 requests and sign-in 2 attempts per address, then one a minute."""
    settings = ConsoleSettings(recordings_dir=tmp_path / "recordings", kiosk_rate=Rate(burst=3, per_minute=1),
                               signin_rate=Rate(burst=2, per_minute=1))
    running, server = start_console(db_url, demo_directory, tmp_path, settings)
    yield running
    server.stop()
    running.database.close()


def test_the_kiosk_answers_429_past_its_limit_per_address(limited: Console) -> None:
    client = limited.client()
    answers = [client.get("/kiosk/audio/kiosk-nobody/1-x") for _ in range(4)]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    refused = answers[-1]
    assert refused.json()["error"] == "rate_limited"
    wait_s = int(refused.headers["Retry-After"])
    assert 1 <= wait_s <= 60 and refused.json()["retry_after_s"] == wait_s
    assert client.post("/kiosk/api/start", json={"lang": "zh"}).status_code == 429
    assert client.get("/kiosk").status_code == 200, "the page itself is not limited"
    assert client_from(limited, OTHER_ADDRESS).get("/kiosk/audio/kiosk-nobody/1-x").status_code == 404


def test_sign_in_answers_429_past_its_limit_even_with_the_right_password(limited: Console) -> None:
    client = limited.client()
    assert [client.sign_in("ada", "not-the-password").status_code for _ in range(2)] == [401, 401]
    refused = client.sign_in("ada", PASSWORDS["ada"])
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Too many sign-in attempts" in refused.text or "登录尝试次数过多" in refused.text
    assert re.search(r'name="form_token"', refused.text), "the form is shown again"
    assert "fd_session" not in refused.headers.get("Set-Cookie", "")
    assert client_from(limited, OTHER_ADDRESS).sign_in("ada", PASSWORDS["ada"]).status_code == 303


def test_the_default_limits_leave_ordinary_use_alone(console: Console) -> None:
    client = console.client()
    assert client.sign_in("ada", "not-the-password").status_code == 401
    assert client.sign_in("ada", PASSWORDS["ada"]).status_code == 303
    assert all(client.get("/kiosk/audio/kiosk-nobody/1-x").status_code == 404 for _ in range(20))
