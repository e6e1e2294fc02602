"""Onboarding tables: each newcomer's journey, the onboarding messages sent, buddy consents and pairs.

The funnel the weekly digest shows (`onboarding_funnel`) is computed from these tables and the
interactions; see storage/onboarding_repo.py for the queries the onboarding cog runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint, select
from sqlmodel import Field, SQLModel

from storage.db import Database
from storage.models import CONTRIBUTION_KINDS, Interaction
from storage.types import UTCDateTime


class OnboardingStep(StrEnum):
    """The steps of the onboarding checklist, in their usual order."""

    RULES = "rules"
    INTRODUCE = "introduce"
    CONTRIBUTE = "contribute"
    REPLY = "reply"


STEP_COLUMNS: dict[OnboardingStep, str] = {
    OnboardingStep.RULES: "rules_accepted_at",
    OnboardingStep.INTRODUCE: "introduced_at",
    OnboardingStep.CONTRIBUTE: "contributed_at",
    OnboardingStep.REPLY: "replied_at",
}


class Newcomer(SQLModel, table=True):
    """One member's onboarding journey: when they joined, passed each step and completed the checklist.

    `completed_at` (with `member_id`) is what the recognition cog's "onboarding" badges read.
    """

    __tablename__ = "onboarding_members"
    __table_args__ = (
        UniqueConstraint("community_id", "member_id", name="uq_onboarding_members_member"),
        Index("ix_onboarding_members_community_joined", "community_id", "joined_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    joined_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    left_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    rules_accepted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    introduced_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    contributed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    replied_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    active_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    opted_out_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class OnboardingMessage(SQLModel, table=True):
    """An onboarding message sent to a member (welcome, kit, reminder, nudge…), claimed once by its kind."""

    __tablename__ = "onboarding_messages"
    __table_args__ = (UniqueConstraint("community_id", "member_id", "kind", name="uq_onboarding_messages_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=32)
    sent_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    delivered: bool = True


class BuddyConsent(SQLModel, table=True):
    """A member who agreed to welcome newcomers as their buddy (until they opt out)."""

    __tablename__ = "buddy_consents"
    __table_args__ = (UniqueConstraint("community_id", "member_id", name="uq_buddy_consents_member"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    opted_in_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    opted_out_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class BuddyPair(SQLModel, table=True):
    """A newcomer introduced to a buddy; a pair is never made twice."""

    __tablename__ = "buddy_pairs"
    __table_args__ = (
        UniqueConstraint("community_id", "newcomer_id", "buddy_id", name="uq_buddy_pairs_pair"),
        Index("ix_buddy_pairs_buddy", "community_id", "buddy_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    newcomer_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    buddy_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    period: str = Field(max_length=64)
    paired_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


# --- the funnel -------------------------------------------------------------------------------

FUNNEL_STAGES = ("joined", "rules_accepted", "introduced", "first_contribution", "active_second_week")


@dataclass(frozen=True, slots=True)
class FunnelStage:
    """One stage of the funnel: how many of the cohort reached it, of all joiners and of the stage before."""

    key: str
    count: int
    rate: float | None
    step_rate: float | None


@dataclass(frozen=True, slots=True)
class OnboardingFunnel:
    """The onboarding funnel of the members who joined in `[start, end)`, as of `as_of`.

    `second_week_pending` counts the joiners whose second week was not over at `as_of`: they may
    still become active in it (their stage is counted as soon as they do).
    """

    start: datetime
    end: datetime
    as_of: datetime
    stages: tuple[FunnelStage, ...]
    second_week_pending: int

    @property
    def joined(self) -> int:
        """How many members joined in the period."""
        return self.stages[0].count

    def stage(self, key: str) -> FunnelStage:
        """A stage by key (`joined`, `rules_accepted`, `introduced`, `first_contribution`, `active_second_week`)."""
        return next(s for s in self.stages if s.key == key)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (for the digest, `/kpi` and exports)."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "second_week_pending": self.second_week_pending,
            "stages": [{"key": s.key, "count": s.count, "rate": s.rate, "step_rate": s.step_rate} for s in self.stages],
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def onboarding_funnel(db: Database, community_id: int, start: datetime, end: datetime, as_of: datetime | None = None) -> OnboardingFunnel:
    """Joined → rules accepted → introduced → first contribution → active in their second week.

    The cohort is the members whose onboarding began (they joined while the bot listened) in
    `[start, end)`. A stage counts when it happened before `as_of` (default: `end` + 14 days, so
    the cohort's second weeks are over). "First contribution" is any contribution (KPI.md) in a
    channel other than the introductions one; "active in their second week" is a contribution in
    `[joined + 7 days, joined + 14 days)`. Rates are shares of the joiners (`rate`) and of the stage
    before (`step_rate`); both are None when their base is 0.
    """
    as_of = as_of or end + timedelta(days=14)
    n = Newcomer.__table__  # type: ignore[attr-defined]
    i = Interaction.__table__  # type: ignore[attr-defined]
    cohort_q = select(n.c.member_id, n.c.joined_at, n.c.rules_accepted_at, n.c.introduced_at, n.c.contributed_at).where(
        n.c.community_id == community_id, n.c.joined_at >= start, n.c.joined_at < end, n.c.joined_at < as_of
    )
    async with db.begin() as conn:
        cohort = (await conn.execute(cohort_q)).all()
        joined_at = {r.member_id: r.joined_at for r in cohort}
        contributions = (
            await conn.execute(
                select(i.c.member_id, i.c.at).where(
                    i.c.community_id == community_id,
                    i.c.member_id.in_(list(joined_at)),
                    i.c.kind.in_([k.value for k in CONTRIBUTION_KINDS]),
                    i.c.at >= start + timedelta(days=7),
                    i.c.at < min(end + timedelta(days=14), as_of),
                )
            )
        ).all() if joined_at else []

    def reached(value: datetime | None) -> bool:
        return value is not None and value < as_of

    active = {m for m, at in contributions if joined_at[m] + timedelta(days=7) <= at < joined_at[m] + timedelta(days=14)}
    values = (
        len(cohort),
        sum(reached(r.rules_accepted_at) for r in cohort),
        sum(reached(r.introduced_at) for r in cohort),
        sum(reached(r.contributed_at) for r in cohort),
        len(active),
    )
    pending = sum(1 for r in cohort if r.joined_at + timedelta(days=14) > as_of)
    joined = values[0]
    stages = tuple(
        FunnelStage(key, count, _rate(count, joined), _rate(count, values[k - 1]) if k else None)
        for k, (key, count) in enumerate(zip(FUNNEL_STAGES, values, strict=True))
    )
    return OnboardingFunnel(start, end, as_of, stages, pending)
