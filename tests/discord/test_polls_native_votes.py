"""Polls on Discord: native votes changed and taken back count as the last one, and the close posts results with the chart."""

from __future__ import annotations

from typing import Any

from bot.config import parse_config
from tests.discord import shim
from tests.discord.conftest import DiscordHarness
from tests.discord.test_interactions import answers


def polls_config(db_url: str) -> Any:
    """The test guild with the polls cog."""
    return parse_config({
        "bot": {"cogs": ["polls"]},
        "database": {"url": db_url, "flush_seconds": 0.05},
        "communities": [{"platform": "discord", "id": str(shim.GUILD_ID), "locale": "en", "timezone": "Europe/Paris"}],
        "discord": {"application_id": shim.APP_ID},
    }, "test")


async def test_a_changed_native_vote_counts_once_and_the_close_posts_results_with_the_chart(discord_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot(polls_config(db_url))
    general = h.world.channels["general"]
    await shim.slash(h.adapter.client, "poll create", h.world.members["admin"], general,
                     [shim.option("question", "Where do we meet next?"), shim.option("options", "Paris, Lyon, Nantes"), shim.option("duration", "2d")])
    assert "Poll #1 posted" in answers(h)[0]["data"]["content"]
    sent = h.world.sent_to("general")[-1]
    poll = sent.payload["poll"]
    assert poll["question"]["text"] == "Where do we meet next?" and [a["poll_media"]["text"] for a in poll["answers"]] == ["Paris", "Lyon", "Nantes"]
    assert poll["duration"] == 48 and poll["allow_multiselect"] is False
    assert sent.message is not None
    bob, alice = h.world.members["bob"], h.world.members["alice"]
    await shim.vote(bob, sent.message.id, general, answer_id=3)
    await shim.vote(alice, sent.message.id, general, answer_id=1)
    await shim.vote(alice, sent.message.id, general, answer_id=1, remove=True)
    await shim.vote(alice, sent.message.id, general, answer_id=2)
    rows = await h.rows("select voter, value from poll_votes order by voter")
    assert rows == [(str(alice.id), 1), (str(bob.id), 2)]
    assert h.world.ended_polls == []
    await shim.slash(h.adapter.client, "poll close", h.world.members["admin"], general, [shim.option("id", 1)])
    # closed two days early: Discord's own poll is ended too, so nobody votes in a closed poll
    assert h.world.ended_polls == [(general.id, sent.message.id)]
    results = h.world.sent_to("general")[-1]
    assert results.payload["embeds"][0]["title"] == "📊 Results: Where do we meet next?"
    assert results.files == ["poll-1.png"] and results.uploads[0].startswith(b"\x89PNG"), "the bar chart is drawn when it is sent"
