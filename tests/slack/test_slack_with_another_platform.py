"""Slack and another platform in one process: each community is answered on its own platform."""

from __future__ import annotations

from bot.adapters.simulation.adapter import SimulationAdapter
from bot.core.refs import CommunityRef, Platform
from tests.slack.conftest import SlackHarness, payload


async def test_one_bot_welcomes_newcomers_on_slack_and_on_discord(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    guild = CommunityRef(Platform.DISCORD, "g1")
    discord = SimulationAdapter(guild, h.clock)  # a stand-in speaking for the Discord platform
    h.app.add_adapter(discord, [guild])
    await discord.start(h.app)

    await h.event(payload("team_join"))
    await discord.join("d-bob", "Bob")

    assert h.town.welcomed == ["UALICE", "d-bob"]
    assert [c.params["channel"] for c in h.fake.called("chat.postMessage")] == ["DALICE"]
    assert [e.kind for e in discord.transcript if e.kind == "dm"] == ["dm"]
    rows = await h.rows("select c.platform, count(*) from interactions i join communities c on c.id = i.community_id group by c.platform order by 1")
    assert rows == [("discord", 1), ("slack", 1)]
