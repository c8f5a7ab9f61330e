"""The Rasa server, as `receptionist run` starts it: `rasa run` with its doors set from bot.config.

    python -m connectors.server --model models/dialogue-….tar.gz

runs `rasa run --enable-api` on RECEPTIONIST_RASA_HOST:RECEPTIONIST_RASA_PORT (default
127.0.0.1:5005, never Rasa's default 0.0.0.0) with endpoints.yml and credentials.yml. The
secrets (bot/tokens.py) reach Rasa in this process only: the API token is added to Rasa's own
arguments here, after the process started, so it is on no command line that `ps` shows; the
channel tokens and the action secret go into this process's environment, where credentials.yml
and endpoints.yml read them. It refuses to start beyond loopback with a short secret, and turns
Sanic's access log off (the API token travels in the query string) and Rasa's telemetry.

Conversations are kept in memory (no tracker store in endpoints.yml) and forgotten when idle,
at most `--max-conversations` at once (connectors/tracker_eviction.py; defaults: an hour idle,
10 000 conversations); a tracker store configured in endpoints.yml is used as it is.
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
    from connectors import tracker_eviction  # imports Rasa: in the server process only

    parser = argparse.ArgumentParser(description="the Rasa server, listening where bot.config says")
    parser.add_argument("--model", required=True, help="the trained model (.tar.gz)")
    parser.add_argument("--max-conversations", type=int, default=tracker_eviction.MAX_CONVERSATIONS,
                        help="conversations kept in memory at once (default %(default)s)")
    parser.add_argument("--conversation-idle-s", type=float, default=tracker_eviction.IDLE_S,
                        help="a conversation idle this long is forgotten (default %(default)s s)")
    args = parser.parse_args(argv)
    if args.max_conversations < 1 or args.conversation_idle_s <= 0:
        parser.error("--max-conversations and --conversation-idle-s must be positive")
    settings = load_settings()
    tokens = load_tokens(settings)
    refuse_exposure("Rasa server", settings.rasa_host, rasa_secrets(tokens))
    for name, value in {**server_environment(settings), **tokens.env()}.items():
        os.environ.setdefault(name, value)
    tracker_eviction.install(args.conversation_idle_s, args.max_conversations)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *rasa_arguments(settings, args.model, tokens.api)]
    rasa_main()


if __name__ == "__main__":
    main()
