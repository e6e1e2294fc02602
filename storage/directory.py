"""The directory: database ids of communities, members and channels, created on first sight and cached."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import select, update

from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from storage.db import Database
from storage.models import Channel, Community, Member


class Directory:
    """Maps platform references to row ids; one database round trip per new thing, none after."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._communities: dict[CommunityRef, int] = {}
        self._members: dict[tuple[int, str], tuple[int, bool]] = {}
        self._channels: dict[tuple[int, str], int] = {}
        self._lock = asyncio.Lock()

    async def community_id(self, ref: CommunityRef, name: str | None = None) -> int:
        """The id of a community, creating its row the first time."""
        if (cid := self._communities.get(ref)) is not None:
            return cid
        async with self._lock, self.db.begin() as conn:
            table = Community.__table__  # type: ignore[attr-defined]
            await conn.execute(self.db.insert_ignore(table).values(platform=str(ref.platform), external_id=ref.id, name=name))
            cid = int((await conn.execute(select(table.c.id).where(table.c.platform == str(ref.platform), table.c.external_id == ref.id))).scalar_one())
        self._communities[ref] = cid
        return cid

    async def member_id(self, ref: MemberRef, seen_at: datetime) -> int:
        """The id of a member, creating the row (joined_at = first time seen) the first time."""
        cid = await self.community_id(ref.community)
        key = (cid, ref.id)
        cached = self._members.get(key)
        if cached is not None:
            mid, is_bot = cached
            if ref.bot and not is_bot:
                await self._flag_bot(mid)
                self._members[key] = (mid, True)
            return mid
        table = Member.__table__  # type: ignore[attr-defined]
        async with self._lock, self.db.begin() as conn:
            await conn.execute(
                self.db.insert_ignore(table).values(community_id=cid, external_id=ref.id, name=ref.name, is_bot=ref.bot, joined_at=seen_at)
            )
            row = (await conn.execute(select(table.c.id, table.c.is_bot, table.c.name).where(table.c.community_id == cid, table.c.external_id == ref.id))).one()
            mid, is_bot = int(row.id), bool(row.is_bot)
            if (ref.bot and not is_bot) or (ref.name and ref.name != row.name):
                await conn.execute(update(table).where(table.c.id == mid).values(is_bot=is_bot or ref.bot, name=ref.name or row.name))
                is_bot = is_bot or ref.bot
        self._members[key] = (mid, is_bot)
        return mid

    async def _flag_bot(self, member_id: int) -> None:
        table = Member.__table__  # type: ignore[attr-defined]
        async with self.db.begin() as conn:
            await conn.execute(update(table).where(table.c.id == member_id).values(is_bot=True))

    async def channel_id(self, ref: ChannelRef) -> int:
        """The id of a channel, creating its row the first time."""
        cid = await self.community_id(ref.community)
        key = (cid, ref.id)
        if (chid := self._channels.get(key)) is not None:
            return chid
        table = Channel.__table__  # type: ignore[attr-defined]
        async with self._lock, self.db.begin() as conn:
            await conn.execute(self.db.insert_ignore(table).values(community_id=cid, external_id=ref.id, name=ref.name))
            chid = int((await conn.execute(select(table.c.id).where(table.c.community_id == cid, table.c.external_id == ref.id))).scalar_one())
        self._channels[key] = chid
        return chid

    async def set_membership(self, ref: MemberRef, *, joined_at: datetime | None = None, left_at: datetime | None = None) -> int:
        """Record a join (clears `left_at`, keeps the first `joined_at`) or a leave."""
        mid = await self.member_id(ref, joined_at or left_at or datetime.now().astimezone())
        table = Member.__table__  # type: ignore[attr-defined]
        async with self.db.begin() as conn:
            if joined_at is not None:
                await conn.execute(update(table).where(table.c.id == mid).values(left_at=None))
                await conn.execute(update(table).where(table.c.id == mid, table.c.joined_at > joined_at).values(joined_at=joined_at))
            if left_at is not None:
                await conn.execute(update(table).where(table.c.id == mid).values(left_at=left_at))
        return mid

    def forget_member(self, community_id: int, external_id: str) -> None:
        """Drop a member from the cache (after erasure)."""
        self._members.pop((community_id, external_id), None)
