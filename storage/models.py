"""The foundation's tables: communities, members, channels, interactions and job runs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class InteractionKind(StrEnum):
    """What an interaction row records. Contributions: message, reply, reaction, poll_vote, prompt_answer."""

    MESSAGE = "message"
    REPLY = "reply"
    REACTION = "reaction"
    MENTION = "mention"
    POLL_VOTE = "poll_vote"
    PROMPT_ANSWER = "prompt_answer"
    JOIN = "join"
    LEAVE = "leave"


CONTRIBUTION_KINDS = (
    InteractionKind.MESSAGE,
    InteractionKind.REPLY,
    InteractionKind.REACTION,
    InteractionKind.POLL_VOTE,
    InteractionKind.PROMPT_ANSWER,
)
POST_KINDS = (InteractionKind.MESSAGE, InteractionKind.REPLY)


class Community(SQLModel, table=True):
    """A Discord guild, a Slack workspace, or a console/simulated community."""

    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_communities_platform_external"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    external_id: str = Field(max_length=64)
    name: str | None = Field(default=None, max_length=200)
    first_seen_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    """When the bot first knew the community (installed, or history imported); unknown for communities of earlier releases."""


class Member(SQLModel, table=True):
    """A member of a community; `joined_at` is the first join, or the first event seen."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("community_id", "external_id", name="uq_members_community_external"),
        Index("ix_members_community_joined", "community_id", "joined_at"),  # KPIs: joiners of a period (0003_kpi)
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id", index=True)
    external_id: str = Field(max_length=64)
    name: str | None = Field(default=None, max_length=200)
    is_bot: bool = False
    joined_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    left_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class Channel(SQLModel, table=True):
    """A channel of a community."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("community_id", "external_id", name="uq_channels_community_external"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id", index=True)
    external_id: str = Field(max_length=64)
    name: str | None = Field(default=None, max_length=200)


class Interaction(SQLModel, table=True):
    """One thing a member did. `(community, kind, external_id)` is unique: redeliveries are no-ops."""

    __tablename__ = "interactions"
    __table_args__ = (
        UniqueConstraint("community_id", "kind", "external_id", name="uq_interactions_natural"),
        Index("ix_interactions_community_at", "community_id", "at"),
        # the replies to a post (KPIs: first responses, covering; 0008_kpi_reply_index): with kind and time after the parent,
        # no planner prefers a period's whole time range to it, statistics or not
        Index("ix_interactions_community_parent_kind_at", "community_id", "parent_external_id", "kind", "at", "member_id", "removed_at"),
        Index("ix_interactions_member_at", "member_id", "at"),
        # KPIs: one covering index range per kind and period (0003_kpi)
        Index("ix_interactions_community_kind_at", "community_id", "kind", "at", "member_id", "removed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    kind: str = Field(max_length=16)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    channel_id: int | None = Field(default=None, foreign_key="channels.id")
    target_member_id: int | None = Field(default=None, foreign_key="members.id", ondelete="SET NULL")
    external_id: str = Field(max_length=160)
    parent_external_id: str | None = Field(default=None, max_length=160)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    removed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    sentiment: float | None = None
    text: str | None = None


class JobRun(SQLModel, table=True):
    """A scheduled job's run for one period (or one part of it): claimed under a lease, then marked done.

    The unique key means one claim per period; a claim whose run neither finished (`done_at`) nor came
    back before `lease_until` (the process died mid-run) can be claimed again. A row with neither a lease
    nor `done_at` is owed: made so by the transaction that made the run necessary (a poll's close owes
    its results), claimable at once. `owner` says which run holds the claim: a run whose lease ran out and
    whose period another run took over can no longer mark it done or give it back.
    """

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("scope", "job", "period", name="uq_job_runs_period"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=120)
    job: str = Field(max_length=120)
    period: str = Field(max_length=64)
    claimed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    owner: str | None = Field(default=None, max_length=32)
    """The token of the run holding the claim (None: owed, or done before owners existed): only it marks the period done or gives it back."""
