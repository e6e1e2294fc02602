"""A community's KPI report for one period, with W-1's figures, computed from the KPI queries."""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.refs import CommunityRef
from storage.db import Database
from storage.kpi import queries as q
from storage.kpi import shape
from storage.kpi.keys import ALL_KEYS, NUMERIC_KEYS, RATE_KEYS
from storage.kpi.period import Period
from storage.kpi.sentiment_hook import sentiment_of
from storage.kpi.span import data_span

HISTORY = 5  # periods loaded: W-4 .. W (at-risk looks back four periods)
W, W1 = HISTORY - 1, HISTORY - 2


@dataclass(frozen=True, slots=True)
class CommunityInfo:
    """Which community a report is about."""

    platform: str
    id: str
    name: str | None = None


@dataclass
class KpiReport:
    """Every KPI of a period (null ones with a reason), W-1's single numbers, and names for the id lists."""

    community: CommunityInfo
    period: Period
    kpis: dict[str, Any]
    reasons: dict[str, str]
    previous: dict[str, int | float | None]
    previous_reasons: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    first_event: datetime | None = None

    @property
    def no_data(self) -> bool:
        """The period ends before the community's first recorded event: there is nothing to report, not zeros."""
        return self.first_event is None or self.period.end <= self.first_event

    def delta(self, key: str) -> int | float | None:
        """W minus W-1, when both are numbers."""
        now, before = self.kpis.get(key), self.previous.get(key)
        if not isinstance(now, int | float) or not isinstance(before, int | float):
            return None
        return round(now - before, 4) if isinstance(now, float) or isinstance(before, float) else now - before

    def name(self, member_id: str) -> str:
        """The display name of a listed member (their id when unknown)."""
        return self.names.get(member_id) or member_id


class UnknownCommunity(LookupError):
    """The database holds nothing about that community."""


async def community_row(db: Database, ref: CommunityRef) -> tuple[int, str | None]:
    """The database id and name of a community."""
    async with db.begin() as conn:
        row = (await conn.execute(
            text("SELECT id, name FROM communities WHERE platform = :p AND external_id = :x"), {"p": str(ref.platform), "x": ref.id}
        )).first()
    if row is None:
        raise UnknownCommunity(f"no community {ref} in the database")
    return int(row[0]), row[1]


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


@dataclass
class _Loaded:
    """What the queries returned for W-4..W."""

    periods: list[Period]
    bots: set[int]
    joined: list[tuple[int, int]]
    history: dict[int, list[tuple[datetime, str]]]
    weeks: dict[int, q.MemberWeeks]

    def left_as_of(self, end: datetime) -> set[int]:
        """Members whose last join/leave event before `end` is a leave."""
        out = set()
        for member, events in self.history.items():
            before = [kind for at, kind in events if at < end]
            if before and before[-1] == "leave" and member not in self.bots:
                out.add(member)
        return out

    def left_in(self, period: Period) -> int:
        """Humans with a leave event in the period."""
        return sum(
            1 for member, events in self.history.items()
            if member not in self.bots and any(kind == "leave" and period.start <= at < period.end for at, kind in events)
        )

    def active(self, k: int) -> set[int]:
        """Humans with a contribution in period k."""
        return {m for m, w in self.weeks.items() if w.contributions[k] > 0 and m not in self.bots}


async def _first_contributions(conn: AsyncConnection, cid: int, ids: list[int], periods: list[Period]) -> dict[int, datetime]:
    """The earliest contribution of some members over consecutive periods (removed reactions excluded)."""
    if not ids:
        return {}
    bounds = [f"b{k}" for k in range(len(periods) + 1)]
    params: dict[str, Any] = {"c": cid, "ids": ids, **{f"b{k}": p.start for k, p in enumerate(periods)}, bounds[-1]: periods[-1].end}
    statement = q.sql(
        f"SELECT i.member_id, MIN(i.at) FROM interactions i WHERE i.community_id = :c AND i.member_id IN :ids"
        f" AND i.kind IN {q.CONTRIBUTIONS} AND i.at >= :b0 AND i.at < :{bounds[-1]} AND {q.valid_reaction(bounds)} GROUP BY i.member_id",
        *bounds, expanding=["ids"],
    )
    return {int(m): q.utc(at) for m, at in (await conn.execute(statement, params)).all()}


_loading = 0  # reports loading rows right now (they may overlap in the live bot)


@contextmanager
def _collections_held() -> Iterator[None]:
    """Python's cyclic garbage collector held off while a report loads its rows, then back as it was.

    Every row fetched (and each member's figures) is a new tracked object that survives: the collector would walk
    them again and again as they pile up, a third or more of a large report's time on PostgreSQL (bench/kpi.py).
    Nothing is lost meanwhile: garbage left is collected once it runs again.
    """
    global _loading
    if not _loading and not gc.isenabled():  # turned off by someone else: leave it so
        yield
        return
    _loading += 1
    gc.disable()
    try:
        yield
    finally:
        _loading -= 1
        if not _loading:
            gc.enable()


async def compute_report(db: Database, ref: CommunityRef, period: Period, *, sentiment: bool | str = True) -> KpiReport:
    """Every KPI of `period` for a community, with W-1's report for `previous` and the deltas.

    `sentiment` not True (the sentiment model is off for this community) makes `sentiment` null, with that reason
    code when it is one (`sentiment_no_extra`), else `sentiment_off`.
    """
    cid, name = await community_row(db, ref)
    await db.ensure_statistics()  # a database never analysed, or grown much since: its plans could read far more than needed
    periods = [period.shift(k - W) for k in range(HISTORY)]
    with _collections_held():
        return await _report(db, ref, period, periods, cid, name, sentiment)


async def _report(db: Database, ref: CommunityRef, period: Period, periods: list[Period], cid: int, name: str | None,
                  sentiment: bool | str) -> KpiReport:
    async with db.begin() as conn:
        if db.dialect == "postgresql":
            # these are short index-range queries: compiling them (JIT) costs more than it saves
            await conn.execute(text("SET LOCAL jit = off"))
        bots = await q.bot_ids(conn, cid)
        loaded = _Loaded(
            periods, bots, await q.joined_counts(conn, cid, periods), await q.membership_history(conn, cid, period.end),
            await q.activity(conn, cid, periods),
        )
        now, now_reasons = await _period_kpis(conn, cid, loaded, W, full=True)
        before, before_reasons = await _period_kpis(conn, cid, loaded, W1, full=False)
        named = [int(m) for key in ("hubs", "isolated", "at_risk") for m in now.pop(f"_{key}_ids")]
        names = await q.member_names(conn, sorted(set(named)))
    off = sentiment if isinstance(sentiment, str) else "sentiment_off"
    now["sentiment"], reason = await sentiment_of(db, cid, period) if sentiment is True else (None, off)
    if now["sentiment"] is None:
        now_reasons["sentiment"] = reason
    for key in ("hubs", "isolated", "at_risk"):
        now[key] = sorted(names[m][0] for m in now[key])
    display = {ext: (nm or ext) for ext, nm in names.values()}
    kpis = {key: now.get(key) for key in ALL_KEYS}
    previous = {key: before.get(key) for key in NUMERIC_KEYS}
    span = await data_span(db, cid)
    first = span.first if span else None
    if first is None or period.end <= first:  # before the community existed here: no data, not zeros
        kpis, now_reasons = dict.fromkeys(ALL_KEYS), dict.fromkeys(ALL_KEYS, "no_data")
    if first is None or periods[W1].end <= first:
        previous, before_reasons = dict.fromkeys(NUMERIC_KEYS), dict.fromkeys(NUMERIC_KEYS, "no_data")
    return KpiReport(CommunityInfo(str(ref.platform), ref.id, name), period, kpis, now_reasons, previous, before_reasons, display, first)


async def _period_kpis(conn: AsyncConnection, cid: int, data: _Loaded, k: int, *, full: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The KPIs of period k of the loaded range; `full` adds the lists and objects (W only)."""
    p = data.periods[k]
    out: dict[str, Any] = {}
    why: dict[str, str] = {}

    def null(key: str, reason: str) -> Any:
        """Record a null KPI and its reason."""
        why[key] = reason
        return None

    joined_before, new = data.joined[k]
    left_now = data.left_as_of(p.end)
    total = joined_before - len(left_now)
    left = data.left_in(p)
    out.update(members_total=total, new_members=new, left_members=left, net_growth=new - left)

    active = data.active(k)
    posts = {m: w.posts[k] for m, w in data.weeks.items() if w.posts[k] > 0 and m not in data.bots}
    n_posts = sum(posts.values())
    out.update(
        active_members=len(active), posters=len(posts), posts=n_posts,
        replies=sum(w.replies[k] for m, w in data.weeks.items() if m not in data.bots),
        reactions=sum(w.reactions[k] for m, w in data.weeks.items() if m not in data.bots),
    )
    out["activity_rate"] = _rate(len(active), total) if total else null("activity_rate", "no_members")
    out["posts_per_active"] = _rate(n_posts, len(active)) if active else null("posts_per_active", "no_active_member")

    resp = await q.responsiveness(conn, cid, p, data.bots)
    if resp.roots:
        out["response_rate"] = _rate(len(resp.minutes), resp.roots)
    else:
        out["response_rate"] = null("response_rate", "no_root_post")
    if resp.minutes:
        out["median_first_response_minutes"] = _r(shape.median(resp.minutes))
    else:
        out["median_first_response_minutes"] = null("median_first_response_minutes", "no_root_post" if not resp.roots else "no_answered_root")

    before = data.active(k - 1)
    out["returning_rate"] = _rate(len(before & active), len(before)) if before else null("returning_rate", "no_active_previous")

    newcomers = await q.joiners(conn, cid, data.periods[k - 1].start, data.periods[k - 1].end)
    if newcomers:
        first = await _first_contributions(conn, cid, [j.id for j in newcomers], data.periods[k - 1:k + 1])
        activated = sum(1 for j in newcomers if j.id in first and first[j.id] <= j.joined_at + timedelta(days=7))
        out["newcomer_activation"] = _rate(activated, len(newcomers))
        out["newcomer_retention"] = _rate(sum(1 for j in newcomers if j.id in active), len(newcomers))
    else:
        out["newcomer_activation"] = null("newcomer_activation", "no_joiner_previous")
        out["newcomer_retention"] = null("newcomer_retention", "no_joiner_previous")

    if n_posts:
        out["top10_share"] = _r(shape.top10_share(posts))
        out["absence_factor"] = shape.absence_factor(posts)
    else:
        out["top10_share"] = null("top10_share", "no_posts")
        out["absence_factor"] = null("absence_factor", "no_posts")

    voters = {m: w.polls[k] for m, w in data.weeks.items() if w.polls[k] > 0 and m not in data.bots}
    out["poll_votes"] = sum(voters.values())
    out["poll_participation"] = _rate(len(voters), total) if total else null("poll_participation", "no_members")

    found = await q.surveys(conn, cid, p)
    nps, csat = found["nps"], found["csat"]
    if nps.answers:
        promoters = sum(c for s, c in nps.scores.items() if s >= 9)
        detractors = sum(c for s, c in nps.scores.items() if s <= 6)
        out["nps"] = round(100 * (promoters - detractors) / nps.answers, 4)
    else:
        out["nps"] = null("nps", "no_survey")
    if csat.answers:
        out["csat"] = round(100 * sum(c for s, c in csat.scores.items() if s >= 4) / csat.answers, 4)
    else:
        out["csat"] = null("csat", "no_survey")

    if full:
        current_active = active - left_now
        n = len(current_active)
        sup = math.ceil(n / 100) if n else 0
        out["participation_9091"] = {"lurkers": total - n, "contributors": n - sup, "super_contributors": sup}
        out["_at_risk_ids"] = sorted(
            m for m, w in data.weeks.items()
            if m not in data.bots and m not in left_now and w.contributions[k] == 0 and sum(1 for c in w.contributions[k - 4:k] if c > 0) >= 3
        )
        pairs = {(a, b) for a, b in await q.edges(conn, cid, p) if a != b and a not in data.bots and b not in data.bots}
        hub_ids = await _hubs(conn, pairs)
        received = {b for _, b in pairs}
        out["_hubs_ids"] = hub_ids
        out["_isolated_ids"] = sorted(m for m in posts if m not in received)
        out["hubs"], out["isolated"], out["at_risk"] = hub_ids, out["_isolated_ids"], out["_at_risk_ids"]
    for key in RATE_KEYS:
        if isinstance(out.get(key), float):
            out[key] = round(out[key], 4)
    return out, why


async def _hubs(conn: AsyncConnection, pairs: set[tuple[int, int]]) -> list[int]:
    """The three best-connected members (ties by smallest external id)."""
    links = shape.partners(pairs)
    if not links:
        return []
    counts = sorted((len(v) for v in links.values()), reverse=True)
    threshold = counts[min(2, len(counts) - 1)]
    candidates = [m for m, v in links.items() if len(v) >= threshold]
    names = await q.member_names(conn, candidates)
    ext = {m: names[m][0] if m in names else str(m) for m in candidates}
    return sorted(candidates, key=lambda m: (-len(links[m]), ext[m]))[:3]
