"""When a community's recorded data starts and ends, which communities a database holds, and the period to report by default."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from bot.core.refs import CommunityRef, Platform
from storage.db import Database
from storage.kpi.period import Period
from storage.kpi.queries import utc


@dataclass(frozen=True, slots=True)
class Span:
    """The first and last recorded event of a community (UTC)."""

    first: datetime
    last: datetime


async def data_span(db: Database, cid: int) -> Span | None:
    """The community's first and last recorded event, or None when nothing was recorded."""
    async with db.begin() as conn:
        # two subqueries: each reads one end of the community's index range (MIN and MAX together read all of it)
        row = (await conn.execute(text(
            "SELECT (SELECT MIN(at) FROM interactions WHERE community_id = :c), (SELECT MAX(at) FROM interactions WHERE community_id = :c)"
        ), {"c": cid})).first()
    if row is None or row[0] is None:
        return None
    return Span(utc(row[0]), utc(row[1]))


async def known_communities(db: Database) -> list[CommunityRef]:
    """Every community the database holds, by platform and id."""
    async with db.begin() as conn:
        rows = (await conn.execute(text("SELECT platform, external_id FROM communities ORDER BY platform, external_id"))).all()
    return [CommunityRef(Platform(p), x) for p, x in rows if p in {q.value for q in Platform}]


def default_period(span: Span | None, now: datetime, timezone: str, kind: str = "week") -> Period:
    """The last complete week (or month) that has data: the last complete one at `now`, or the one holding the last event."""
    latest = Period.last_complete(now, timezone, kind)
    if span is None or span.last >= latest.start:
        return latest
    return Period.containing(span.last, timezone, kind)
