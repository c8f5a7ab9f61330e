"""The console's knobs, with defaults that run on a fresh clone.

`bot.config` is the one module that reads the environment; whoever starts the console builds a
`ConsoleSettings` (the defaults, or values from `bot.config`) and hands it to `build_app`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.web.ratelimit import Rate

DEFAULT_PORT = 5080
KIOSK_RATE = Rate(burst=30, per_minute=60)
SIGNIN_RATE = Rate(burst=10, per_minute=10)


@dataclass(frozen=True)
class ConsoleSettings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    secure_cookies: bool | None = None
    """Mark cookies Secure: True, False, or None for "when the request came over https"."""
    idle_timeout_s: int = 30 * 60
    """A session unused for this long is over; the next request goes to the sign-in page."""
    recordings_dir: Path | None = None
    """Only audio files under this folder are ever served (None: `var/recordings`)."""
    lockout_failures: int = 5
    """This many failed sign-ins within `lockout_window_s` lock the account from that address ..."""
    lockout_window_s: int = 15 * 60
    lockout_s: int = 15 * 60
    """... for this long."""
    account_lockout_failures: int = 50
    """This many, from any addresses, lock the account everywhere (a guess spread over many
    addresses); one address alone cannot lock anyone else out."""
    calls_per_page: int = 50
    kiosk_rate: Rate = KIOSK_RATE
    """Requests per client address to the kiosk's API, microphone and reply audio (not the page):
    a visitor's turn is two (the reply and its audio), so a brisk conversation stays well inside."""
    signin_rate: Rate = SIGNIN_RATE
    """Sign-in attempts per client address, whatever the account (the lock-out counts per account)."""


def console_settings(settings: Settings) -> ConsoleSettings:
    """The console's settings from the process settings (bot.config reads the environment)."""
    return ConsoleSettings(host=settings.console_host, port=settings.console_port,
                           secure_cookies=settings.console_secure_cookies,
                           recordings_dir=settings.recordings_dir or settings.var_dir / "recordings")
