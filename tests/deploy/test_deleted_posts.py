"""A deleted post no longer counts (KPIs, points), like a reaction taken back; deleted after its week, it stays counted there."""

from __future__ import annotations

from datetime import timedelta

import discord.ext.test.backend as back

from storage.kpi.period import Period
from storage.kpi.report import compute_report
from tests.conftest import COMMUNITY, Harness
from tests.discord import shim
from tests.discord.conftest import DiscordHarness
from tests.slack.conftest import SlackHarness
from tests.slack.test_slack_events import message

REMOVED = "select kind, external_id, removed_at is not null from interactions where kind in ('message', 'reply', 'mention') order by id"


async def test_a_post_deleted_in_its_week_is_not_counted_and_one_deleted_later_still_is(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.join("alice")
    await h.sim.join("bob")
    question = await h.sim.post("alice", "Anyone for Thursday?")
    h.clock.advance(timedelta(minutes=30))
    answer = await h.sim.post("bob", "Me! @alice", reply_to=question.id, mentions=["alice"])
    oops = await h.sim.post("bob", "oops, wrong channel")
    await h.sim.delete("bob", oops.id)
    week = Period.containing(h.clock.now(), "Europe/Paris")
    await h.app.recorder.flush()
    report = await compute_report(h.app.db, COMMUNITY, week)
    assert report.kpis["posts"] == 2 and report.kpis["response_rate"] == 1.0
    await h.sim.delete("bob", answer.id)  # his answer deleted the same week: the question was not answered after all
    await h.app.recorder.flush()
    report = await compute_report(h.app.db, COMMUNITY, week)
    assert report.kpis["posts"] == 1 and report.kpis["replies"] == 0 and report.kpis["response_rate"] == 0.0
    assert [r[2] for r in await h.rows(REMOVED)] == [0, 1, 1, 1]  # the reply's mention goes with it
    h.clock.set(week.end + timedelta(days=2))
    await h.sim.delete("alice", question.id)  # deleted the week after: last week's figures stand
    await h.app.recorder.flush()
    assert (await compute_report(h.app.db, COMMUNITY, week)).kpis["posts"] == 1


async def test_on_discord_a_deleted_message_is_marked_removed(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    alice = h.world.members["alice"]
    post = await shim.post("typo", alice, h.world.channels["general"])
    state = back.get_state()
    state.parse_message_delete({"id": str(post.id), "channel_id": str(post.channel.id), "guild_id": str(shim.GUILD_ID)})
    await shim.settle()
    assert await h.rows(REMOVED) == [("message", str(post.id), 1)]


async def test_on_discord_a_moderators_purge_marks_every_post_removed_in_one_write(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    alice, general = h.world.members["alice"], h.world.channels["general"]
    posts = [await shim.post(f"spam {n} @alice", alice, general) for n in range(3)]
    kept = await shim.post("a real question", alice, general)
    await h.app.recorder.flush()
    back.get_state().parse_message_delete_bulk({"ids": [str(p.id) for p in posts], "channel_id": str(general.id), "guild_id": str(shim.GUILD_ID)})
    await shim.settle()
    await h.app.recorder.flush()  # the three deletions are written together (an executemany)
    assert await h.rows(REMOVED) == [("message", str(p.id), 1) for p in posts] + [("message", str(kept.id), 0)]


async def test_on_slack_a_message_deleted_event_marks_the_post_removed(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    await h.event(message("1767600300.000200", "Bonjour"))
    deleted = message("1767600400.000300", "", event_id="EvDELETE", subtype="message_deleted", deleted_ts="1767600300.000200")
    deleted["event"].pop("user")
    assert (await h.event(deleted)).status == 200
    assert await h.rows(REMOVED) == [("message", "1767600300.000200", 1)]
