"""A reaction taken back and given again counts again; the same reaction delivered twice counts once."""

from __future__ import annotations

from datetime import timedelta

import discord.ext.test as dpytest

from bot.core.events import ReactionAdded
from bot.core.refs import MessageRef
from storage.kpi.period import Period
from storage.kpi.report import compute_report
from tests.conftest import COMMUNITY, Harness, make_config
from tests.discord import shim
from tests.discord.conftest import DiscordHarness
from tests.polls.helpers import ballots, last_post
from tests.slack.conftest import SlackHarness, payload
from tests.slack.test_slack_events import message

REACTIONS = "select external_id, removed_at is not null from interactions where kind = 'reaction' order by id"


async def test_a_reaction_added_removed_and_added_again_counts_once_more_and_a_redelivery_counts_nothing(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    post = await h.sim.post("alice", "Bonjour")
    seen: list[ReactionAdded] = []

    async def listener(event: ReactionAdded) -> None:
        seen.append(event)

    h.app.bus.subscribe(ReactionAdded, listener, owner="test")
    await h.sim.react("bob", post.id, "👍")
    h.clock.advance(timedelta(minutes=1))
    await h.sim.react("bob", post.id, "👍", remove=True)
    h.clock.advance(timedelta(minutes=1))
    await h.sim.react("bob", post.id, "👍")  # given again: the cogs hear it, and it is a row of its own
    await h.app.dispatch(seen[-1])  # the same addition delivered twice
    assert len(seen) == 2
    rows = await h.rows(REACTIONS)
    assert [removed for _, removed in rows] == [True, False]
    assert rows[1][0] == f"{post.id}:bob:👍" and rows[0][0].startswith(f"{post.id}:bob:👍#")
    # a new process (no memory of what it saw) receiving the current addition again: the database's key stops it
    h.app._states.clear()
    await h.app.dispatch(seen[-1])
    assert len(await h.rows(REACTIONS)) == 2
    report = await compute_report(h.app.db, COMMUNITY, Period.containing(h.clock.now(), "Europe/Paris"))
    assert report.kpis["reactions"] == 1


async def test_add_remove_add_within_one_batch_is_written_in_that_order(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    post = await h.sim.post("alice", "Bonjour")
    await h.app.recorder.flush()
    for remove in (False, True, False, True, False):  # nothing is flushed in between
        await h.sim.react("bob", post.id, "🎉", remove=remove)
        h.clock.advance(timedelta(seconds=5))
    assert h.app.recorder.pending == 5
    assert [removed for _, removed in await h.rows(REACTIONS)] == [True, True, False]


async def test_a_vote_by_reaction_taken_back_and_given_again_counts(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(make_config(db_url, bot={"cogs": ["polls"]}))
    await h.sim.command("admin", 'poll create "Pizza or sushi?" "Pizza, Sushi" duration=1d')
    poll = last_post(h)
    await h.sim.react("chloe", poll.ref.id, "2️⃣")
    await h.sim.react("chloe", poll.ref.id, "2️⃣", remove=True)
    assert await ballots(h, 1) == []
    await h.sim.react("chloe", poll.ref.id, "2️⃣")
    assert await ballots(h, 1) == [("chloe", 1)]


async def test_on_discord_a_reaction_given_again_is_a_new_row(discord_bot) -> None:  # type: ignore[no-untyped-def]
    h: DiscordHarness = await discord_bot()
    alice, carol = h.world.members["alice"], h.world.members["carol"]
    post = await shim.post("Look at this", alice, h.world.channels["general"])
    await dpytest.add_reaction(carol, post, "👋")
    await dpytest.remove_reaction(carol, post, "👋")
    await dpytest.add_reaction(carol, post, "👋")
    rows = await h.rows(REACTIONS)
    assert [removed for _, removed in rows] == [True, False]
    assert rows[1][0] == f"{post.id}:{carol.id}:👋"


async def test_on_slack_a_reaction_given_again_counts_and_a_retried_delivery_does_not(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    await h.event(message("1767600300.000200", "Bonjour"))
    added = payload("reaction_added")
    await h.event(added)
    removed = payload("reaction_added")
    removed["event_id"] = "Ev0UNREACT"
    removed["event"].update(type="reaction_removed", event_ts="1767600700.000100")
    await h.event(removed)
    again = payload("reaction_added")
    again["event_id"] = "Ev0REACT2"
    again["event"].update(event_ts="1767600800.000100")
    await h.event(again)
    await h.event(again, retry=1)  # Slack retries the same delivery
    rows = await h.rows(REACTIONS)
    assert [removed for _, removed in rows] == [True, False]
    assert rows[1][0] == "1767600300.000200:UBOB:👋"


async def test_the_recorder_keeps_each_reaction_given_again_on_sqlite_and_postgresql(database_url: str) -> None:
    from sqlalchemy import text

    from bot.core.events import ReactionRemoved
    from tests.test_storage import GENERAL, T0, member, open_db, post

    db, rec = await open_db(database_url)
    await rec.record(post("m1", "alice", 1))
    target = MessageRef(GENERAL, "m1")
    for minute, removed in ((2, False), (3, True), (4, False), (5, True), (6, False)):
        at = T0 + timedelta(minutes=minute)
        event = (ReactionRemoved(message=target, member=member("bob"), emoji="👍", at=at) if removed
                 else ReactionAdded(message=target, member=member("bob"), emoji="👍", message_author=member("alice"), at=at))
        await rec.record(event)
        if minute == 4:
            await rec.flush()
    await rec.record(ReactionAdded(message=target, member=member("bob"), emoji="👍", message_author=member("alice"), at=T0 + timedelta(minutes=9)))
    await rec.close()  # the last one repeats a reaction that is on: nothing new
    async with db.begin() as conn:
        rows = (await conn.execute(text("select external_id, removed_at is not null from interactions where kind = 'reaction' order by id"))).all()
    await db.close()
    assert [bool(r[1]) for r in rows] == [True, True, False]
    assert rows[-1][0] == "m1:bob:👍" and len({r[0] for r in rows}) == 3
