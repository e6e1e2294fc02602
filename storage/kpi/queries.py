"""The KPI queries: portable SQL aggregations over one community's rows, each bounded to a few periods.

Every query reads an index range of `interactions` (community, time or kind) and returns at most one
row per member, per root post or per distinct pair of the periods asked; bots are filtered by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.kpi.period import Period
from storage.types import UTCDateTime

CONTRIBUTIONS = "('message','reply','reaction','poll_vote','prompt_answer')"
POSTS = "('message','reply')"
NO_BOT = -1  # keeps `NOT IN (:bots)` valid when a community has no bot


def utc(value: Any) -> datetime:
    """A database timestamp (string on SQLite, naive datetime on PostgreSQL) as an aware UTC datetime."""
    parsed: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def sql(statement: str, *times: str, expanding: Sequence[str] = ()) -> TextClause:
    """A text statement whose time parameters bind like `UTCDateTime` columns and lists expand."""
    params = [bindparam(name, type_=UTCDateTime()) for name in times]
    params += [bindparam(name, expanding=True) for name in expanding]
    return text(statement).bindparams(*params)


def valid_reaction(bounds: Sequence[str], alias: str = "i") -> str:
    """SQL: the row was not removed (a reaction taken back, a post deleted) before the end of its own period.

    `bounds` names the parameters b0 < b1 < … cutting the scanned range into periods.
    """
    own = " OR ".join(
        f"({alias}.at >= :{a} AND {alias}.at < :{b} AND {alias}.removed_at >= :{b})" for a, b in zip(bounds, bounds[1:], strict=False)
    )
    return f"({alias}.removed_at IS NULL OR {own})"


async def bot_ids(conn: AsyncConnection, cid: int) -> set[int]:
    """Members flagged as bots (once a bot, always a bot)."""
    rows = await conn.execute(text("SELECT id FROM members WHERE community_id = :c AND is_bot = :t"), {"c": cid, "t": True})
    return {int(r[0]) for r in rows.all()}


@dataclass(frozen=True, slots=True)
class Joiner:
    """A member and the time they joined (first join, else first event seen)."""

    id: int
    joined_at: datetime


async def joined_counts(conn: AsyncConnection, cid: int, periods: Sequence[Period]) -> list[tuple[int, int]]:
    """Per period: (humans joined before its end, humans whose `joined_at` falls in it)."""
    cols: list[str] = []
    times: list[str] = []
    params: dict[str, Any] = {"c": cid, "f": False}
    for k, p in enumerate(periods):
        cols.append(f"SUM(CASE WHEN joined_at < :e{k} THEN 1 ELSE 0 END)")
        cols.append(f"SUM(CASE WHEN joined_at >= :s{k} AND joined_at < :e{k} THEN 1 ELSE 0 END)")
        params[f"s{k}"], params[f"e{k}"] = p.start, p.end
        times += [f"s{k}", f"e{k}"]
    row = (await conn.execute(sql(f"SELECT {', '.join(cols)} FROM members WHERE community_id = :c AND is_bot = :f", *times), params)).one()
    values = [int(v or 0) for v in row]
    return [(values[2 * k], values[2 * k + 1]) for k in range(len(periods))]


async def joiners(conn: AsyncConnection, cid: int, start: datetime, end: datetime) -> list[Joiner]:
    """Humans whose `joined_at` is in `[start, end)`."""
    rows = await conn.execute(
        sql("SELECT id, joined_at FROM members WHERE community_id = :c AND is_bot = :f AND joined_at >= :s AND joined_at < :e", "s", "e"),
        {"c": cid, "f": False, "s": start, "e": end},
    )
    return [Joiner(int(r[0]), utc(r[1])) for r in rows.all()]


async def membership_history(conn: AsyncConnection, cid: int, end: datetime) -> dict[int, list[tuple[datetime, str]]]:
    """The join and leave events before `end` of every member who left at least once before `end`.

    Reads the join/leave rows only (one index range per kind): as many rows as membership changes, not activity.
    """
    rows = await conn.execute(
        sql("SELECT member_id, kind, at FROM interactions WHERE community_id = :c AND kind IN ('join','leave') AND at < :e", "e"),
        {"c": cid, "e": end},
    )
    found = rows.all()
    leavers = {member_id for member_id, kind, _ in found if kind == "leave"}  # the others' joins are not converted
    history: dict[int, list[tuple[datetime, str]]] = {}
    for member_id, kind, at in found:
        if member_id in leavers:
            history.setdefault(int(member_id), []).append((utc(at), str(kind)))
    for events in history.values():
        events.sort(key=lambda e: (e[0], e[1] == "leave"))  # at the same instant, the leave wins
    return history


@dataclass
class MemberWeeks:
    """One member in each period of a range (index = period position): contributed (1/0), posts, replies, live reactions, polls."""

    contributions: list[int]
    posts: list[int]
    replies: list[int]
    reactions: list[int]
    polls: list[int]


def bucket_of(bounds: Sequence[str], alias: str = "i", *, ends: bool = False) -> str:
    """SQL: the position of the row's period in the range (or, with `ends`, that period's end parameter)."""
    n = len(bounds) - 1
    whens = " ".join(f"WHEN {alias}.at < :{bounds[k + 1]} THEN {':' + bounds[k + 1] if ends else k}" for k in range(n - 1))
    return f"CASE {whens} ELSE {':' + bounds[n] if ends else n - 1} END"


async def activity(conn: AsyncConnection, cid: int, periods: Sequence[Period]) -> dict[int, MemberWeeks]:
    """Per member: contributed or not in each consecutive period; posts, replies and live reactions in the last two; polls voted in.

    One pass over the range: each row's period is computed once, and a reaction removed before the end of
    its own period is neither a reaction nor a contribution.
    """
    n = len(periods)
    bounds = [f"b{k}" for k in range(n + 1)]
    params: dict[str, Any] = {"c": cid, **{f"b{k}": p.start for k, p in enumerate(periods)}, f"b{n}": periods[-1].end}
    removed_early = f"i.removed_at IS NOT NULL AND i.removed_at < {bucket_of(bounds, ends=True)}"
    # one row per member: whether they contributed in each period, and their posts, replies and reactions
    # in the last two (the only ones a report counts); each row's period is computed once
    cols = [f"MAX(CASE WHEN x.bucket = {k} THEN x.live ELSE 0 END)" for k in range(n)]
    for k in (n - 2, n - 1):
        cols += [
            f"SUM(CASE WHEN x.bucket = {k} AND x.kind IN ('message','reply') THEN x.live ELSE 0 END)",
            f"SUM(CASE WHEN x.bucket = {k} AND x.kind = 'reply' THEN x.live ELSE 0 END)",
            f"SUM(CASE WHEN x.bucket = {k} AND x.kind = 'reaction' THEN x.live ELSE 0 END)",
        ]
    statement = sql(
        f"SELECT x.member_id, {', '.join(cols)}"
        f" FROM (SELECT i.member_id + 0 AS member_id, i.kind, {bucket_of(bounds)} AS bucket, CASE WHEN {removed_early} THEN 0 ELSE 1 END AS live"
        f"  FROM interactions i WHERE i.community_id = :c AND i.at >= :b0 AND i.at < :b{n} AND i.kind IN {CONTRIBUTIONS}) x"
        " GROUP BY x.member_id",
        *bounds,
    )
    out: dict[int, MemberWeeks] = {}

    def weeks(member: int) -> MemberWeeks:
        if member not in out:
            out[member] = MemberWeeks([0] * n, [0] * n, [0] * n, [0] * n, [0] * n)
        return out[member]

    for row in (await conn.execute(statement, params)).all():  # fetched at once: row by row costs a driver call each
        w = weeks(int(row[0]))
        w.contributions[:] = [int(v or 0) for v in row[1:n + 1]]
        for j, k in enumerate((n - 2, n - 1)):
            w.posts[k], w.replies[k], w.reactions[k] = (int(v or 0) for v in row[n + 1 + 3 * j:n + 4 + 3 * j])
    votes = sql(
        f"SELECT i.member_id, {bucket_of(bounds)} AS bucket, COUNT(DISTINCT COALESCE(i.parent_external_id, i.external_id)) FROM interactions i"
        f" WHERE i.community_id = :c AND i.kind = 'poll_vote' AND i.at >= :b0 AND i.at < :b{n} GROUP BY i.member_id, bucket",
        *bounds,
    )
    for member, bucket, polls in (await conn.execute(votes, params)).all():
        weeks(int(member)).polls[int(bucket)] = int(polls or 0)
    return out


@dataclass
class Responsiveness:
    """Root posts of a period and, for those answered in time, the minutes to the first answer."""

    roots: int = 0
    minutes: list[float] = field(default_factory=list)


async def responsiveness(conn: AsyncConnection, cid: int, period: Period, bots: set[int]) -> Responsiveness:
    """Human root posts made in the period and their first reply by another human before its end."""
    statement = sql(
        "SELECT r.at, MIN(x.at) FROM interactions r"
        " LEFT JOIN interactions x ON x.community_id = r.community_id AND x.parent_external_id = r.external_id"
        "  AND x.kind = 'reply' AND x.at >= :s AND x.at < :e AND x.at >= r.at AND x.member_id <> r.member_id AND x.member_id NOT IN :bots"
        "  AND (x.removed_at IS NULL OR x.removed_at >= :e)"
        " WHERE r.community_id = :c AND r.kind = 'message' AND r.at >= :s AND r.at < :e AND r.member_id NOT IN :bots"
        "  AND (r.removed_at IS NULL OR r.removed_at >= :e)"
        " GROUP BY r.id, r.at",
        "s", "e", expanding=["bots"],
    )
    out = Responsiveness()
    for root_at, first in (await conn.execute(statement, {"c": cid, "s": period.start, "e": period.end, "bots": [NO_BOT, *bots]})).all():
        out.roots += 1
        if first is not None:
            out.minutes.append((utc(first) - utc(root_at)).total_seconds() / 60)
    return out


async def edges(conn: AsyncConnection, cid: int, period: Period) -> set[tuple[int, int]]:
    """Distinct (from, to) member pairs of the period's replies, live reactions and mentions (bots not yet removed).

    The target is the member the adapter named, else the author of the target post row; unknown targets make no edge.
    """
    statement = sql(
        "SELECT DISTINCT i.member_id, COALESCE(i.target_member_id, (SELECT MIN(p.member_id) FROM interactions p"
        "  WHERE p.community_id = i.community_id AND p.kind IN ('message','reply') AND p.external_id = i.parent_external_id))"
        " FROM interactions i WHERE i.community_id = :c AND i.kind IN ('reply','reaction','mention') AND i.at >= :s AND i.at < :e"
        "  AND (i.removed_at IS NULL OR i.removed_at >= :e)",
        "s", "e",
    )
    rows = await conn.execute(statement, {"c": cid, "s": period.start, "e": period.end})
    return {(int(a), int(b)) for a, b in rows.all() if a is not None and b is not None}


@dataclass
class Survey:
    """Answers to the surveys of one kind closing in a period: score -> count."""

    scores: dict[int, int] = field(default_factory=dict)

    @property
    def answers(self) -> int:
        """How many answers."""
        return sum(self.scores.values())


async def surveys(conn: AsyncConnection, cid: int, period: Period) -> dict[str, Survey]:
    """NPS and CSAT answers of the surveys closing in the period (each voter's answer at the close; bots out)."""
    statement = sql(
        "SELECT p.kind, v.value, COUNT(*) FROM polls p JOIN poll_votes v ON v.poll_id = p.id"
        " LEFT JOIN members m ON m.id = v.member_id"
        " WHERE p.community_id = :c AND p.kind IN ('nps','csat')"
        "  AND COALESCE(p.closed_at, p.closes_at) >= :s AND COALESCE(p.closed_at, p.closes_at) < :e"
        "  AND (v.cast_at IS NULL OR v.cast_at <= COALESCE(p.closed_at, p.closes_at))"
        "  AND (m.id IS NULL OR m.is_bot = :f)"
        " GROUP BY p.kind, v.value",
        "s", "e",
    )
    out: dict[str, Survey] = {"nps": Survey(), "csat": Survey()}
    for kind, value, count in (await conn.execute(statement, {"c": cid, "s": period.start, "e": period.end, "f": False})).all():
        out[str(kind)].scores[int(value)] = int(count)
    return out


async def weekly_series(conn: AsyncConnection, cid: int, periods: Sequence[Period], bots: set[int]) -> list[tuple[int, int]]:
    """Per period: (active members, posts), for the digest's chart."""
    n = len(periods)
    bounds = [f"b{k}" for k in range(n + 1)]
    params: dict[str, Any] = {"c": cid, **{f"b{k}": p.start for k, p in enumerate(periods)}, f"b{n}": periods[-1].end, "bots": [NO_BOT, *bots]}
    valid = valid_reaction(bounds)
    cols = []
    for k in range(n):
        inside = f"i.at >= :b{k} AND i.at < :b{k + 1}"
        cols += [f"COUNT(DISTINCT CASE WHEN {inside} AND {valid} THEN i.member_id END)",
                 f"SUM(CASE WHEN {inside} AND i.kind IN {POSTS} AND {valid} THEN 1 ELSE 0 END)"]
    statement = sql(
        f"SELECT {', '.join(cols)} FROM interactions i"
        f" WHERE i.community_id = :c AND i.at >= :b0 AND i.at < :b{n} AND i.kind IN {CONTRIBUTIONS} AND i.member_id NOT IN :bots",
        *bounds, expanding=["bots"],
    )
    row = (await conn.execute(statement, params)).one()
    v = [int(x or 0) for x in row]
    return [(v[2 * k], v[2 * k + 1]) for k in range(n)]


async def member_names(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """External id and display name of some members."""
    if not ids:
        return {}
    rows = await conn.execute(sql("SELECT id, external_id, name FROM members WHERE id IN :ids", expanding=["ids"]), {"ids": list(ids)})
    return {int(r[0]): (str(r[1]), r[2]) for r in rows.all()}
