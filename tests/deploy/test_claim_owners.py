"""A job claim has an owner: a run so slow that its lease ran out, and whose period another process took over, cannot end that claim."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import VirtualClock
from bot.core.refs import CommunityRef, Platform
from bot.scheduler import JobRun, JobSpec, Scheduler
from storage.db import Database
from storage.deferred_dms import LEASE as DM_LEASE
from storage.deferred_dms import DeferredDM, DeferredDMs
from storage.directory import Directory
from storage.jobs import LEASE, JobRuns

MONDAY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PERIOD = "2026-01-05T09:00"


async def test_a_late_done_of_a_claim_taken_over_changes_nothing_and_the_new_owner_s_done_counts(database_url: str,
                                                                                                 caplog: pytest.LogCaptureFixture) -> None:
    first = Database(database_url)
    await first.upgrade()
    second = Database(database_url)  # two processes: each its own connections (aiosqlite's worker thread, or asyncpg)
    a, b = JobRuns(first), JobRuns(second)
    try:
        slow = await a.claim("discord:1", "weekly", PERIOD, MONDAY)
        assert slow is not None
        late = MONDAY + LEASE + timedelta(minutes=1)  # A's lease ran out while it was still working
        taken = await b.claim("discord:1", "weekly", PERIOD, late)
        assert taken is not None and taken.owner != slow.owner
        caplog.set_level(logging.WARNING, logger="engagebot.jobs")
        assert await a.done(slow, late) is False  # A's late done: the period stays B's
        assert [r.getMessage() for r in caplog.records] == [
            f"discord:1 weekly, period {PERIOD}: not marked done by this run, whose lease ran out and whose claim another run took over"]
        assert not await b.is_done("discord:1", "weekly", PERIOD) and await b.lease_of("discord:1", "weekly", PERIOD) == late + LEASE
        assert await a.release(slow) is False and await a.give_back(slow) is False  # nor can A give it back
        assert await b.claim("discord:1", "weekly", PERIOD, late + timedelta(minutes=1)) is None  # still held by B
        assert await b.done(taken, late + timedelta(minutes=2)) is True
        assert await a.is_done("discord:1", "weekly", PERIOD)
        assert await a.claim("discord:1", "weekly", PERIOD, late + LEASE * 3) is None  # done: never run again
    finally:
        await first.close()
        await second.close()


async def test_an_owed_post_given_back_late_stays_with_the_run_that_took_it_over(database_url: str) -> None:
    first = Database(database_url)
    await first.upgrade()
    second = Database(database_url)
    a, b = JobRuns(first), JobRuns(second)
    try:
        async with first.begin() as conn:  # a poll's close owes its results
            await a.owe(conn, "polls", "results-1", "once", MONDAY)
        slow = await a.claim_owed("polls", "results-1", "once", MONDAY)
        late = MONDAY + LEASE + timedelta(seconds=1)
        taken = await b.claim_owed("polls", "results-1", "once", late)  # A hung on the platform: B posts the results
        assert slow is not None and taken is not None
        assert await a.give_back(slow) is False  # A's post failed in the end: B's claim is not cleared
        assert await a.claim_owed("polls", "results-1", "once", late + timedelta(seconds=1)) is None  # so nobody posts them a second time
        assert await b.done(taken, late + timedelta(seconds=2)) is True
        assert await a.owed("polls", "results-") == []
    finally:
        await first.close()
        await second.close()


async def test_a_slow_run_that_fails_after_another_process_took_its_period_over_does_not_let_a_third_post_it(database_url: str) -> None:
    """Process A hangs, its lease runs out, B takes the period over; A then fails: the period is still posted once, by B."""
    first = Database(database_url)
    await first.upgrade()
    second, third = Database(database_url), Database(database_url)
    posted: list[str] = []  # what the members see
    a_started, a_gate, b_started, b_gate = asyncio.Event(), asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def hangs_then_fails(run: JobRun) -> None:  # e.g. a platform call that hangs past the lease, then times out
        a_started.set()
        await a_gate.wait()
        raise RuntimeError("channel #general not found")

    async def posts(run: JobRun) -> None:
        b_started.set()
        await b_gate.wait()
        posted.append(run.period)

    async def posts_at_once(run: JobRun) -> None:
        posted.append(run.period)

    def spec(func: object) -> JobSpec:
        return JobSpec("weekly", "discord:1", "0 9 * * mon", "UTC", func, grace=timedelta(hours=2))  # type: ignore[arg-type]

    late = MONDAY + LEASE + timedelta(minutes=1)
    a = Scheduler(VirtualClock(MONDAY), JobRuns(first))
    b = Scheduler(VirtualClock(late), JobRuns(second))
    c = Scheduler(VirtualClock(late + timedelta(minutes=1)), JobRuns(third))
    try:
        running_a = asyncio.create_task(a.run(spec(hangs_then_fails), MONDAY))
        await a_started.wait()
        running_b = asyncio.create_task(b.run(spec(posts), MONDAY))  # A's lease ran out: B takes the period over
        await b_started.wait()
        a_gate.set()
        assert await running_a is False  # A failed: it gives back its claim, which is no longer its own
        assert await c.run(spec(posts_at_once), MONDAY) is False  # a third process (or A's retry) finds B's claim
        b_gate.set()
        assert await running_b is True
        assert posted == [PERIOD]
        assert await JobRuns(first).is_done("discord:1", "weekly", PERIOD)
        await c.advance_to(late + LEASE * 2)  # C's retry timer, once B's lease would have ended: done, nothing sent
        await a.advance_to(late + LEASE * 2)  # A's own retry too
        assert posted == [PERIOD]
    finally:
        for scheduler in (a, b, c):
            await scheduler.stop()
        for db in (first, second, third):
            await db.close()


async def test_a_kept_dm_given_back_late_stays_with_the_send_that_took_it_over(database_url: str) -> None:
    """The quiet hours' queue has its own leases: a send whose lease ran out cannot free the message another send holds."""
    first = Database(database_url)
    await first.upgrade()
    second, third = Database(database_url), Database(database_url)
    try:
        cid = await Directory(first, lambda: MONDAY).community_id(CommunityRef(Platform.DISCORD, "1"), "Test")
        a, b, c = DeferredDMs(first), DeferredDMs(second), DeferredDMs(third)
        await a.add(DeferredDM(community_id=cid, external_id="42", message="{}", created_at=MONDAY, due_at=MONDAY))
        [slow] = await a.claim(cid, MONDAY)
        late = MONDAY + DM_LEASE + timedelta(minutes=1)
        [taken] = await b.claim(cid, late)  # A's send hung past its lease: B sends the message
        assert await a.give_back(slow) is False  # A's send failed in the end: B's claim stays
        assert await c.claim(cid, late + timedelta(minutes=1)) == []  # so no third send of it
        await b.sent(taken.id)
        assert await c.waiting(cid) == 0
    finally:
        for db in (first, second, third):
            await db.close()
