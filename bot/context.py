"""What a command or a server process needs at hand: settings, the database, the directory.

Built once per process by `open_context()`; nothing is created at import time.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings, load_settings
from bot.db.engine import Database, open_database
from bot.org.store import DirectoryCache


@dataclass
class Context:
    settings: Settings
    database: Database
    directory: DirectoryCache

    def close(self) -> None:
        self.database.close()


def open_context(settings: Settings | None = None) -> Context:
    settings = settings or load_settings()
    database = open_database(settings.db_url)
    return Context(settings=settings, database=database, directory=DirectoryCache(database))
