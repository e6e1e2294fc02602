"""Weekly prompt tables: what was posted each period, the animators' queue, and the pack rotation.

`prompt_posts` has one row per community and period, written *before* the prompt is sent and
confirmed after: a crash or a restart can never post the same period twice. For the digest,
`prompt_answer_stats` counts the `prompt_answer` interactions of each prompt posted in a range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Index, UniqueConstraint, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import Field, SQLModel

from storage.db import Database
from storage.models import Interaction, InteractionKind
from storage.types import UTCDateTime


class PromptPost(SQLModel, table=True):
    """The prompt of one community for one period; `status` is "sending" until the platform confirms."""

    __tablename__ = "prompt_posts"
    __table_args__ = (
        UniqueConstraint("community_id", "period", name="uq_prompt_posts_period"),
        Index("ix_prompt_posts_community_message", "community_id", "message_external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    period: str = Field(max_length=64)
    scheduled_for: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    source: str = Field(max_length=16)  # "pack", "queue" (added by an animator) or "date" (scheduled for a date)
    pack: str | None = Field(default=None, max_length=64)
    prompt_id: str | None = Field(default=None, max_length=64)
    cycle: int = 0
    queue_id: int | None = Field(default=None, foreign_key="prompt_queue.id")
    theme: str | None = Field(default=None, max_length=32)
    text: str = Field(max_length=2000)
    status: str = Field(default="sending", max_length=12)
    channel_external_id: str = Field(max_length=64)
    message_external_id: str | None = Field(default=None, max_length=64)
    posted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class PromptQueued(SQLModel, table=True):
    """A prompt an animator wrote: next in line, or kept for a date (`for_date`, local YYYY-MM-DD)."""

    __tablename__ = "prompt_queue"
    __table_args__ = (Index("ix_prompt_queue_community_status", "community_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    text: str = Field(max_length=2000)
    for_date: str | None = Field(default=None, max_length=10)
    added_by: int | None = Field(default=None, foreign_key="members.id", ondelete="SET NULL")
    added_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(default="queued", max_length=12)  # "queued", "posted", "skipped"
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class PromptUsed(SQLModel, table=True):
    """A pack prompt used (posted or skipped) in one cycle of a community's rotation."""

    __tablename__ = "prompt_rotation"
    __table_args__ = (UniqueConstraint("community_id", "pack", "cycle", "prompt_id", name="uq_prompt_rotation_used"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="communities.id")
    pack: str = Field(max_length=64)
    prompt_id: str = Field(max_length=64)
    cycle: int = 0
    used_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class Choice:
    """The prompt chosen for a period: from the pack (with its cycle) or from the animators' queue."""

    text: str
    source: str
    pack: str | None = None
    prompt_id: str | None = None
    theme: str | None = None
    cycle: int = 0
    queue_id: int | None = None
    for_date: str | None = None
    restarted: bool = False


@dataclass(frozen=True, slots=True)
class PromptAnswers:
    """A posted prompt and how members answered it (for the digest)."""

    period: str
    posted_at: datetime
    text: str
    theme: str | None
    message_external_id: str
    answers: int
    answerers: int


_posts = PromptPost.__table__  # type: ignore[attr-defined]
_queue = PromptQueued.__table__  # type: ignore[attr-defined]
_used = PromptUsed.__table__  # type: ignore[attr-defined]


class PromptStore:
    """The weekly prompts' repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- the animators' queue -------------------------------------------------------------
    async def enqueue(self, community_id: int, text: str, at: datetime, *, for_date: str | None = None, added_by: int | None = None) -> int:
        """Queue a prompt (next in line, or for a date); returns its id."""
        async with self.db.begin() as conn:
            result = await conn.execute(_queue.insert().values(
                community_id=community_id, text=text, for_date=for_date, added_by=added_by, added_at=at, status="queued"))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    async def queued(self, community_id: int) -> list[PromptQueued]:
        """Prompts waiting in the queue: dated ones by date, then the others in order of arrival."""
        async with self.db.session() as session:
            rows = (await session.execute(select(PromptQueued).where(
                PromptQueued.community_id == community_id, PromptQueued.status == "queued",  # type: ignore[arg-type]
            ).order_by(PromptQueued.id))).scalars().all()  # type: ignore[arg-type]
        return sorted(rows, key=lambda q: (q.for_date is None, q.for_date or "", q.id or 0))

    async def set_queue_status(self, queue_id: int, status: str, at: datetime | None) -> None:
        """Mark a queued prompt posted or skipped (or back to queued)."""
        async with self.db.begin() as conn:
            await conn.execute(update(_queue).where(_queue.c.id == queue_id).values(status=status, done_at=at))

    # --- the pack rotation ----------------------------------------------------------------
    async def rotation(self, community_id: int, pack: str) -> tuple[int, set[str]]:
        """The current cycle of a pack's rotation and the prompt ids already used in it."""
        async with self.db.begin() as conn:
            cycle = (await conn.execute(select(func.max(_used.c.cycle)).where(
                _used.c.community_id == community_id, _used.c.pack == pack))).scalar()
            if cycle is None:
                return 0, set()
            ids = (await conn.execute(select(_used.c.prompt_id).where(
                _used.c.community_id == community_id, _used.c.pack == pack, _used.c.cycle == cycle))).scalars().all()
        return int(cycle), set(ids)

    async def use(self, community_id: int, choice: Choice, at: datetime, *, skipped: bool) -> None:
        """Take a prompt out of the rotation or the queue without posting it (skip)."""
        async with self.db.begin() as conn:
            await self._consume(conn, community_id, choice, at, skipped=skipped)

    async def _consume(self, conn: AsyncConnection, community_id: int, choice: Choice, at: datetime, *, skipped: bool) -> None:
        if choice.queue_id is not None:
            await conn.execute(update(_queue).where(_queue.c.id == choice.queue_id).values(
                status="skipped" if skipped else "posted", done_at=at))
        elif choice.pack is not None and choice.prompt_id is not None:
            await conn.execute(self.db.insert_ignore(_used).values(
                community_id=community_id, pack=choice.pack, prompt_id=choice.prompt_id, cycle=choice.cycle, used_at=at, skipped=skipped))

    # --- posts ----------------------------------------------------------------------------
    async def reserve(self, community_id: int, period: str, scheduled_for: datetime, choice: Choice, channel: str,
                      at: datetime) -> tuple[int, Choice] | None:
        """Write the period's prompt before sending it: its id and the prompt to send; None when the period's prompt went out.

        A prompt still "sending" was left by a run that died mid-send (the scheduler's lease on the period ran out):
        it is sent again, the same one (the queue or the pack moved on when it was reserved).
        """
        async with self.db.begin() as conn:
            result = await conn.execute(self.db.insert_ignore(_posts).values(
                community_id=community_id, period=period, scheduled_for=scheduled_for, source=choice.source, pack=choice.pack,
                prompt_id=choice.prompt_id, cycle=choice.cycle, queue_id=choice.queue_id, theme=choice.theme, text=choice.text,
                status="sending", channel_external_id=channel))
            if not result.rowcount:
                left = (await conn.execute(select(_posts).where(_posts.c.community_id == community_id, _posts.c.period == period,
                                                                _posts.c.status == "sending"))).first()
                if left is None:
                    return None
                return int(left.id), Choice(left.text, left.source, left.pack, left.prompt_id, left.theme, left.cycle, left.queue_id)
            await self._consume(conn, community_id, choice, at, skipped=False)
            post_id = (await conn.execute(select(_posts.c.id).where(
                _posts.c.community_id == community_id, _posts.c.period == period))).scalar_one()
        return int(post_id), choice

    async def confirm(self, post_id: int, message_external_id: str, at: datetime) -> None:
        """Record the platform's id of the posted prompt."""
        async with self.db.begin() as conn:
            await conn.execute(update(_posts).where(_posts.c.id == post_id).values(
                status="sent", message_external_id=message_external_id, posted_at=at))

    async def cancel(self, post_id: int, community_id: int, choice: Choice) -> None:
        """Undo a reservation whose sending failed, so the period can be tried again."""
        async with self.db.begin() as conn:
            await conn.execute(delete(_posts).where(_posts.c.id == post_id))
            if choice.queue_id is not None:
                await conn.execute(update(_queue).where(_queue.c.id == choice.queue_id).values(status="queued", done_at=None))
            elif choice.pack is not None:
                await conn.execute(delete(_used).where(
                    _used.c.community_id == community_id, _used.c.pack == choice.pack, _used.c.cycle == choice.cycle,
                    _used.c.prompt_id == choice.prompt_id))

    async def posts(self, community_id: int) -> list[PromptPost]:
        """Every prompt of a community, oldest first."""
        async with self.db.session() as session:
            rows = (await session.execute(select(PromptPost).where(
                PromptPost.community_id == community_id).order_by(PromptPost.scheduled_for, PromptPost.id))).scalars().all()  # type: ignore[arg-type]
        return list(rows)

    async def post_messages(self, community_id: int) -> dict[str, str]:
        """Message id → period of every prompt sent in a community (to recognise answers)."""
        async with self.db.begin() as conn:
            rows = (await conn.execute(select(_posts.c.message_external_id, _posts.c.period).where(
                _posts.c.community_id == community_id, _posts.c.message_external_id.is_not(None)))).all()
        return {r.message_external_id: r.period for r in rows}

    async def member_row(self, community_id: int, external_id: str) -> int | None:
        """A member's row id, without creating it."""
        from storage.models import Member

        m = Member.__table__  # type: ignore[attr-defined]
        async with self.db.begin() as conn:
            found = (await conn.execute(select(m.c.id).where(m.c.community_id == community_id, m.c.external_id == external_id))).scalar()
        return int(found) if found is not None else None

    async def queued_by(self, member_id: int) -> int:
        """How many prompts a member queued."""
        async with self.db.begin() as conn:
            return int((await conn.execute(select(func.count()).where(_queue.c.added_by == member_id))).scalar_one())


async def prompt_answer_stats(db: Database, community_id: int, since: datetime, until: datetime) -> list[PromptAnswers]:
    """The prompts posted in `[since, until)` with their answers (replies and thread messages) before `until`."""
    i = Interaction.__table__  # type: ignore[attr-defined]
    answers = (
        select(_posts.c.period, _posts.c.posted_at, _posts.c.text, _posts.c.theme, _posts.c.message_external_id,
               func.count(i.c.id).label("answers"), func.count(func.distinct(i.c.member_id)).label("answerers"))
        .select_from(_posts.outerjoin(i, and_(
            i.c.community_id == _posts.c.community_id, i.c.kind == InteractionKind.PROMPT_ANSWER.value,
            i.c.parent_external_id == _posts.c.message_external_id, i.c.at < until)))
        .where(_posts.c.community_id == community_id, _posts.c.status == "sent",
               _posts.c.posted_at >= since, _posts.c.posted_at < until)
        .group_by(_posts.c.id, _posts.c.period, _posts.c.posted_at, _posts.c.text, _posts.c.theme, _posts.c.message_external_id)
        .order_by(_posts.c.posted_at)
    )
    async with db.begin() as conn:
        rows = (await conn.execute(answers)).all()
    return [PromptAnswers(r.period, r.posted_at, r.text, r.theme, r.message_external_id, int(r.answers), int(r.answerers)) for r in rows]
