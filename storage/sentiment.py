"""Sentiment KPIs (dialect-neutral SQL over `interactions.sentiment`) and storing scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, update

from storage.db import Database
from storage.models import POST_KINDS, Channel, Interaction, InteractionKind, Member
from storage.polls import Poll, PollKind, PollVote

NEUTRAL_BAND = 0.3
"""Same cut as `bot.nlp.sentiment.NEUTRAL_BAND`: above +band positive, below -band negative."""
MIN_POSTS = 3
"""A channel or thread needs this many scored posts to be ranked among the most negative."""
TOP_NEGATIVE = 5


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """A score to store on the interaction row of a post."""

    community_id: int
    kind: str
    external_id: str
    score: float


@dataclass(frozen=True, slots=True)
class SentimentKpi:
    """The `sentiment` KPI: an object, or None with the reason."""

    value: dict[str, Any] | None
    reason: str | None = None
    code: str | None = None
    """A short reason code for translations: off, no_extra, failed, loading, no_scores."""


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


async def store_scores(db: Database, rows: Sequence[ScoreRow]) -> list[ScoreRow]:
    """Write scores on their interaction rows in one transaction; returns the rows not found (yet)."""
    if not rows:
        return []
    i = Interaction.__table__  # type: ignore[attr-defined]
    missing: list[ScoreRow] = []
    async with db.begin() as conn:
        for row in rows:
            stmt = update(i).where(i.c.community_id == row.community_id, i.c.kind == row.kind, i.c.external_id == row.external_id).values(sentiment=row.score)
            result = await conn.execute(stmt)
            if not result.rowcount:
                missing.append(row)
    return missing


def _scored_posts(community_id: int, start: datetime, end: datetime) -> Any:
    """The conditions selecting scored human posts of a period."""
    i, m = Interaction.__table__, Member.__table__  # type: ignore[attr-defined]
    return and_(
        i.c.community_id == community_id,
        i.c.kind.in_([k.value for k in POST_KINDS]),
        i.c.at >= start,
        i.c.at < end,
        i.c.sentiment.is_not(None),
        or_(i.c.removed_at.is_(None), i.c.removed_at >= end),  # deleted within the period: it no longer counts (docs/KPI.md)
        m.c.is_bot.is_(False),
    )


def _aggregates(band: float) -> list[Any]:
    i = Interaction.__table__  # type: ignore[attr-defined]
    s = i.c.sentiment
    return [
        func.count().label("scored"),
        func.sum(case((s > band, 1), else_=0)).label("pos"),
        func.sum(case((s < -band, 1), else_=0)).label("neg"),
        func.avg(s).label("mean"),
    ]


def _shares(scored: int, pos: int, neg: int, mean: float | None) -> dict[str, Any]:
    return {
        "scored": scored,
        "positive": _round(pos / scored),
        "neutral": _round((scored - pos - neg) / scored),
        "negative": _round(neg / scored),
        "mean": _round(mean),
    }


async def sentiment_totals(db: Database, community_id: int, start: datetime, end: datetime, *, band: float = NEUTRAL_BAND) -> dict[str, Any] | None:
    """Shares positive / neutral / negative and mean score of a period's scored posts (None: none scored).

    The unrounded values are under `_raw` (for deltas); `sentiment_kpi` removes them.
    """
    i, m = Interaction.__table__, Member.__table__  # type: ignore[attr-defined]
    stmt = select(*_aggregates(band)).select_from(i.join(m, m.c.id == i.c.member_id)).where(_scored_posts(community_id, start, end))
    async with db.begin() as conn:
        row = (await conn.execute(stmt)).one()
    if not row.scored:
        return None
    out = _shares(int(row.scored), int(row.pos or 0), int(row.neg or 0), row.mean)
    n = int(row.scored)
    out["_raw"] = {"positive": int(row.pos or 0) / n, "negative": int(row.neg or 0) / n, "mean": float(row.mean),
                   "neutral": (n - int(row.pos or 0) - int(row.neg or 0)) / n}
    return out


async def sentiment_by_channel(db: Database, community_id: int, start: datetime, end: datetime, *, band: float = NEUTRAL_BAND) -> list[dict[str, Any]]:
    """The period's sentiment per channel, busiest first (channel ids and names, never text)."""
    i, m, c = Interaction.__table__, Member.__table__, Channel.__table__  # type: ignore[attr-defined]
    stmt = (
        select(c.c.external_id, c.c.name, *_aggregates(band))
        .select_from(i.join(m, m.c.id == i.c.member_id).join(c, c.c.id == i.c.channel_id))
        .where(_scored_posts(community_id, start, end))
        .group_by(c.c.external_id, c.c.name)
    )
    async with db.begin() as conn:
        rows = (await conn.execute(stmt)).all()
    out = [{"channel": r.external_id, "name": r.name, **_shares(int(r.scored), int(r.pos or 0), int(r.neg or 0), r.mean)} for r in rows]
    return sorted(out, key=lambda d: (-d["scored"], d["channel"]))


async def most_negative(
    db: Database, community_id: int, start: datetime, end: datetime, *, band: float = NEUTRAL_BAND, limit: int = TOP_NEGATIVE, min_posts: int = MIN_POSTS
) -> list[dict[str, Any]]:
    """The channels and threads with the highest share of negative posts in the period (ids, not text).

    A thread is a root post with the replies that answer it. Units need `min_posts` scored posts;
    ties are broken by the number of negative posts, then by id.
    """
    i, m, c = Interaction.__table__, Member.__table__, Channel.__table__  # type: ignore[attr-defined]
    root = case((i.c.kind == InteractionKind.REPLY.value, i.c.parent_external_id), else_=i.c.external_id)
    joined = i.join(m, m.c.id == i.c.member_id).join(c, c.c.id == i.c.channel_id)
    where = _scored_posts(community_id, start, end)
    threads = select(c.c.external_id.label("channel"), c.c.name, root.label("thread"), *_aggregates(band)).select_from(joined).where(where)
    threads = threads.group_by(c.c.external_id, c.c.name, root).having(func.count() >= min_posts)
    channels = select(c.c.external_id.label("channel"), c.c.name, literal(None).label("thread"), *_aggregates(band)).select_from(joined).where(where)
    channels = channels.group_by(c.c.external_id, c.c.name).having(func.count() >= min_posts)
    async with db.begin() as conn:
        rows = [*(await conn.execute(channels)).all(), *(await conn.execute(threads)).all()]
    units = []
    for r in rows:
        if not r.neg:
            continue
        share = _shares(int(r.scored), int(r.pos or 0), int(r.neg or 0), r.mean)
        units.append({"channel": r.channel, "name": r.name, "thread": r.thread, **share, "negatives": int(r.neg)})
    units.sort(key=lambda u: (-u["negative"], -u["negatives"], u["channel"], u["thread"] or ""))
    return units[:limit]


async def sentiment_kpi(
    db: Database, community_id: int, start: datetime, end: datetime, *, off_reason: str | None = None, off_code: str = "off",
    band: float = NEUTRAL_BAND, previous: tuple[datetime, datetime] | None = None,
) -> SentimentKpi:
    """The `sentiment` KPI of a period `[start, end)`: shares, mean, W-1 and delta, per channel, most negative.

    `off_reason` (the model is off or failed) makes it null with that reason. W-1 defaults to the
    period of the same length just before (wall-clock, so a DST change keeps whole days).
    """
    if off_reason:
        return SentimentKpi(None, off_reason, off_code)
    totals = await sentiment_totals(db, community_id, start, end, band=band)
    if totals is None:
        return SentimentKpi(None, "no post of the period was scored", "no_scores")
    pstart, pend = previous or (start - (end - start), start)
    before = await sentiment_totals(db, community_id, pstart, pend, band=band)
    delta = None
    now_raw = totals.pop("_raw")
    if before is not None:
        before_raw = before.pop("_raw")
        delta = {k: _round(now_raw[k] - before_raw[k]) for k in ("positive", "neutral", "negative", "mean")}
    value = {
        **totals,
        "previous": before,
        "delta": delta,
        "channels": await sentiment_by_channel(db, community_id, start, end, band=band),
        "most_negative": await most_negative(db, community_id, start, end, band=band),
    }
    return SentimentKpi(value)


async def stored_texts(db: Database, community_id: int, start: datetime, end: datetime) -> list[str]:
    """The texts of the period's prompt answers, when the community stores texts (`database.store_text`), oldest first.

    A prompt answer is a post with a `prompt_answer` row of the same id; the text is on the post's row.
    """
    i = Interaction.__table__  # type: ignore[attr-defined]
    a = i.alias("answer")
    stmt = (
        select(i.c.text)
        .select_from(i.join(a, and_(a.c.community_id == i.c.community_id, a.c.external_id == i.c.external_id)))
        .where(
            i.c.community_id == community_id, i.c.kind.in_([k.value for k in POST_KINDS]), i.c.text.is_not(None),
            a.c.kind == InteractionKind.PROMPT_ANSWER.value, a.c.at >= start, a.c.at < end,
        )
        .order_by(i.c.at, i.c.id)
    )
    async with db.begin() as conn:
        return [str(t) for (t,) in (await conn.execute(stmt)).all() if str(t).strip()]


async def open_feedback_texts(db: Database, community_id: int, start: datetime, end: datetime) -> list[str]:
    """The answers of the community's open-feedback surveys that close in the period."""
    p, v = Poll.__table__, PollVote.__table__  # type: ignore[attr-defined]
    stmt = (
        select(v.c.text)
        .select_from(v.join(p, p.c.id == v.c.poll_id))
        .where(p.c.community_id == community_id, p.c.kind == PollKind.OPEN.value, p.c.closes_at >= start, p.c.closes_at < end, v.c.text.is_not(None))
        .order_by(v.c.text)
    )
    async with db.begin() as conn:
        return [str(t) for (t,) in (await conn.execute(stmt)).all() if str(t).strip()]
