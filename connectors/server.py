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
10 000 conversations). With RECEPTIONIST_TRACKER_STORE set to a database URL
(`postgresql://user:password@host:5432/rasa`, issue #13) they are kept in Rasa's SQL tracker store
there instead, so a restarted or another Rasa server continues a conversation where it was: the
server then runs on a copy of endpoints.yml with that `tracker_store` added, written under
RECEPTIONIST_VAR; the password stays in this process's environment (endpoints read `${…}`), never
in the file. The database must exist; Rasa creates its `events` table.

Several Rasa servers on one tracker store (docs/deploy.md) must not take two turns of one
conversation at once: RECEPTIONIST_LOCK_STORE (`redis://[:password@]host:6379/0`) adds Rasa's
Redis lock store, so a conversation's turns are taken one at a time whichever server gets them.
Its password, too, stays in the environment (RECEPTIONIST_LOCK_STORE_PASSWORD).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config import PROJECT_ROOT, Settings, connect_host, load_settings
from bot.tokens import load_tokens, rasa_secrets, refuse_exposure

ENDPOINTS = PROJECT_ROOT / "endpoints.yml"
TRACKER_STORE_ENV = "RECEPTIONIST_TRACKER_STORE"
TRACKER_PASSWORD_ENV = "RECEPTIONIST_TRACKER_STORE_PASSWORD"
"""Where the tracker store's password is kept for endpoints.yml to read (set here, from the URL)."""
TRACKER_DIALECTS = ("postgresql", "sqlite")
LOCK_STORE_ENV = "RECEPTIONIST_LOCK_STORE"
LOCK_PASSWORD_ENV = "RECEPTIONIST_LOCK_STORE_PASSWORD"
LOCK_KEY_PREFIX = "frontdesk"


def rasa_arguments(settings: Settings, model: str, api_token: str, endpoints: Path = ENDPOINTS) -> list[str]:
    """`rasa run`'s arguments (after `rasa`), the API token included: for sys.argv only. The token is
    joined to its option (`--auth-token=…`): a token that starts with "-" (one in 64 does) would
    otherwise be read as an option and Rasa would not start."""
    return ["run", "--model", model, "--interface", settings.rasa_host, "--port", str(settings.rasa_port),
            "--enable-api", f"--auth-token={api_token}", "--endpoints", str(endpoints),
            "--credentials", str(PROJECT_ROOT / "credentials.yml")]


def tracker_store(url: str) -> tuple[dict[str, Any], str | None]:
    """Rasa's `tracker_store` endpoint for a database URL, and the password to put in the environment
    (the endpoint names it `${RECEPTIONIST_TRACKER_STORE_PASSWORD}`). ValueError for anything else."""
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise ValueError(f"{TRACKER_STORE_ENV} is not a database URL (postgresql://user:password@host/db)") from None
    dialect = parsed.get_backend_name()
    if dialect not in TRACKER_DIALECTS or not parsed.database:
        raise ValueError(f"{TRACKER_STORE_ENV} must name a PostgreSQL (or SQLite) database, not {dialect!r}")
    config: dict[str, Any] = {"type": "SQL", "dialect": dialect, "db": parsed.database}
    if parsed.host:
        config["url"] = parsed.host
    if parsed.port:
        config["port"] = parsed.port
    if parsed.username:
        config["username"] = parsed.username
    if parsed.password:
        config["password"] = "${" + TRACKER_PASSWORD_ENV + "}"
    if parsed.query:
        config["query"] = dict(parsed.query)
    return config, parsed.password


def lock_store(url: str) -> tuple[dict[str, Any], str | None]:
    """Rasa's `lock_store` endpoint for a Redis URL, and the password to put in the environment.
    ValueError for anything else."""
    parsed = urlsplit(url.strip())
    if parsed.scheme not in ("redis", "rediss") or not parsed.hostname:
        raise ValueError(f"{LOCK_STORE_ENV} must be a Redis URL (redis://[:password@]host:6379/0), "
                         f"not {parsed.scheme or url!r}")
    try:
        port = parsed.port or 6379
        db = int(parsed.path.strip("/") or 0)
    except ValueError:
        raise ValueError(f"{LOCK_STORE_ENV}: the port and database must be numbers") from None
    config: dict[str, Any] = {"type": "redis", "url": parsed.hostname, "port": port, "db": db,
                              "key_prefix": LOCK_KEY_PREFIX}
    if parsed.scheme == "rediss":
        config["use_ssl"] = True
    if parsed.username:
        config["username"] = unquote(parsed.username)
    if parsed.password:
        config["password"] = "${" + LOCK_PASSWORD_ENV + "}"
    return config, unquote(parsed.password) if parsed.password else None


def endpoints_file(settings: Settings, environ: dict[str, str]) -> Path:
    """endpoints.yml, or with RECEPTIONIST_TRACKER_STORE and/or RECEPTIONIST_LOCK_STORE a copy of it
    with those stores (their passwords put into `environ`); ValueError when a URL is not one."""
    stores = {"tracker_store": (TRACKER_STORE_ENV, TRACKER_PASSWORD_ENV, tracker_store),
              "lock_store": (LOCK_STORE_ENV, LOCK_PASSWORD_ENV, lock_store)}
    added: dict[str, dict[str, Any]] = {}
    for key, (url_env, password_env, endpoint) in stores.items():
        url = environ.get(url_env, "").strip()
        if not url:
            continue
        added[key], password = endpoint(url)
        if password:
            environ[password_env] = password
    if not added:
        return ENDPOINTS
    endpoints = {**yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8")), **added}
    path = settings.var_dir / f"endpoints-{settings.rasa_port}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Written by connectors/server.py from endpoints.yml, RECEPTIONIST_TRACKER_STORE and\n"
                    "# RECEPTIONIST_LOCK_STORE; the passwords are in the server's environment.\n"
                    + yaml.safe_dump(endpoints, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def server_environment(settings: Settings) -> dict[str, str]:
    """What credentials.yml and endpoints.yml read, besides the secrets; kept if already set."""
    return {
        "RECEPTIONIST_ACTION_URL": f"http://{connect_host(settings.action_host)}:{settings.action_port}/webhook",
        "SANIC_ACCESS_LOG": "false",
        "RASA_TELEMETRY_ENABLED": "false",
    }


def _current_model() -> Path | None:
    from bot.training import current_model

    return current_model()


def main(argv: list[str] | None = None) -> None:
    from connectors import tracker_eviction  # imports Rasa: in the server process only

    parser = argparse.ArgumentParser(description="the Rasa server, listening where bot.config says")
    parser.add_argument("--model", help="the trained model (.tar.gz); default: the one trained from the "
                                        "current config, domain and data (`make model`)")
    parser.add_argument("--max-conversations", type=int, default=tracker_eviction.MAX_CONVERSATIONS,
                        help="conversations kept in memory at once (default %(default)s)")
    parser.add_argument("--conversation-idle-s", type=float, default=tracker_eviction.IDLE_S,
                        help="a conversation idle this long is forgotten (default %(default)s s)")
    args = parser.parse_args(argv)
    if args.max_conversations < 1 or args.conversation_idle_s <= 0:
        parser.error("--max-conversations and --conversation-idle-s must be positive")
    model = args.model or _current_model()
    if model is None:
        parser.error("no model trained for the current config, domain and data: run `make model` (or pass --model)")
    settings = load_settings()
    tokens = load_tokens(settings)
    refuse_exposure("Rasa server", settings.rasa_host, rasa_secrets(tokens))
    for name, value in {**server_environment(settings), **tokens.env()}.items():
        os.environ.setdefault(name, value)
    try:
        endpoints = endpoints_file(settings, os.environ)  # type: ignore[arg-type]
    except ValueError as error:
        parser.error(str(error))
    tracker_eviction.install(args.conversation_idle_s, args.max_conversations)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *rasa_arguments(settings, str(model), tokens.api, endpoints)]
    rasa_main()


if __name__ == "__main__":
    main()
