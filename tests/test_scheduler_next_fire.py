"""The virtual clock's memo of each job's next fire time follows jobs that are replaced or removed."""

from __future__ import annotations

from datetime import timedelta

from bot.scheduler import JobRun, JobSpec
from tests.conftest import Harness, make_config


async def test_a_replaced_job_fires_on_its_new_schedule_and_a_removed_one_no_more(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(make_config(db_url, bot={"cogs": []}))
    fired: list[tuple[str, str]] = []

    def job(name: str, cron: str) -> JobSpec:
        async def run(r: JobRun) -> None:
            fired.append((name, r.period))

        return JobSpec("tick", "test", cron, "UTC", run)

    h.app.scheduler.add(job("hourly", "0 * * * *"))
    await h.app.scheduler.advance_to(h.clock.now() + timedelta(hours=2, minutes=30))
    assert fired == [("hourly", "2026-01-05T09:00"), ("hourly", "2026-01-05T10:00")]
    h.app.scheduler.add(job("quarter", "45 * * * *"))  # same key, new schedule
    await h.app.scheduler.advance_to(h.clock.now() + timedelta(hours=1))
    assert fired[2:] == [("quarter", "2026-01-05T10:45")]
    h.app.scheduler.remove("test/tick")
    await h.app.scheduler.advance_to(h.clock.now() + timedelta(hours=3))
    assert len(fired) == 3


async def test_a_job_with_nothing_to_do_is_not_even_claimed_and_runs_again_once_work_is_due(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(make_config(db_url, bot={"cogs": []}))
    fired: list[str] = []
    busy_from = h.clock.now() + timedelta(hours=2)

    async def run(r: JobRun) -> None:
        fired.append(r.period)

    h.app.scheduler.add(JobSpec("sweep", "test", "0 * * * *", "UTC", run, idle=lambda now: now < busy_from))
    await h.app.scheduler.advance_to(h.clock.now() + timedelta(hours=3, minutes=30))
    assert fired == ["2026-01-05T10:00", "2026-01-05T11:00"]
    claimed = await h.app.scheduler.runs.periods("test", "sweep")
    assert claimed == fired  # the idle 09:00 period left no row behind
