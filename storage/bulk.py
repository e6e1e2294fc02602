"""Large imports into SQLite: the secondary indexes of `interactions` are built once at the end instead of row by row.

Maintaining four indexes row by row costs most of an import's write time (every row lands somewhere else in each
index); sorting the whole table once per index at the end is several times faster. The unique key stays: a row already
there is still a no-op, so an interrupted import is resumed by running it again. An import stopped before it could
restore them (a killed process) leaves them missing: `restore_indexes` creates whatever is missing, at every start
(`Database.upgrade`) and before every import.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import Index
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex, DropIndex

from storage.db import Database
from storage.models import Interaction


@dataclass(frozen=True)
class BulkPolicy:
    """When an import drops the secondary indexes: at least `min_rows` new rows, and at least `min_share` of the rows already there."""

    min_rows: int = 100_000
    min_share: float = 0.25


def secondary_indexes() -> list[Index]:
    """The indexes of `interactions` besides its primary and unique keys (what a bulk import rebuilds)."""
    table = Interaction.__table__  # type: ignore[attr-defined]
    return sorted(table.indexes, key=lambda index: str(index.name))


def restore_indexes(conn: Connection) -> int:
    """Create the secondary indexes of `interactions` that are missing (SQLite); how many were created."""
    if conn.dialect.name != "sqlite":
        return 0
    present = {row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'interactions'")}
    missing = [index for index in secondary_indexes() if index.name not in present]
    for index in missing:
        conn.execute(CreateIndex(index, if_not_exists=True))
    return len(missing)


@asynccontextmanager
async def bulk_writes(db: Database, expected_rows: int, policy: BulkPolicy | None = None) -> AsyncIterator[bool]:
    """Around a large import into SQLite: the secondary indexes dropped, then rebuilt on the way out.

    Yields whether the indexes were dropped. They are rebuilt even when the import fails; where nothing qualifies
    (PostgreSQL, a small import, a table already much larger than the import) it changes nothing.
    """
    policy = policy or BulkPolicy()
    if not db.is_sqlite or expected_rows < policy.min_rows:
        yield False
        return
    async with db.begin() as conn:
        existing = int((await conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM interactions")).scalar_one())
    if expected_rows < existing * policy.min_share:
        yield False
        return
    async with db.begin() as conn:
        for index in secondary_indexes():
            await conn.execute(DropIndex(index, if_exists=True))
    try:
        yield True
    finally:
        async with db.begin() as conn:
            await conn.run_sync(restore_indexes)
