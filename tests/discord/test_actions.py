"""What cogs ask Discord to do: DMs (with the fallback when they are closed), roles, channels by name."""

from __future__ import annotations

from bot.core.actions import GrantRole, RemoveRole
from bot.core.message import Button, Message
from bot.core.refs import ChannelRef, MemberRef
from tests.discord import shim
from tests.discord.conftest import COMMUNITY, DiscordHarness, discord_config


def ref(h: DiscordHarness, name: str) -> MemberRef:
    """The core reference of a test member."""
    return MemberRef(COMMUNITY, str(h.world.members[name].id), name)


async def test_a_dm_reaches_a_member_whose_dms_are_open(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    sent = await h.app.messenger.dm(ref(h, "alice"), Message(body="Welcome! Tell us about you.", buttons=(Button("Later", "sample:later"),)),
                                    fallback=ChannelRef(COMMUNITY, "welcome"))
    assert sent is not None and sent.channel.name == "DM"
    [dm] = h.world.sent
    assert dm.channel_id == int(sent.channel.id) and dm.content == "Welcome! Tell us about you."
    assert dm.payload["components"][0]["components"][0]["custom_id"] == f"sample:later~{COMMUNITY.id}"  # a DM button says its server
    assert h.world.sent_to("welcome") == []


async def test_a_dm_to_a_member_with_closed_dms_is_posted_in_the_fallback_channel_with_a_mention(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    alice = h.world.members["alice"]
    h.world.closed_dms.add(alice.id)
    sent = await h.app.messenger.dm(ref(h, "alice"), "Welcome! Tell us about you.", fallback=ChannelRef(COMMUNITY, "welcome"))
    assert [s.refused for s in h.world.sent] == [True, False]  # Discord refused the DM (403, code 50007)
    [post] = h.world.sent_to("welcome")
    assert post.content == f"<@{alice.id}> Welcome! Tell us about you."
    assert post.message is not None and post.message.mentions == [alice]
    assert sent is not None and sent.channel.id == str(shim.CHANNEL_IDS["welcome"])


async def test_a_dm_with_closed_dms_and_no_fallback_is_dropped_without_crashing(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    h.world.closed_dms.add(h.world.members["bob"].id)
    assert await h.app.messenger.dm(ref(h, "bob"), "hello") is None
    assert [s.refused for s in h.world.sent] == [True]


async def test_roles_are_granted_and_removed_by_name_or_id(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    carol = h.world.members["carol"]
    animator = h.world.roles["animator"]
    await h.app.messenger.send(GrantRole(ref(h, "carol"), "Animator"))
    assert animator in carol.roles
    await h.app.messenger.send(RemoveRole(ref(h, "carol"), str(animator.id)))
    assert animator not in carol.roles


async def test_an_unknown_role_or_channel_is_logged_not_raised(discord_bot, caplog) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    await h.app.messenger.send(GrantRole(ref(h, "carol"), "Legend"))
    assert await h.app.messenger.say(ChannelRef(COMMUNITY, "no-such-channel"), "hello") is None
    assert "role 'Legend' does not exist" in caplog.text
    assert "channel no-such-channel not found" in caplog.text


async def test_a_reply_from_the_bot_references_the_members_message(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    post = await shim.post("Any idea?", h.world.members["alice"], h.world.channels["general"])
    from bot.core.refs import MessageRef

    target = MessageRef(ChannelRef(COMMUNITY, str(post.channel.id)), str(post.id))
    await h.app.messenger.say(ChannelRef(COMMUNITY, "general"), "Here is one", reply_to=target)
    [sent] = h.world.sent_to("general")
    assert sent.payload["message_reference"]["message_id"] == post.id


async def test_a_button_in_a_dm_counts_for_the_server_the_dm_was_sent_for(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    sent = await h.app.messenger.dm(ref(h, "alice"), Message(body="Ready?", buttons=(Button("Yes", "sample:ready"),)))
    assert sent is not None
    components = h.world.sent[-1].payload["components"]
    custom_id = components[0]["components"][0]["custom_id"]
    assert custom_id == f"sample:ready~{COMMUNITY.id}"  # a DM has no server: the button says which
    await shim.press_in_dm(custom_id, h.world.members["alice"]._user, int(sent.channel.id), int(sent.id), components)
    [event] = h.cog.presses
    assert event.custom_id == "sample:ready"  # the cog sees its own id
    assert event.community == COMMUNITY and event.member.id == str(h.world.members["alice"].id)
    assert event.message is not None and event.message.id == sent.id


async def test_after_a_restart_a_dm_button_still_belongs_to_the_server_it_was_sent_for(discord_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from bot.config import parse_config
    from bot.core.refs import CommunityRef, MemberRef, Platform

    data = discord_config(db_url).model_dump(mode="json")
    other = "900000000000000999"  # a second server of the same bot, where alice is a member too
    data["communities"].insert(0, {**data["communities"][0], "id": other, "animator_roles": []})
    config = parse_config(data, "test")
    first: DiscordHarness = await discord_bot(config)
    alice = first.world.members["alice"]
    sent = await first.app.messenger.dm(MemberRef(CommunityRef(Platform.DISCORD, other), str(alice.id)), Message(body="Ready?", buttons=(Button("Yes", "sample:ready"),)))
    assert sent is not None
    components = first.world.sent[-1].payload["components"]
    await first.app.stop()
    second: DiscordHarness = await discord_bot(config)  # a new process: nothing remembered about the DMs it sent
    await shim.press_in_dm(components[0]["components"][0]["custom_id"], second.world.members["alice"]._user, int(sent.channel.id),
                           int(sent.id), components)
    [event] = second.cog.presses
    assert event.community.id == other and event.custom_id == "sample:ready"


async def test_an_image_is_uploaded_with_the_message(discord_bot) -> None:  # type: ignore[no-untyped-def]
    from bot.core.message import Attachment

    h: DiscordHarness = await discord_bot()
    await h.app.messenger.say(ChannelRef(COMMUNITY, "general"), Message(title="Weekly digest", body="12 new members",
                                                                        image=Attachment("chart.png", b"\x89PNG\r\n", "activity chart")))
    [sent] = h.world.sent_to("general")
    assert sent.files == ["chart.png"]
    assert sent.payload["embeds"][0]["image"]["url"] == "attachment://chart.png"
    assert sent.payload["embeds"][0]["title"] == "Weekly digest"
