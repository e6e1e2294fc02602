"""History import fixtures: a migrated database (SQLite, and PostgreSQL when ENGAGEBOT_TEST_POSTGRES_URL is set), the import run."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.config import Config, parse_config
from bot.history.command import run_history_import
from storage.db import Database

DATA = Path(__file__).parent / "data"


@dataclass
class Run:
    """What one import printed and returned."""

    code: int
    out: str
    err: str


@pytest.fixture
async def history_db(database_url: str) -> AsyncIterator[Database]:
    """A freshly migrated database of each kind (`database_url`: SQLite, and PostgreSQL when one is given)."""
    db = Database(database_url)
    await db.upgrade()
    yield db
    await db.close()


def config_for(url: str, **database: Any) -> Config:
    """A configuration pointing at the test database."""
    return parse_config({"database": {"url": url, **database}, "cogs": {"sentiment": {"backend": "off"}}}, "test")


async def run_import(db: Database, source: str, *paths: Path, **options: Any) -> Run:
    """Run the history import into `db`, capturing what it prints."""
    out, err = io.StringIO(), io.StringIO()
    config = config_for(db.url, **options.pop("database", {}))
    code = await run_history_import(config, source, list(paths), out=out, err=err, **options)
    return Run(code, out.getvalue(), err.getvalue())


async def rows(db: Database, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Every row of a query, as tuples."""
    async with db.begin() as conn:
        return [tuple(r) for r in (await conn.execute(text(sql), params)).all()]


INTERACTIONS = """
    select i.kind, m.external_id, t.external_id, i.external_id, i.parent_external_id, ch.external_id
    from interactions i join members m on m.id = i.member_id left join members t on t.id = i.target_member_id
    left join channels ch on ch.id = i.channel_id order by i.kind, i.external_id
"""
