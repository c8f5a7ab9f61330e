"""The action server, as `receptionist run` starts it: rasa-sdk's app, for the Rasa server only.

`python -m actions.server` is `rasa run actions --actions actions` plus two doors:

- it listens on RECEPTIONIST_ACTION_HOST (default 127.0.0.1), not rasa-sdk's 0.0.0.0, and
  refuses to start beyond loopback with a short secret (bot.tokens.refuse_exposure);
- every request, /health included, must carry `Authorization: Bearer <action secret>`: the
  header the Rasa server sends (endpoints.yml, `action_endpoint.headers`). Anything else gets 401
  and a warning in the log (the client's address, never what it sent).

rasa-sdk 3.6 has no authentication of its own, hence this thin wrapper of its Sanic app.
"""

from __future__ import annotations

import hmac
import logging

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.config import Settings, load_settings
from bot.tokens import action_secrets, load_tokens, refuse_exposure

logger = logging.getLogger("actions.server")  # also when run as __main__

ACTIONS_PACKAGE = "actions"


def bearer_matches(authorization: str | None, secret: str) -> bool:
    """Whether an `Authorization` header is `Bearer <secret>` (compared in constant time)."""
    scheme, _, given = (authorization or "").partition(" ")
    return bool(secret) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                               secret.encode())


def unauthorized() -> HTTPResponse:
    return response.json({"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"})


def build_app(secret: str) -> Sanic:
    """rasa-sdk's app for the `actions` package, answering only requests that show `secret`."""
    if not secret:
        raise ValueError("the action server needs a secret")
    app = create_app(ACTIONS_PACKAGE, cors_origins="")  # no browser has any business here

    @app.middleware("request")
    async def authenticate(request: Request) -> HTTPResponse | None:
        if bearer_matches(request.headers.get("authorization"), secret):
            return None
        logger.warning("refused %s %s from %s: no valid action secret", request.method, request.path, request.ip)
        return unauthorized()

    return app


def main(settings: Settings | None = None) -> None:
    settings = settings or load_settings()
    tokens = load_tokens(settings)
    refuse_exposure("action server", settings.action_host, action_secrets(tokens))
    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    app = build_app(tokens.action)
    logger.info("action server on http://%s:%d (Rasa server only: shared secret)", settings.action_host,
                settings.action_port)
    app.run(settings.action_host, settings.action_port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
