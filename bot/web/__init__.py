"""The staff console: a small aiohttp web application over the same database as the rest.

    build_app(context, settings) -> aiohttp.web.Application
    serve(context, host, port, settings)   (async; runs until cancelled)

See docs/console.md.
"""

from bot.web.app import build_app, serve
from bot.web.settings import ConsoleSettings

__all__ = ["ConsoleSettings", "build_app", "serve"]
