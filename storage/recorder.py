"""The batched interaction recorder: events become rows, written in one transaction per batch.

The hot path stays at the driver level: events are queued as plain tuples; at flush time new members
and channels are created in bulk, then every row goes to the database in one `executemany` of a
pre-compiled `INSERT … ON CONFLICT DO NOTHING` (no ORM object per row).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, or_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.events import (
    Event,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    ReactionRemoved,
)
from bot.core.refs import CommunityRef, MemberRef
from bot.core.tasks import cancel_and_wait
from storage.db import Database
from storage.directory import Directory
from storage.models import Interaction, InteractionKind
from storage.recorder_faults import MAX_PENDING, Backoff, bad_data, good_rows
from storage.rows import JOIN, LEAVE, MENTION, MESSAGE, REACTION, REPLY, reaction_key, rows_of
from storage.rows import PendingRow as PendingRow  # where cogs and importers have always found it
from storage.types import UTCDateTime, to_db_time

__all__ = ["PendingRow", "Recorder", "Watcher", "WrittenRow"]

log = logging.getLogger("engagebot.recorder")

POSTS_AND_ANSWERS = (MESSAGE, REPLY, InteractionKind.PROMPT_ANSWER.value)
DELETED = "#post:"  # a queued removal of a deleted post (reaction keys never start with it)
COLUMNS = ("community_id", "kind", "member_id", "channel_id", "target_member_id", "external_id", "parent_external_id", "at", "sentiment", "text")


@dataclass(frozen=True, slots=True)
class WrittenRow:
    """An interaction row as committed, with its member ids resolved (what watchers are told)."""

    community_id: int
    kind: str
    member_id: int
    member_is_bot: bool
    external_id: str
    at: datetime
    target_member_id: int | None
    target_is_bot: bool


Watcher = Callable[[list[WrittenRow]], None]
"""Told, after each commit, the rows of the kinds it watches (it must not await: it only queues them)."""


class Recorder:
    """Queues interaction rows and writes them every `flush_seconds` or `batch_size` rows, and on close.

    The unique key `(community, kind, external_id)` turns a redelivered event into a no-op.
    """

    def __init__(self, db: Database, directory: Directory, *, batch_size: int = 500, flush_seconds: float = 0.5, store_text: bool = False,
                 max_pending: int = MAX_PENDING, backoff: Backoff | None = None) -> None:
        self.db = db
        self.directory = directory
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.store_text = store_text
        self._rows: list[PendingRow] = []
        # a removal remembers how many rows were queued before it: a reaction removed then given again is written in that order;
        # a deleted post's id is marked `#post:ID` (its rows keep their keys)
        self._removals: list[tuple[int, CommunityRef, str, datetime]] = []
        self._memberships: list[MemberJoined | MemberLeft] = []
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._watchers: list[tuple[frozenset[str], Watcher]] = []
        self._watched: frozenset[str] = frozenset()
        self.written = 0
        self.max_pending = max_pending
        self.dropped = 0  # rows not queued: the database was failing and the queue was full
        self.rejected = 0  # rows the database refused (bad data), set aside so the others get written
        self.backoff = backoff or Backoff(first=flush_seconds)
        table = Interaction.__table__  # type: ignore[attr-defined]
        compiled = db.insert_ignore(table).values({c: bindparam(c) for c in COLUMNS}).compile(dialect=db.engine.dialect)
        self._insert_sql = str(compiled).split(" RETURNING ")[0]  # executemany wants no result rows
        if _positions(compiled) != COLUMNS:
            raise RuntimeError(f"unexpected parameter order {_positions(compiled)}")
        self._time_text = db.is_sqlite
        c = table.c
        # a removed reaction keeps its row (KPIs read removal times) under a key of its own, `KEY#removal time`, so that
        # the natural key is free again: the same reaction given again is a new row, a redelivered one still conflicts,
        # and a history imported twice finds the removal already there (its replayed addition is dropped)
        same = (c.community_id == bindparam("cid"), c.kind == InteractionKind.REACTION.value)
        gone = table.alias("gone")
        self._replayed = delete(table).where(
            *same, c.external_id == bindparam("xid"), c.removed_at.is_(None),
            exists().where(gone.c.community_id == bindparam("cid"), gone.c.kind == InteractionKind.REACTION.value, gone.c.external_id == bindparam("gone")),
        )
        self._remove = (
            update(table).where(*same, c.external_id == bindparam("xid"), c.removed_at.is_(None))
            .values(removed_at=bindparam("removed", type_=UTCDateTime()), external_id=bindparam("gone"))
        )
        # a deleted post: its rows (and the prompt answer and mentions it made) are kept, marked removed, like a reaction
        self._delete_post = (
            update(table).where(c.community_id == bindparam("cid"), c.removed_at.is_(None), or_(
                and_(or_(*(c.kind == k for k in POSTS_AND_ANSWERS)), c.external_id == bindparam("xid")),  # no IN: run as executemany
                and_(c.kind == InteractionKind.MENTION.value, c.parent_external_id == bindparam("xid"))))
            .values(removed_at=bindparam("removed", type_=UTCDateTime()))
        )

    @property
    def pending(self) -> int:
        """Rows waiting to be written."""
        return len(self._rows) + len(self._removals) + len(self._memberships)

    def start(self) -> None:
        """Start the background flusher."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="recorder-flush")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_seconds)
            await self._flush_or_keep()

    async def record(self, event: Event) -> None:
        """Turn an event into rows (or a removal) and queue them.

        A join or leave is written at once, after the rows queued before it (first seen, joined_at). A
        write that fails leaves everything queued, the membership change too: the flusher retries it.
        """
        if isinstance(event, MemberJoined | MemberLeft):
            self._memberships.append(event)
            try:
                await self._flush_or_keep()
            finally:
                self._rows.append(self._membership_row(event))
            return
        self._rows.extend(self.rows_of(event))
        if isinstance(event, ReactionRemoved):
            self._removals.append((len(self._rows), event.community, reaction_key(event.message.id, event.member.id, event.emoji), event.at))
        elif isinstance(event, MessageDeleted):
            self._removals.append((len(self._rows), event.community, DELETED + event.message.id, event.at))
        if len(self._rows) >= self.batch_size:
            await self._flush_or_keep()

    async def _flush_or_keep(self) -> None:
        """Flush unless the database is failing and the pause after the last failure is not over (rows stay queued)."""
        if not self.backoff.ready():
            self._bound()
            return
        try:
            await self.flush()
        except Exception as err:
            pause = self.backoff.failed()
            if self.backoff.failures == 1:
                log.exception("writing %d interaction rows failed; they stay queued, next try in %.1f s", self.pending, pause)
            else:
                log.warning("writing %d interaction rows failed again (%d times: %s); next try in %.0f s",
                            self.pending, self.backoff.failures, type(err).__name__, pause, exc_info=err)
            self._bound()
        else:
            if self.backoff.failures:  # `database_ok`: a live run's log says the failure streak is over (bot/failures.py)
                log.warning("the database takes interaction rows again: the queue is written", extra={"database_ok": True})
            self.backoff.succeeded()

    def _bound(self) -> None:
        """Keep the queue within `max_pending` rows while the database fails: the newest rows past it are dropped and counted."""
        extra = len(self._rows) - self.max_pending
        if extra <= 0:
            return
        del self._rows[self.max_pending:]
        if not self.dropped:
            log.error("the database has been failing and %d rows wait: new interaction rows are dropped (counted) until it recovers", self.max_pending)
        self.dropped += extra

    def watch(self, kinds: Iterable[str], watcher: Watcher) -> None:
        """Tell `watcher` about every committed row of `kinds` (redelivered rows included: watchers dedupe)."""
        wanted = frozenset(str(k) for k in kinds)
        self._watchers.append((wanted, watcher))
        self._watched |= wanted

    async def queue_membership(self, event: MemberJoined | MemberLeft) -> None:
        """Queue a join or leave with the rows, written at the next flush in order (bulk imports: no flush of its own)."""
        self._memberships.append(event)
        self._rows.append(self._membership_row(event))
        if len(self._rows) >= self.batch_size:
            await self._flush_or_keep()

    def add(self, row: PendingRow) -> None:
        """Queue one ready-made row (cogs recording their own contributions, importers)."""
        self._rows.append(row)

    @staticmethod
    def _membership_row(event: MemberJoined | MemberLeft) -> PendingRow:
        """A join or leave row (the membership itself is written to `members` at once, by `flush`)."""
        if isinstance(event, MemberJoined):
            return PendingRow(event.community, JOIN, event.member, f"join:{event.member.id}:{event.at.isoformat()}", event.at)
        return PendingRow(event.community, LEAVE, event.member, f"leave:{event.member.id}:{event.at.isoformat()}", event.at)

    def rows_of(self, event: Event) -> list[PendingRow]:
        """The rows a message, reaction or vote produces (the hot path: no database work here)."""
        return rows_of(event, self.store_text)

    async def flush(self) -> int:
        """Write every queued row in one transaction (then the joins and leaves to record in `members`); on failure all stays queued."""
        async with self._lock:
            rows, removals, memberships = self._rows, self._removals, self._memberships
            if not rows and not removals and not memberships:
                return 0
            self._rows, self._removals, self._memberships = [], [], []
            try:
                try:
                    await self._write(rows, removals, memberships)
                except Exception as err:
                    if not bad_data(err):
                        raise
                    kept = await good_rows(rows, lambda row: self._write([row], [], []), err)
                    self.rejected += len(rows) - len(kept)
                    # each removal stays after the rows that came before it
                    removals = [(sum(1 for i in kept if i < before), c, x, at) for before, c, x, at in removals]
                    rows = [rows[i] for i in kept]
                    await self._write(rows, removals, memberships)
            except BaseException:  # a cancelled flush too (shutdown stops the flusher): written again later, idempotently
                self._removals = removals + [(before + len(rows), c, x, at) for before, c, x, at in self._removals]
                self._rows[:0] = rows
                self._memberships[:0] = memberships
                raise
            self.written += len(rows)
            return len(rows)

    async def _write(self, rows: list[PendingRow], removals: list[tuple[int, CommunityRef, str, datetime]],
                     memberships: list[MemberJoined | MemberLeft]) -> None:
        d = self.directory
        # resolved before the transaction opens: a second write transaction inside it would wait for the first (a
        # stalled loop where SQLite runs in it)
        cids = {ref: await d.community_id(ref) for ref in self._communities(rows, removals, memberships)}
        params, later = self._prepare(rows, cids)
        if not later and not removals and not memberships:  # the common case: every row ready, one statement
            await self.db.insert_rows(self._insert_sql, params)  # type: ignore[arg-type]  # none is None without `later`
            if self._watched:
                self._tell(rows, cids)
            return
        mids: dict[tuple[CommunityRef, str], tuple[int, bool]] = {}
        chids: dict[tuple[CommunityRef, str], int] = {}
        async with self.db.begin() as conn:
            if later:
                mids, chids = await self._resolve(conn, cids, [rows[i] for i in later])
                for i in later:
                    params[i] = self._params(rows[i], cids, mids, chids)
            written = 0
            for before, group in groupby(self._in_order(rows, removals, cids), key=itemgetter(0)):  # rows and removals in the order they came
                if before > written:
                    await conn.exec_driver_sql(self._insert_sql, params[written:before])
                    written = before
                batch = list(group)
                posts = [{"cid": cids[c], "xid": x.removeprefix(DELETED), "removed": at} for _, c, x, at in batch if x.startswith(DELETED)]
                changes = [{"cid": cids[c], "xid": x, "removed": at, "gone": _removed_key(x, at)} for _, c, x, at in batch if not x.startswith(DELETED)]
                if changes:
                    await conn.execute(self._replayed, changes)
                    await conn.execute(self._remove, changes)
                if posts:
                    await conn.execute(self._delete_post, posts)
            if len(params) > written:
                await conn.exec_driver_sql(self._insert_sql, params[written:] if written else params)
            created: list[tuple[int, str, tuple[int, bool]]] = []
            for change in memberships:  # in the order they happened
                joined, cid = isinstance(change, MemberJoined), cids[change.community]
                _, new = await d.membership_in(conn, cid, change.member,
                                               joined_at=change.at if joined else None, left_at=None if joined else change.at)
                if new is not None:
                    created.append((cid, change.member.id, new))
        d.remember(mids, chids, cids)  # once committed
        for cid, external_id, value in created:
            d.remember_member(cid, external_id, value)
        if self._watched:
            self._tell(rows, cids)

    @staticmethod
    def _communities(rows: list[PendingRow], removals: list[tuple[int, CommunityRef, str, datetime]],
                     memberships: list[MemberJoined | MemberLeft]) -> set[CommunityRef]:
        """Every community the rows name (their channels' and targets' too), the removals and the memberships."""
        # (hashing only the refs that are not the row's own community object: they nearly always are)
        return ({r.community for r in rows}
                | {c for r in rows if r.channel is not None and (c := r.channel.community) is not r.community}
                | {c for r in rows if r.target is not None and (c := r.target.community) is not r.community}
                | {r[1] for r in removals} | {m.community for m in memberships})

    def _prepare(self, rows: list[PendingRow], cids: dict[CommunityRef, int]) -> tuple[list[tuple[Any, ...] | None], list[int]]:
        """The parameters of every row whose members and channel are cached (one pass); the positions of the others (None)."""
        d = self.directory
        params: list[tuple[Any, ...] | None] = []
        later: list[int] = []
        members, channels, db_time = d.cached_members, d.cached_channels, self._db_time
        community, cid = None, 0
        for r in rows:
            if r.community is not community:
                community, cid = r.community, cids[r.community]
            m, t, ch = r.member, r.target, r.channel
            mid = members.get((cid, m.id))
            tid = None if t is None else members.get((cid if t.community is community else cids[t.community], t.id))
            chid = None if ch is None else channels.get((cid if ch.community is community else cids[ch.community], ch.id))
            if mid is None or (m.bot and not mid[1]) or (t is not None and (tid is None or (t.bot and not tid[1]))) or (ch is not None and chid is None):
                later.append(len(params))
                params.append(None)
                continue
            # the order of COLUMNS, which is the compiled statement's parameter order (checked in __init__)
            params.append((cid, r.kind, mid[0], chid, None if tid is None else tid[0], r.external_id, r.parent_external_id,
                           db_time(r.at) if r.db_at is None else r.db_at,
                           r.sentiment, r.text))
        return params, later

    def _in_order(self, rows: list[PendingRow], removals: list[tuple[int, CommunityRef, str, datetime]],
                  cids: dict[CommunityRef, int]) -> list[tuple[int, CommunityRef, str, datetime]]:
        """The removals with the row count they are written after (`_deferred`)."""
        return _deferred(rows, removals)

    def _tell(self, rows: list[PendingRow], cids: dict[CommunityRef, int]) -> None:
        """Give each watcher the committed rows of its kinds, ids resolved from the directory's cache."""
        watched = self._watched
        members = self.directory.cached_members
        written: list[WrittenRow] = []
        for r in rows:
            if r.kind not in watched:
                continue
            cid = cids[r.community]
            mid = members.get((cid, r.member.id))
            if mid is None:
                continue
            t = r.target
            tid = members.get((cids[t.community], t.id)) if t is not None else None
            written.append(WrittenRow(cid, str(r.kind), mid[0], mid[1], r.external_id, r.at, tid[0] if tid else None, bool(tid and tid[1])))
        if not written:
            return
        for kinds, watcher in self._watchers:
            mine = [w for w in written if w.kind in kinds]
            if mine:
                try:
                    watcher(mine)
                except Exception:
                    log.exception("a watcher of %s rows failed", sorted(kinds))

    async def _resolve(self, conn: AsyncConnection, cids: dict[CommunityRef, int], rows: list[PendingRow]) -> tuple[
            dict[tuple[CommunityRef, str], tuple[int, bool]], dict[tuple[CommunityRef, str], int]]:
        """Ids of the members (created with the earliest time seen) and channels these rows name."""
        seen: dict[tuple[CommunityRef, str], tuple[MemberRef, datetime]] = {}
        mentioned: dict[tuple[CommunityRef, str], MemberRef] = {}
        for r in rows:
            for m in (r.member, r.target):
                if m is None:
                    continue
                if m is r.target and r.kind == MENTION:  # a mention never creates a member (looked up below)
                    mentioned[(m.community, m.id)] = m
                    continue
                key = (m.community, m.id)
                known = seen.get(key)
                if known is None or r.at < known[1] or (m.bot and not known[0].bot):
                    seen[key] = (m if known is None or m.bot or not known[0].bot else known[0], min(r.at, known[1]) if known else r.at)
        channels = {(r.channel.community, r.channel.id): r.channel for r in rows if r.channel is not None}
        mids = await self.directory.members_in(conn, cids, list(seen.values()))
        unknown = [ref for key, ref in mentioned.items() if key not in mids]
        if unknown:
            mids.update(await self.directory.existing_members(conn, cids, unknown))
        chids = await self.directory.channels_in(conn, cids, list(channels.values()))
        return mids, chids

    def _params(self, r: PendingRow, cids: dict[CommunityRef, int], mids: dict[tuple[CommunityRef, str], tuple[int, bool]],
                chids: dict[tuple[CommunityRef, str], int]) -> tuple[Any, ...]:
        return (
            cids[r.community], str(r.kind), mids[(r.community, r.member.id)][0],
            chids[(r.channel.community, r.channel.id)] if r.channel is not None else None,
            found[0] if r.target is not None and (found := mids.get((r.target.community, r.target.id))) is not None else None,
            r.external_id, r.parent_external_id, self._db_time(r.at) if r.db_at is None else r.db_at, r.sentiment, r.text,
        )

    def _db_time(self, at: datetime) -> Any:
        """A time as the driver wants it: naive UTC, as text on SQLite (the way SQLAlchemy writes it there)."""
        naive = to_db_time(at)
        return naive.isoformat(" ", "microseconds") if self._time_text else naive

    async def close(self) -> None:
        """Stop the background flusher and write what is left."""
        await cancel_and_wait(self._task)
        self._task = None
        await self.flush()


def _positions(compiled: Any) -> tuple[str, ...]:
    """The column names in the order the driver expects the parameters."""
    order = getattr(compiled, "positiontup", None)
    if order:
        return tuple(order)
    return tuple(compiled.params)


def _deferred(rows: list[PendingRow], removals: list[tuple[int, CommunityRef, str, datetime]]) -> list[tuple[int, CommunityRef, str, datetime]]:
    """The removals with the row count they are written after: all of the batch's rows when no later row of the batch
    names the same reaction (the result is the same, and one statement then writes them all), else where they came."""
    if not removals:
        return removals
    last = {(r.community, r.external_id): i for i, r in enumerate(rows) if r.kind == REACTION}
    return sorted(((before if last.get((c, x), -1) >= before else len(rows), c, x, at) for before, c, x, at in removals), key=itemgetter(0))


def _removed_key(key: str, removed_at: datetime) -> str:
    """The key a reaction's row takes once removed: its natural key and the removal time (UTC, to the microsecond)."""
    return f"{key}#{to_db_time(removed_at).isoformat(timespec='microseconds')}"
