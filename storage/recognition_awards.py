"""Queries of badge awards, kudos and levels (the part of the recognition store that needs no ledger queue)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update

from storage.db import Database
from storage.models import Member
from storage.recognition import BadgeAward, Kudos, MemberLevel
from storage.recognition_records import AwardRow, member_info

B = BadgeAward.__table__  # type: ignore[attr-defined]
K = Kudos.__table__  # type: ignore[attr-defined]
L = MemberLevel.__table__  # type: ignore[attr-defined]
M = Member.__table__  # type: ignore[attr-defined]


class AwardQueries:
    """Badges held and awarded, kudos, levels: one transaction each."""

    db: Database
    _award: Any = None

    # --- badges -----------------------------------------------------------------------
    async def held(self, member_id: int) -> dict[str, bool]:
        """The badges a member was ever awarded: id → still held (False when revoked)."""
        async with self.db.begin() as conn:
            rows = (await conn.execute(select(B.c.badge, B.c.revoked_at).where(B.c.member_id == member_id))).all()
        return {r.badge: r.revoked_at is None for r in rows}

    async def holders(self, community_id: int, badge: str) -> set[int]:
        """Members who hold or held a badge."""
        async with self.db.begin() as conn:
            rows = (await conn.execute(select(B.c.member_id).where(B.c.community_id == community_id, B.c.badge == badge))).all()
        return {int(r.member_id) for r in rows}

    async def award(self, community_id: int, member_id: int, badge: str, at: datetime, *, by: int | None = None, reason: str | None = None) -> bool:
        """Award a badge once; a manual award (`by` set) gives a revoked badge back. True when it is new."""
        manual = by is not None
        if self._award is None:  # built once: badges are awarded on members' events
            self._award = self.db.insert_ignore(B).values(community_id=bindparam("c"), member_id=bindparam("m"), badge=bindparam("b"),
                                                          awarded_at=bindparam("at"), manual=bindparam("manual"), awarded_by=bindparam("by"),
                                                          reason=bindparam("reason"))
        async with self.db.begin() as conn:
            inserted = (await conn.execute(self._award, {"c": community_id, "m": member_id, "b": badge, "at": at, "manual": manual, "by": by,
                                                         "reason": reason})).rowcount
            if inserted or not manual:
                return bool(inserted)
            restored = (await conn.execute(
                update(B).where(B.c.member_id == member_id, B.c.badge == badge, B.c.revoked_at.is_not(None))
                .values(awarded_at=at, manual=True, awarded_by=by, reason=reason, revoked_at=None, revoked_by=None, revoke_reason=None)
            )).rowcount
        return bool(restored)

    async def revoke(self, member_id: int, badge: str, at: datetime, *, by: int | None, reason: str | None) -> bool:
        """Take a badge back (the row stays, so rules never award it again); False when not held."""
        async with self.db.begin() as conn:
            done = (await conn.execute(
                update(B).where(B.c.member_id == member_id, B.c.badge == badge, B.c.revoked_at.is_(None))
                .values(revoked_at=at, revoked_by=by, revoke_reason=reason)
            )).rowcount
        return bool(done)

    async def awards(self, community_id: int, member_id: int | None = None, *, include_revoked: bool = True) -> list[AwardRow]:
        """Badge awards of a community (or one member), oldest first."""
        by, rby = M.alias("by"), M.alias("rby")
        query = (
            select(M.c.id, M.c.external_id, M.c.name, M.c.is_bot, M.c.left_at, B.c.badge, B.c.awarded_at, B.c.manual, B.c.reason,
                   B.c.revoked_at, B.c.revoke_reason, by.c.external_id.label("by"), rby.c.external_id.label("rby"))
            .select_from(B.join(M, M.c.id == B.c.member_id).outerjoin(by, by.c.id == B.c.awarded_by).outerjoin(rby, rby.c.id == B.c.revoked_by))
            .where(B.c.community_id == community_id).order_by(B.c.awarded_at, B.c.id)
        )
        if member_id is not None:
            query = query.where(B.c.member_id == member_id)
        if not include_revoked:
            query = query.where(B.c.revoked_at.is_(None))
        async with self.db.begin() as conn:
            rows = (await conn.execute(query)).all()
        return [AwardRow(member_info(r), r.badge, r.awarded_at, bool(r.manual), r.by, r.reason, r.revoked_at, r.rby, r.revoke_reason) for r in rows]

    # --- kudos ------------------------------------------------------------------------
    async def add_kudos(self, community_id: int, giver_id: int, receiver_id: int, reason: str | None, at: datetime) -> int:
        """Record kudos; returns its id."""
        async with self.db.begin() as conn:
            result = await conn.execute(K.insert().values(community_id=community_id, giver_id=giver_id, receiver_id=receiver_id, reason=reason, at=at))
            key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    async def kudos_given_since(self, giver_id: int, since: datetime) -> int:
        """How many kudos a member gave since `since` (the daily quota)."""
        async with self.db.begin() as conn:
            return int((await conn.execute(select(func.count()).select_from(K).where(K.c.giver_id == giver_id, K.c.at >= since))).scalar_one())

    async def kudos_counts(self, member_id: int) -> tuple[int, int]:
        """(given, received) kudos of a member, all time."""
        async with self.db.begin() as conn:
            given = (await conn.execute(select(func.count()).select_from(K).where(K.c.giver_id == member_id))).scalar_one()
            received = (await conn.execute(select(func.count()).select_from(K).where(K.c.receiver_id == member_id))).scalar_one()
        return int(given), int(received)

    # --- levels -----------------------------------------------------------------------
    async def level(self, member_id: int) -> int:
        """The highest level the member has reached."""
        async with self.db.begin() as conn:
            found = (await conn.execute(select(L.c.level).where(L.c.member_id == member_id))).first()
        return int(found.level) if found else 0

    async def raise_level(self, community_id: int, member_id: int, level: int, at: datetime) -> int:
        """Record a higher level; returns the level it replaces (unchanged when not higher)."""
        async with self.db.begin() as conn:
            found = (await conn.execute(select(L.c.level).where(L.c.member_id == member_id))).first()
            before = int(found.level) if found else 0
            if level <= before:
                return before
            if found is None:
                await conn.execute(self.db.insert_ignore(L).values(community_id=community_id, member_id=member_id, level=level, reached_at=at))
            else:
                await conn.execute(update(L).where(L.c.member_id == member_id, L.c.level < level).values(level=level, reached_at=at))
        return before
