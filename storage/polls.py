"""Poll and survey tables, shared by the polls cog, the importer and the KPI queries.

Anonymous polls: a ballot stores a keyed hash of the voter (never the member id), no time, and a
random primary key, so neither the row order nor a timestamp ties it to an interaction row.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class PollKind(StrEnum):
    """Kinds of polls and surveys (EVENTS.md `poll.kind`), plus open feedback."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    NPS = "nps"  # 0-10
    CSAT = "csat"  # 1-5
    LIKERT = "likert"  # 1-5
    OPEN = "open"  # free text feedback


class Poll(SQLModel, table=True):
    """A poll or survey; `external_id` is the bot's or the imported log's id, unique per community."""

    __tablename__ = "polls"
    __table_args__ = (
        UniqueConstraint("community_id", "external_id", name="uq_polls_community_external"),
        Index("ix_polls_community_closes", "community_id", "closes_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    external_id: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    question: str = Field(max_length=1000)
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    anonymous: bool = False
    reveal: str = Field(default="live", max_length=8)  # "live" or "close"
    channel_id: int | None = Field(default=None, foreign_key="channels.id")
    message_external_id: str | None = Field(default=None, max_length=64)
    created_by: int | None = Field(default=None, foreign_key="members.id", ondelete="SET NULL")
    recurrence: str | None = Field(default=None, max_length=16)  # "weekly", "monthly"
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    closes_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class PollVote(SQLModel, table=True):
    """One member's current answer to a poll; a changed vote replaces it (multiple choice: one row per option).

    Public polls: `voter` is the member id as text and `member_id` is set. Anonymous polls: `voter` is a
    keyed hash, `member_id` and `cast_at` are null, and `id` is random.
    """

    __tablename__ = "poll_votes"
    __table_args__ = (
        UniqueConstraint("poll_id", "voter", "value", name="uq_poll_votes_ballot"),
        Index("ix_poll_votes_poll", "poll_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="polls.id")
    voter: str = Field(max_length=128)
    member_id: int | None = Field(default=None, foreign_key="members.id", ondelete="CASCADE")
    value: int  # option index from 0, or the score (0-10 NPS, 1-5 CSAT/Likert)
    text: str | None = None  # open feedback only
    cast_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
