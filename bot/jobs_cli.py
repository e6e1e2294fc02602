"""`engagebot jobs list` and `engagebot jobs run`: what will fire when, and firing a job now, claimed like a scheduled run."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.config import Config, ConfigError, Secrets
from bot.core.clock import VirtualClock
from bot.core.refs import CommunityRef

if TYPE_CHECKING:  # the bot's modules are imported when a jobs command runs, not by every command line
    from bot.app import Engagebot
    from bot.scheduler import JobSpec

YEAR = timedelta(days=366)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """Add `jobs list` and `jobs run` to the command line."""
    jobs = sub.add_parser("jobs", parents=[common], help="see the scheduled jobs, or fire one now")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)
    listing = jobs_sub.add_parser("list", parents=[common], help="every scheduled job per community: next run in its timezone, last period done")
    listing.set_defaults(handler=cmd_jobs_list)
    run = jobs_sub.add_parser("run", parents=[common], help="fire a job now (claimed like a scheduled run: a period never runs twice)",
                              description="Fire a job now, e.g. `engagebot jobs run digest --community discord:123…`. It runs the job's "
                                          "current period (its last scheduled time) unless --period names another, and is claimed "
                                          "like a scheduled run: a period already done is not run again.")
    run.add_argument("job", help="the job's name (as `jobs list` shows it) or its cog's (prompts, digest…)")
    run.add_argument("--community", required=True, help="PLATFORM:ID, e.g. discord:123456789012345678 or console:console")
    run.add_argument("--period", help="the period to run (as `jobs list` shows periods), default: the job's current one")
    run.set_defaults(handler=cmd_jobs_run)


def served(config: Config, secrets: Secrets) -> list[CommunityRef]:
    """The communities `engagebot run` would serve: the configured ones, and the console's when no platform token is set."""
    from bot.runner import console_community

    refs = [c.ref for c in config.communities]
    if not (secrets.discord_token or secrets.slack_bot_token) and console_community(config) not in refs:
        refs.append(console_community(config))
    return refs


def planned_bot(config: Config, communities: list[CommunityRef], *, clock: VirtualClock | None = None) -> Engagebot:
    """A bot with its cogs loaded (their jobs declared), not started: no platform connected, nothing sent."""
    from bot.app import Engagebot
    from storage.db import Database

    app = Engagebot(config, clock=clock, database=Database(config.database.url, in_loop=True))
    for ref in communities:
        if ref not in app.communities:
            app.communities.append(ref)
    for name in config.bot.cogs:
        app.load_cog(name)
    return app


def next_run(spec: JobSpec, now: datetime) -> datetime | None:
    """The job's next fire time after `now`."""
    fire: datetime | None = spec.trigger().get_next_fire_time(None, now + timedelta(microseconds=1))
    return fire if fire is not None and fire > now else None


async def schedule(config: Config, secrets: Secrets, now: datetime) -> tuple[str | None, list[str]]:
    """One line per scheduled job: community, job, schedule, next run in the community's timezone, last period done.

    Read only: the database is neither created nor migrated. When it is missing or not at the code's
    revision, the first value says so in one line and the last periods are shown as unknown.
    """
    from bot.doctor import schema_line, where_of
    from storage.db import applied_revisions

    try:
        problem = schema_line(config.database.url, await applied_revisions(config.database.url))
    except Exception as err:
        problem = f"the database at {where_of(config.database.url)} cannot be read: {type(err).__name__}: {str(err).splitlines()[0][:160]}"
    app = planned_bot(config, served(config, secrets))
    lines = []
    try:
        for spec in sorted(app.scheduler.specs.values(), key=lambda s: (s.scope, s.id)):
            tz = ZoneInfo(spec.timezone)
            fire = next_run(spec, now)
            when = fire.astimezone(tz).strftime("%a %Y-%m-%d %H:%M") if fire else "—"
            if problem is None:
                done = await app.scheduler.runs.periods(spec.scope, spec.claims_as)
                last = done[-1] if done else "never"
            else:
                last = "unknown"
            plan = f"{spec.cron} ({spec.timezone})" if spec.at is None else f"once at {spec.at.astimezone(tz):%Y-%m-%d %H:%M}"
            lines.append(f"{spec.scope:<28} {spec.id:<24} {plan:<30} next: {when} · last period: {last}")
    finally:
        await app.db.close()
    return problem, lines or ["no scheduled job: no feature cog with jobs is enabled ([bot] cogs)"]


async def job_lines(config: Config, secrets: Secrets, now: datetime) -> list[str]:
    """`jobs list`'s lines: the database's problem first, if it has one, then one line per scheduled job."""
    problem, lines = await schedule(config, secrets, now)
    return ([problem] if problem else []) + lines


def cmd_jobs_list(args: argparse.Namespace, config: Config) -> int:
    """`engagebot jobs list`."""
    for line in asyncio.run(job_lines(config, Secrets.from_env(), datetime.now(UTC))):
        print(line)
    return 0


def find_job(specs: dict[str, JobSpec], community: CommunityRef, wanted: str) -> JobSpec:
    """The one job of a community called `wanted` (its id, or its cog's name when the cog has one job there)."""
    mine = [s for s in specs.values() if s.scope == str(community)]
    matches = [s for s in mine if s.id == wanted] or [s for s in mine if s.owner == wanted]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(sorted(s.id for s in mine)) or "none"
    if not matches:
        raise ConfigError(f"jobs run: no job {wanted!r} for {community} (its jobs: {known})")
    raise ConfigError(f"jobs run: {wanted!r} names {len(matches)} jobs of {community}: say which ({known})")


async def run_job(config: Config, community: CommunityRef, wanted: str, period: str | None, *, out: Callable[[str], None] = print,
                  now: datetime | None = None) -> int:
    """Fire one job of a community now, on the platform it lives on; 0 when it ran, 1 when its period was already done."""
    from bot import runner
    from bot.app import Engagebot
    from bot.scheduler import last_fire_time

    now = now or datetime.now(UTC)
    secrets = Secrets.from_env()
    if community not in served(config, secrets):
        raise ConfigError(f"jobs run: --community {community} is not served (configure it, or set its platform's token)")
    if community == runner.console_community(config):
        clock = VirtualClock(now)
        app, _ = runner.console_for(config, clock, out)
    else:
        app = Engagebot(config)
        for adapter in runner.platform_adapters(config, secrets):
            app.add_adapter(adapter)  # type: ignore[arg-type]
    await app.start(schedule=False, listen=False)  # beside the running bot: post through the REST / Web API only, receive nothing
    try:
        spec = find_job(app.scheduler.specs, community, wanted)
        fired = last_fire_time(spec.trigger(), now, YEAR) or next_run(spec, now) or now
        if period is not None:
            spec = _for_period(spec, period)
        chosen = spec.period(fired)
        if await app.scheduler.runs.is_done(spec.scope, spec.claims_as, chosen):
            out(f"{spec.id} already ran for {community}, period {chosen}: nothing sent (--period runs another)")
            return 1
        if not await app.scheduler.run(spec, fired):
            out(f"{spec.id} did not run for {community}, period {chosen}: another run holds it, or it failed (see the log)")
            return 1
        out(f"ran {spec.id} for {community}, period {chosen}")
        return 0
    finally:
        await app.stop()


def _for_period(spec: JobSpec, period: str) -> JobSpec:
    from dataclasses import replace

    return replace(spec, period_of=lambda _when: period)


def cmd_jobs_run(args: argparse.Namespace, config: Config) -> int:
    """`engagebot jobs run JOB --community C [--period P]`."""
    from bot.kpi_cli import parse_community

    return asyncio.run(run_job(config, parse_community(args.community), args.job, args.period))
