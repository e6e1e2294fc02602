"""Slash commands and buttons as real Discord interaction payloads, answered through discord.py's command tree."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.discord import shim
from tests.discord.conftest import DiscordHarness, discord_config

EPHEMERAL = 64


def answers(h: DiscordHarness) -> list[dict[str, Any]]:
    """The interaction callbacks the bot sent (type 4: a message, 5/6: deferred)."""
    return [r["body"] for r in h.world.responses if r["path"].endswith("/callback")]


async def until_answered(h: DiscordHarness) -> None:
    """Let the loop run until the bot has answered the interaction (no real waiting)."""
    for _ in range(100):
        if answers(h):
            return
        await asyncio.sleep(0)


async def test_slash_commands_are_synced_to_the_configured_guild_with_french_descriptions(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    synced = {c["name"]: c for c in h.world.synced[shim.GUILD_ID]}
    assert {"help", "ping", "mydata", "forgetme", "kudos", "announce"} <= set(synced)
    assert synced["ping"]["description"] == "Check that the bot answers"
    assert synced["ping"]["description_localizations"]["fr"] == "Vérifier que le bot répond"
    assert synced["kudos"]["description"] == "The /kudos commands"
    assert synced["kudos"]["description_localizations"]["fr"] == "Les commandes /kudos"
    give = synced["kudos"]["options"][0]
    assert give["name"] == "give" and give["type"] == 1
    assert give["description_localizations"]["fr"] == "Remercier un membre"
    options = {o["name"]: o for o in give["options"]}
    assert [o["name"] for o in give["options"]] == ["member", "points", "reason", "public"]
    assert options["member"]["type"] == 6 and options["member"]["required"] is True
    assert options["points"]["type"] == 4 and options["points"]["min_value"] == 1 and options["points"]["max_value"] == 5
    assert options["reason"]["type"] == 3 and options["reason"].get("required", False) is False
    assert options["public"]["type"] == 5
    assert options["points"]["description_localizations"]["fr"] == "Combien de points"


async def test_slash_commands_can_be_synced_globally_instead(discord_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot(discord_config(db_url, sync="global"))
    assert list(h.world.synced) == [None]
    assert {"help", "kudos"} <= {c["name"] for c in h.world.synced[None]}


async def test_a_subcommand_with_typed_options_reaches_the_cog_and_is_answered_privately(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    alice, bob = h.world.members["alice"], h.world.members["bob"]
    await shim.slash(h.adapter.client, "kudos give", alice, h.world.channels["general"],
                     [shim.option("member", bob), shim.option("points", 3), shim.option("reason", "great answer")], locale="fr")
    [inv] = h.cog.kudos
    assert inv.name == "kudos give"
    assert inv.options["points"] == 3 and inv.options["reason"] == "great answer"
    assert inv.options["member"].id == str(bob.id) and inv.options["member"].name == "bob"
    assert inv.member.id == str(alice.id) and inv.locale == "fr" and inv.is_admin is False
    [body] = answers(h)
    assert body["type"] == 4
    assert body["data"]["content"] == "alice gives 3 points to bob: great answer"
    assert body["data"]["flags"] & EPHEMERAL
    button = body["data"]["components"][0]["components"][0]
    assert button["custom_id"] == "sample:thanks" and button["label"] == "Thanks!"


async def test_a_public_answer_is_not_ephemeral(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    alice, bob = h.world.members["alice"], h.world.members["bob"]
    await shim.slash(h.adapter.client, "kudos give", alice, h.world.channels["general"],
                     [shim.option("member", bob), shim.option("points", 1), shim.option("public", True)])
    [body] = answers(h)
    assert not body["data"].get("flags", 0) & EPHEMERAL


async def test_a_member_is_refused_a_staff_command_privately_and_nothing_is_posted(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    await shim.slash(h.adapter.client, "announce", h.world.members["alice"], h.world.channels["general"], [shim.option("text", "Party!")])
    [body] = answers(h)
    assert body["data"]["flags"] & EPHEMERAL
    assert "for animators or managers" in body["data"]["content"]
    assert h.world.sent_to("general") == []


async def test_manage_server_or_an_animator_role_may_run_a_staff_command(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    general = h.world.channels["general"]
    await shim.slash(h.adapter.client, "announce", h.world.members["admin"], general, [shim.option("text", "Party!")])
    import discord.ext.test as dpytest

    await dpytest.add_role(h.world.members["carol"], h.world.roles["animator"])
    await shim.slash(h.adapter.client, "announce", h.world.members["carol"], general, [shim.option("text", "Again!")])
    assert [s.content for s in h.world.sent_to("general")] == ["Party!", "Again!"]
    assert [b["data"]["content"] for b in answers(h)] == ["Announced.", "Announced."]


async def test_a_slow_command_is_deferred_then_answered_with_a_follow_up(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    h.adapter.defer_after = 0.0  # "slower than Discord's 3 s", without waiting 3 s
    running = asyncio.create_task(shim.slash(h.adapter.client, "report", h.world.members["alice"], h.world.channels["general"]))
    await until_answered(h)
    assert [c["type"] for c in answers(h)] == [5]  # deferred ("engagebot is thinking…"), privately
    assert answers(h)[0]["data"]["flags"] & EPHEMERAL
    h.cog.gate.set()
    await running
    followup = [r for r in h.world.responses if not r["path"].endswith("/callback")]
    assert len(followup) == 1 and followup[0]["body"]["content"] == "Here is your report."
    assert followup[0]["body"]["flags"] & EPHEMERAL


async def test_a_slow_public_answer_replaces_the_private_placeholder_with_a_post(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    h.adapter.defer_after = 0.0
    running = asyncio.create_task(
        shim.slash(h.adapter.client, "report", h.world.members["alice"], h.world.channels["general"], [shim.option("public", True)])
    )
    await until_answered(h)
    h.cog.gate.set()
    await running
    assert [c["type"] for c in answers(h)] == [5]
    assert [r["method"] for r in h.world.responses if not r["path"].endswith("/callback")] == ["DELETE"]
    assert [s.content for s in h.world.sent_to("general")] == ["Here is your report."]


async def test_a_button_pressed_after_a_restart_still_reaches_its_cog(discord_bot) -> None:  # type: ignore[no-untyped-def]
    first: DiscordHarness = await discord_bot()
    alice = first.world.members["alice"]
    general = first.world.channels["general"]
    await shim.post("hello", alice, general)
    await shim.slash(first.adapter.client, "forgetme", alice, general)
    [body] = answers(first)
    components = body["data"]["components"]
    assert components[0]["components"][0]["custom_id"] == "privacy:erase"
    assert await first.rows("select count(*) from interactions i join members m on m.id = i.member_id where m.external_id = :m", m=str(alice.id)) == [(1,)]
    await first.app.stop()

    second: DiscordHarness = await discord_bot(clock=first.clock)  # a new process: new client, new command tree, same database
    assert second.adapter.client is not first.adapter.client
    alice = second.world.members["alice"]
    await shim.press("privacy:erase", alice, second.world.channels["general"], components, flags=EPHEMERAL)
    [body] = answers(second)
    assert body["data"]["content"] == "Done: everything stored about you has been erased."
    assert body["data"]["flags"] & EPHEMERAL
    assert await second.rows("select count(*) from members where external_id = :m", m=str(alice.id)) == [(0,)]
    assert await second.rows("select count(*) from interactions") == [(0,)]


async def test_a_button_press_is_routed_by_custom_id_prefix(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    bob = h.world.members["bob"]
    components = [{"type": 1, "components": [{"type": 2, "style": 2, "label": "Thanks!", "custom_id": "sample:thanks"}]}]
    await shim.press("sample:thanks", bob, h.world.channels["general"], components, message_id=900000000000000999)
    [event] = h.cog.presses
    assert event.member.id == str(bob.id) and event.custom_id == "sample:thanks"
    assert event.message is not None and event.message.id == "900000000000000999"
    assert answers(h)[0]["data"]["content"] == "Pressed sample:thanks"
