"""Alembic environment: runs on the connection engagebot hands over (sync or async engines)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.db import load_all_models

target_metadata = load_all_models().metadata


def run() -> None:
    """Run migrations on the provided connection, or on a new sync engine for the CLI."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.config.get_main_option("sqlalchemy.url") or ""
    url = url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
    engine = create_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
