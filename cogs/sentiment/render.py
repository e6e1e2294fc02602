"""The sentiment section of the digest and of `/sentiment`, as neutral Message fields (ids and links, never text)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot import numbers
from bot.core import markup
from bot.core.message import Field
from bot.core.refs import CommunityRef, Platform
from bot.nlp.themes import Theme
from storage.sentiment import SentimentKpi

T = Callable[..., str]


def pct(x: float | None, locale: str = "en") -> str:
    """A share as a whole percentage (`43 %` in French, `43%` in English)."""
    return "–" if x is None else numbers.percent(x, locale)


def signed(x: float | None, *, points: bool = False, locale: str = "en") -> str:
    """A signed change: `+0.12` (`+0,12` in French), or `+5 pts` for shares."""
    if x is None:
        return "–"
    if points:
        return f"{round(100 * x):+d}\u00a0pts"
    return numbers.signed(x, locale)


def where(community: CommunityRef, unit: dict[str, Any]) -> str:
    """A channel or thread as each platform links it (`markup.channel`: `<#id>` on Discord and Slack, `#name` elsewhere)."""
    channel, thread, name = unit["channel"], unit.get("thread"), unit.get("name") or unit["channel"]
    place = markup.channel(channel, name)
    if not thread:
        return place
    if community.platform == Platform.DISCORD:  # a Discord thread is a channel of its own
        return f"{place} › {markup.channel(thread)}"
    return f"{place} › {markup.verbatim(thread)}"


def sentiment_fields(kpi: SentimentKpi, community: CommunityRef, t: T, *, channels: int = 5, locale: str = "en") -> list[Field]:
    """The digest's sentiment section: shares and mean with the W-1 change, per channel, where to step in."""
    if kpi.value is None:
        return [Field(t("sentiment.section.title"), t("sentiment.section.unavailable", reason=t(f"sentiment.reason.{kpi.code or 'off'}")))]
    v = kpi.value
    d = v.get("delta") or {}
    mood = t("sentiment.section.shares", positive=pct(v["positive"], locale), neutral=pct(v["neutral"], locale), negative=pct(v["negative"], locale),
             mean=signed(v["mean"], locale=locale), scored=v["scored"])
    if v.get("delta"):
        mood += "\n" + t("sentiment.section.delta", positive=signed(d["positive"], points=True), negative=signed(d["negative"], points=True),
                         mean=signed(d["mean"], locale=locale))
    else:
        mood += "\n" + t("sentiment.section.no_previous")
    fields = [Field(t("sentiment.section.title"), mood)]
    rows = [
        t("sentiment.section.channel_line", channel=where(community, c), positive=pct(c["positive"], locale), negative=pct(c["negative"], locale),
          mean=signed(c["mean"], locale=locale), scored=c["scored"])
        for c in v["channels"][:channels]
    ]
    if rows:
        fields.append(Field(t("sentiment.section.channels"), "\n".join(rows)))
    worst = [
        t("sentiment.section.negative_line", place=where(community, u), negative=pct(u["negative"], locale), negatives=u["negatives"], scored=u["scored"])
        for u in v["most_negative"]
    ]
    fields.append(Field(t("sentiment.section.most_negative"), "\n".join(worst) if worst else t("sentiment.section.none_negative")))
    return fields


def theme_fields(themes: Sequence[Theme], t: T, locale: str = "en") -> list[Field]:
    """The digest's themes section: each theme's label and size (nothing when there is none)."""
    if not themes:
        return []
    lines = [t("sentiment.themes.line", label=th.label, size=th.size, share=pct(th.share, locale)) for th in themes]
    return [Field(t("sentiment.themes.title"), "\n".join(lines))]
