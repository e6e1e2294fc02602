"""Members, messages, replies, reactions and poll votes arrive from Discord's gateway and are recorded."""

from __future__ import annotations

import logging

import discord.ext.test as dpytest

from bot.core.message import Message, NativePoll
from bot.core.refs import ChannelRef
from tests.discord import shim
from tests.discord.conftest import COMMUNITY, SECRETS, DiscordHarness

MEMBER_ROWS = """
    select i.kind, m.external_id, t.external_id, i.external_id, i.parent_external_id, i.removed_at is not null
    from interactions i join members m on m.id = i.member_id left join members t on t.id = i.target_member_id
    order by i.id
"""


async def test_a_newcomer_joins_is_recorded_and_welcomed_in_the_welcome_channel(discord_bot, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    h: DiscordHarness = await discord_bot()
    member = await dpytest.member_join(0, name="dave")
    await shim.settle()
    assert [e.member.id for e in h.cog.joined] == [str(member.id)]
    rows = await h.rows("select m.external_id, m.name, m.is_bot from members m join interactions i on i.member_id = m.id where i.kind = 'join'")
    assert rows == [(str(member.id), "dave", 0)]
    welcome = h.world.sent_to("welcome")
    assert len(welcome) == 1
    assert welcome[0].content == f"<@{member.id}> Welcome dave!"
    assert welcome[0].message is not None and welcome[0].message.mentions == [member]
    assert SECRETS.discord_token and SECRETS.discord_token not in caplog.text


async def test_a_message_and_a_reply_with_a_mention_are_recorded_with_the_right_target(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    alice, bob = h.world.members["alice"], h.world.members["bob"]
    general = h.world.channels["general"]
    first = await shim.post("Bonjour à tous !", alice, general)
    answer = await shim.post(f"Salut {alice.mention}", bob, general, reply_to=first)
    rows = await h.rows(MEMBER_ROWS)
    assert rows == [
        ("message", str(alice.id), None, str(first.id), None, 0),
        ("reply", str(bob.id), str(alice.id), str(answer.id), str(first.id), 0),
        ("mention", str(bob.id), str(alice.id), f"{answer.id}:{alice.id}", str(answer.id), 0),
    ]
    channels = await h.rows("select external_id, name from channels")
    assert channels == [(str(general.id), "general")]
    assert await h.rows("select count(*) from interactions where text is not null") == [(0,)]


async def test_the_bots_own_messages_are_not_counted_as_contributions(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    await h.app.messenger.say(ChannelRef(COMMUNITY, "general"), "A question for the week")
    await shim.settle()
    assert len(h.world.sent_to("general")) == 1
    assert await h.rows(MEMBER_ROWS) == []


async def test_a_reaction_and_its_removal_are_recorded_on_the_message_author(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    alice, carol = h.world.members["alice"], h.world.members["carol"]
    post = await shim.post("Look at this", alice, h.world.channels["general"])
    await dpytest.add_reaction(carol, post, "👋")
    rows = await h.rows(MEMBER_ROWS)
    assert rows[-1] == ("reaction", str(carol.id), str(alice.id), f"{post.id}:{carol.id}:👋", str(post.id), 0)
    await dpytest.remove_reaction(carol, post, "👋")
    rows = await h.rows(MEMBER_ROWS)
    kind, reactor, author, key, parent, removed = rows[-1]
    # the removed reaction keeps its row under `KEY#removal time`: the same reaction given again is a new row
    assert (kind, reactor, author, parent, removed) == ("reaction", str(carol.id), str(alice.id), str(post.id), 1)
    assert key.startswith(f"{post.id}:{carol.id}:👋#")


async def test_a_native_poll_is_posted_within_limits_and_a_vote_is_recorded(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    answers = tuple(f"Answer number {i} " + "x" * 60 for i in range(12))
    poll = Message(body="Vote!", native_poll=NativePoll("Which day suits you best?", answers, hours=2000, multiple=True))
    ref = await h.app.messenger.say(ChannelRef(COMMUNITY, str(shim.CHANNEL_IDS["general"])), poll)
    assert ref is not None and ref.channel.id == str(shim.CHANNEL_IDS["general"])
    sent = h.world.sent_to("general")[-1].payload["poll"]
    assert sent["question"]["text"] == "Which day suits you best?"
    assert len(sent["answers"]) == 10
    assert all(len(a["poll_media"]["text"]) == 55 for a in sent["answers"])
    assert sent["duration"] == 768 and sent["allow_multiselect"] is True
    bob = h.world.members["bob"]
    await shim.vote(bob, int(ref.id), h.world.channels["general"], answer_id=3)
    rows = await h.rows(MEMBER_ROWS)
    assert rows == [("poll_vote", str(bob.id), None, f"{ref.id}:{bob.id}", ref.id, 0)]


async def test_a_message_in_a_thread_answers_the_message_the_thread_was_started_from(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    alice, bob = h.world.members["alice"], h.world.members["bob"]
    general = h.world.channels["general"]
    starter = await shim.post("What are you reading?", alice, general)
    thread = shim.open_thread(starter, "Books", bob)
    answer = await shim.post("Dune, again", bob, thread)
    rows = await h.rows(MEMBER_ROWS)
    assert rows[-1] == ("reply", str(bob.id), str(alice.id), str(answer.id), str(starter.id), 0)
    channels = await h.rows("select distinct c.external_id from interactions i join channels c on c.id = i.channel_id")
    assert channels == [(str(general.id),)]  # a thread counts in its parent channel


async def test_a_reaction_on_an_old_uncached_message_still_counts_for_its_author(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    alice, bob = h.world.members["alice"], h.world.members["bob"]
    await shim.react_uncached(bob, h.world.channels["general"], 900000000000000777, alice.id, "🔥")
    rows = await h.rows(MEMBER_ROWS)
    assert rows == [("reaction", str(bob.id), str(alice.id), f"900000000000000777:{bob.id}:🔥", "900000000000000777", 0)]


async def test_a_bot_joining_is_recorded_as_a_bot_and_not_welcomed(discord_bot) -> None:  # type: ignore[no-untyped-def]
    import discord.ext.test.backend as back

    h: DiscordHarness = await discord_bot()
    robot = back.make_user("helperbot", "0001")
    robot.bot = True
    back.make_member(robot, h.world.guild)
    await shim.settle()
    assert await h.rows("select m.name, m.is_bot, i.kind from interactions i join members m on m.id = i.member_id") == [("helperbot", 1, "join")]
    assert h.cog.joined == [] and h.world.sent_to("welcome") == []
