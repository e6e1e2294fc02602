"""Helpers for the recognition tests: a configuration with only the recognition cog and chosen badges."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import SQLModel

from bot.adapters.simulation.adapter import Entry
from bot.config import Config
from tests.conftest import Harness, make_config


def badge(id: str, kind: str, **params: Any) -> dict[str, Any]:
    """A badge rule as it would be written in config.toml."""
    return {"id": id, "name": {"en": id.title(), "fr": id.title()}, "emoji": "🏅", "description": {"en": f"the {id} badge", "fr": f"le badge {id}"},
            "kind": kind, **params}


def recognition_config(db_url: str, *badges: dict[str, Any], **settings: Any) -> Config:
    """Only the recognition cog, with these badges (none by default) and settings."""
    cog = {"badges": list(badges), "leaderboard_cron": None, **settings}
    return make_config(db_url, bot={"cogs": ["recognition"]}, cogs={"recognition": cog})


def said(h: Harness, kind: str = "bot", member: str | None = None) -> list[Entry]:
    """The transcript entries of a kind (bot posts, DMs, role changes…), optionally for one member."""
    return [e for e in h.sim.transcript if e.kind == kind and (member is None or (e.member is not None and e.member.id == member))]


async def flush(h: Harness) -> None:
    """Write what the recognition cog has queued (the ledger is written in batches)."""
    await h.app.recorder.flush()
    await h.app.cogs["recognition"].store.flush()  # type: ignore[attr-defined]


async def awards(h: Harness, badge_id: str | None = None) -> list[tuple[str, str]]:
    """(member, badge) of every live award, in award order."""
    await flush(h)
    rows = await h.rows(
        "select m.external_id, b.badge from recognition_badges b join members m on m.id = b.member_id"
        " where b.revoked_at is null" + (" and b.badge = :b" if badge_id else "") + " order by b.id",
        **({"b": badge_id} if badge_id else {}),
    )
    return [(r[0], r[1]) for r in rows]


async def points(h: Harness, member: str) -> int:
    """A member's live points."""
    await flush(h)
    value = await h.scalar(
        "select coalesce(sum(p.points), 0) from recognition_points p join members m on m.id = p.member_id"
        " where m.external_id = :m and p.removed_at is null", m=member,
    )
    return int(value or 0)


async def recorded_elsewhere(h: Harness, member: str, rows: list[tuple[str, str, datetime]]) -> int:
    """Write `(kind, external id, at)` interactions of a member straight to the table, as an import or another process would
    (this process's recorder and listeners never see them); returns the member's id."""
    await h.app.recorder.flush()
    cid = await h.app.directory.community_id(h.sim.community)
    mid = await h.app.directory.member_id(h.sim.member(member), h.clock.now())
    table = SQLModel.metadata.tables["interactions"]
    async with h.app.db.begin() as conn:
        for kind, external_id, at in rows:
            await conn.execute(table.insert().values(community_id=cid, kind=kind, member_id=mid, external_id=external_id, at=at))
    return mid
