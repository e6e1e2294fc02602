"""Building a digest: the KPI report, the goals, the chart and the rendered message (shared by the cog and the CLI)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from babel.dates import format_date

from bot.config import Config
from bot.core.message import Attachment, Message
from bot.core.refs import CommunityRef
from cogs.digest.chart import render_chart
from cogs.digest.render import Translate, digest_message
from storage.db import Database
from storage.kpi import queries as q
from storage.kpi.goals import GoalResult, evaluate_goals, parse_goal
from storage.kpi.period import Period
from storage.kpi.report import KpiReport, community_row, compute_report
from storage.kpi.span import data_span

CHART_WEEKS = 12


@dataclass(frozen=True)
class Digest:
    """A period's report, its goals, the chart (a PNG drawn when first needed) and the message to send."""

    report: KpiReport
    goals: list[GoalResult]
    message: Message
    chart: Attachment | None


async def weekly_series(db: Database, ref: CommunityRef, last: Period, weeks: int = CHART_WEEKS) -> tuple[list[Period], list[int | None], list[int | None]]:
    """Periods, active members and posts of the `weeks` periods ending with `last` (None before the first recorded event)."""
    cid, _ = await community_row(db, ref)
    periods = [last.shift(k - weeks + 1) for k in range(weeks)]
    async with db.begin() as conn:
        series = await q.weekly_series(conn, cid, periods, await q.bot_ids(conn, cid))
    span = await data_span(db, cid)

    def known(p: Period) -> bool:
        return span is not None and p.end > span.first

    return periods, [a if known(p) else None for p, (a, _) in zip(periods, series, strict=True)], \
        [n if known(p) else None for p, (_, n) in zip(periods, series, strict=True)]


def period_tick(period: Period, t: Translate, locale: str) -> str:
    """A chart's label for a period: `W46` / `S46`, `Feb` / `févr.`, `5 Jan` / `5 janv.`."""
    if period.kind == "week":
        return t("chart_week", week=period.first.isocalendar().week)
    return format_date(period.first, "MMM" if period.kind == "month" else "d MMM", locale=locale)


async def chart_attachment(db: Database, ref: CommunityRef, last: Period, t: Translate, weeks: int = CHART_WEEKS,
                           name: str | None = None, locale: str = "en") -> Attachment:
    """The chart of the last weeks: its figures read now, its PNG drawn (in a thread) when first needed."""
    periods, active, posts = await weekly_series(db, ref, last, weeks)
    draw = partial(render_chart, [period_tick(p, t, locale) for p in periods], active, posts, title=t("chart_title", community=name or ref.id, weeks=weeks),
                   active_label=t("chart_active"), posts_label=t("chart_posts"))
    return Attachment.drawn_later(f"digest-{last.label}.png", draw, t("chart_alt", weeks=weeks))


def sentiment_on(config: Config, ref: CommunityRef) -> bool | str:
    """True when the sentiment cog scores this community's posts; else the reason code: `sentiment_off` (turned off
    in the configuration) or `sentiment_no_extra` (a model is wanted, but the nlp extra is not installed)."""
    from cogs.sentiment.digest import spec_of  # light: no torch import

    settings = config.cog_settings("sentiment", ref)
    if "sentiment" not in config.bot.cogs or not settings.get("enabled", True):
        return "sentiment_off"
    spec = spec_of(config)
    if spec.resolved() != "off":
        return True
    return "sentiment_off" if spec.backend == "off" else "sentiment_no_extra"


async def funnel_counts(db: Database, ref: CommunityRef, period: Period) -> list[tuple[str, int]]:
    """The onboarding funnel of W-1's newcomers as of the end of W (stage, count); empty without newcomers."""
    from storage.onboarding import onboarding_funnel

    cid, _ = await community_row(db, ref)
    funnel = await onboarding_funnel(db, cid, period.previous.start, period.previous.end, as_of=period.end)
    stages = [(stage.key, stage.count) for stage in funnel.stages]
    return stages if stages and stages[0][1] else []


async def build_digest(db: Database, ref: CommunityRef, period: Period, *, locale: str, t: Translate, goals: list[str],
                       chart: bool = True, weeks: int = CHART_WEEKS, name: str | None = None, sentiment: bool | str = True,
                       onboarding: bool = False) -> Digest:
    """Compute, evaluate the goals, draw the chart and render the digest (`name`: the configured community name).

    `onboarding`: add the onboarding funnel of last week's newcomers (when the onboarding cog runs).
    """
    report = await compute_report(db, ref, period, sentiment=sentiment)
    funnel = await funnel_counts(db, ref, period) if onboarding else []
    if name:
        report.community = replace(report.community, name=name)
    results = evaluate_goals([parse_goal(g) for g in goals], report.kpis)
    image = await chart_attachment(db, ref, period, t, weeks, report.community.name, locale) if chart and not report.no_data else None
    return Digest(report, results, digest_message(report, results, locale, t, image, funnel), image)
