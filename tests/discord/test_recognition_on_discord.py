"""The recognition cog on Discord, unchanged: a badge earned by a post grants its role through the Discord adapter."""

from __future__ import annotations

from bot.config import parse_config
from tests.discord import shim
from tests.discord.conftest import DiscordHarness, discord_config


async def test_a_badge_earned_on_discord_is_announced_and_grants_its_role(discord_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    data = discord_config(db_url).model_dump(mode="json")
    data["bot"]["cogs"] = ["recognition"]
    data["cogs"] = {"recognition": {"channel": "general", "leaderboard_cron": "", "badges": [
        {"id": "first-post", "name": {"en": "First steps", "fr": "Premiers pas"}, "emoji": "👋", "kind": "first", "contribution": "post", "role": "animator"},
    ]}}
    h: DiscordHarness = await discord_bot(parse_config(data, "test"))
    bob, animator = h.world.members["bob"], h.world.roles["animator"]
    assert animator not in bob.roles
    await shim.post("Hello from the balcony!", bob, h.world.channels["general"])
    await shim.settle()
    assert animator in bob.roles
    [announcement] = [s for s in h.world.sent_to("general") if s.payload.get("embeds")]
    assert "earned the badge 👋 **First steps**" in announcement.payload["embeds"][0]["description"]
