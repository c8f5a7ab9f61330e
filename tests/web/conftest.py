"""Fixtures for the console's tests: `console`, a running console on a fresh database, once on
SQLite and once on PostgreSQL (see console_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from console_server import Console, start_console

from bot.org.model import Directory


@pytest.fixture
def console(db_url: str, demo_directory: Directory, tmp_path: Path) -> Iterator[Console]:
    """A console on a fresh database; each test using it runs on SQLite and on PostgreSQL."""
    running, server = start_console(db_url, demo_directory, tmp_path)
    yield running
    server.stop()
    running.database.close()
