"""The Rasa server, as `receptionist run` starts it: `rasa run` with its doors set from bot.config.

    python -m connectors.server --model models/dialogue-….tar.gz

runs `rasa run --enable-api` on RECEPTIONIST_RASA_HOST:RECEPTIONIST_RASA_PORT (default
127.0.0.1:5005, never Rasa's default 0.0.0.0) with endpoints.yml and credentials.yml. The
secrets (bot/tokens.py) reach Rasa in this process only: the API token is added to Rasa's own
arguments here, after the process started, so it is on no command line that `ps` shows; the
channel tokens and the action secret go into this process's environment, where credentials.yml
and endpoints.yml read them. It refuses to start beyond loopback with a short secret, and turns
Sanic's access log off (the API token travels in the query string) and Rasa's telemetry.
"""

from __future__ import annotations

import argparse
import os
import sys

from bot.config import PROJECT_ROOT, Settings, connect_host, load_settings
from bot.tokens import load_tokens, rasa_secrets, refuse_exposure


def rasa_arguments(settings: Settings, model: str, api_token: str) -> list[str]:
    """`rasa run`'s arguments (after `rasa`), the API token included: for sys.argv only. The token is
    joined to its option (`--auth-token=…`): a token that starts with "-" (one in 64 does) would
    otherwise be read as an option and Rasa would not start."""
    return ["run", "--model", model, "--interface", settings.rasa_host, "--port", str(settings.rasa_port),
            "--enable-api", f"--auth-token={api_token}", "--endpoints", str(PROJECT_ROOT / "endpoints.yml"),
            "--credentials", str(PROJECT_ROOT / "credentials.yml")]


def server_environment(settings: Settings) -> dict[str, str]:
    """What credentials.yml and endpoints.yml read, besides the secrets; kept if already set."""
    return {
        "RECEPTIONIST_ACTION_URL": f"http://{connect_host(settings.action_host)}:{settings.action_port}/webhook",
        "SANIC_ACCESS_LOG": "false",
        "RASA_TELEMETRY_ENABLED": "false",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the Rasa server, listening where bot.config says")
    parser.add_argument("--model", required=True, help="the trained model (.tar.gz)")
    args = parser.parse_args(argv)
    settings = load_settings()
    tokens = load_tokens(settings)
    refuse_exposure("Rasa server", settings.rasa_host, rasa_secrets(tokens))
    for name, value in {**server_environment(settings), **tokens.env()}.items():
        os.environ.setdefault(name, value)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *rasa_arguments(settings, args.model, tokens.api)]
    rasa_main()


if __name__ == "__main__":
    main()
