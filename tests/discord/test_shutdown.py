"""Stopping the bot lets the event handlers and commands discord.py is still running finish before the connection closes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import discord.ext.test as dpytest

from tests.discord import shim
from tests.discord.conftest import DiscordHarness


async def turns(until: Callable[[], bool], most: int = 200) -> bool:
    """Let the loop run (no real waiting) until `until()` holds; whether it did."""
    for _ in range(most):
        if until():
            return True
        await asyncio.sleep(0)
    return until()


async def test_stop_waits_for_a_gateway_event_still_being_handled(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    h.cog.welcome_gate = asyncio.Event()
    member = await dpytest.member_join(0, name="erin")  # discord.py handles it in a task of its own
    await asyncio.wait_for(h.cog.at_gate.wait(), 10)  # the join is recorded (the driver's thread) and the welcome waits at the gate
    stopping = asyncio.create_task(h.app.stop())
    assert not await turns(lambda: h.adapter.client.is_closed() or stopping.done())
    h.cog.welcome_gate.set()
    await stopping
    assert [s.content for s in h.world.sent_to("welcome")] == [f"<@{member.id}> Welcome erin!"]  # sent before the client closed
    assert h.adapter.client.is_closed()


async def test_stop_waits_for_a_slow_command_then_closes(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    h.adapter.defer_after = 0.0
    running = asyncio.create_task(shim.slash(h.adapter.client, "report", h.world.members["alice"], h.world.channels["general"]))
    assert await turns(lambda: any(r["path"].endswith("/callback") for r in h.world.responses))  # deferred, still running
    stopping = asyncio.create_task(h.app.stop())
    assert not await turns(lambda: h.adapter.client.is_closed() or stopping.done())
    h.cog.gate.set()
    await stopping
    await running
    assert [r["body"]["content"] for r in h.world.responses if not r["path"].endswith("/callback")] == ["Here is your report."]


async def test_a_handler_that_outlives_the_grace_is_left_behind_with_a_warning(discord_bot, caplog) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    h.adapter.stop_grace = 0.0
    h.cog.welcome_gate = asyncio.Event()
    await dpytest.member_join(0, name="fred")
    await asyncio.wait_for(h.cog.at_gate.wait(), 10)
    with caplog.at_level(logging.WARNING, "engagebot.discord"):
        await h.app.stop()
    assert h.adapter.client.is_closed()
    assert caplog.text.count("1 Discord event handler(s) still running after 0 s") == 1
    # left behind, as at the process's exit (dpytest's fake HTTP would still "send" after the close)
    [left] = [t for t in asyncio.all_tasks() if t.get_name() == "discord.py: on_member_join"]
    left.cancel()
    await asyncio.gather(left, return_exceptions=True)
    assert h.world.sent_to("welcome") == []
