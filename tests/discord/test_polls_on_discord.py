"""The polls cog on Discord, unchanged: a slash command posts a native poll, a raw vote counts."""

from __future__ import annotations

import discord.ext.test as dpytest

from bot.config import parse_config
from tests.discord import shim
from tests.discord.conftest import DiscordHarness, discord_config
from tests.discord.test_interactions import EPHEMERAL, answers


async def test_an_animator_posts_a_native_poll_and_a_members_vote_is_counted(discord_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    data = discord_config(db_url).model_dump(mode="json")
    data["bot"]["cogs"] = ["tests.discord.sample_cog", "polls"]
    h: DiscordHarness = await discord_bot(parse_config(data, "test"))
    carol, bob = h.world.members["carol"], h.world.members["bob"]
    general = h.world.channels["general"]
    await dpytest.add_role(carol, h.world.roles["animator"])
    await shim.slash(h.adapter.client, "poll create", carol, general,
                     [shim.option("question", "Pizza or sushi on Friday?"), shim.option("options", "pizza, sushi")])
    [created] = answers(h)
    assert created["data"]["flags"] & EPHEMERAL
    [posted] = h.world.sent_to("general")
    poll = posted.payload["poll"]
    assert poll["question"]["text"] == "Pizza or sushi on Friday?"
    assert [a["poll_media"]["text"] for a in poll["answers"]] == ["pizza", "sushi"]
    assert posted.payload["embeds"][0]["title"] == "📊 Pizza or sushi on Friday?"
    assert posted.message is not None

    await shim.vote(bob, posted.message.id, general, answer_id=2)  # Discord counts answers from 1
    votes = await h.rows("select v.value, m.external_id from poll_votes v join members m on m.id = v.member_id")
    assert votes == [(1, str(bob.id))]
    contributions = await h.rows("select kind, parent_external_id from interactions where kind = 'poll_vote'")
    assert contributions == [("poll_vote", str(posted.message.id))]


async def test_an_anonymous_poll_uses_buttons_and_a_click_is_answered_privately(discord_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    data = discord_config(db_url).model_dump(mode="json")
    data["bot"]["cogs"] = ["polls"]
    h: DiscordHarness = await discord_bot(parse_config(data, "test"))
    admin, bob = h.world.members["admin"], h.world.members["bob"]
    general = h.world.channels["general"]
    await shim.slash(h.adapter.client, "poll create", admin, general,
                     [shim.option("question", "Is the meetup too early?"), shim.option("options", "yes, no"), shim.option("anonymous", True)])
    [posted] = h.world.sent_to("general")
    assert "poll" not in posted.payload  # native polls show voters: anonymous ones use buttons
    components = posted.payload["components"]
    yes = components[0]["components"][0]
    assert posted.message is not None
    await shim.press(yes["custom_id"], bob, general, components, message_id=posted.message.id)
    reply = answers(h)[-1]
    assert reply["data"]["flags"] & EPHEMERAL and "anonymously" in reply["data"]["content"]
    assert await h.rows("select member_id, cast_at from poll_votes") == [(None, None)]
    await shim.slash(h.adapter.client, "poll close", admin, general, [shim.option("id", 1)])
    assert "Results" in h.world.sent_to("general")[-1].payload["embeds"][0]["title"]
    assert h.world.ended_polls == []  # a button poll has no Discord poll to end


QUESTION = r"**Bold?** __under__ ~~gone~~ ||hidden|| `code` \ # not a heading - [site](https://evil.example/a_b) > @everyone"
"""A question whose inline Markdown Discord would render in an embed title, and characters it shows as typed there."""
IN_TITLE = r"\*\*Bold?\*\* \_\_under\_\_ \~\~gone\~\~ \|\|hidden\|\| \`code\` \\ # not a heading - [site](https://evil.example/a\_b) > @everyone"
"""The same as the title must carry it: only the marks a title renders are escaped (no stray backslash before # - [ ] ( ) >)."""


async def test_a_poll_question_in_an_embed_title_is_shown_as_typed(discord_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    data = discord_config(db_url).model_dump(mode="json")
    data["bot"]["cogs"] = ["polls"]
    h: DiscordHarness = await discord_bot(parse_config(data, "test"))
    admin, general = h.world.members["admin"], h.world.channels["general"]
    await shim.slash(h.adapter.client, "poll create", admin, general,
                     [shim.option("question", QUESTION), shim.option("options", "yes, no"), shim.option("anonymous", True)])
    [posted] = h.world.sent_to("general")
    assert posted.payload["embeds"][0]["title"] == f"📊 {IN_TITLE}"
    await shim.slash(h.adapter.client, "poll close", admin, general, [shim.option("id", 1)])
    assert h.world.sent_to("general")[-1].payload["embeds"][0]["title"] == f"📊 Results: {IN_TITLE}"
    assert all(s.payload["allowed_mentions"] == {"parse": [], "users": []} for s in h.world.sent_to("general"))
