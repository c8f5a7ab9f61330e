"""Shared fixtures: real databases (a SQLite file, and PostgreSQL where configured).

PostgreSQL tests use RECEPTIONIST_TEST_PG_URL (set by `make test`, which starts a local
server through scripts/postgres.sh). Where it is unset they skip, saying why; CI always sets it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.config import DEMO_ORG
from bot.db.engine import Database, open_database
from bot.org.model import Directory
from bot.org.orgfile import parse_org_file
from bot.org.store import replace_directory

pytest_plugins = ["conftest_smtp"]

PG_URL = os.environ.get("RECEPTIONIST_TEST_PG_URL", "")


@pytest.fixture(scope="session")
def demo_directory() -> Directory:
    return parse_org_file(DEMO_ORG)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'receptionist.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    if not PG_URL:
        pytest.skip("RECEPTIONIST_TEST_PG_URL is not set: run through `make test`, which starts PostgreSQL")
    name = f"fd_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        _drop_database(admin, name)
        admin.dispose()


def _drop_database(admin, name: str) -> None:
    """Drop a test database, ending our own leftover connections to it (never the server's:
    an autovacuum worker is a superuser process, and DROP DATABASE stops it by itself)."""
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :n AND pid <> pg_backend_pid() AND usename = current_user"
        ), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test that takes this runs once on a SQLite file and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = open_database(db_url)
    yield db
    db.close()


@pytest.fixture
def demo_db(database: Database, demo_directory: Directory) -> Database:
    """A database holding the demo organisation."""
    with database.session() as session:
        replace_directory(session, demo_directory)
    return database
