"""Members and channels are named the way each platform shows them, never as a bare id."""

from __future__ import annotations

from bot.core import markup
from bot.core.actions import SendMessage
from bot.core.message import Message
from bot.core.refs import ChannelRef
from tests.discord.conftest import COMMUNITY, DiscordHarness
from tests.slack.conftest import COMMUNITY as SLACK_COMMUNITY
from tests.slack.conftest import SlackHarness


def texts(h: SlackHarness, channel: str = "C0GENERAL") -> list[str]:
    """The text of every message posted in a channel (the notification text and the blocks)."""
    return [f"{c.params.get('text', '')}\n{c.text_of_blocks()}" for c in h.fake.called("chat.postMessage") if c.params.get("channel") == channel]


async def test_on_slack_kudos_name_the_giver_and_mention_the_receiver_never_a_bare_id(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot(cogs=("recognition",))
    await h.command("kudos <@UBOB|bob> thanks for the review", user="UALICE")
    [public] = [t for t in texts(h) if "thanks for the review" in t and "🙌" in t]
    assert "🙌 @Alice thanks <@UBOB>" in public  # Bob is pinged (declared); Alice is named, not pinged
    assert " UBOB" not in public and "@UBOB" not in public.replace("<@UBOB>", "")
    await h.command("leaderboard", user="UCARO")
    board = h.fake.called("response_url")[-1].params["text"]
    assert "<@UBOB>" not in board and "@Bob" in board  # named, never pinged: the board declares no mention
    assert "UBOB:" not in board


async def test_on_slack_members_a_message_names_without_declaring_them_are_named_not_notified(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    h.fake.users.update({"U0ALICE1": {"id": "U0ALICE1", "name": "alice", "profile": {"display_name": "Alice <!channel>"}},
                         "U0BOB": {"id": "U0BOB", "name": "bob", "real_name": "Bob"}})
    board = Message("\n".join(f"{n}. {markup.member(m)} {p} points" for n, (m, p) in enumerate([("U0ALICE1", 42), ("U0BOB", 7), ("U0GONE", 1)], 1)),
                    title="Leaderboard", mentions=("U0BOB",))  # Bob is told he is on it; the others are not pinged
    await h.adapter.send(SendMessage(ChannelRef(SLACK_COMMUNITY, "C0GENERAL"), board))
    [text] = texts(h)
    assert "1. @Alice &lt;!channel&gt; 42 points" in text  # the looked-up name is escaped too
    assert "2. <@U0BOB> 7 points" in text
    assert "3. @U0GONE 1 points" in text and "<@U0GONE>" not in text  # unknown to Slack: its id, still no ping
    assert sorted(c.params["user"] for c in h.fake.called("users.info") if c.params["user"] != "UBOB") == ["U0ALICE1", "U0GONE"]


async def test_on_slack_a_poll_says_where_it_was_posted_as_a_channel_link(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot(cogs=("polls",), with_town=False)
    await h.command('poll create "Pizza or sushi?" "Pizza, Sushi"', user="UCARO")
    answer = h.fake.called("response_url")[-1].params["text"]
    assert "posted in <#C0GENERAL>" in answer and "#C0GENERAL" not in answer.replace("<#C0GENERAL>", "")


async def test_on_discord_members_and_channels_are_mentions_and_only_declared_ones_ping(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    alice, bob = h.world.members["alice"], h.world.members["bob"]
    general = h.world.channels["general"]
    text = f"{markup.member(str(alice.id), 'alice')} thanks {markup.member(str(bob.id), 'bob')} in {markup.channel(str(general.id), 'general')}"
    await h.app.messenger.say(ChannelRef(COMMUNITY, str(general.id)), Message(text, mentions=(str(bob.id),)))
    [sent] = h.world.sent_to("general")
    assert sent.content == f"<@{alice.id}> thanks <@{bob.id}> in <#{general.id}>"  # no second mention of bob in front
    assert sent.payload["allowed_mentions"] == {"parse": [], "users": [bob.id]}
