"""Deadlines: one scheduled job per open poll (rebuilt from the database at start), closing exactly once, then results."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta

from bot.scheduler import JobRun, JobSpec, Scheduler
from storage.polls import Poll

log = logging.getLogger("engagebot.cogs.polls")

JOB_SCOPE = "polls"
ONCE = "once"
"""The period of a poll's one-off claims."""
RESULTS, NEXT = "results-", "next-"
"""What a poll's close owes, claimed in job_runs (`results-<id>`, `next-<id>`), each done once."""
CloseFunc = Callable[[int, datetime], Awaitable[None]]


def job_id(poll_id: int) -> str:
    """The job that closes one poll."""
    return f"close-{poll_id}"


def owed_job(what: str, poll_id: int) -> str:
    """The claim of what a poll's close owes: its results post (`RESULTS`) or the next poll of its series (`NEXT`)."""
    return f"{what}{poll_id}"


def poll_of(job: str) -> int | None:
    """The poll an owed claim is for."""
    for what in (RESULTS, NEXT):
        if job.startswith(what) and job[len(what):].isdigit():
            return int(job[len(what):])
    return None


def fire_minute(when: datetime) -> datetime:
    """A deadline rounded up to the minute (cron's resolution), so a poll never closes early."""
    rounded = when.replace(second=0, microsecond=0)
    return rounded if rounded == when else rounded + timedelta(minutes=1)


class Deadlines:
    """Schedules each open poll's close at its deadline; the job's period is claimed once in job_runs."""

    def __init__(self, scheduler: Scheduler, close: CloseFunc, owner: str) -> None:
        self.scheduler, self.close, self.owner = scheduler, close, owner

    def spec(self, poll: Poll) -> JobSpec:
        """A one-off job at the poll's deadline (rounded up to the minute); closing claims the poll itself, once."""
        assert poll.id is not None
        poll_id = poll.id

        async def run(job: JobRun) -> None:
            await self.close(poll_id, job.scheduled_for)

        return JobSpec(id=job_id(poll_id), scope=JOB_SCOPE, cron="", timezone="UTC", func=run, grace=timedelta(days=366),
                       owner=self.owner, at=fire_minute(poll.closes_at))

    def schedule(self, poll: Poll) -> None:
        """Close this poll at its deadline (called at creation and for every open poll at start)."""
        self.scheduler.add(self.spec(poll))

    def retry(self, poll: Poll, when: datetime) -> None:
        """Run the poll's job again at `when`: it closes the poll, or posts what its close still owes (then the scheduler's backoff)."""
        self.scheduler.add(replace(self.spec(poll), at=when))

    def forget(self, poll_id: int) -> None:
        """The poll is closed: drop its job."""
        self.scheduler.remove(f"{JOB_SCOPE}/{job_id(poll_id)}")
