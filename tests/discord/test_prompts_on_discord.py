"""The weekly prompt cog unchanged on Discord: posted on schedule by channel name, answered in its thread or by reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import parse_config
from bot.core.clock import VirtualClock
from tests.discord import shim
from tests.discord.conftest import DiscordHarness, discord_config

MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


async def test_the_weekly_prompt_goes_out_in_general_and_thread_and_reply_answers_count(discord_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    data = discord_config(db_url).model_dump(mode="json")
    data["bot"]["cogs"] = ["prompts"]
    data["communities"][0]["cogs"] = {"prompts": {"channel": "general"}}  # a channel name: the adapter finds it in the server
    h: DiscordHarness = await discord_bot(parse_config(data, "test"), clock=VirtualClock(MONDAY))
    await h.app.scheduler.advance_to(MONDAY + timedelta(hours=9))  # 09:00 in Paris is 08:00 UTC
    [prompt] = h.world.sent_to("general")
    assert prompt.message is not None
    alice, bob = h.world.members["alice"], h.world.members["bob"]
    thread = shim.open_thread(prompt.message, "Answers", alice)
    in_thread = await shim.post("Mine is gardening", alice, thread)
    reply = await shim.post("Running, every morning", bob, h.world.channels["general"], reply_to=prompt.message)
    rows = await h.rows("select m.external_id, i.external_id, i.parent_external_id from interactions i "
                        "join members m on m.id = i.member_id where i.kind = 'prompt_answer' order by i.id")
    assert rows == [(str(alice.id), str(in_thread.id), str(prompt.message.id)), (str(bob.id), str(reply.id), str(prompt.message.id))]
