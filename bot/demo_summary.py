"""What the demo prints after its weeks: the bot's actions and the weekly figures, read from the KPI report itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.app import Engagebot
from bot.core.refs import CommunityRef
from bot.i18n import join_list
from storage.kpi.period import Period
from storage.kpi.report import compute_report


async def print_summary(app: Engagebot, community: CommunityRef, first: datetime, last: datetime, actions: dict[str, int],
                        out: Callable[[str], None]) -> None:
    """The bot's actions, then one line per week from `first` to `last` with the figures the digest and `report` give."""
    locale = app.config.locale_of(community)

    def t(key: str, **params: object) -> str:
        return app.catalog.t(locale, f"demo.{key}", **params)

    counts = join_list(locale, (f"{n} {t('kind.' + k)}" for k, n in sorted(actions.items())), "unit")
    out("\n" + t("bot_did", counts=counts or t("nothing")))
    out("\n" + t("table"))
    tz = app.config.timezone_of(community).key
    period, end = Period.containing(first, tz), Period.containing(last, tz)
    k: dict[str, object] = {}
    while period.start <= end.start:
        k = (await compute_report(app.db, community, period, sentiment=False)).kpis
        cells = [k[key] for key in ("new_members", "left_members", "active_members", "posts", "replies", "reactions", "members_total")]
        out(f"{period.label}   " + "".join(f"{'—' if v is None else v:>8}" for v in cells))
        period = period.shift(1)
    out(t("members_end", count=k.get("members_total") or 0, active=k.get("active_members") or 0))
