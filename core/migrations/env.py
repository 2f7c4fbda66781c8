"""Alembic environment: runs on the connection handed over by core.db.migrate (or the URL in settings)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from core.tables import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from core.db import make_engine
    from core.settings import get_settings

    engine = make_engine(get_settings().resolved_database_url)
    with engine.begin() as conn:
        _run(conn)


run_migrations_online()
