"""Buddy consents and pairs: who agrees to welcome newcomers, and who was paired with whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from storage.db import Database


@dataclass(frozen=True, slots=True)
class BuddyConsentState:
    """When a member agreed to be a buddy, and when they stopped."""

    opted_in_at: datetime
    opted_out_at: datetime | None


class BuddyQueries:
    """The buddy tables' queries, one transaction each (part of `OnboardingRepo`)."""

    db: Database
    consent: Any
    pair: Any

    # --- buddies -------------------------------------------------------------------------------
    async def set_consent(self, community_id: int, member_id: int, at: datetime, consent: bool) -> bool:
        """Opt a member in (or out) as a buddy; True when it changed something."""
        t = self.consent
        async with self.db.begin() as conn:
            if consent:
                result = await conn.execute(self.db.insert_ignore(t).values(community_id=community_id, member_id=member_id, opted_in_at=at))
                if result.rowcount:
                    return True
                result = await conn.execute(
                    update(t).where(t.c.community_id == community_id, t.c.member_id == member_id, t.c.opted_out_at.is_not(None))
                    .values(opted_in_at=at, opted_out_at=None)
                )
                return bool(result.rowcount)
            result = await conn.execute(
                update(t).where(t.c.community_id == community_id, t.c.member_id == member_id, t.c.opted_out_at.is_(None)).values(opted_out_at=at)
            )
            return bool(result.rowcount)

    async def consenting(self, community_id: int) -> list[int]:
        """The members who currently agree to be buddies, by id."""
        t = self.consent
        query = select(t.c.member_id).where(t.c.community_id == community_id, t.c.opted_out_at.is_(None)).order_by(t.c.member_id)
        async with self.db.begin() as conn:
            return [int(r[0]) for r in (await conn.execute(query)).all()]

    async def pairs(self, community_id: int) -> list[tuple[int, int]]:
        """Every (newcomer, buddy) pair made so far."""
        t = self.pair
        async with self.db.begin() as conn:
            rows = (await conn.execute(select(t.c.newcomer_id, t.c.buddy_id).where(t.c.community_id == community_id).order_by(t.c.id))).all()
        return [(int(a), int(b)) for a, b in rows]

    async def add_pair(self, community_id: int, newcomer_id: int, buddy_id: int, period: str, at: datetime) -> bool:
        """Record a pair; False when it already existed."""
        async with self.db.begin() as conn:
            result = await conn.execute(
                self.db.insert_ignore(self.pair).values(community_id=community_id, newcomer_id=newcomer_id, buddy_id=buddy_id, period=period, paired_at=at)
            )
        return bool(result.rowcount)
