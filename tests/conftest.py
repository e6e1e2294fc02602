"""Shared fixtures: a bot on a virtual clock with a simulated community and a real SQLite file."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.adapters.simulation.adapter import SimulationAdapter
from bot.app import Engagebot
from bot.config import Config, parse_config
from bot.core.clock import VirtualClock
from bot.core.refs import CommunityRef, Platform
from storage.db import Database, load_all_models

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def config_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A configuration folder of the test's own (the anonymous-ballot key goes there, never in the home folder)."""
    home = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv("ENGAGEBOT_SECRET", raising=False)
    return home
COMMUNITY = CommunityRef(Platform.SIMULATION, "sim")


def make_config(db_url: str, **overrides: Any) -> Config:
    """A configuration for tests: the simulated community, quick flushes, the given overrides."""
    data: dict[str, Any] = {
        "database": {"url": db_url, "flush_seconds": 0.05},
        "communities": [{"platform": "simulation", "id": "sim", "timezone": "Europe/Paris", "locale": "en"}],
        # no model in every test's bot: the sentiment tests turn it on (loading torch takes seconds)
        "cogs": {"sentiment": {"backend": "off"}},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return parse_config(data, "test")


class Harness:
    """A started bot with its simulated community, clock and database URL."""

    def __init__(self, app: Engagebot, sim: SimulationAdapter, clock: VirtualClock, db_url: str) -> None:
        self.app, self.sim, self.clock, self.db_url = app, sim, clock, db_url

    async def scalar(self, sql: str, **params: Any) -> Any:
        """Run one SQL query (after flushing the recorder) and return the first column of the first row."""
        from sqlalchemy import text

        await self.app.recorder.flush()
        async with self.app.db.begin() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        """Run one SQL query (after flushing) and return every row."""
        from sqlalchemy import text

        await self.app.recorder.flush()
        async with self.app.db.begin() as conn:
            return list((await conn.execute(text(sql), params)).all())


HarnessFactory = Callable[..., Any]


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every migration applied, made once per test session."""
    import asyncio
    import threading

    path = tmp_path_factory.mktemp("template") / "engagebot.db"

    async def migrate() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        await db.upgrade()
        await db.close()

    worker = threading.Thread(target=asyncio.run, args=(migrate(),))  # no event loop may run in this thread
    worker.start()
    worker.join()
    return path


@pytest.fixture
def db_url(tmp_path: Path, migrated_template: Path) -> str:
    """A fresh SQLite file, already migrated (the bot still checks the migrations at start)."""
    import shutil

    target = tmp_path / "engagebot.db"
    shutil.copyfile(migrated_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
async def start_bot(db_url: str) -> AsyncIterator[HarnessFactory]:
    """Start bots on the same database (a restart is a second call after `stop`)."""
    started: list[Engagebot] = []

    async def factory(config: Config | None = None, *, start: datetime = START, clock: VirtualClock | None = None,
                      platform: type[SimulationAdapter] = SimulationAdapter) -> Harness:
        clock = clock or VirtualClock(start)
        config = config or make_config(db_url)
        app = Engagebot(config, clock=clock)
        sim = platform(COMMUNITY, clock)
        sim.admins.add("admin")
        app.add_adapter(sim, [COMMUNITY])
        started.append(app)
        await app.start()
        return Harness(app, sim, clock, db_url)

    yield factory
    for app in started:
        if app.started:
            await app.stop()
        else:  # start-up was refused (a configuration mistake): release what it opened
            await app.recorder.close()
            await app.db.close()


POSTGRES_ENV = "ENGAGEBOT_TEST_POSTGRES_URL"


async def reset_postgres(url: str) -> None:
    """Drop everything in the test database (it is only ever used by the tests)."""
    db = Database(url)
    try:
        async with db.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await db.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database of each kind."""
    load_all_models()
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'engagebot.db'}"
        return
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV} (CI's .ci/run starts one on 127.0.0.1)")
    await reset_postgres(url)
    yield url
