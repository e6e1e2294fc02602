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
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Index
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex, DropIndex

from bot.core.events import MemberJoined, MemberLeft
from bot.core.refs import CommunityRef
from storage.db import Database
from storage.models import Interaction
from storage.recorder import Recorder
from storage.rows import REACTION, PendingRow


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
    """Around a large import into SQLite: the secondary indexes dropped, then rebuilt on the way out (yields whether they were)."""
    # rebuilt even when the import fails; where nothing qualifies (PostgreSQL, a small import, a table already much
    # larger than the import) nothing changes
    # then, once the import succeeded, the planner's statistics are brought up to date (`Database.refresh_statistics`)
    policy = policy or BulkPolicy()
    if not db.is_sqlite or expected_rows < policy.min_rows:
        yield False
        await db.refresh_statistics(expected_rows)
        return
    async with db.begin() as conn:
        existing = int((await conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM interactions")).scalar_one())
    if expected_rows < existing * policy.min_share:
        yield False
        await db.refresh_statistics(expected_rows)
        return
    async with db.begin() as conn:
        for index in secondary_indexes():
            await conn.execute(DropIndex(index, if_exists=True))
    try:
        yield True
    finally:
        async with db.begin() as conn:
            await conn.run_sync(restore_indexes)
    await db.refresh_statistics(expected_rows)


Prepared = tuple[Any, ...]
"""A row's parameters, in the recorder's column order, its ids already known."""


class BulkRecorder(Recorder):
    """The recorder of a large import: it also takes rows already prepared for the driver (`Prepared`: their member,
    target and channel were in the directory's cache), queued in their place among the others.

    Rows whose references are not all cached, removals, joins and leaves take the recorder's own way, in the same
    transaction and order, so the rows written are the recorder's. It tells no watcher.
    """

    def add_rows(self, rows: list[PendingRow | Prepared]) -> None:
        """Queue one event's rows, prepared or not."""
        self._rows.extend(rows)  # type: ignore[arg-type]  # `_prepare` and `_in_order` below know both kinds

    @property
    def queued_rows(self) -> int:
        """Rows queued (what `record` compares with the batch size)."""
        return len(self._rows)

    @staticmethod
    def _split(rows: list[Any]) -> tuple[list[int], list[PendingRow]]:
        at = [i for i, r in enumerate(rows) if type(r) is not tuple]
        return at, [rows[i] for i in at]

    @staticmethod
    def _communities(rows: list[Any], removals: list[tuple[int, CommunityRef, str, datetime]],
                     memberships: list[MemberJoined | MemberLeft]) -> set[CommunityRef]:
        return Recorder._communities([r for r in rows if type(r) is not tuple], removals, memberships)

    def _prepare(self, rows: list[Any], cids: dict[CommunityRef, int]) -> tuple[list[tuple[Any, ...] | None], list[int]]:
        at, pending = self._split(rows)
        params: list[tuple[Any, ...] | None] = list(rows)
        if not pending:
            return params, []
        mine, later = super()._prepare(pending, cids)
        for i, p in zip(at, mine, strict=True):
            params[i] = p
        return params, [at[j] for j in later]

    def _in_order(self, rows: list[Any], removals: list[tuple[int, CommunityRef, str, datetime]],
                  cids: dict[CommunityRef, int]) -> list[tuple[int, CommunityRef, str, datetime]]:
        if not removals:
            return removals
        last: dict[tuple[int, str], int] = {}
        for i, r in enumerate(rows):
            if type(r) is tuple:
                if r[1] == REACTION:
                    last[(r[0], r[5])] = i
            elif r.kind == REACTION:
                last[(cids[r.community], r.external_id)] = i
        end = len(rows)  # as `_deferred`: after the batch's rows unless a later row names the same reaction
        return sorted(((before if last.get((cids[c], x), -1) >= before else end, c, x, at) for before, c, x, at in removals), key=itemgetter(0))

    def _tell(self, rows: list[Any], cids: dict[CommunityRef, int]) -> None:
        super()._tell([r for r in rows if type(r) is not tuple], cids)
