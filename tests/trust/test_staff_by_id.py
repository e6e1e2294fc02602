"""Animators and managers are who the configuration names by id: a role or user group's *name* grants nothing."""

from __future__ import annotations

import discord.ext.test as dpytest
import discord.ext.test.backend as back
import pytest

from bot.config import ConfigError, parse_config
from bot.staff import Staff, resolve_staff
from tests.conftest import Harness, make_config
from tests.discord import shim
from tests.discord.conftest import DiscordHarness
from tests.discord.test_interactions import answers
from tests.slack.conftest import SlackHarness


async def test_a_member_who_creates_a_role_called_manager_or_animator_gets_no_staff_command_on_discord(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    alice, general, guild = h.world.members["alice"], h.world.channels["general"], h.world.guild
    assert guild is not None
    # the configured animators' role was named "animator" and is known by its id since start; these are impostors
    for i, name in enumerate(("Manager", "animator", "Animateur")):
        impostor = back.make_role(name, guild, id_num=900000000000000300 + i)
        await dpytest.add_role(alice, impostor)
    await shim.slash(h.adapter.client, "announce", alice, general, [shim.option("text", "Free pizza!")])
    assert "for animators or managers" in answers(h)[-1]["data"]["content"]
    assert h.world.sent_to("general") == []
    await dpytest.add_role(alice, h.world.roles["animator"])  # the real one, by id
    await shim.slash(h.adapter.client, "announce", alice, general, [shim.option("text", "Real news")])
    assert [s.content for s in h.world.sent_to("general")] == ["Real news"]


async def test_on_slack_only_the_configured_user_group_counts_and_a_group_called_admin_is_no_admin(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()  # animator_roles = ["animators"]: looked up at start, S0ANIM
    assert h.app.staff_of(h.app.communities[0]) == Staff(animators=frozenset({"S0ANIM"}))
    # after start, Alice makes user groups called like the staff's, and one called "admin"
    h.fake.usergroups += [{"id": "S0FAKE", "handle": "animators2", "name": "animators", "users": ["UALICE"]},
                          {"id": "S0ADMIN", "handle": "admin", "name": "admin", "users": ["UALICE"]},
                          {"id": "S0OWNER", "handle": "owner", "name": "owner", "users": ["UALICE"]}]
    h.adapter.people._groups = None
    await h.command("poll create", user="UALICE")
    assert not h.fake.called("views.open")
    assert "for animators" in h.fake.called("response_url")[-1].params["text"]
    await h.command("poll create", user="UCARO")  # in S0ANIM
    assert h.fake.called("views.open")


async def test_a_slack_handle_that_names_no_group_stops_start_up(slack_bot) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=r"communities.0.animator_roles: no user group named 'animateurs' in slack:T0ENGAGE; give its id"):
        await slack_bot(community={"animator_roles": ["animateurs"]})


async def test_slack_admin_group_by_handle_is_its_id(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot(admin_group="animators")
    assert h.adapter.people.admin_group == "S0ANIM"
    assert (await h.adapter.people.caller("UCARO")).is_admin
    assert not (await h.adapter.people.caller("UALICE")).is_admin


async def test_without_staff_roles_only_administrators_are_staff_on_discord_and_slack() -> None:
    config = parse_config({"communities": [{"platform": "discord", "id": "1"}, {"platform": "slack", "id": "T1"}, {"platform": "console", "id": "c"}]})

    async def nothing(*_: object) -> list[tuple[str, str]]:
        raise AssertionError("no lookup without names")

    for community in config.communities[:2]:
        assert await resolve_staff("x", community, nothing) == Staff()
    # on the console, `/role alice animator` gives the role whose id is "animator"
    assert await resolve_staff("x", config.communities[2], None) == Staff(frozenset({"animator", "animateur"}), frozenset({"manager"}))


async def test_ids_are_taken_as_given_and_never_looked_up(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    config = parse_config({"communities": [{"platform": "discord", "id": "1", "animator_roles": ["900000000000000202"], "manager_roles": ["123456789012345678"]},
                                           {"platform": "slack", "id": "T1", "animator_roles": ["S0ANIM", "U0CARO"], "manager_roles": ["W0BOSS"]}]})

    async def nothing(*_: object) -> list[tuple[str, str]]:
        raise AssertionError("ids are not looked up")

    assert await resolve_staff("x", config.communities[0], nothing) == Staff(frozenset({"900000000000000202"}), frozenset({"123456789012345678"}))
    assert await resolve_staff("x", config.communities[1], nothing) == Staff(frozenset({"S0ANIM", "U0CARO"}), frozenset({"W0BOSS"}))
    h: Harness = await start_bot(make_config(db_url, communities=[{"platform": "simulation", "id": "sim", "animator_roles": ["team-7"]}]))
    h.sim.roles["alice"] = {"animator"}  # the console default no longer applies once the configuration names roles
    assert "for animators" in (await h.sim.command("alice", 'poll create "Q?" "a, b"')).message.body
    h.sim.roles["alice"] = {"team-7"}
    assert "Poll #1 posted" in (await h.sim.command("alice", 'poll create "Q?" "a, b"')).message.body
