"""The console's knobs, with defaults that run on a fresh clone.

`bot.config` is the one module that reads the environment; whoever starts the console builds a
`ConsoleSettings` (the defaults, or values from `bot.config`) and hands it to `build_app`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings

DEFAULT_PORT = 5080


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
    """This many failed sign-ins within `lockout_window_s` lock the account ..."""
    lockout_window_s: int = 15 * 60
    lockout_s: int = 15 * 60
    """... for this long."""
    calls_per_page: int = 50


def console_settings(settings: Settings) -> ConsoleSettings:
    """The console's settings from the process settings (bot.config reads the environment)."""
    return ConsoleSettings(host=settings.console_host, port=settings.console_port,
                           secure_cookies=settings.console_secure_cookies,
                           recordings_dir=settings.recordings_dir or settings.var_dir / "recordings")
