"""The console served for real, for the tests: an aiohttp server on a free port in a thread of
its own (its own event loop, as `bot.web.serve` runs it), over a real database holding the demo
organisation and the records of `console_seed`."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import requests
from aiohttp import web
from console_seed import PASSWORDS, Seeded, seed

from bot.config import Settings
from bot.context import Context
from bot.db.engine import Database, open_database
from bot.org.model import Directory
from bot.org.store import DirectoryCache
from bot.web import ConsoleSettings, build_app


@dataclass
class Console:
    url: str
    database: Database
    context: Context
    settings: ConsoleSettings
    seeded: Seeded

    def client(self, username: str | None = None, source: str | None = None) -> Client:
        """A client; `source` is the loopback address it connects from (127.0.0.2…), to be another
        machine as the console sees it."""
        client = Client(self.url)
        if source:
            client.mount("http://", _SourceAddressAdapter(source))
        if username:
            client.sign_in(username, PASSWORDS[username])
        return client


class _SourceAddressAdapter(requests.adapters.HTTPAdapter):
    """Connections from one local address (Linux routes all of 127.0.0.0/8 to loopback)."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:  # type: ignore[override]
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


class Client(requests.Session):
    """A browser-like HTTP client: cookies, no automatic redirects, CSRF token from the last page."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def request(self, method: str, url: str, *args, **kwargs) -> requests.Response:  # type: ignore[override]
        kwargs["allow_redirects"] = False  # Session.get would follow them; a test looks at each step
        kwargs.setdefault("timeout", 30)
        return super().request(method, self.base + url if url.startswith("/") else url, *args, **kwargs)

    def sign_in(self, username: str, password: str) -> requests.Response:
        page = self.get("/signin")
        token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
        return self.post("/signin", data={"username": username, "password": password, "form_token": token,
                                          "next": "/"})

    def csrf(self, path: str = "/") -> str:
        page = self.get(path)
        return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


class ServerThread:
    """Runs the console's aiohttp application on its own event loop, like `serve` does."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.started = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.runner = web.AppRunner(self.app, access_log=None)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.TCPSite(self.runner, "127.0.0.1", self.port).start())
        self.started.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.runner.cleanup())
        self.loop.close()

    def start(self) -> str:
        self.thread.start()
        assert self.started.wait(20), "the console did not start"
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(20)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_console(db_url: str, directory: Directory, var_dir: Path,
                  settings: ConsoleSettings | None = None) -> tuple[Console, ServerThread]:
    database = open_database(db_url)
    recordings = var_dir / "recordings"
    seeded = seed(database, directory, recordings)
    context = Context(settings=Settings(var_dir=var_dir, database_url=db_url), database=database,
                      directory=DirectoryCache(database))
    settings = settings or ConsoleSettings(recordings_dir=recordings)
    server = ServerThread(build_app(context, settings))
    return Console(server.start(), database, context, settings, seeded), server
