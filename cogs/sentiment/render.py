"""The sentiment section of the digest and of `/sentiment`, as neutral Message fields (ids and links, never text)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.core.message import Field
from bot.core.refs import CommunityRef, Platform
from bot.nlp.themes import Theme
from storage.sentiment import SentimentKpi

T = Callable[..., str]


def pct(x: float | None) -> str:
    """A share as a whole percentage."""
    return "–" if x is None else f"{round(100 * x)} %"


def signed(x: float | None, *, points: bool = False) -> str:
    """A signed change: `+0.12`, or `+5 pts` for shares."""
    if x is None:
        return "–"
    if points:
        return f"{round(100 * x):+d} pts"
    return f"{x:+.2f}"


def where(community: CommunityRef, unit: dict[str, Any]) -> str:
    """A link to a channel or thread: a Discord URL, a Slack channel mention, else `#name`."""
    channel, thread, name = unit["channel"], unit.get("thread"), unit.get("name") or unit["channel"]
    if community.platform == Platform.DISCORD:
        url = f"https://discord.com/channels/{community.id}/{channel}" + (f"/{thread}" if thread else "")
        return f"[#{name}]({url})"
    if community.platform == Platform.SLACK:
        return f"<#{channel}>" + (f" (thread {thread})" if thread else "")
    return f"#{name}" + (f" › {thread}" if thread else "")


def sentiment_fields(kpi: SentimentKpi, community: CommunityRef, t: T, *, channels: int = 5) -> list[Field]:
    """The digest's sentiment section: shares and mean with the W-1 change, per channel, where to step in."""
    if kpi.value is None:
        return [Field(t("sentiment.section.title"), t("sentiment.section.unavailable", reason=t(f"sentiment.reason.{kpi.code or 'off'}")))]
    v = kpi.value
    d = v.get("delta") or {}
    mood = t("sentiment.section.shares", positive=pct(v["positive"]), neutral=pct(v["neutral"]), negative=pct(v["negative"]),
             mean=signed(v["mean"]), scored=v["scored"])
    if v.get("delta"):
        mood += "\n" + t("sentiment.section.delta", positive=signed(d["positive"], points=True), negative=signed(d["negative"], points=True),
                         mean=signed(d["mean"]))
    else:
        mood += "\n" + t("sentiment.section.no_previous")
    fields = [Field(t("sentiment.section.title"), mood)]
    rows = [
        t("sentiment.section.channel_line", channel=where(community, c), positive=pct(c["positive"]), negative=pct(c["negative"]),
          mean=signed(c["mean"]), scored=c["scored"])
        for c in v["channels"][:channels]
    ]
    if rows:
        fields.append(Field(t("sentiment.section.channels"), "\n".join(rows)))
    worst = [
        t("sentiment.section.negative_line", place=where(community, u), negative=pct(u["negative"]), negatives=u["negatives"], scored=u["scored"])
        for u in v["most_negative"]
    ]
    fields.append(Field(t("sentiment.section.most_negative"), "\n".join(worst) if worst else t("sentiment.section.none_negative")))
    return fields


def theme_fields(themes: Sequence[Theme], t: T) -> list[Field]:
    """The digest's themes section: each theme's label and size (nothing when there is none)."""
    if not themes:
        return []
    lines = [t("sentiment.themes.line", label=th.label, size=th.size, share=pct(th.share)) for th in themes]
    return [Field(t("sentiment.themes.title"), "\n".join(lines))]
