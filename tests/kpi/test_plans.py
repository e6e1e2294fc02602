"""The KPI queries' plans on SQLite: index ranges only, and the replies of a post found through their own index,
on a database never analysed as on one with a large community's statistics (plans are deterministic)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event

from storage.db import Database
from storage.kpi import compute_report
from tests.kpi.conftest import G1, import_logs
from tests.kpi.test_kpis import W06

# sqlite_stat1 of bench/kpi.py's community after ANALYZE (1,000,000 interactions, 10,000 members, one community)
LARGE = [
    ("members", "ix_members_community_joined", "10000 10000 1"), ("members", "ix_members_community_id", "10000 10000"),
    ("members", "sqlite_autoindex_members_1", "10000 10000 1"),
    ("interactions", "ix_interactions_community_parent_kind_at", "1000000 1000000 3 3 1 1 1"),
    ("interactions", "ix_interactions_member_at", "1000000 100 2"),
    ("interactions", "ix_interactions_community_kind_at", "1000000 1000000 142858 2 2 2"),
    ("interactions", "ix_interactions_community_at", "1000000 1000000 2"),
    ("interactions", "sqlite_autoindex_interactions_1", "1000000 1000000 142858 1"),
]


@contextmanager
def statements(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """Every statement run meanwhile, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", note)


def plans(path: Path, run: list[tuple[str, Any]], stats: list[tuple[str, str, str]] | None) -> list[tuple[str, list[str]]]:
    """Each statement reading interactions and its plan's steps, under these statistics (None: never analysed)."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("ANALYZE sqlite_schema")  # creates sqlite_stat1 when missing, analyses no table
        conn.execute("DELETE FROM sqlite_stat1")
        conn.executemany("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", stats or [])
        if stats is None:
            conn.execute("DROP TABLE sqlite_stat1")
        conn.commit()
    with closing(sqlite3.connect(path)) as conn:  # statistics are read when a connection loads the schema
        return [(sql, [str(step[3]) for step in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)])
                for sql, params in run if "interactions" in sql and "sqlite_" not in sql]


async def report_statements(tmp_path: Path) -> tuple[Path, list[tuple[str, Any]]]:
    path = tmp_path / "plans.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.upgrade()
    await import_logs(db, "community.jsonl")
    with statements(db) as run:
        await compute_report(db, G1, W06)
    await db.close()
    return path, run


async def test_every_kpi_query_reads_index_ranges_with_or_without_statistics(tmp_path: Path) -> None:
    path, run = await report_statements(tmp_path)
    assert any("LEFT JOIN interactions x" in sql for sql, _ in run)
    for stats in (None, LARGE):
        for sql, steps in plans(path, run, stats):
            assert not [s for s in steps if s.startswith("SCAN") and "interactions" in s], (stats is not None, sql, steps)
            if "LEFT JOIN interactions x" in sql:  # first responses: each root post's replies, not the period's time range
                assert any(s.startswith("SEARCH x USING COVERING INDEX ix_interactions_community_parent_kind_at (community_id=? AND parent_external_id=?")
                           for s in steps), steps
