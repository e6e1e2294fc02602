"""Exports of badges and points for animators: CSV or JSON, from the command or the command line."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.config import Config, ConfigError
from bot.core.clock import RealClock
from bot.core.refs import CommunityRef, Platform
from cogs.recognition.periods import period_of
from storage.db import Database
from storage.models import Community
from storage.recognition_store import RecognitionStore

ExportFormat = Literal["csv", "json"]
ExportWhat = Literal["all", "badges", "points"]

POINTS_COLUMNS = ("member_id", "name", "points", "level", "points_this_week", "points_this_month", "badges")
BADGE_COLUMNS = ("member_id", "name", "badge", "awarded_at", "manual", "awarded_by", "reason", "revoked_at", "revoked_by", "revoke_reason")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def points_rows(store: RecognitionStore, community_id: int, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """One row per member with points: totals, level, this week's and this month's points, badges held."""
    week, month = period_of("week", now, tz), period_of("month", now, tz)
    this_week = {s.member.id: s.value for s in await store.standings(community_id, week.start, week.end)}
    this_month = {s.member.id: s.value for s in await store.standings(community_id, month.start, month.end)}
    held: dict[int, list[str]] = {}
    for award in await store.awards(community_id, include_revoked=False):
        held.setdefault(award.member.id, []).append(award.badge)
    rows = []
    for s in await store.standings(community_id, None, None):
        rows.append({
            "member_id": s.member.external_id, "name": s.member.display, "points": s.value, "level": await store.level(s.member.id),
            "points_this_week": this_week.get(s.member.id, 0), "points_this_month": this_month.get(s.member.id, 0),
            "badges": held.get(s.member.id, []),
        })
    return rows


async def badge_rows(store: RecognitionStore, community_id: int) -> list[dict[str, Any]]:
    """One row per badge award (revoked ones included, with who and why)."""
    return [
        {"member_id": a.member.external_id, "name": a.member.display, "badge": a.badge, "awarded_at": _iso(a.awarded_at), "manual": a.manual,
         "awarded_by": a.awarded_by, "reason": a.reason, "revoked_at": _iso(a.revoked_at), "revoked_by": a.revoked_by, "revoke_reason": a.revoke_reason}
        for a in await store.awards(community_id)
    ]


def _csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: " ".join(v) if isinstance(v, list) else ("" if v is None else v) for k, v in row.items()})
    return out.getvalue().encode("utf-8")


async def export_recognition(store: RecognitionStore, community: CommunityRef, community_id: int, fmt: ExportFormat, what: ExportWhat,
                             now: datetime, tz: ZoneInfo) -> tuple[str, bytes, int]:
    """The export file: (file name, content, number of rows). CSV `all` is the points table with badges held."""
    stamp = now.astimezone(tz).strftime("%Y%m%d")
    name = f"recognition-{community.id}-{what}-{stamp}.{fmt}"
    points = await points_rows(store, community_id, now, tz) if what in ("all", "points") else []
    badges = await badge_rows(store, community_id) if what in ("all", "badges") else []
    if fmt == "json":
        doc: dict[str, Any] = {"community": {"platform": str(community.platform), "id": community.id}, "generated_at": now.isoformat()}
        if what in ("all", "points"):
            doc["members"] = points
        if what in ("all", "badges"):
            doc["badges"] = badges
        return name, (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), len(points) + len(badges)
    if what == "badges":
        return name, _csv(BADGE_COLUMNS, badges), len(badges)
    return name, _csv(POINTS_COLUMNS, points), len(points)


async def export_command_line(config: Config, community: str, fmt: ExportFormat, what: ExportWhat) -> tuple[str, bytes, int]:
    """`engagebot export-recognition`: the export of one community (`platform:id`), read from the configured database."""
    platform, sep, external_id = community.partition(":")
    if not sep or platform not in {p.value for p in Platform} or not external_id:
        raise ConfigError(f"--community: {community!r} is not PLATFORM:ID (e.g. discord:123456789012345678)")
    ref = CommunityRef(Platform(platform), external_id)
    db = Database(config.database.url, in_loop=True)  # a one-shot command: nothing else waits on the loop
    try:
        await db.upgrade()
        table = Community.__table__  # type: ignore[attr-defined]
        async with db.begin() as conn:
            cid = (await conn.execute(select(table.c.id).where(table.c.platform == platform, table.c.external_id == external_id))).scalar()
        if cid is None:
            raise ConfigError(f"--community: no community {community} in the database")
        return await export_recognition(RecognitionStore(db), ref, int(cid), fmt, what, RealClock().now(), config.timezone_of(ref))
    finally:
        await db.close()
