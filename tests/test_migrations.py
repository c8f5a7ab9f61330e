"""The migrations build exactly the schema that bot/db/tables.py describes, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.db.engine import make_engine, migrate
from bot.db.tables import Base


def test_migrated_schema_matches_the_tables(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == [], "tables.py changed without a migration (alembic revision --autogenerate)"


def test_migrating_twice_is_harmless_and_records_the_revision(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"organization", "people", "departments", "calls", "turns", "messages", "visits",
            "alembic_version"} <= tables
