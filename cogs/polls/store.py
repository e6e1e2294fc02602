"""The polls repository: polls, ballots (public or anonymous), tallies and closing, on the shared poll tables."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.refs import ChannelRef, CommunityRef, Platform
from cogs.polls.closing import JOB_SCOPE, ONCE
from cogs.polls.model import PollDraft
from storage.anonymity import random_ballot_id, random_voter
from storage.db import Database
from storage.jobs import JobRuns
from storage.models import Channel, Community, Member
from storage.polls import Poll, PollVote

POLLS = Poll.__table__  # type: ignore[attr-defined]
VOTES = PollVote.__table__  # type: ignore[attr-defined]
CHANNELS = Channel.__table__  # type: ignore[attr-defined]
COMMUNITIES = Community.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Voter:
    """Who casts a ballot as the tables see it: the member's id and row (public) or a keyed code alone (anonymous)."""

    code: str
    member_id: int | None
    at: datetime | None


@dataclass(frozen=True, slots=True)
class Tally:
    """A poll's counts: ballots per value, distinct voters, and open-feedback texts."""

    counts: dict[int, int]
    voters: int
    texts: tuple[str, ...] = ()


class PollStore:
    """Reads and writes polls and their ballots."""

    def __init__(self, db: Database, runs: JobRuns | None = None) -> None:
        self.db = db
        self.runs = runs or JobRuns(db)

    # --- polls ----------------------------------------------------------------------------
    async def create(self, community_id: int, draft: PollDraft, *, channel_id: int | None, created_by: int | None, now: datetime) -> Poll:
        """Store a new open poll."""
        values = {
            "community_id": community_id, "external_id": f"bot-{secrets.token_hex(8)}", "kind": draft.kind.value,
            "question": draft.question, "options": list(draft.options), "anonymous": draft.anonymous, "reveal": draft.reveal,
            "channel_id": channel_id, "created_by": created_by, "recurrence": draft.recurrence, "created_at": now,
            "closes_at": draft.closes_at,
        }
        async with self.db.begin() as conn:
            result = await conn.execute(insert(POLLS).values(**values))
            key = result.inserted_primary_key
            assert key is not None
            poll_id = int(key[0])
        poll = await self.get(poll_id)
        assert poll is not None
        return poll

    async def set_message(self, poll_id: int, message_id: str) -> None:
        """Remember the message that carries the poll (reactions and native votes point at it)."""
        async with self.db.begin() as conn:
            await conn.execute(update(POLLS).where(POLLS.c.id == poll_id).values(message_external_id=message_id))

    async def get(self, poll_id: int, community_id: int | None = None) -> Poll | None:
        """A poll by id (optionally only within a community)."""
        query = select(POLLS).where(POLLS.c.id == poll_id)
        if community_id is not None:
            query = query.where(POLLS.c.community_id == community_id)
        return await self._one(query)

    async def by_message(self, community_id: int, message_id: str) -> Poll | None:
        """The poll a message carries, if any."""
        return await self._one(select(POLLS).where(POLLS.c.community_id == community_id, POLLS.c.message_external_id == message_id))

    async def open_polls(self) -> list[Poll]:
        """Every poll not closed yet, in every community."""
        return await self._all(select(POLLS).where(POLLS.c.closed_at.is_(None)).order_by(POLLS.c.closes_at, POLLS.c.id))

    async def _one(self, query: Select[Any]) -> Poll | None:
        found = await self._all(query.limit(1))
        return found[0] if found else None

    async def _all(self, query: Select[Any]) -> list[Poll]:
        # plain Core reads: an ORM session per vote costs several times more
        async with self.db.begin() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [Poll(**dict(row)) for row in rows]

    async def recent(self, community_id: int, limit: int = 15) -> list[Poll]:
        """A community's polls, open ones first, then the latest closed."""
        return await self._all(
            select(POLLS).where(POLLS.c.community_id == community_id)
            .order_by(POLLS.c.closed_at.is_not(None), POLLS.c.closes_at.desc(), POLLS.c.id.desc()).limit(limit)
        )

    async def close(self, poll_id: int, at: datetime) -> bool:
        """Mark a poll closed; True only for the one call that closed it (never twice, even across processes)."""
        async with self.db.begin() as conn:
            result = await conn.execute(update(POLLS).where(POLLS.c.id == poll_id, POLLS.c.closed_at.is_(None)).values(closed_at=at))
        return bool(result.rowcount)

    async def stop_recurrence(self, poll_id: int) -> None:
        """No next poll after this one."""
        async with self.db.begin() as conn:
            await conn.execute(update(POLLS).where(POLLS.c.id == poll_id).values(recurrence=None))

    async def channel_of(self, poll: Poll) -> ChannelRef | None:
        """Where a poll was posted."""
        if poll.channel_id is None:
            return None
        query = (
            select(CHANNELS.c.external_id, CHANNELS.c.name, COMMUNITIES.c.platform, COMMUNITIES.c.external_id.label("community"))
            .join(COMMUNITIES, COMMUNITIES.c.id == CHANNELS.c.community_id).where(CHANNELS.c.id == poll.channel_id)
        )
        async with self.db.begin() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return ChannelRef(CommunityRef(Platform(row.platform), row.community), row.external_id, row.name)

    # --- ballots --------------------------------------------------------------------------
    # Every change of a ballot checks, in its own transaction, that the poll is still open, and holds the
    # poll's row while it writes (PostgreSQL: FOR UPDATE; SQLite: the write lock its first statement takes),
    # so no ballot is ever written after the close, its tally and its unlinking, which take the same lock.
    async def _open(self, conn: AsyncConnection, poll_id: int, now: datetime) -> bool:
        """Inside a ballot's transaction: whether the poll takes votes, the poll's row held until the transaction ends."""
        still_open = (POLLS.c.id == poll_id, POLLS.c.closed_at.is_(None), POLLS.c.closes_at > now)
        if self.db.is_sqlite:  # a write first: it takes the database's write lock (a read first could not upgrade after a close)
            return bool((await conn.execute(update(POLLS).where(*still_open).values(closed_at=None))).rowcount)
        return (await conn.execute(select(POLLS.c.id).where(*still_open).with_for_update())).first() is not None

    async def values_of(self, poll_id: int, voter: Voter) -> list[int]:
        """The values a voter currently has on a poll."""
        async with self.db.begin() as conn:
            return await self._values(conn, poll_id, voter)

    @staticmethod
    async def _values(conn: AsyncConnection, poll_id: int, voter: Voter) -> list[int]:
        rows = (await conn.execute(select(VOTES.c.value).where(VOTES.c.poll_id == poll_id, VOTES.c.voter == voter.code))).all()
        return sorted(r.value for r in rows)

    async def replace(self, poll_id: int, voter: Voter, values: list[int], now: datetime, text: str | None = None) -> list[int] | None:
        """Make `values` the voter's whole ballot (a changed vote replaces the previous one); None once the poll is closed."""
        async with self.db.begin() as conn:
            if not await self._open(conn, poll_id, now):
                return None
            await conn.execute(delete(VOTES).where(VOTES.c.poll_id == poll_id, VOTES.c.voter == voter.code))
            for value in values:
                await self._insert(conn, poll_id, voter, value, text)
        return sorted(values)

    async def toggle(self, poll_id: int, voter: Voter, value: int, now: datetime, *, on: bool | None = None) -> list[int] | None:
        """Add or remove one value of a multiple-choice ballot (`on` forces a side); None once the poll is closed."""
        async with self.db.begin() as conn:
            if not await self._open(conn, poll_id, now):
                return None
            current = set(await self._values(conn, poll_id, voter))
            if value in current and on is not True:
                await conn.execute(delete(VOTES).where(VOTES.c.poll_id == poll_id, VOTES.c.voter == voter.code, VOTES.c.value == value))
                current.discard(value)
            elif value not in current and on is not False:
                await self._insert(conn, poll_id, voter, value, None)
                current.add(value)
        return sorted(current)

    async def remove(self, poll_id: int, voter: Voter, value: int, now: datetime) -> bool:
        """Take one value back (a removed reaction or native vote); True when there was one and the poll was open."""
        async with self.db.begin() as conn:
            if not await self._open(conn, poll_id, now):
                return False
            result = await conn.execute(delete(VOTES).where(VOTES.c.poll_id == poll_id, VOTES.c.voter == voter.code, VOTES.c.value == value))
        return bool(result.rowcount)

    async def _insert(self, conn: AsyncConnection, poll_id: int, voter: Voter, value: int, text: str | None) -> None:
        row = {"poll_id": poll_id, "voter": voter.code, "member_id": voter.member_id, "value": value, "text": text, "cast_at": voter.at}
        if voter.member_id is not None:
            await conn.execute(insert(VOTES).values(**row))
            return
        for _ in range(8):  # anonymous: a random id, drawn again on the rare collision
            ballot_id = random_ballot_id()
            if (await conn.execute(select(VOTES.c.id).where(VOTES.c.id == ballot_id))).first() is None:
                await conn.execute(insert(VOTES).values(id=ballot_id, **row))
                return
        raise RuntimeError("could not draw a free id for an anonymous ballot")

    async def tally(self, poll_id: int) -> Tally:
        """Ballots per value, distinct voters and the feedback texts (in random order for anonymous polls)."""
        async with self.db.begin() as conn:
            return await self._tally(conn, poll_id)

    @staticmethod
    async def _tally(conn: AsyncConnection, poll_id: int) -> Tally:
        rows = (await conn.execute(select(VOTES.c.voter, VOTES.c.value, VOTES.c.text).where(VOTES.c.poll_id == poll_id).order_by(VOTES.c.id))).all()
        counts = Counter(r.value for r in rows)
        texts = tuple(sorted(r.text for r in rows if r.text))
        return Tally(dict(counts), len({r.voter for r in rows}), texts)

    async def close_and_tally(self, poll_id: int, at: datetime, *, unlink: bool, owes: Sequence[str] = ()) -> Tally | None:
        """Close a poll, count it and (anonymous polls) unlink its ballots, in one transaction; None when it was closed already.

        The close takes the poll's row first: a ballot still being written is counted, a later one is refused,
        and no ballot keeps a voter code after the unlinking. The same transaction marks `owes` (job_runs claims
        of scope `polls`, period `once`: the results post, the next poll) as owed, so a crash right after it
        loses neither.
        """
        async with self.db.begin() as conn:
            closed = await conn.execute(update(POLLS).where(POLLS.c.id == poll_id, POLLS.c.closed_at.is_(None)).values(closed_at=at))
            if not closed.rowcount:
                return None
            tally = await self._tally(conn, poll_id)
            if unlink:
                await self._unlink(conn, poll_id)
            for job in owes:
                await self.runs.owe(conn, JOB_SCOPE, job, ONCE, at)
        return tally

    @staticmethod
    async def _unlink(conn: AsyncConnection, poll_id: int) -> int:
        """Replace every voter code of the poll by a random one: not even the key links a ballot back."""
        codes = [r.voter for r in (await conn.execute(select(VOTES.c.voter).where(VOTES.c.poll_id == poll_id).distinct())).all()]
        for code in codes:
            await conn.execute(update(VOTES).where(VOTES.c.poll_id == poll_id, VOTES.c.voter == code).values(voter=random_voter()))
        return len(codes)

    # --- privacy --------------------------------------------------------------------------
    async def member_row(self, community_id: int, external_id: str) -> int | None:
        """A member's row id, without creating one."""
        members = Member.__table__  # type: ignore[attr-defined]
        async with self.db.begin() as conn:
            row = (await conn.execute(select(members.c.id).where(members.c.community_id == community_id, members.c.external_id == external_id))).first()
        return int(row.id) if row else None

    async def member_votes(self, member_id: int) -> int:
        """Public ballots a member has (anonymous ones cannot be found)."""
        async with self.db.begin() as conn:
            return int((await conn.execute(select(func.count()).where(VOTES.c.member_id == member_id))).scalar_one())


