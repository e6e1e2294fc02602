"""KPI fixtures: a migrated database on SQLite, and on PostgreSQL when ENGAGEBOT_TEST_POSTGRES_URL is set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.refs import CommunityRef, Platform
from storage.db import Database
from storage.importer import EventLogImporter, ImportSummary

DATA = Path(__file__).parent / "data"
G1 = CommunityRef(Platform.DISCORD, "g1")
PARIS = "Europe/Paris"


@pytest.fixture
async def kpi_db(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    """A freshly migrated database (`database_url`: every test runs on SQLite, and on PostgreSQL when one is given)."""
    monkeypatch.chdir(tmp_path)  # files the bot keeps next to a server database (the ballot key) go to the test's folder
    db = Database(database_url)
    await db.upgrade()
    yield db
    await db.close()


async def import_logs(db: Database, *names: str) -> ImportSummary:
    """Import event logs from tests/kpi/data."""
    return await EventLogImporter(db).import_files([DATA / n for n in names])
