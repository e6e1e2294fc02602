"""Scheduling: cron + timezone jobs (and one-off dates) that run once per period, caught up after downtime.

Real time uses APScheduler 3.x's AsyncIOScheduler; the virtual clock (scripts, tests, the demo)
walks the same triggers' fire times by hand. Either way a run claims `(scope, job, period)` in the
database under a lease before it does anything and marks it done after (storage/jobs.py): a restart
or a second process never repeats a done period, and a period whose run died with its process is run
again once the lease runs out. A run that fails is retried with backoff while its grace window lasts.
Catch-up at start runs missed periods of a community only from when the bot first knew it: a brand
new install does not report on the week before it existed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.core.clock import Clock, VirtualClock
from bot.core.tasks import Running
from storage.jobs import LEASE, JobRuns

log = logging.getLogger("engagebot.scheduler")

_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
"""After a failed run: the waits before each retry (then hourly), as long as the run's grace window lasts."""


class CronError(ValueError):
    """A cron expression that cannot be used."""


@functools.lru_cache(maxsize=512)
def cron_trigger(expr: str, timezone: str | ZoneInfo) -> CronTrigger:
    """A CronTrigger from a standard 5-field crontab (numeric days of week use cron's 0 = Sunday).

    Cached: building a trigger costs far more than asking it for fire times, which the virtual clock does often.
    """
    fields = expr.split()
    if len(fields) != 5:
        raise CronError(f"{expr!r}: a cron expression has 5 fields (minute hour day month weekday)")
    fields[4] = re.sub(r"\d+", lambda m: _DAYS[int(m.group())] if int(m.group()) <= 7 else m.group(), fields[4])
    try:
        return CronTrigger.from_crontab(" ".join(fields), timezone=timezone)
    except ValueError as err:
        raise CronError(f"{expr!r}: {err}") from None


@dataclass(frozen=True, slots=True)
class JobRun:
    """What a job is told when it runs: the time it was scheduled for and the period it covers."""

    scheduled_for: datetime
    period: str
    caught_up: bool = False


JobFunc = Callable[[JobRun], Awaitable[None]]
Since = Callable[[str], Awaitable[datetime | None]]


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A scheduled job: `scope` is usually a community key, `id` unique within it.

    A cron job (`cron`, `timezone`), or a one-off job at a date (`at`: a poll's deadline), whose period is `once`.
    """

    id: str
    scope: str
    cron: str
    timezone: str
    func: JobFunc
    grace: timedelta = timedelta(days=1)
    period_of: Callable[[datetime], str] | None = None
    owner: str = "core"
    idle: Callable[[datetime], bool] | None = None
    """Optional, in memory and cheap: True when a run at this time would do nothing, so the period is not even claimed.

    Only for jobs whose every effect is guarded by its own claims (a skipped period stays unclaimed:
    a restart within `grace` runs it for real, which must then be harmless).
    """
    at: datetime | None = None
    lease: timedelta = LEASE
    claim_id: str | None = None
    """The job id its claims are made under, when it is not `id` (a retry claims as the job it retries)."""
    claims: bool = True
    """False for the scheduler's own retry timers: the run they start makes the claim."""

    @property
    def key(self) -> str:
        """The unique name of this job."""
        return f"{self.scope}/{self.id}"

    @property
    def claims_as(self) -> str:
        """The job id of its claims."""
        return self.claim_id or self.id

    def trigger(self) -> BaseTrigger:
        """The trigger of this job: its cron, or its one date."""
        if self.at is not None:
            return DateTrigger(run_date=self.at)
        return cron_trigger(self.cron, self.timezone)

    def period(self, scheduled_for: datetime) -> str:
        """The period key of a run: by default the scheduled time in the job's timezone (`once` for a one-off job)."""
        if self.period_of is not None:
            return self.period_of(scheduled_for)
        if self.at is not None:
            return "once"
        return scheduled_for.astimezone(ZoneInfo(self.timezone)).strftime("%Y-%m-%dT%H:%M")


def last_fire_time(trigger: BaseTrigger, now: datetime, horizon: timedelta) -> datetime | None:
    """The latest fire time in `(now - horizon, now]`, if any."""
    t = trigger.get_next_fire_time(None, now - horizon)
    last = None
    while t is not None and t <= now:
        if t > now - horizon:  # a DateTrigger gives its date whatever the time asked about
            last = t
        t = trigger.get_next_fire_time(t, t)
    return last


class Scheduler:
    """Runs job specs on the real clock (APScheduler) or the virtual clock (by `advance_to`)."""

    def __init__(self, clock: Clock, runs: JobRuns, since: Since | None = None) -> None:
        self.clock = clock
        self.runs = runs
        self.since = since
        """When the bot first knew a scope (a community): no period before it is caught up."""
        self.specs: dict[str, JobSpec] = {}
        self._next_fire: dict[str, tuple[JobSpec, datetime, datetime]] = {}  # virtual clock: spec, computed from, next fire
        self._first: tuple[datetime, datetime, list[JobSpec]] | None = None  # virtual clock: computed from, first fire, its jobs
        self._aps: AsyncIOScheduler | None = None
        self._running = Running()
        self._failures: dict[tuple[str, str], int] = {}  # (job key, period) -> failed attempts so far
        self.stop_grace = timedelta(seconds=30)
        """How long `stop()` lets running jobs finish before APScheduler cancels them."""
        self.started = False

    def add(self, spec: JobSpec) -> None:
        """Declare a job (before or after start)."""
        spec.trigger()  # validate early
        self.specs[spec.key] = spec
        self._first = None
        if self._aps is not None:
            self._add_aps(spec)

    def remove(self, key: str) -> None:
        """Drop one job (a one-off job that has done its work)."""
        self.specs.pop(key, None)
        self._first = None
        if self._aps is not None and self._aps.get_job(key):
            self._aps.remove_job(key)

    def remove_owner(self, owner: str) -> None:
        """Drop the jobs of a disabled cog."""
        self._first = None
        for key in [k for k, s in self.specs.items() if s.owner == owner]:
            del self.specs[key]
            if self._aps is not None and self._aps.get_job(key):
                self._aps.remove_job(key)

    async def start(self) -> None:
        """Catch up missed runs, then (real clock) hand the jobs to APScheduler."""
        self.started = True
        await self.catch_up()
        if not self.clock.virtual:
            self._aps = AsyncIOScheduler(timezone="UTC")
            for spec in self.specs.values():
                self._add_aps(spec)
            self._aps.start()

    def _add_aps(self, spec: JobSpec) -> None:
        assert self._aps is not None
        self._aps.add_job(
            self._fire_now, trigger=spec.trigger(), id=spec.key, args=[spec.key], replace_existing=True,
            misfire_grace_time=int(spec.grace.total_seconds()), coalesce=True, max_instances=1,
        )

    async def _fire_now(self, key: str) -> None:
        spec = self.specs.get(key)
        if spec is None:
            return
        fired = last_fire_time(spec.trigger(), self.clock.now(), spec.grace)
        if fired is not None:
            await self.run(spec, fired)

    async def stop(self) -> None:
        """Stop firing jobs, and let the running ones finish (up to `stop_grace`; a job cut short gives its period back)."""
        if self._aps is not None:
            self._aps.pause()  # no new runs while the running ones finish
        if running := len(self._running.others()):
            log.info("waiting for %d running job(s) to finish", running)
            await self._running.finish(asyncio.get_running_loop().time() + self.stop_grace.total_seconds())
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        self.started = False

    async def catch_up(self) -> int:
        """Run, once, each job's latest missed fire time still within its grace window and after the bot first knew its scope."""
        ran = 0
        now = self.clock.now()
        for spec in list(self.specs.values()):
            fired = last_fire_time(spec.trigger(), now, spec.grace)
            if fired is None:
                continue
            known_since = await self.since(spec.scope) if self.since is not None else None
            if known_since is not None and fired < known_since:
                log.info("%s: %s is before the bot knew %s: not caught up", spec.key, spec.period(fired), spec.scope)
                continue
            if await self.run(spec, fired, caught_up=True):
                ran += 1
        return ran

    async def run(self, spec: JobSpec, scheduled_for: datetime, *, caught_up: bool = False) -> bool:
        """Claim the run's period under a lease, run it, mark it done; False when it did not run (done already, or held).

        A failure gives the period back and retries it with backoff within the grace window. A run cut short
        (shutdown) keeps its lease, like one whose process died: the period is run again once the lease expires.
        """
        if spec.idle is not None and spec.idle(self.clock.now()):
            return False
        if not spec.claims:
            await spec.func(JobRun(scheduled_for=scheduled_for, period=spec.period(scheduled_for)))
            return True
        period, job = spec.period(scheduled_for), spec.claims_as
        claim = await self.runs.claim(spec.scope, job, period, self.clock.now(), spec.lease)
        if claim is None:
            held = await self.runs.lease_of(spec.scope, job, period)
            if held is not None:  # another run holds it (here, in another process, or in one that died): look again when its lease ends
                self._retry(spec, scheduled_for, held + timedelta(seconds=1))
            return False
        log.info("running %s for %s%s", spec.key, period, " (caught up)" if caught_up else "")
        with self._running.track():  # its claim given back included
            try:
                await spec.func(JobRun(scheduled_for=scheduled_for, period=period, caught_up=caught_up))
            except Exception:
                await self.runs.release(claim)
                attempt = self._failures[(spec.key, period)] = self._failures.get((spec.key, period), 0) + 1
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
                again = self.clock.now() + delay
                if again <= scheduled_for + spec.grace:
                    log.exception("job %s failed for period %s (attempt %d); retrying at %s", spec.key, period, attempt, again.isoformat())
                    self._retry(spec, scheduled_for, again)
                else:
                    log.exception("job %s failed for period %s (attempt %d); its grace window is over: given up", spec.key, period, attempt)
                return False
            except asyncio.CancelledError:
                log.warning("job %s was cut short for period %s: it runs again when its lease expires", spec.key, period)
                raise
            await self.runs.done(claim, self.clock.now())  # a run so slow another took the period over leaves it to that run (one line)
        self._failures.pop((spec.key, period), None)
        return True

    def _retry(self, spec: JobSpec, scheduled_for: datetime, when: datetime) -> None:
        """Run `spec`'s period of `scheduled_for` again at `when` (a timer that claims nothing itself)."""
        base = spec.claims_as
        period = spec.period(scheduled_for)
        timer = f"{base}@retry:{period}"

        async def again(_: JobRun) -> None:
            self.remove(f"{spec.scope}/{timer}")
            await self.run(replace(spec, at=None, claim_id=base, period_of=lambda _t: period), scheduled_for, caught_up=True)

        self.add(JobSpec(timer, spec.scope, "", spec.timezone, again, grace=max(spec.grace, timedelta(hours=1)),
                         owner=spec.owner, at=when, claims=False))

    def due_after(self, after: datetime) -> tuple[datetime, list[JobSpec]] | None:
        """The next fire time strictly after `after`, with every job due then."""
        first = self._first  # the same answer for any `after` in [computed from, first fire), until the jobs change
        if first is not None and first[0] <= after < first[1]:
            return first[1], list(first[2])
        due: dict[datetime, list[JobSpec]] = {}
        for spec in self.specs.values():
            # the fire time found from `since` is still the next one for any `after` in [since, t)
            cached = self._next_fire.get(spec.key)
            if cached is not None and cached[0] is spec and cached[1] <= after < cached[2]:
                t: datetime | None = cached[2]
            else:
                t = spec.trigger().get_next_fire_time(None, after + timedelta(microseconds=1))
                if t is not None and t <= after:  # a one-off date already past: nothing ahead
                    t = None
                if t is not None:
                    self._next_fire[spec.key] = (spec, after, t)
            if t is not None:
                due.setdefault(t, []).append(spec)
        if not due:
            return None
        t = min(due)
        self._first = (after, t, due[t])
        return t, list(due[t])

    async def advance_to(self, when: datetime, between: Callable[[], Awaitable[None]] | None = None) -> int:
        """Virtual clock only: move time to `when`, running every job that falls due on the way."""
        clock = self.clock
        if not isinstance(clock, VirtualClock):
            raise RuntimeError("advance_to needs a virtual clock")
        # time passes: the loop's other tasks get a turn, as in real time. Where SQLite runs in the loop
        # nothing else yields, and background workers (sentiment scoring, the recorder's flusher) would starve.
        await asyncio.sleep(0)
        ran = 0
        while (nxt := self.due_after(clock.now())) is not None and nxt[0] <= when:
            fire_at, specs = nxt
            clock.set(fire_at)
            for spec in specs:
                if await self.run(spec, fire_at):
                    ran += 1
            if between is not None:
                await between()
        clock.set(when)
        return ran
