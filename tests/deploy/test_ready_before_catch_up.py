"""On Discord, `start` returns once logged in: the scheduler catches up only when the gateway is ready."""

from __future__ import annotations

import asyncio

from bot.adapters.discord import DiscordAdapter
from bot.app import Engagebot
from bot.core.clock import VirtualClock
from storage.db import Database
from tests.conftest import START
from tests.discord import shim
from tests.discord.conftest import SECRETS, discord_config


async def test_jobs_catch_up_only_once_the_gateway_is_ready(db_url: str, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    world = shim.World()
    ready_later = asyncio.Event()

    async def connect(adapter: DiscordAdapter) -> None:  # logged in; the gateway's READY comes later
        await adapter.client._async_setup_hook()
        shim.build_world(adapter.client, world)
        await adapter.setup_hook()

        async def ready() -> None:
            await ready_later.wait()
            adapter.client._handle_ready()

        asyncio.get_running_loop().create_task(ready())

    config = discord_config(db_url)
    app = Engagebot(config, clock=VirtualClock(START), database=Database(config.database.url))
    adapter = DiscordAdapter(config, SECRETS, clock=app.clock, connector=connect)
    app.add_adapter(adapter)
    seen: list[bool] = []
    catch_up = app.scheduler.catch_up

    async def spy() -> int:
        seen.append(adapter.client.is_ready())
        return await catch_up()

    monkeypatch.setattr(app.scheduler, "catch_up", spy)
    starting = asyncio.create_task(app.start())
    for _ in range(20):
        await asyncio.sleep(0)
    assert not starting.done() and seen == []  # logged in, waiting for the gateway
    ready_later.set()
    await starting
    assert seen == [True]
    await app.stop()


async def test_a_gateway_that_never_gets_ready_delays_start_a_bounded_time(db_url: str, tmp_path, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    world = shim.World()

    async def connect(adapter: DiscordAdapter) -> None:
        await adapter.client._async_setup_hook()
        shim.build_world(adapter.client, world)
        await adapter.setup_hook()

    config = discord_config(db_url)
    app = Engagebot(config, clock=VirtualClock(START), database=Database(config.database.url))
    app.ready_timeout = 0.01
    app.add_adapter(DiscordAdapter(config, SECRETS, clock=app.clock, connector=connect))
    await app.start()
    assert "discord is not ready after" in caplog.text
    await app.stop()
