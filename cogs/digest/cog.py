"""The digest cog: the weekly digest to managers (DM) and/or a channel, `/kpi` for staff, an optional public post."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from bot.cog import Cog, CogSettings, command
from bot.commands import Access, CommandError, Option, OptionType, Reply
from bot.core.events import CommandInvoked
from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from bot.scheduler import CronError, JobRun, JobSpec, cron_trigger
from cogs.digest.render import key_figures_message
from cogs.digest.service import Digest, build_digest, sentiment_on
from storage.kpi.period import Period, PeriodError
from storage.kpi.report import UnknownCommunity


class DigestSettings(CogSettings):
    """`[cogs.digest]` and `[communities.cogs.digest]`."""

    cron: str = "0 9 * * mon"
    dm_managers: bool = True
    channel: str | None = None
    key_figures_channel: str | None = None
    chart: bool = True
    chart_weeks: int = Field(default=12, ge=2, le=52)
    grace_days: int = Field(default=6, ge=0, le=6)
    chart_dir: str | None = None

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        try:
            cron_trigger(value, "UTC")
        except CronError as err:
            raise ValueError(str(err)) from None
        return value


class DigestCog(Cog):
    """Sends each community's weekly digest exactly once per week, and answers `/kpi`."""

    name = "digest"
    Settings = DigestSettings

    def settings(self, community: CommunityRef) -> DigestSettings:
        """The community's digest settings."""
        return self.ctx.settings(DigestSettings, community)

    def timezone(self, community: CommunityRef) -> str:
        """The community's timezone name."""
        return self.ctx.config.timezone_of(community).key

    def translate(self, locale: str) -> Callable[..., str]:
        """The digest's texts in a locale."""
        return lambda key, **params: self.ctx.catalog.t(locale, f"digest.{key}", **params)

    def jobs(self) -> list[JobSpec]:
        """One weekly job per community; its period is the week it reports."""
        specs = []
        for community in self.ctx.communities:
            settings, tz = self.settings(community), self.timezone(community)
            specs.append(JobSpec(
                id="digest", scope=str(community), cron=settings.cron, timezone=tz, func=partial(self.send_digest, community),
                grace=timedelta(days=settings.grace_days), period_of=partial(_reported_week, tz),
            ))
        return specs

    async def digest(self, community: CommunityRef, period: Period, locale: str | None = None, *, chart: bool | None = None) -> Digest:
        """The digest of a period for a community (recorded rows flushed first)."""
        await self.ctx.recorder.flush()
        settings = self.settings(community)
        locale = locale or self.ctx.locale(community)
        configured = self.ctx.config.community(community)
        digest = await build_digest(self.ctx.db, community, period, locale=locale, t=self.translate(locale), goals=configured.goals,
                                    chart=settings.chart if chart is None else chart, weeks=settings.chart_weeks, name=configured.name,
                                    sentiment=sentiment_on(self.ctx.config, community), onboarding="onboarding" in self.ctx.config.bot.cogs)
        if "sentiment" in self.ctx.config.bot.cogs:
            digest = await self._with_sentiment(digest, community, period, locale)
        return digest

    async def _with_sentiment(self, digest: Digest, community: CommunityRef, period: Period, locale: str) -> Digest:
        """Append the sentiment cog's section (mood per channel, where to step in, themes) to the digest."""
        from cogs.sentiment.digest import digest_fields

        report = digest.report
        reason = report.reasons.get("sentiment", "")
        code = None if report.kpis.get("sentiment") is not None else ("off" if reason == "sentiment_off" else reason.removeprefix("sentiment_"))
        cid = await self.ctx.directory.community_id(community)
        fields = await digest_fields(self.ctx.db, self.ctx.config, community, cid, period.start, period.end, report.kpis.get("sentiment"), code,
                                     lambda key, **params: self.ctx.catalog.t(locale, key, **params), locale)
        message = replace(digest.message, fields=digest.message.fields + tuple(fields))
        return replace(digest, message=message)

    async def send_digest(self, community: CommunityRef, run: JobRun) -> None:
        """The weekly job: send the reported week's digest to the managers and the channel.

        Each recipient is claimed for the period before its send: when one send fails, the others still
        go, the job fails (it is retried with backoff within `grace_days`) and the retry sends only what did
        not go out.
        """
        settings, tz = self.settings(community), self.timezone(community)
        period = Period.parse(run.period, tz)
        digest = await self.digest(community, period)
        if digest.report.no_data:  # a week before the community's first recorded event: nothing to tell, not "0 of 0 members"
            self.ctx.log.info("digest %s of %s not sent: no data before %s", period.label, community, digest.report.first_event)
            return
        channel = ChannelRef(community, settings.channel, settings.channel) if settings.channel else None
        sends: list[tuple[str, Callable[[], Awaitable[object]]]] = []
        if settings.dm_managers:
            for manager in self.ctx.config.community(community).managers:
                # kept during the quiet hours (a catch-up at night): sent when they end
                sends.append((f"dm:{manager}", partial(self.ctx.messenger.notify, MemberRef(community, manager), digest.message, fallback=channel)))
        if channel is not None:
            sends.append((f"channel:{channel.id}", partial(self.ctx.messenger.say, channel, digest.message)))
        if settings.key_figures_channel:
            public = ChannelRef(community, settings.key_figures_channel, settings.key_figures_channel)
            locale = self.ctx.locale(community)
            sends.append((f"key_figures:{public.id}", partial(self.ctx.messenger.say, public, key_figures_message(digest.report, locale, self.translate(locale)))))
        failed = [part for part, send in sends if not await self._send_once(community, run, part, send)]
        if failed:
            raise RuntimeError(f"digest {period.label} not delivered to {', '.join(failed)} (the others were)")
        self.ctx.log.info("digest %s sent for %s%s", period.label, community, " (caught up)" if run.caught_up else "")

    async def _send_once(self, community: CommunityRef, run: JobRun, part: str, send: Callable[[], Awaitable[object]]) -> bool:
        """Send one part of a period's digest unless an earlier try did; False when it did not go out.

        The part is claimed under a lease and marked done once sent (storage/jobs.py). The adapters log a
        platform's refusal and return None (an exception is a transport error): both give the claim back,
        so a retry sends this part. A send cut short (a crash, a shutdown) keeps its lease: once it expires
        the part is sent again, so a manager may get the digest twice, never not at all.
        """
        runs, scope, job = self.ctx.scheduler.runs, str(community), f"digest:{part}"
        claim = await runs.claim(scope, job, run.period, self.ctx.clock.now())
        if claim is None:
            return await runs.is_done(scope, job, run.period)  # sent by an earlier try, or still held by one
        try:
            sent = await send()
        except Exception:
            self.ctx.log.exception("digest %s: sending to %s failed", run.period, part)
            sent = None
        if sent is None or sent is False:  # a channel post's ref, or whether a DM was sent (or kept for after the quiet hours)
            await runs.release(claim)
            return False
        await runs.done(claim, self.ctx.clock.now())
        return True

    @command("kpi", {"en": "Show this community's key figures (only you will see them)",
                     "fr": "Afficher les indicateurs clés de la communauté (visibles par vous seul)"},
             options=(Option("period", OptionType.STRING, {"en": "The week, e.g. 2026-W05 (default: last week)",
                                                            "fr": "La semaine, par ex. 2026-W05 (par défaut : la semaine dernière)"}, required=False),),
             access=Access.STAFF)
    async def kpi(self, inv: CommandInvoked) -> Reply:
        """The digest of a week, for the caller only."""
        community, tz = inv.community, self.timezone(inv.community)
        label = inv.options.get("period")
        try:
            period = Period.parse(label, tz) if label else Period.last_complete(self.ctx.clock.now(), tz)
        except PeriodError:
            raise CommandError("digest.bad_period", period=label) from None
        if period.end > self.ctx.clock.now():
            end = period.end.astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y %H:%M")
            raise CommandError("digest.future_period", period=period.label, end=end)
        try:
            digest = await self.digest(community, period, inv.locale)
        except UnknownCommunity:
            raise CommandError("digest.no_data") from None
        return Reply(digest.message, ephemeral=True)

    async def home_lines(self, member: MemberRef, access: Access) -> list[str]:
        """Staff see last week's headline figures on their home view (Slack App Home); members see nothing here."""
        if not access & Access.STAFF:
            return []
        community = member.community
        period = Period.last_complete(self.ctx.clock.now(), self.timezone(community))
        try:
            digest = await self.digest(community, period, chart=False)
        except UnknownCommunity:
            return []
        t = self.translate(self.ctx.locale(community))
        headline = digest.message.fields[0].value.splitlines()
        responsiveness = next(f for f in digest.message.fields if f.name == t("field.responsiveness")).value.splitlines()
        return [t("home_title", week=period.label), *headline, responsiveness[0]]

    async def summary(self, community: CommunityRef) -> list[str]:
        """The digest of the last complete week (and its chart written to `chart_dir`)."""
        period = Period.last_complete(self.ctx.clock.now(), self.timezone(community))
        try:
            digest = await self.digest(community, period)
        except UnknownCommunity:
            return []
        lines = digest.message.plain_text().splitlines()
        folder = self.settings(community).chart_dir
        if folder and digest.chart:
            path = Path(folder) / f"digest-{period.label}.png"
            await asyncio.to_thread(path.write_bytes, await digest.chart.content())
            lines.append(f"chart: {path}")
        return lines


def _reported_week(timezone: str, scheduled_for: Any) -> str:
    """The week a run reports: the last complete one at its scheduled time."""
    return Period.last_complete(scheduled_for, timezone).label
