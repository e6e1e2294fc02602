"""What is stored about a member, and erasing it on request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update

from bot.core.refs import MemberRef
from storage.db import Database
from storage.models import Community, Interaction, Member


@dataclass(frozen=True, slots=True)
class MemberData:
    """The foundation's data about one member."""

    joined_at: datetime | None
    left_at: datetime | None
    interactions: dict[str, int]
    text_stored: int


async def _member_row(db: Database, ref: MemberRef) -> tuple[int, int] | None:
    m, c = Member.__table__, Community.__table__  # type: ignore[attr-defined]
    async with db.begin() as conn:
        row = (
            await conn.execute(
                select(m.c.id, m.c.community_id).join(c, c.c.id == m.c.community_id)
                .where(c.c.platform == str(ref.community.platform), c.c.external_id == ref.community.id, m.c.external_id == ref.id)
            )
        ).first()
    return (row.id, row.community_id) if row else None


async def describe_member(db: Database, ref: MemberRef) -> MemberData | None:
    """Everything the interactions tables hold about a member, summarised."""
    found = await _member_row(db, ref)
    if found is None:
        return None
    mid, _ = found
    m, i = Member.__table__, Interaction.__table__  # type: ignore[attr-defined]
    async with db.begin() as conn:
        member = (await conn.execute(select(m.c.joined_at, m.c.left_at).where(m.c.id == mid))).one()
        counts = (await conn.execute(select(i.c.kind, func.count()).where(i.c.member_id == mid).group_by(i.c.kind))).all()
        texts = (await conn.execute(select(func.count()).where(i.c.member_id == mid, i.c.text.is_not(None)))).scalar_one()
    return MemberData(member.joined_at, member.left_at, {k: n for k, n in counts}, texts)


async def erase_member(db: Database, ref: MemberRef) -> int:
    """Delete a member's interactions and row, and unlink them from others' rows; returns rows deleted."""
    found = await _member_row(db, ref)
    if found is None:
        return 0
    mid, _ = found
    m, i = Member.__table__, Interaction.__table__  # type: ignore[attr-defined]
    async with db.begin() as conn:
        deleted = (await conn.execute(delete(i).where(i.c.member_id == mid))).rowcount
        await conn.execute(update(i).where(or_(i.c.target_member_id == mid)).values(target_member_id=None))
        await conn.execute(delete(m).where(m.c.id == mid))
    return int(deleted or 0) + 1
