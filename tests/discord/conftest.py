"""Fixtures: the real bot with the Discord adapter on dpytest's fake gateway (see shim.py), a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.app import Engagebot
from bot.config import Config, Secrets, parse_config
from bot.core.clock import VirtualClock
from bot.core.refs import CommunityRef, Platform
from storage.db import Database
from tests.conftest import START
from tests.discord import shim

COMMUNITY = CommunityRef(Platform.DISCORD, str(shim.GUILD_ID))
SECRETS = Secrets(discord_token="test-token-never-logged")


def discord_config(db_url: str, **discord: Any) -> Config:
    """A configuration with the test guild and the sample cog."""
    return parse_config({
        "bot": {"cogs": ["tests.discord.sample_cog"]},
        "database": {"url": db_url, "flush_seconds": 0.05},
        # the animators' role by name: looked up once at start, then only its id counts
        "communities": [{"platform": "discord", "id": str(shim.GUILD_ID), "locale": "en", "timezone": "Europe/Paris", "animator_roles": ["animator"]}],
        "discord": {"application_id": shim.APP_ID, **discord},
    }, "test")


class DiscordHarness:
    """A started bot on the fake Discord: the app, its adapter, the dpytest world and the clock."""

    def __init__(self, app: Engagebot, adapter: DiscordAdapter, world: shim.World, clock: VirtualClock) -> None:
        self.app, self.adapter, self.world, self.clock = app, adapter, world, clock

    @property
    def cog(self) -> Any:
        """The sample cog."""
        return self.app.cogs["sample"]

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        """Every row of a query, after flushing the recorder."""
        from sqlalchemy import text

        await self.app.recorder.flush()
        async with self.app.db.begin() as conn:
            return list((await conn.execute(text(sql), params)).all())


@pytest.fixture
async def discord_bot(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Callable[..., Any]]:
    """Start bots on the fake Discord and the same database (a restart is a second call after `stop`)."""
    monkeypatch.chdir(tmp_path)  # dpytest writes uploaded files to ./dpytest_N.dat
    started: list[Engagebot] = []

    async def factory(config: Config | None = None, clock: VirtualClock | None = None) -> DiscordHarness:
        clock = clock or VirtualClock(START)
        config = config or discord_config(db_url)
        world = shim.World()
        # the database as the live bot has it (aiosqlite's worker thread), though the clock is virtual
        app = Engagebot(config, clock=clock, database=Database(config.database.url))
        adapter = DiscordAdapter(config, SECRETS, clock=clock, connector=shim.connector(world))
        app.add_adapter(adapter)
        await app.start()
        started.append(app)
        return DiscordHarness(app, adapter, world, clock)

    yield factory
    for app in started:
        if app.started:
            await app.stop()
