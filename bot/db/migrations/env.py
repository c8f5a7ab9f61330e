"""Alembic environment: runs migrations on the engine handed over by bot.db.engine."""

from alembic import context

from bot.db.tables import Base

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
