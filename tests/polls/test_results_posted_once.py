"""A poll's results, and the next poll of its series, are posted once: never lost when a post fails, never twice after a retry or a restart."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.adapters.simulation.adapter import SimulationAdapter
from bot.core.actions import Action, SendMessage
from bot.core.refs import MessageRef
from tests.conftest import Harness, make_config
from tests.polls.helpers import bot_posts, poll_row


@dataclass
class FlakyPlatform(SimulationAdapter):
    """The simulated platform, whose next results posts fail: a transport error (raised) or a refusal (None, as the adapters answer one)."""

    results_fail: list[Exception | None] = field(default_factory=list)

    async def send(self, action: Action) -> MessageRef | None:
        if isinstance(action, SendMessage) and (action.message.title or "").startswith("📊 Results") and self.results_fail:
            failure = self.results_fail.pop(0)
            if failure is None:
                return None
            raise failure
        return await super().send(action)


def results(h: Harness) -> list[str]:
    """The results posts, in order."""
    return [e.text for e in bot_posts(h) if (e.message.title or "").startswith("📊 Results")]  # type: ignore[union-attr]


def polls_posted(h: Harness) -> list[str]:
    """The polls and surveys posted (not their results), in order."""
    return [e.message.title or "" for e in bot_posts(h) if not (e.message.title or "").startswith("📊 Results")]  # type: ignore[union-attr]


async def test_a_results_post_that_raises_is_retried_then_the_series_goes_on_once(start_bot, db_url, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(make_config(db_url, bot={"cogs": ["polls"]}), platform=FlakyPlatform)
    platform: FlakyPlatform = h.sim  # type: ignore[assignment]
    await h.sim.command("admin", 'poll create "Friday call?" "Yes, No" duration=2d recurring=weekly')
    await h.sim.press("alice", bot_posts(h)[-1].ref.id, "Yes")  # type: ignore[union-attr]
    platform.results_fail.append(ConnectionError("connection reset by peer"))
    deadline = (await poll_row(h, 1)).closes_at
    with caplog.at_level(logging.ERROR, "engagebot.scheduler"):
        await h.app.scheduler.advance_to(deadline + timedelta(seconds=30))
    assert (await poll_row(h, 1)).closed_at is not None  # closed, its ballots counted…
    assert results(h) == [] and len(polls_posted(h)) == 1  # …but its results did not go out, nor did the next poll
    assert "retrying at" in caplog.text

    await h.app.scheduler.advance_to(deadline + timedelta(minutes=2))  # the scheduler's retry
    assert len(results(h)) == 1 and "Yes `████████████` 1 (100%)" in results(h)[0]
    assert len(polls_posted(h)) == 2 and (await poll_row(h, 2)).closes_at == deadline + timedelta(weeks=1)

    # the deadline job delivered again, a restart: nothing more
    await h.app.cogs["polls"].life.close_by_id(1, deadline)
    await h.app.stop()
    h2: Harness = await start_bot(make_config(db_url, bot={"cogs": ["polls"]}), clock=h.clock)
    await h2.app.scheduler.advance_to(deadline + timedelta(days=6))
    assert results(h) == results(h) and len(results(h)) == 1 and len(polls_posted(h)) == 2
    assert bot_posts(h2) == [] and await h2.scalar("select count(*) from polls") == 2


async def test_a_refused_results_post_after_poll_close_waits_through_a_restart_and_goes_out_once(start_bot, db_url,  # type: ignore[no-untyped-def]
                                                                                                 caplog: pytest.LogCaptureFixture) -> None:
    config = make_config(db_url, bot={"cogs": ["polls"]})
    h: Harness = await start_bot(config, platform=FlakyPlatform)
    await h.sim.command("admin", 'survey start csat duration=3d recurring=weekly')
    platform: FlakyPlatform = h.sim  # type: ignore[assignment]
    platform.results_fail.append(None)  # the platform refuses it (e.g. a permission taken away for a moment)
    with caplog.at_level(logging.WARNING, "engagebot.cogs.polls"):
        closed = await h.sim.command("admin", "poll close 1")
    assert "closed" in closed.message.body and results(h) == []
    [line] = [r for r in caplog.records if r.name == "engagebot.cogs.polls" and r.levelno == logging.WARNING]
    assert "poll 1: its close or results failed (NotPosted" in line.getMessage() and line.exc_info is None

    await h.app.stop()  # before the retry: the next start posts what the close still owes
    h2: Harness = await start_bot(config, clock=h.clock)
    assert len(results(h2)) == 1 and len(polls_posted(h2)) == 1  # the results, then the series' next survey
    await h2.app.scheduler.advance_to(h.clock.now() + timedelta(days=6))
    assert len(results(h2)) == 1 and len(polls_posted(h2)) == 1
    assert await h2.scalar("select count(*) from polls") == 2


async def test_a_failing_post_at_start_leaves_the_polls_cog_running_and_is_retried(start_bot, db_url, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    config = make_config(db_url, bot={"cogs": ["polls"]})
    h: Harness = await start_bot(config)
    await h.sim.command("admin", 'poll create "Tea or coffee?" "Tea, Coffee" duration=1d')
    await h.sim.command("admin", 'poll create "Pizza or sushi?" "Pizza, Sushi" duration=1d')
    await h.app.stop()
    h.clock.advance(timedelta(days=2))  # both deadlines pass while the bot is down

    @dataclass
    class Down(FlakyPlatform):  # from its start on: the first results post fails
        results_fail: list[Exception | None] = field(default_factory=lambda: [ConnectionError("the platform is unreachable")])

    with caplog.at_level(logging.WARNING):
        h2: Harness = await start_bot(config, clock=h.clock, platform=Down)
    assert "polls" in h2.app.cogs and "polls" not in h2.app.disabled
    [line] = [r for r in caplog.records if r.name == "engagebot.cogs.polls"]
    retry = (h.clock.now() + timedelta(minutes=1)).isoformat()
    assert line.getMessage() == f"poll 1: its close or results failed (ConnectionError: the platform is unreachable): tried again at {retry}"
    assert line.exc_info is None  # one line, no traceback
    assert len(results(h2)) == 1 and "Pizza or sushi?" in bot_posts(h2)[0].message.title  # type: ignore[union-attr,operator]
    assert "Tea or coffee?" in (await h2.sim.command("admin", "poll list")).message.body  # the cog answers
    await h2.app.scheduler.advance_to(h.clock.now() + timedelta(minutes=2))
    assert len(results(h2)) == 2 and "Tea or coffee?" in bot_posts(h2)[-1].message.title  # type: ignore[union-attr,operator]
    await h2.app.scheduler.advance_to(h.clock.now() + timedelta(days=30))
    assert len(results(h2)) == 2


async def test_results_held_by_a_run_that_died_go_out_once_its_claim_expires(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    from storage.db import Database
    from storage.jobs import LEASE, JobRuns

    config = make_config(db_url, bot={"cogs": ["polls"]})
    h: Harness = await start_bot(config, platform=FlakyPlatform)
    await h.sim.command("admin", 'poll create "Tea or coffee?" "Tea, Coffee" duration=1d')
    h.sim.results_fail.append(None)  # type: ignore[attr-defined]
    await h.sim.command("admin", "poll close 1")
    await h.app.stop()
    # a process claimed the post and died before it was marked done: maybe it went out, maybe not
    died_at = h.clock.now()
    db = Database(db_url)
    assert await JobRuns(db).claim_owed("polls", "results-1", "once", died_at)
    await db.close()
    h2: Harness = await start_bot(config, clock=h.clock)
    assert "polls" in h2.app.cogs and results(h2) == []  # not while its claim holds
    await h2.app.scheduler.advance_to(died_at + LEASE - timedelta(seconds=1))
    assert results(h2) == []
    await h2.app.scheduler.advance_to(died_at + LEASE + timedelta(minutes=2))
    assert len(results(h2)) == 1
    await h2.app.scheduler.advance_to(died_at + timedelta(days=3))
    assert len(results(h2)) == 1


async def test_a_poll_whose_post_failed_is_closed_at_once_and_never_gets_results(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    @dataclass
    class Unreachable(SimulationAdapter):
        async def send(self, action: Action) -> MessageRef | None:
            if isinstance(action, SendMessage) and (action.message.title or "").startswith("📊"):
                raise ConnectionError("connection reset by peer")
            return await super().send(action)

    config = make_config(db_url, bot={"cogs": ["polls"]})
    h: Harness = await start_bot(config, platform=Unreachable)
    reply = await h.sim.command("admin", 'poll create "Tea or coffee?" "Tea, Coffee" duration=1d')
    assert "posted" not in reply.message.body
    assert (await poll_row(h, 1)).closed_at is not None
    await h.app.stop()
    h2: Harness = await start_bot(config, clock=h.clock)
    await h2.app.scheduler.advance_to(h.clock.now() + timedelta(days=2))
    assert bot_posts(h2) == []  # no results of a poll nobody saw
