"""Recognition tables: the points ledger, badge awards, kudos, members' levels and the sync cursor.

The ledger (`recognition_points`) holds one row per scored thing a member did (a contribution, kudos
received), with its points after weights and cooldown. Leaderboards of any period are sums over it,
so weekly and monthly boards are never wiped: they are recomputed from the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Index, UniqueConstraint, select
from sqlmodel import Field, SQLModel

from storage.db import Database
from storage.models import Member
from storage.types import UTCDateTime


class PointsEntry(SQLModel, table=True):
    """One scored thing a member did; `(community, kind, external_id)` mirrors the interactions' key."""

    __tablename__ = "recognition_points"
    __table_args__ = (
        UniqueConstraint("community_id", "kind", "external_id", name="uq_recognition_points_natural"),
        Index("ix_recognition_points_community_at", "community_id", "at"),
        Index("ix_recognition_points_member_at", "member_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)
    external_id: str = Field(max_length=160)
    target_member_id: int | None = Field(default=None, foreign_key="members.id", ondelete="SET NULL")
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    points: int = 0
    removed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class BadgeAward(SQLModel, table=True):
    """A badge a member holds (or held: a revoked award stays so rules never hand it out again)."""

    __tablename__ = "recognition_badges"
    __table_args__ = (
        UniqueConstraint("community_id", "member_id", "badge", name="uq_recognition_badges_once"),
        Index("ix_recognition_badges_community_awarded", "community_id", "awarded_at"),
        Index("ix_recognition_badges_member", "member_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    badge: str = Field(max_length=48)
    awarded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    manual: bool = False
    awarded_by: int | None = Field(default=None, foreign_key="members.id", ondelete="SET NULL")
    reason: str | None = Field(default=None, max_length=500, sa_column_kwargs={"info": {"written_by": "awarded_by"}})
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    revoked_by: int | None = Field(default=None, foreign_key="members.id", ondelete="SET NULL")
    revoke_reason: str | None = Field(default=None, max_length=500, sa_column_kwargs={"info": {"written_by": "revoked_by"}})


class Kudos(SQLModel, table=True):
    """A thank-you from one member to another; `giver_id` is emptied when the giver is forgotten."""

    __tablename__ = "recognition_kudos"
    __table_args__ = (
        Index("ix_recognition_kudos_community_at", "community_id", "at"),
        Index("ix_recognition_kudos_giver_at", "giver_id", "at"),
        Index("ix_recognition_kudos_receiver", "receiver_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    giver_id: int | None = Field(default=None, foreign_key="members.id", ondelete="SET NULL")
    receiver_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    reason: str | None = Field(default=None, max_length=500, sa_column_kwargs={"info": {"written_by": "giver_id"}})
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class MemberLevel(SQLModel, table=True):
    """The highest level a member has reached (levels are announced once and never taken back)."""

    __tablename__ = "recognition_levels"
    __table_args__ = (
        UniqueConstraint("community_id", "member_id", name="uq_recognition_levels_member"),
        Index("ix_recognition_levels_member", "member_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    level: int = 0
    reached_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RecognitionCursor(SQLModel, table=True):
    """How far the ledger has read the interactions table (contributions recorded by other paths)."""

    __tablename__ = "recognition_cursors"

    community_id: int = Field(foreign_key="communities.id", primary_key=True)
    last_interaction_id: int = 0


@dataclass(frozen=True, slots=True)
class KudosTally:
    """Kudos of a period, for the digest: totals and the members who gave and received them."""

    total: int
    givers: dict[str, int]
    receivers: dict[str, int]
    names: dict[str, str]

    def top_receivers(self, n: int = 3) -> list[tuple[str, int]]:
        """The `n` members who received the most kudos (ties by member id)."""
        return sorted(self.receivers.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


async def kudos_in_period(db: Database, community_id: int, start: datetime, end: datetime) -> KudosTally:
    """Kudos given in `[start, end)`, counted per giver and per receiver (platform member ids)."""
    k, m = Kudos.__table__, Member.__table__  # type: ignore[attr-defined]
    giver, receiver = m.alias("giver"), m.alias("receiver")
    query = (
        select(giver.c.external_id.label("giver"), receiver.c.external_id.label("receiver"), giver.c.name.label("giver_name"), receiver.c.name.label("receiver_name"))
        .select_from(k.join(receiver, receiver.c.id == k.c.receiver_id).outerjoin(giver, giver.c.id == k.c.giver_id))
        .where(k.c.community_id == community_id, k.c.at >= start, k.c.at < end)
    )
    async with db.begin() as conn:
        rows = (await conn.execute(query)).all()
    givers: dict[str, int] = {}
    receivers: dict[str, int] = {}
    names: dict[str, str] = {}
    for row in rows:
        receivers[row.receiver] = receivers.get(row.receiver, 0) + 1
        names[row.receiver] = row.receiver_name or row.receiver
        if row.giver is not None:
            givers[row.giver] = givers.get(row.giver, 0) + 1
            names[row.giver] = row.giver_name or row.giver
    return KudosTally(len(rows), givers, receivers, names)
