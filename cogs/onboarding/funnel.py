"""The onboarding funnel as animators read it: one line per period, and the demo's summary."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import numbers
from bot.i18n import join_list
from cogs.onboarding.texts import Texts
from storage.db import Database
from storage.onboarding import OnboardingFunnel, onboarding_funnel


def _pct(rate: float | None, locale: str) -> str:
    return "—" if rate is None else numbers.percent(rate, locale)


def funnel_line(texts: Texts, funnel: OnboardingFunnel) -> str:
    """`joined 12, of whom: accepted the rules 9 (75 %), …`: each step counted on its own, as a share of the joiners."""
    parts = []
    for stage in funnel.stages:
        if stage.key != "joined":
            parts.append(f"{texts.ui(f'funnel_{stage.key}')} {stage.count} ({_pct(stage.rate, texts.locale)})")
    joined = funnel.stages[0].count if funnel.stages else 0
    line = f"{texts.ui('funnel_joined')} {joined}, {texts.ui('funnel_of_whom')} " + join_list(texts.locale, parts, "unit")
    if funnel.second_week_pending:
        line += " " + texts.ui("funnel_pending", count=funnel.second_week_pending)
    return line


def week_start(moment: datetime, tz: ZoneInfo) -> datetime:
    """The Monday 00:00 (community time) of the week holding `moment`."""
    local = moment.astimezone(tz)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday


async def weekly_funnels(db: Database, community_id: int, now: datetime, tz: ZoneInfo, weeks: int) -> list[OnboardingFunnel]:
    """The funnels of the last `weeks` weekly cohorts (the current week last), as of now."""
    current = week_start(now, tz)
    out = []
    for back in range(weeks - 1, -1, -1):
        start = current - timedelta(weeks=back)
        out.append(await onboarding_funnel(db, community_id, start, start + timedelta(weeks=1), as_of=now))
    return out
