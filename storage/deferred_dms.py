"""Direct messages held back by a community's quiet hours: queued in the database, each sent once when they end.

A row is claimed under a lease before its send and deleted once sent; a send that fails gives the claim
back (tried again at the next look). A process that dies mid-send leaves its lease, which expires: the
message is sent again then (at worst twice, never not at all), like the scheduler's jobs (storage/jobs.py).
The recipient's row and the row of the member the message names (`about_member_id`) both cascade: an
erased member's queued messages, and the ones naming them, go with them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, Index, Text, delete, func, select, update
from sqlmodel import Field, SQLModel

from storage.db import Database
from storage.models import Member
from storage.types import UTCDateTime

log = logging.getLogger("engagebot.quiet_dms")

LEASE = timedelta(minutes=10)


class DeferredDM(SQLModel, table=True):
    """A direct message waiting for the end of the community's quiet hours (deleted once sent)."""

    __tablename__ = "deferred_dms"
    __table_args__ = (Index("ix_deferred_dms_community_due", "community_id", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    member_id: int | None = Field(default=None, foreign_key="members.id", ondelete="CASCADE")
    """The recipient's row, when the community has one (a manager named in the configuration may have none)."""
    external_id: str = Field(max_length=64)
    """The recipient's platform id."""
    name: str | None = Field(default=None, max_length=200)
    about_member_id: int | None = Field(default=None, foreign_key="members.id", ondelete="CASCADE")
    """The member the message names (a buddy, a kudos giver): if they are erased, the message goes too."""
    fallback_channel: str | None = Field(default=None, max_length=64)
    fallback_name: str | None = Field(default=None, max_length=200)
    message: str = Field(sa_column=Column(Text(), nullable=False))
    """The message, as JSON (bot/quiet_dms.py)."""
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


@dataclass(frozen=True, slots=True)
class Waiting:
    """A claimed message, ready to send."""

    id: int
    external_id: str
    name: str | None
    fallback_channel: str | None
    fallback_name: str | None
    message: str
    lease_until: datetime
    """This claim's lease: it tells this claim from a later one (another process's, once this lease ran out)."""


class DeferredDMs:
    """The queue of held-back direct messages."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.table = DeferredDM.__table__  # type: ignore[attr-defined]

    async def add(self, row: DeferredDM) -> None:
        """Queue one message."""
        async with self.db.begin() as conn:
            await conn.execute(self.table.insert().values(row.model_dump(exclude={"id"})))

    async def member_id(self, community_id: int, external_id: str) -> int | None:
        """A member's row id, without creating one (a queued message never adds a member to the KPIs)."""
        m = Member.__table__  # type: ignore[attr-defined]
        async with self.db.begin() as conn:
            found = (await conn.execute(select(m.c.id).where(m.c.community_id == community_id, m.c.external_id == external_id))).scalar()
        return int(found) if found is not None else None

    async def waiting(self, community_id: int) -> int:
        """How many messages wait (sent or not yet due alike)."""
        t = self.table
        async with self.db.begin() as conn:
            return int((await conn.execute(select(func.count()).where(t.c.community_id == community_id))).scalar_one())

    async def claim(self, community_id: int, now: datetime, limit: int = 100) -> list[Waiting]:
        """Claim up to `limit` messages no other send holds, oldest first: each under a lease until it is sent or given back."""
        t = self.table
        free = (t.c.lease_until.is_(None)) | (t.c.lease_until < now)
        lease = now + LEASE
        async with self.db.begin() as conn:
            ids = [int(i) for i in (await conn.execute(
                select(t.c.id).where(t.c.community_id == community_id, free).order_by(t.c.due_at, t.c.id).limit(limit))).scalars().all()]
            claimed: list[Waiting] = []
            for ident in ids:  # one by one: another process may have claimed some meanwhile
                won = await conn.execute(update(t).where(t.c.id == ident, free).values(lease_until=lease))
                if won.rowcount:
                    row = (await conn.execute(select(t.c.external_id, t.c.name, t.c.fallback_channel, t.c.fallback_name, t.c.message)
                                              .where(t.c.id == ident))).one()
                    claimed.append(Waiting(ident, row.external_id, row.name, row.fallback_channel, row.fallback_name, row.message, lease))
        return claimed

    async def sent(self, ident: int) -> None:
        """The message went out: it is deleted."""
        async with self.db.begin() as conn:
            await conn.execute(delete(self.table).where(self.table.c.id == ident))

    async def give_back(self, dm: Waiting) -> bool:
        """The send failed: the next look tries it again.

        Only while this claim holds the message: once its lease ran out and another send claimed it, that
        claim is left alone (False, one line in the log), or a third send could go out beside it.
        """
        t = self.table
        async with self.db.begin() as conn:
            ended = await conn.execute(update(t).where(t.c.id == dm.id, t.c.lease_until == dm.lease_until).values(lease_until=None))
        if not ended.rowcount:
            log.warning("kept DM %s: not given back by this send, whose lease ran out and whose claim another send took over", dm.id)
        return bool(ended.rowcount)
