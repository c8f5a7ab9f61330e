"""The secrets the parts of the receptionist show each other (docs/security.md).

| secret | shown by | checked by | configured by | else kept in |
| --- | --- | --- | --- | --- |
| API token | the voice gateway (transfer results) | Rasa's HTTP API (`?token=`) | RECEPTIONIST_API_TOKEN | var/api-token |
| action secret | the Rasa server | the action server (`Authorization: Bearer`) | RECEPTIONIST_ACTION_SECRET | var/action-secret |
| channel tokens | the gateway (phone), the kiosk relay (kiosk), a chat client (chat) | the REST channel (`Authorization: Bearer`) | RECEPTIONIST_PHONE_TOKEN, _KIOSK_TOKEN, _CHAT_TOKEN | var/channel-token-<channel> |

A secret that is not configured is generated on first use (256 random bits) into its file, mode
600, and read from there afterwards, so `make run` needs no configuration and a restart keeps the
tokens clients were given. Secrets are never printed, logged or put on a command line: the
launcher hands them to the servers in their environment (`Tokens.env`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.config import CHANNELS, Settings, is_loopback

MIN_EXPOSED_SECRET = 32
"""A server listening beyond loopback refuses to start with a configured secret shorter than this."""
_FILE_MODE = 0o600


@dataclass(frozen=True)
class Tokens:
    api: str
    action: str
    channels: Mapping[str, str]
    """Channel (phone, kiosk, chat) → the token its client shows the REST channel."""

    def env(self) -> dict[str, str]:
        """The environment variables that hand these secrets to a server process."""
        return {"RECEPTIONIST_API_TOKEN": self.api, "RECEPTIONIST_ACTION_SECRET": self.action,
                **{f"RECEPTIONIST_{channel.upper()}_TOKEN": token for channel, token in self.channels.items()}}


def load_tokens(settings: Settings) -> Tokens:
    """Every secret: the configured one, else the one kept in var/ (generated on first use)."""
    var = settings.var_dir
    return Tokens(
        api=settings.api_token or kept_secret(var / "api-token"),
        action=settings.action_secret or kept_secret(var / "action-secret"),
        channels={channel: settings.channel_tokens.get(channel) or kept_secret(var / f"channel-token-{channel}")
                  for channel in CHANNELS},
    )


def kept_secret(path: Path) -> str:
    """The secret in `path`, made first if there is none (two processes starting at once agree)."""
    if path.is_file():
        _restrict(path)
        value = path.read_text().strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
    with os.fdopen(descriptor, "w") as out:
        out.write(secrets.token_urlsafe(32))
    try:
        if path.is_file() and not path.read_text().strip():
            os.replace(draft, path)  # an empty file (a crash while writing): replace it
        else:
            os.link(draft, path)  # fails if another process made it meanwhile: theirs counts
    except FileExistsError:
        pass
    finally:
        draft.unlink(missing_ok=True)
    return path.read_text().strip()


def _restrict(path: Path) -> None:
    """A secret file readable by others (made by hand, or by an older version) is made private."""
    if path.stat().st_mode & 0o077:
        path.chmod(_FILE_MODE)


def exposure_problems(host: str, secrets_by_name: Mapping[str, str]) -> list[str]:
    """Why a server bound to `host` must not start with these secrets: none on loopback; beyond
    it, every secret must be present and at least MIN_EXPOSED_SECRET characters long."""
    if is_loopback(host):
        return [f"{name} is empty" for name, value in secrets_by_name.items() if not value]
    return [f"{name} is {'empty' if not value else 'too short'}: at least {MIN_EXPOSED_SECRET} characters "
            f"are needed to listen on {host}" for name, value in secrets_by_name.items()
            if len(value) < MIN_EXPOSED_SECRET]


def refuse_exposure(server: str, host: str, secrets_by_name: Mapping[str, str]) -> None:
    """Stop the process (SystemExit, with the reasons) if `server` must not listen on `host`."""
    problems = exposure_problems(host, secrets_by_name)
    if problems:
        raise SystemExit(f"{server}: refusing to start: " + "; ".join(problems))


def rasa_secrets(tokens: Tokens) -> dict[str, str]:
    """What the Rasa server checks: its API token and every channel client's token."""
    return {"RECEPTIONIST_API_TOKEN": tokens.api,
            **{f"RECEPTIONIST_{channel.upper()}_TOKEN": tokens.channels.get(channel, "") for channel in CHANNELS}}


def action_secrets(tokens: Tokens) -> dict[str, str]:
    return {"RECEPTIONIST_ACTION_SECRET": tokens.action}
