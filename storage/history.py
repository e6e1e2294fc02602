"""Shared by the history importers: a bounded map of recent message authors, and the reply/reaction target backfill."""

from __future__ import annotations

from sqlalchemy import func, select, text

from storage.db import Database
from storage.models import Interaction
from storage.recent import RecentMap as RecentMap  # the importers' bounded map, free of the database layer

# a reply or reaction written without its target (the post was not in memory, or came later) gets the author of
# the post it names, when that post is in the table: the rows then match what the live bot writes knowing the author
_FILL = text(
    "UPDATE interactions SET target_member_id = ("
    " SELECT p.member_id FROM interactions p WHERE p.community_id = interactions.community_id"
    " AND p.kind IN ('message', 'reply') AND p.external_id = interactions.parent_external_id LIMIT 1)"
    " WHERE community_id = :c AND id > :after AND kind IN ('reply', 'reaction') AND target_member_id IS NULL"
    " AND parent_external_id IS NOT NULL AND EXISTS ("
    " SELECT 1 FROM interactions p WHERE p.community_id = interactions.community_id"
    " AND p.kind IN ('message', 'reply') AND p.external_id = interactions.parent_external_id)"
)


async def last_interaction_id(db: Database) -> int:
    """The highest interaction row id (0 for an empty table): rows written after it are the import's."""
    table = Interaction.__table__  # type: ignore[attr-defined]
    async with db.begin() as conn:
        return int((await conn.execute(select(func.coalesce(func.max(table.c.id), 0)))).scalar_one())


async def fill_targets(db: Database, community_id: int, after: int) -> int:
    """Give replies and reactions written after row `after` without a target the author of their post; returns the rows filled."""
    async with db.begin() as conn:
        result = await conn.execute(_FILL, {"c": community_id, "after": after})
    return int(result.rowcount or 0)
