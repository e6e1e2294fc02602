"""The directory: database ids of communities, members and channels, created on first sight and cached."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from storage.db import Database
from storage.models import Channel, Community, Member
from storage.types import UTCDateTime, to_db_time


class Directory:
    """Maps platform references to row ids; one database round trip per new thing, none after."""

    def __init__(self, db: Database, now: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self.now = now or (lambda: datetime.now(UTC))  # the bot's clock: when a community is first seen
        self._communities: dict[CommunityRef, int] = {}
        self._members: dict[tuple[int, str], tuple[int, bool]] = {}
        self._channels: dict[tuple[int, str], int] = {}
        self._lock = asyncio.Lock()
        self._sql: dict[str, tuple[str, tuple[str, ...]]] = {}

    def _driver_sql(self, name: str, statement: Callable[[], Any]) -> tuple[str, tuple[str, ...]]:
        """A statement built and compiled once for this database, and its parameters in the driver's order (joins and
        leaves are written one by one: building SQLAlchemy's statement each time would cost more than SQLite's work)."""
        found = self._sql.get(name)
        if found is None:
            compiled = statement().compile(dialect=self.db.engine.dialect)
            order = getattr(compiled, "positiontup", None) or list(compiled.params)
            found = self._sql[name] = (str(compiled), tuple(order))
        return found

    async def _run(self, conn: AsyncConnection, key: str, statement: Callable[[], Any], **values: Any) -> Any:
        sql, order = self._driver_sql(key, statement)
        return await conn.exec_driver_sql(sql, tuple(values[key] for key in order))

    def _time(self, at: datetime) -> Any:
        """A time as the driver wants it (as the recorder binds it): naive UTC, as text on SQLite."""
        naive = to_db_time(at)
        return naive.isoformat(" ", "microseconds") if self.db.is_sqlite else naive

    @property
    def cached_members(self) -> dict[tuple[int, str], tuple[int, bool]]:
        """(community id, external id) → (member id, is bot) for every member seen since start (read-only)."""
        return self._members

    @property
    def cached_channels(self) -> dict[tuple[int, str], int]:
        """(community id, external id) → channel id for every channel seen since start (read-only)."""
        return self._channels

    async def community_id(self, ref: CommunityRef, name: str | None = None) -> int:
        """The id of a community, creating its row the first time."""
        if (cid := self._communities.get(ref)) is not None:
            return cid
        async with self._lock, self.db.begin() as conn:
            table = Community.__table__  # type: ignore[attr-defined]
            await conn.execute(self.db.insert_ignore(table).values(platform=str(ref.platform), external_id=ref.id, name=name, first_seen_at=self.now()))
            cid = int((await conn.execute(select(table.c.id).where(table.c.platform == str(ref.platform), table.c.external_id == ref.id))).scalar_one())
        self._communities[ref] = cid
        return cid

    async def first_seen(self, ref: CommunityRef) -> datetime | None:
        """When the bot first knew a community (None for one of an earlier release, or one it never saw)."""
        table = Community.__table__  # type: ignore[attr-defined]
        async with self.db.begin() as conn:
            return (await conn.execute(select(table.c.first_seen_at).where(table.c.platform == str(ref.platform), table.c.external_id == ref.id))).scalar()

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
        async with self._lock, self.db.begin() as conn:
            mid, is_bot = await self._create_member(conn, cid, ref, seen_at)
        self._members[key] = (mid, is_bot)
        return mid

    async def find_member(self, community: CommunityRef, word: str) -> list[MemberRef]:
        """The members a word names, without creating any: its external id, else the members with that name (case aside)."""
        cid = await self.community_id(community)
        table = Member.__table__  # type: ignore[attr-defined]
        async with self.db.begin() as conn:
            rows = (await conn.execute(
                select(table.c.external_id, table.c.name, table.c.is_bot)
                .where(table.c.community_id == cid, or_(table.c.external_id == word, func.lower(table.c.name) == word.lower()))
            )).all()
        exact = [r for r in rows if r.external_id == word]
        return [MemberRef(community, r.external_id, r.name, bool(r.is_bot)) for r in (exact or rows)]

    async def _create_member(self, conn: AsyncConnection, cid: int, ref: MemberRef, seen_at: datetime) -> tuple[int, bool]:
        """Inside the caller's transaction: the member's (id, is bot), creating the row if needed."""
        table = Member.__table__  # type: ignore[attr-defined]
        c = table.c
        await self._run(conn, "create", lambda: self.db.insert_ignore(table).values(
            community_id=bindparam("cid"), external_id=bindparam("xid"), name=bindparam("name"), is_bot=bindparam("bot"), joined_at=bindparam("at")),
            cid=cid, xid=ref.id, name=ref.name, bot=ref.bot, at=self._time(seen_at))
        row = (await self._run(conn, "find", lambda: select(c.id, c.is_bot, c.name).where(c.community_id == bindparam("cid"), c.external_id == bindparam("xid")),
                               cid=cid, xid=ref.id)).one()
        mid, is_bot = int(row[0]), bool(row[1])
        if (ref.bot and not is_bot) or (ref.name and ref.name != row[2]):
            await conn.execute(update(table).where(table.c.id == mid).values(is_bot=is_bot or ref.bot, name=ref.name or row[2]))
            is_bot = is_bot or ref.bot
        return mid, is_bot

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

    async def membership_in(self, conn: AsyncConnection, cid: int, ref: MemberRef, *, joined_at: datetime | None = None,
                            left_at: datetime | None = None) -> tuple[int, tuple[int, bool] | None]:
        """Inside the caller's transaction: record a join or a leave; the member id, and (id, is bot) to cache once committed
        when the member was not cached yet (`remember_member`)."""
        at = joined_at or left_at or datetime.now().astimezone()
        cached = self._members.get((cid, ref.id))
        created = None
        if cached is None or (ref.bot and not cached[1]):
            created = await self._create_member(conn, cid, ref, at)
            mid = created[0]
        else:
            mid = cached[0]
        await self._membership(conn, mid, joined_at, left_at)
        return mid, created

    def remember_member(self, cid: int, external_id: str, value: tuple[int, bool]) -> None:
        """Cache a member's (id, is bot) once the transaction that wrote it has committed."""
        self._members[(cid, external_id)] = value

    async def _membership(self, conn: AsyncConnection, mid: int, joined_at: datetime | None, left_at: datetime | None) -> None:
        table = Member.__table__  # type: ignore[attr-defined]
        c = table.c
        if joined_at is not None:
            await self._run(conn, "back", lambda: update(table).where(c.id == bindparam("mid")).values(left_at=null()), mid=mid)
            at = self._time(joined_at)
            await self._run(conn, "joined", lambda: update(table).where(c.id == bindparam("mid"), c.joined_at > bindparam("after")).values(joined_at=bindparam("at")),
                            mid=mid, at=at, after=at)
        if left_at is not None:
            await self._run(conn, "left", lambda: update(table).where(c.id == bindparam("mid")).values(left_at=bindparam("at")), mid=mid, at=self._time(left_at))

    async def members_in(self, conn: AsyncConnection, cids: dict[CommunityRef, int],
                         seen: list[tuple[MemberRef, datetime]]) -> dict[tuple[CommunityRef, str], tuple[int, bool]]:
        """Ids of many members inside the caller's transaction, creating the new ones in bulk."""
        table = Member.__table__  # type: ignore[attr-defined]
        found: dict[tuple[CommunityRef, str], tuple[int, bool]] = {}
        missing: dict[int, dict[str, tuple[MemberRef, datetime]]] = {}
        flag_bots: list[int] = []
        for ref, first in seen:
            cid = cids[ref.community]
            cached = self._members.get((cid, ref.id))
            if cached is None:
                missing.setdefault(cid, {})[ref.id] = (ref, first)
                continue
            if ref.bot and not cached[1]:
                flag_bots.append(cached[0])
                cached = (cached[0], True)
            found[(ref.community, ref.id)] = cached
        for cid, refs in missing.items():
            await conn.execute(
                self.db.insert_ignore(table),
                [{"community_id": cid, "external_id": ident, "name": ref.name, "is_bot": ref.bot, "joined_at": first} for ident, (ref, first) in refs.items()],
            )
            idents = list(refs)
            for i in range(0, len(idents), 500):
                chunk = idents[i : i + 500]
                rows = (await conn.execute(select(table.c.id, table.c.external_id, table.c.is_bot).where(table.c.community_id == cid, table.c.external_id.in_(chunk)))).all()
                for row in rows:
                    ref = refs[row.external_id][0]
                    is_bot = bool(row.is_bot)
                    if ref.bot and not is_bot:
                        flag_bots.append(int(row.id))
                        is_bot = True
                    found[(ref.community, ref.id)] = (int(row.id), is_bot)
        if flag_bots:
            await conn.execute(update(table).where(table.c.id.in_(flag_bots)).values(is_bot=True))
        if missing:  # rows that already existed keep the earliest time the member was seen
            earliest = [
                {"mid": found[(ref.community, ref.id)][0], "first": first}
                for refs in missing.values() for ref, first in refs.values() if (ref.community, ref.id) in found
            ]
            await conn.execute(
                update(table).where(table.c.id == bindparam("mid"), table.c.joined_at > bindparam("first", type_=UTCDateTime()))
                .values(joined_at=bindparam("first", type_=UTCDateTime())),
                earliest,
            )
        return found

    async def existing_members(self, conn: AsyncConnection, cids: dict[CommunityRef, int],
                               refs: list[MemberRef]) -> dict[tuple[CommunityRef, str], tuple[int, bool]]:
        """Ids of the members among `refs` that already have a row (none is created: mentioned ids)."""
        table = Member.__table__  # type: ignore[attr-defined]
        found: dict[tuple[CommunityRef, str], tuple[int, bool]] = {}
        wanted: dict[int, dict[str, MemberRef]] = {}
        for ref in refs:
            wanted.setdefault(cids[ref.community], {})[ref.id] = ref
        for cid, by_id in wanted.items():
            idents = list(by_id)
            for i in range(0, len(idents), 500):
                rows = (await conn.execute(select(table.c.id, table.c.external_id, table.c.is_bot)
                                           .where(table.c.community_id == cid, table.c.external_id.in_(idents[i : i + 500])))).all()
                for row in rows:
                    ref = by_id[row.external_id]
                    found[(ref.community, ref.id)] = (int(row.id), bool(row.is_bot))
        return found

    async def channels_in(self, conn: AsyncConnection, cids: dict[CommunityRef, int], channels: list[ChannelRef]) -> dict[tuple[CommunityRef, str], int]:
        """Ids of many channels inside the caller's transaction, creating the new ones in bulk."""
        table = Channel.__table__  # type: ignore[attr-defined]
        found: dict[tuple[CommunityRef, str], int] = {}
        missing: dict[int, dict[str, ChannelRef]] = {}
        for ref in channels:
            cid = cids[ref.community]  # resolved by the caller: no second transaction inside this one
            if (chid := self._channels.get((cid, ref.id))) is not None:
                found[(ref.community, ref.id)] = chid
            else:
                missing.setdefault(cid, {})[ref.id] = ref
        for cid, refs in missing.items():
            await conn.execute(self.db.insert_ignore(table), [{"community_id": cid, "external_id": i, "name": r.name} for i, r in refs.items()])
            rows = (await conn.execute(select(table.c.id, table.c.external_id).where(table.c.community_id == cid, table.c.external_id.in_(list(refs))))).all()
            for row in rows:
                found[(refs[row.external_id].community, row.external_id)] = int(row.id)
        return found

    def remember(self, members: dict[tuple[CommunityRef, str], tuple[int, bool]], channels: dict[tuple[CommunityRef, str], int],
                 cids: dict[CommunityRef, int]) -> None:
        """Cache ids once the transaction that created them has committed."""
        for (community, ident), value in members.items():
            self._members[(cids[community], ident)] = value
        for (community, ident), chid in channels.items():
            self._channels[(cids[community], ident)] = chid

    def forget_member(self, community_id: int, external_id: str) -> None:
        """Drop a member from the cache (after erasure)."""
        self._members.pop((community_id, external_id), None)
