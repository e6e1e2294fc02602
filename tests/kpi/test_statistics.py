"""engagebot keeps the planner's statistics itself: after migrations and imports, and before a report when stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

import storage.db
from storage.db import Database
from storage.kpi import compute_report
from tests.kpi.conftest import G1, import_logs
from tests.kpi.test_kpis import EXPECTED_W06, W06


async def analysed_rows(db: Database) -> float | None:
    """The row count of `interactions` the statistics hold (None: none taken)."""
    async with db.begin() as conn:
        if db.is_sqlite:
            if not (await conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"))).first():
                return None
            stat = (await conn.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'interactions' LIMIT 1"))).scalar()
            return None if stat is None else float(str(stat).split()[0])
        counted = float((await conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('interactions')"))).scalar_one())
        return None if counted < 0 else counted


async def add_rows(db: Database, n: int) -> None:
    """`n` more messages by the first member of the first community."""
    start = datetime(2025, 1, 6, tzinfo=UTC)
    async with db.begin() as conn:
        cid, mid = (await conn.execute(text("SELECT community_id, id FROM members ORDER BY id LIMIT 1"))).one()
        for k in range(n):
            await conn.execute(
                text("INSERT INTO interactions (community_id, kind, member_id, external_id, at) VALUES (:c, 'message', :m, :x, :at)"),
                {"c": cid, "m": mid, "x": f"extra{k}", "at": (start + timedelta(minutes=k)).replace(tzinfo=None)},
            )


async def test_an_import_leaves_statistics_and_a_report_keeps_them_current(kpi_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    assert await analysed_rows(kpi_db) is None  # a fresh database: nothing to analyse yet
    await import_logs(kpi_db, "community.jsonl")
    counted = await analysed_rows(kpi_db)
    assert counted is not None and counted > 0
    assert await kpi_db.ensure_statistics() is False  # current: only the cheap check
    monkeypatch.setattr(storage.db, "STALE_ROWS", 10)
    await add_rows(kpi_db, int(counted) + 20)  # more than doubled (PostgreSQL counts changes a moment later)
    if kpi_db.is_sqlite:
        assert await kpi_db.ensure_statistics() is True
    report = await compute_report(kpi_db, G1, W06, sentiment=False)
    assert report.kpis == EXPECTED_W06  # the added rows are a year earlier: statistics never change a figure
    if kpi_db.is_sqlite:
        assert await analysed_rows(kpi_db) == pytest.approx(counted * 2 + 20, abs=2)
        assert await kpi_db.ensure_statistics() is False


async def test_sqlite_migrations_analyse_a_database_that_never_was(kpi_db: Database) -> None:
    if not kpi_db.is_sqlite:
        pytest.skip("PostgreSQL's autovacuum analyses its tables")
    await import_logs(kpi_db, "community.jsonl")
    async with kpi_db.begin() as conn:
        await conn.execute(text("DROP TABLE sqlite_stat1"))
    assert await kpi_db.refresh_statistics() == "analyze"
    assert await analysed_rows(kpi_db)
    assert await kpi_db.refresh_statistics() == "optimize"
