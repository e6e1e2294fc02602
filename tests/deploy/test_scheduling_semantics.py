"""What an admin meets on day one: no report on the week before the bot existed, jobs retried, crashes that lose nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import parse_config
from bot.core.clock import VirtualClock
from bot.scheduler import JobRun, JobSpec, Scheduler
from storage.db import Database
from storage.jobs import LEASE, JobRuns
from tests.conftest import Harness
from tests.kpi.test_digest import digest_config, digests, play_a_week

WEDNESDAY = datetime(2026, 1, 7, 15, 0, tzinfo=UTC)


async def test_a_brand_new_install_sends_no_digest_for_the_week_before_it_existed(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(digest_config(db_url), start=WEDNESDAY)  # Monday's digest is within its 6-day grace
    assert digests(h) == []  # "0 of 0 members took part" for a week the bot never saw: not sent
    await play_a_week(h)
    await h.app.scheduler.advance_to(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
    [first] = digests(h)
    assert first.message is not None and "week 2026-W02" in (first.message.title or "")
    # the same install restarted later does catch up what it missed while it was down
    await h.app.stop()
    back: Harness = await start_bot(digest_config(db_url), start=datetime(2026, 1, 20, 12, 0, tzinfo=UTC))
    assert [d.message.title for d in digests(back) if d.message] and "2026-W03" in (digests(back)[0].message.title or "")  # type: ignore[union-attr]


async def test_a_daily_job_does_not_run_for_yesterday_at_first_start_then_runs_once_a_day(db_url: str) -> None:
    db = Database(db_url)
    await db.upgrade()
    ran: list[str] = []
    installed = datetime(2026, 1, 6, 8, 0, tzinfo=UTC)  # 08:00, before today's 09:00 run

    async def since(scope: str) -> datetime:
        return installed

    async def job(run: JobRun) -> None:
        ran.append(run.period)

    clock = VirtualClock(installed)
    scheduler = Scheduler(clock, JobRuns(db), since=since)
    scheduler.add(JobSpec("daily", "discord:1", "0 9 * * *", "UTC", job))
    await scheduler.start()
    assert ran == []  # yesterday 09:00 is before the install
    await scheduler.advance_to(datetime(2026, 1, 8, 10, 0, tzinfo=UTC))
    assert ran == ["2026-01-06T09:00", "2026-01-07T09:00", "2026-01-08T09:00"]
    await scheduler.stop()
    await db.close()


async def test_a_failed_run_is_retried_with_backoff_within_its_grace_not_only_at_the_next_start(db_url: str) -> None:
    db = Database(db_url)
    await db.upgrade()
    attempts: list[datetime] = []
    clock = VirtualClock(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))

    async def flaky(run: JobRun) -> None:
        attempts.append(clock.now())
        if len(attempts) < 3:  # e.g. the gateway not ready, a channel not found yet
            raise RuntimeError("channel #general not found")

    runs = JobRuns(db)
    scheduler = Scheduler(clock, runs)
    spec = JobSpec("weekly", "discord:1", "0 9 * * mon", "UTC", flaky, grace=timedelta(hours=2))
    scheduler.add(spec)
    await scheduler.start()
    await scheduler.advance_to(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    assert [a.strftime("%H:%M") for a in attempts] == ["09:00", "09:01", "09:06"]  # after 1 minute, then 5
    assert await runs.is_done("discord:1", "weekly", "2026-01-05T09:00")
    assert not [k for k in scheduler.specs if "@retry" in k]  # the retry timers are gone once done
    await scheduler.stop()
    await db.close()


async def test_a_run_whose_process_died_is_run_again_once_its_lease_expires_and_never_twice(db_url: str) -> None:
    db = Database(db_url)
    await db.upgrade()
    runs = JobRuns(db)
    monday = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    # a first process claimed Monday's run and was killed (kill -9) before it finished: nothing marked it done
    assert await runs.claim("discord:1", "weekly", "2026-01-05T09:00", monday)
    ran: list[str] = []

    async def job(run: JobRun) -> None:
        ran.append(run.period)

    clock = VirtualClock(monday + timedelta(minutes=2))  # restarted two minutes later: the lease still holds
    scheduler = Scheduler(clock, runs)
    scheduler.add(JobSpec("weekly", "discord:1", "0 9 * * mon", "UTC", job))
    await scheduler.start()
    assert ran == []
    await scheduler.advance_to(monday + LEASE + timedelta(minutes=1))  # its lease ran out: the period is run, once
    assert ran == ["2026-01-05T09:00"]
    await scheduler.advance_to(monday + timedelta(days=1))
    assert ran == ["2026-01-05T09:00"]
    await scheduler.stop()
    await db.close()


async def test_a_digest_cut_short_reaches_the_managers_it_had_not_reached_and_no_one_twice(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    data = digest_config(db_url).model_dump(mode="json")
    data["communities"][0]["managers"] = ["morgan", "nadia"]
    config = parse_config(data, "test")
    h: Harness = await start_bot(config, start=datetime(2026, 1, 4, 12, 0, tzinfo=UTC))
    await play_a_week(h)
    runs = h.app.scheduler.runs
    monday = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)  # 09:00 in Paris
    # the process died after Morgan's DM went out and was marked, and before Nadia's: both the job and her part hold leases
    assert await runs.claim("simulation:sim", "digest", "2026-W02", monday)
    morgan = await runs.claim("simulation:sim", "digest:dm:morgan", "2026-W02", monday)
    assert morgan is not None and await runs.done(morgan, monday)
    assert await runs.claim("simulation:sim", "digest:dm:nadia", "2026-W02", monday)
    await h.app.stop()
    back: Harness = await start_bot(config, start=monday + timedelta(minutes=1))  # restarted at once: the leases still hold
    assert digests(back) == []
    await back.app.scheduler.advance_to(monday + timedelta(minutes=30))  # once they run out, the part that had not gone out goes
    assert [d.member.id for d in digests(back) if d.member] == ["nadia"]
    await back.app.scheduler.advance_to(monday + timedelta(days=1))
    assert [d.member.id for d in digests(back) if d.member] == ["nadia"]


async def test_a_poll_deadline_is_one_date_not_a_yearly_cron(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_config

    config = make_config(db_url, bot={"cogs": ["polls"]})
    h: Harness = await start_bot(config, start=datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    await h.sim.command("admin", 'poll create "Pizza or sushi?" "Pizza, Sushi" duration=1d')
    [spec] = [s for s in h.app.scheduler.specs.values() if s.scope == "polls"]
    assert spec.at == datetime(2026, 1, 6, 8, 0, tzinfo=UTC) and not spec.cron
    await h.app.scheduler.advance_to(datetime(2026, 1, 7, tzinfo=UTC))
    assert await h.scalar("select count(*) from polls where closed_at is not null") == 1
    await h.app.stop()
    # a restart a year later, on the deadline's date and minute: nothing to catch up, nothing written
    later: Harness = await start_bot(config, start=datetime(2027, 1, 6, 8, 1, tzinfo=UTC))
    assert [s for s in later.app.scheduler.specs.values() if s.scope == "polls"] == []
    runs = await later.rows("select job, period, done_at is not null from job_runs where scope = 'polls' order by job")
    assert [tuple(r) for r in runs] == [("close-1", "once", 1), ("results-1", "once", 1)]  # the deadline's run and the results it posted
