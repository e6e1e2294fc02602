"""Scheduling: weekly jobs run once per period, on time in their timezone, and are caught up after downtime."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import VirtualClock
from bot.scheduler import CronError, JobRun, JobSpec, Scheduler, cron_trigger, last_fire_time
from storage.db import Database
from storage.jobs import LEASE, JobRuns
from tests.conftest import Harness, make_config
from tests.fixture_cogs.counter import Counter

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def _reset_runs() -> None:
    Counter.runs.clear()


@pytest.fixture
def config(db_url: str):  # type: ignore[no-untyped-def]
    return make_config(db_url, bot={"cogs": ["tests.fixture_cogs.counter"]})


def test_cron_uses_standard_weekday_numbers_and_rejects_nonsense() -> None:
    monday = cron_trigger("0 9 * * 1", "Europe/Paris")
    first = monday.get_next_fire_time(None, datetime(2026, 3, 22, tzinfo=UTC))
    assert first == datetime(2026, 3, 23, 9, 0, tzinfo=PARIS)
    with pytest.raises(CronError, match="5 fields"):
        cron_trigger("0 9 * *", "UTC")
    with pytest.raises(CronError):
        cron_trigger("0 25 * * mon", "UTC")


def test_last_fire_time_looks_back_only_within_the_window() -> None:
    trigger = cron_trigger("0 9 * * mon", "Europe/Paris")
    now = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)  # Wednesday
    assert last_fire_time(trigger, now, timedelta(days=3)) == datetime(2026, 1, 5, 9, 0, tzinfo=PARIS)
    assert last_fire_time(trigger, now, timedelta(days=1)) is None


async def test_weekly_job_runs_on_monday_9_paris_time_across_daylight_saving(start_bot, config) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(config, start=datetime(2026, 3, 10, tzinfo=UTC))
    await h.app.scheduler.advance_to(datetime(2026, 4, 7, tzinfo=UTC))
    local = [r.scheduled_for.astimezone(PARIS) for r in Counter.runs]
    # a brand-new install on a Tuesday: Monday's run, before the bot knew the community, is not caught up
    assert [t.strftime("%Y-%m-%d %H:%M") for t in local] == ["2026-03-16 09:00", "2026-03-23 09:00", "2026-03-30 09:00", "2026-04-06 09:00"]
    assert [r.caught_up for r in Counter.runs] == [False, False, False, False]
    assert [t.utcoffset() for t in local][-2:] == [timedelta(hours=2)] * 2  # summer time after 29 March


async def test_a_missed_weekly_run_is_caught_up_exactly_once_after_a_restart(start_bot, config) -> None:  # type: ignore[no-untyped-def]
    first: Harness = await start_bot(config, start=datetime(2026, 1, 4, 12, tzinfo=UTC))
    await first.app.scheduler.advance_to(datetime(2026, 1, 5, 7, tzinfo=UTC))
    await first.app.stop()  # down before Monday 09:00 Paris
    assert Counter.runs == []
    # back up on Monday 11:30 (grace is 2 days): the missed run is caught up once
    clock = VirtualClock(datetime(2026, 1, 5, 10, 30, tzinfo=UTC))
    second: Harness = await start_bot(config, clock=clock)
    assert [r.caught_up for r in Counter.runs] == [True]
    assert Counter.runs[0].period == "2026-01-05T09:00"
    await second.app.stop()
    # a third start the same day does not run it again
    third: Harness = await start_bot(config, clock=VirtualClock(datetime(2026, 1, 5, 15, tzinfo=UTC)))
    await third.app.scheduler.advance_to(datetime(2026, 1, 11, tzinfo=UTC))
    assert len(Counter.runs) == 1
    assert await third.scalar("select count(*) from job_runs where job = 'weekly'") == 1


async def test_a_run_missed_beyond_the_grace_window_is_skipped(start_bot, config) -> None:  # type: ignore[no-untyped-def]
    await start_bot(config, clock=VirtualClock(datetime(2026, 1, 8, 12, tzinfo=UTC)))  # Thursday: > 2 days late
    assert Counter.runs == []


async def test_two_processes_sharing_a_database_run_a_period_once(start_bot, config) -> None:  # type: ignore[no-untyped-def]
    a: Harness = await start_bot(config, start=datetime(2026, 1, 4, tzinfo=UTC))
    b: Harness = await start_bot(config, start=datetime(2026, 1, 4, tzinfo=UTC))
    await a.app.scheduler.advance_to(datetime(2026, 1, 6, tzinfo=UTC))
    await b.app.scheduler.advance_to(datetime(2026, 1, 6, tzinfo=UTC))
    assert len(Counter.runs) == 1


async def test_the_real_clock_hands_jobs_to_apscheduler(db_url: str) -> None:
    from bot.app import Engagebot

    app = Engagebot(make_config(db_url, bot={"cogs": ["tests.fixture_cogs.counter"]}))
    await app.start()
    try:
        aps = app.scheduler._aps
        assert aps is not None and aps.running
        job = aps.get_job("simulation:sim/weekly")
        assert job is not None and job.next_run_time is not None
        assert job.next_run_time.astimezone(PARIS).strftime("%a %H:%M") == "Mon 09:00"
    finally:
        await app.stop()


async def test_stop_lets_a_running_job_finish_and_a_job_cut_short_gives_its_period_back(db_url: str) -> None:
    db = Database(db_url)
    await db.upgrade()
    runs = JobRuns(db)
    fired = datetime(2026, 1, 5, 9, tzinfo=UTC)
    started, gate, done = asyncio.Event(), asyncio.Event(), []

    async def job(run: JobRun) -> None:
        started.set()
        await gate.wait()  # e.g. drawing a chart, posting a digest
        done.append(run.period)

    # a shutdown while the weekly job runs: it finishes, and its period stays claimed
    scheduler = Scheduler(VirtualClock(fired), runs)
    weekly = JobSpec("weekly", "sim", "0 9 * * mon", "UTC", job)
    running = asyncio.create_task(scheduler.run(weekly, fired))
    await started.wait()
    stopping = asyncio.create_task(scheduler.stop())
    await asyncio.sleep(0)
    assert not stopping.done()  # waiting for the job
    gate.set()
    await stopping
    assert await running is True and done == [weekly.period(fired)]
    assert await runs.has_run("sim", "weekly", weekly.period(fired))

    # a job still running when the grace runs out is cancelled: it keeps its lease (it may have done part of its work),
    # and once the lease runs out the next start runs the period again
    gate.clear()
    started.clear()
    scheduler = Scheduler(VirtualClock(fired), runs)
    scheduler.stop_grace = timedelta(0)
    digest = JobSpec("digest", "sim", "0 9 * * mon", "UTC", job)
    running = asyncio.create_task(scheduler.run(digest, fired))
    await started.wait()
    await scheduler.stop()
    running.cancel()  # what APScheduler's shutdown does to a job still running
    with pytest.raises(asyncio.CancelledError):
        await running
    assert await runs.lease_of("sim", "digest", digest.period(fired)) == fired + LEASE
    gate.set()
    soon = Scheduler(VirtualClock(fired + timedelta(minutes=5)), runs)
    soon.add(digest)
    assert await soon.catch_up() == 0  # the lease still holds
    again = Scheduler(VirtualClock(fired + timedelta(hours=1)), runs)
    again.add(digest)
    assert await again.catch_up() == 1 and done[-1] == digest.period(fired)
    await db.close()


async def test_an_owed_period_survives_a_failed_run_and_is_claimed_once(database_url: str) -> None:
    db = Database(database_url)
    await db.upgrade()
    runs, at = JobRuns(db), datetime(2026, 1, 5, 9, tzinfo=UTC)
    try:
        assert not await runs.claim_owed("polls", "results-1", "once", at)  # nothing made it owed: nothing to claim
        assert not await runs.has_run("polls", "results-1", "once")
        async with db.begin() as conn:  # the transaction that makes it owed (a poll's close)
            await runs.owe(conn, "polls", "results-1", "once", at)
            await runs.owe(conn, "polls", "next-1", "once", at)
        assert await runs.owed("polls", "results-") == ["results-1"] and await runs.lease_of("polls", "results-1", "once") is None
        failing = await runs.claim_owed("polls", "results-1", "once", at)
        assert failing is not None
        assert not await runs.claim_owed("polls", "results-1", "once", at + timedelta(minutes=1))  # held by that run
        assert await runs.give_back(failing)  # its post failed: still owed, claimable at once
        assert await runs.owed("polls", "results-") == ["results-1"]
        posting = await runs.claim_owed("polls", "results-1", "once", at + timedelta(minutes=1))
        assert posting is not None and await runs.done(posting, at + timedelta(minutes=1))
        assert not await runs.claim_owed("polls", "results-1", "once", at + LEASE * 2) and not await runs.claim("polls", "results-1", "once", at + LEASE * 2)
        assert await runs.owed("polls", "results-") == [] and await runs.owed("polls", "next-") == ["next-1"]
        assert await runs.owed("polls", "next_") == []  # a prefix, not a LIKE pattern
    finally:
        await db.close()
