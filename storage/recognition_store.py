"""Queries of the recognition tables: the points ledger (queued, written in batches), standings, the sync cursor; awards, kudos and levels come from `AwardQueries`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from storage.db import Database
from storage.models import Interaction, Member
from storage.recognition import BadgeAward, Kudos, MemberLevel, PointsEntry, RecognitionCursor
from storage.recognition_awards import AwardQueries
from storage.recognition_records import Mark, MemberInfo, NewEntry, Standing, member_info

log = logging.getLogger("engagebot.storage.recognition")

P = PointsEntry.__table__  # type: ignore[attr-defined]
B = BadgeAward.__table__  # type: ignore[attr-defined]
K = Kudos.__table__  # type: ignore[attr-defined]
L = MemberLevel.__table__  # type: ignore[attr-defined]
C = RecognitionCursor.__table__  # type: ignore[attr-defined]
M = Member.__table__  # type: ignore[attr-defined]
I = Interaction.__table__  # type: ignore[attr-defined]  # noqa: E741


def _member_queries() -> tuple[Any, ...]:
    """`load_member`'s five statements, built once (building them cost more than running them): `:member` and `:since`."""
    target = M.alias("target")
    to_other = case((and_(P.c.target_member_id.is_not(None), P.c.target_member_id != P.c.member_id, target.c.is_bot.is_(False)), True), else_=False)
    member: Any = bindparam("member")
    live = (P.c.member_id == member, P.c.removed_at.is_(None))
    joined = P.outerjoin(target, target.c.id == P.c.target_member_id)
    return (
        select(P.c.kind, to_other.label("to_other"), func.count().label("n"), func.coalesce(func.sum(P.c.points), 0).label("points"))
        .select_from(joined).where(*live).group_by(P.c.kind, to_other),
        select(P.c.kind, P.c.external_id, P.c.at, P.c.points, to_other.label("to_other")).select_from(joined)
        .where(*live, P.c.at >= bindparam("since")).order_by(P.c.at, P.c.id),
        select(L.c.level).where(L.c.member_id == member),
        select(M).where(M.c.id == member),
        select(B.c.badge, B.c.revoked_at).where(B.c.member_id == member),
    )


GROUPED, RECENT, LEVEL, MEMBER, HELD = _member_queries()


class RecognitionStore(AwardQueries):
    """Every query the recognition cog makes, dialect-neutral (SQLite and PostgreSQL)."""

    def __init__(self, db: Database, *, batch_size: int = 500) -> None:
        self.db = db
        self.batch_size = batch_size
        self._pending: list[dict[str, Any]] = []
        self._insert = db.insert_ignore(P)
        self._restore = (
            update(P).where(P.c.community_id == bindparam("c"), P.c.kind == bindparam("k"), P.c.external_id == bindparam("x"), P.c.removed_at.is_not(None))
            .values(removed_at=None)
        )

    # --- members ----------------------------------------------------------------------
    async def member(self, community_id: int, external_id: str) -> MemberInfo | None:
        """A member by platform id."""
        async with self.db.begin() as conn:
            row = (await conn.execute(select(M).where(M.c.community_id == community_id, M.c.external_id == external_id))).first()
        return member_info(row) if row else None

    async def member_by_id(self, member_id: int) -> MemberInfo | None:
        """A member by database id."""
        async with self.db.begin() as conn:
            row = (await conn.execute(select(M).where(M.c.id == member_id))).first()
        return member_info(row) if row else None

    # --- the ledger -------------------------------------------------------------------
    async def add_entry(self, community_id: int, entry: NewEntry, points: int) -> None:
        """Queue a scored entry (written in batches, and before any read of the ledger); a known key is ignored, or revived if it was removed."""
        self._pending.append({"community_id": community_id, "member_id": entry.member_id, "kind": entry.kind, "external_id": entry.external_id,
                              "target_member_id": entry.target_member_id, "at": entry.at, "points": points, "removed_at": None})
        if len(self._pending) >= self.batch_size:
            await self.flush()

    async def flush(self) -> int:
        """Write the queued entries in one transaction."""
        count = len(self._pending)
        if count:
            async with self._flushed():
                pass
        return count

    async def _write_pending(self, conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
        await conn.execute(self._insert, rows)
        revived = [{"c": r["community_id"], "k": r["kind"], "x": r["external_id"]} for r in rows if r["kind"] == "reaction"]
        if revived:
            await conn.execute(self._restore, revived)

    @asynccontextmanager
    async def _flushed(self, write: bool = True) -> AsyncIterator[AsyncConnection]:
        """A transaction that first writes the queued entries (with `write`), so that what follows reads them; on failure they stay queued."""
        rows: list[dict[str, Any]] = []
        if write:
            rows, self._pending = self._pending, []
        try:
            async with self.db.begin() as conn:
                if rows:
                    await self._write_pending(conn, rows)
                yield conn
        except IntegrityError:
            # a queued entry may name a member erased meanwhile: drop those, or the queue would fail forever
            self._pending[:0] = await self._of_existing_members(rows)
            raise
        except BaseException:
            self._pending[:0] = rows
            raise

    async def _of_existing_members(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The queued entries whose member (and target) still have a row."""
        ids = {r["member_id"] for r in rows} | {r["target_member_id"] for r in rows if r["target_member_id"] is not None}
        if not ids:
            return rows
        async with self.db.begin() as conn:
            existing = {int(i) for i in (await conn.execute(select(M.c.id).where(M.c.id.in_(ids)))).scalars()}
        kept = [r for r in rows if r["member_id"] in existing]
        for r in kept:
            if r["target_member_id"] is not None and r["target_member_id"] not in existing:
                r["target_member_id"] = None
        if len(kept) < len(rows):
            log.warning("dropped %d queued points entries of erased members", len(rows) - len(kept))
        return kept

    @staticmethod
    def _key(community_id: int, kind: str, external_id: str) -> tuple[Any, ...]:
        return (P.c.community_id == community_id, P.c.kind == kind, P.c.external_id == external_id)

    async def remove_entry(self, community_id: int, kind: str, external_id: str, at: datetime) -> int | None:
        """Take an entry back (a removed reaction); the member whose entry it was, if any."""
        async with self._flushed() as conn:
            row = (await conn.execute(select(P.c.member_id).where(*self._key(community_id, kind, external_id), P.c.removed_at.is_(None)))).first()
            if row is None:
                return None
            await conn.execute(update(P).where(*self._key(community_id, kind, external_id)).values(removed_at=at))
        return int(row.member_id)

    async def scored_since(self, member_id: int, kinds: Sequence[str], since: datetime, until: datetime) -> bool:
        """Whether the member earned points for one of `kinds` in `(since, until]` (the cooldown check)."""
        async with self._flushed() as conn:
            row = (await conn.execute(
                select(P.c.id).where(P.c.member_id == member_id, P.c.kind.in_(kinds), P.c.points > 0, P.c.at > since, P.c.at <= until,
                                     P.c.removed_at.is_(None)).limit(1)
            )).first()
        return row is not None

    async def count(self, member_id: int, kinds: Sequence[str], *, since: datetime | None = None, until: datetime | None = None, to_others: bool = False) -> int:
        """How many live entries of `kinds` a member has (optionally in a window, optionally aimed at other humans)."""
        query = select(func.count()).select_from(P).where(P.c.member_id == member_id, P.c.kind.in_(kinds), P.c.removed_at.is_(None))
        if since is not None:
            query = query.where(P.c.at >= since)
        if until is not None:
            query = query.where(P.c.at <= until)
        if to_others:
            target = M.alias("target")
            query = query.join(target, target.c.id == P.c.target_member_id).where(target.c.is_bot.is_(False), P.c.target_member_id != member_id)
        async with self._flushed() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def activity_times(self, member_id: int, kinds: Sequence[str], since: datetime | None = None) -> list[datetime]:
        """When the member contributed (live entries of `kinds`), oldest first."""
        query = select(P.c.at).where(P.c.member_id == member_id, P.c.kind.in_(kinds), P.c.removed_at.is_(None)).order_by(P.c.at)
        if since is not None:
            query = query.where(P.c.at >= since)
        async with self._flushed() as conn:
            return [r.at for r in (await conn.execute(query)).all()]

    async def points_total(self, member_id: int) -> int:
        """Every live point a member has earned."""
        async with self._flushed() as conn:
            total = (await conn.execute(select(func.coalesce(func.sum(P.c.points), 0)).where(P.c.member_id == member_id, P.c.removed_at.is_(None)))).scalar_one()
        return int(total)

    async def standings(self, community_id: int, start: datetime | None, end: datetime | None, *, kinds: Sequence[str] | None = None,
                        count: bool = False, current_only: bool = False) -> list[Standing]:
        """Humans ranked by points (or by number of entries with `count`) in `[start, end)`; ties by platform id."""
        value = func.count(P.c.id) if count else func.coalesce(func.sum(P.c.points), 0)
        query = (
            select(M.c.id, M.c.external_id, M.c.name, M.c.is_bot, M.c.left_at, value.label("value"))
            .select_from(P.join(M, M.c.id == P.c.member_id))
            .where(P.c.community_id == community_id, P.c.removed_at.is_(None), M.c.is_bot.is_(False))
            .group_by(M.c.id, M.c.external_id, M.c.name, M.c.is_bot, M.c.left_at)
        )
        if start is not None:
            query = query.where(P.c.at >= start)
        if end is not None:
            query = query.where(P.c.at < end)
        if kinds is not None:
            query = query.where(P.c.kind.in_(kinds))
        if current_only:
            query = query.where(M.c.left_at.is_(None))
        async with self._flushed() as conn:
            rows = (await conn.execute(query)).all()
        found = [Standing(member_info(r), int(r.value)) for r in rows if int(r.value) > 0]
        return sorted(found, key=lambda s: (-s.value, s.member.external_id))

    async def active_members(self, community_id: int, since: datetime) -> list[int]:
        """Members with a ledger entry since `since`."""
        async with self._flushed() as conn:
            rows = (await conn.execute(select(P.c.member_id).where(P.c.community_id == community_id, P.c.at >= since).distinct())).all()
        return sorted(int(r.member_id) for r in rows)

    # --- reading contributions recorded elsewhere ------------------------------------------
    async def cursor(self, community_id: int) -> int:
        """The last interaction id the ledger has read."""
        async with self.db.begin() as conn:
            found = (await conn.execute(select(C.c.last_interaction_id).where(C.c.community_id == community_id))).first()
        return int(found.last_interaction_id) if found else 0

    async def set_cursor(self, community_id: int, last_id: int) -> None:
        """Remember how far the interactions were read."""
        async with self.db.begin() as conn:
            await conn.execute(self.db.insert_ignore(C).values(community_id=community_id, last_interaction_id=0))
            await conn.execute(update(C).where(C.c.community_id == community_id, C.c.last_interaction_id < last_id).values(last_interaction_id=last_id))

    async def interactions_after(self, community_id: int, after_id: int, kinds: Sequence[str], *, since: datetime | None = None,
                                 limit: int = 2000) -> tuple[int, list[NewEntry], bool]:
        """Human contributions of `kinds` recorded after interaction `after_id` (at or after `since`) that the ledger lacks.

        Also returns the last id read, and whether more may follow it (the batch was full).
        """
        target = M.alias("target")
        to_other = case((and_(I.c.target_member_id.is_not(None), I.c.target_member_id != I.c.member_id, target.c.is_bot.is_(False)), True), else_=False)
        in_ledger = exists().where(P.c.community_id == I.c.community_id, P.c.kind == I.c.kind, P.c.external_id == I.c.external_id)
        query = (
            select(I.c.id, I.c.member_id, I.c.kind, I.c.external_id, I.c.target_member_id, I.c.at, to_other.label("to_other"))
            .select_from(I.join(M, M.c.id == I.c.member_id).outerjoin(target, target.c.id == I.c.target_member_id))
            .where(I.c.community_id == community_id, I.c.id > after_id, I.c.kind.in_(kinds), I.c.removed_at.is_(None), M.c.is_bot.is_(False),
                   ~in_ledger)  # the ledger's unique key is an index: usually no row comes back at all
            .order_by(I.c.id).limit(limit)
        )
        if since is not None:
            query = query.where(I.c.at >= since)
        async with self.db.begin() as conn:
            rows = (await conn.execute(query)).all()
            if len(rows) == limit:
                last = int(rows[-1].id)
            else:
                top = (await conn.execute(select(func.max(I.c.id)).where(I.c.community_id == community_id, I.c.id > after_id))).scalar()
                last = int(top) if top is not None else after_id
        if not rows:
            return last, [], False
        have = {(p["kind"], p["external_id"]) for p in self._pending if p["community_id"] == community_id}
        return last, [
            NewEntry(int(r.member_id), r.kind, r.external_id, r.at, int(r.target_member_id) if r.target_member_id is not None else None, bool(r.to_other))
            for r in rows if (r.kind, r.external_id) not in have
        ], len(rows) == limit

    async def known_keys(self, community_id: int, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Those of `(kind, external id)` keys the ledger already holds (written or queued, live or removed)."""
        wanted = set(keys)
        have = {(p["kind"], p["external_id"]) for p in self._pending if p["community_id"] == community_id} & wanted
        rest = sorted(wanted - have)
        if rest:
            async with self.db.begin() as conn:
                for i in range(0, len(rest), 500):
                    chunk = rest[i:i + 500]
                    rows = (await conn.execute(select(P.c.kind, P.c.external_id).where(
                        P.c.community_id == community_id, P.c.external_id.in_([x for _, x in chunk])))).all()
                    have |= {(r.kind, r.external_id) for r in rows} & wanted
        return have

    async def load_member(self, member_id: int, since: datetime) -> tuple[MemberInfo | None, dict[tuple[str, bool], int], int, int, dict[str, bool], list[Mark]]:
        """Everything rules need about a member, in one transaction: their row, totals, points, level, badges, entries since `since`."""
        mine = any(r["member_id"] == member_id for r in self._pending)
        this = {"member": member_id}
        async with self._flushed(mine) as conn:
            grouped = (await conn.execute(GROUPED, this)).all()
            recent = (await conn.execute(RECENT, {**this, "since": since})).all()
            level = (await conn.execute(LEVEL, this)).scalar()
            row = (await conn.execute(MEMBER, this)).first()
            held = (await conn.execute(HELD, this)).all()
        totals: dict[tuple[str, bool], int] = {}
        for g in grouped:
            totals[(g.kind, bool(g.to_other))] = totals.get((g.kind, bool(g.to_other)), 0) + int(g.n)
        return (
            member_info(row) if row else None, totals, sum(int(g.points) for g in grouped), int(level or 0), {h.badge: h.revoked_at is None for h in held},
            [Mark(r.kind, r.external_id, r.at, int(r.points), bool(r.to_other)) for r in recent],
        )

    # --- onboarding (another cog's table, when it exists) --------------------------------
    @staticmethod
    def onboarding_table(name: str, columns: Sequence[str]) -> Any | None:
        """The onboarding table when that feature is installed with `member_id` and every column of `columns`."""
        table = SQLModel.metadata.tables.get(name)
        if table is None or not columns or any(c not in table.c for c in ("member_id", *columns)):
            return None
        return table

    async def onboarded(self, table_name: str, columns: Sequence[str], member_ids: Sequence[int] | None, community_id: int) -> set[int] | None:
        """Members (among `member_ids`, or all of the community) whose onboarding columns are all set; None without the feature."""
        table = self.onboarding_table(table_name, columns)
        if table is None:
            return None
        query = select(table.c.member_id).select_from(table.join(M, M.c.id == table.c.member_id)).where(
            M.c.community_id == community_id, *(table.c[c].is_not(None) for c in columns)
        )
        if member_ids is not None:
            query = query.where(table.c.member_id.in_(list(member_ids)))
        async with self.db.begin() as conn:
            return {int(r.member_id) for r in (await conn.execute(query)).all()}

    async def onboarding_status(self, table_name: str, columns: Sequence[str], member_id: int) -> bool | None:
        """True when the member finished onboarding, False while they are on the way, None when they have no journey (or no feature)."""
        table = self.onboarding_table(table_name, columns)
        if table is None:
            return None
        async with self.db.begin() as conn:
            row = (await conn.execute(select(*(table.c[c] for c in columns)).where(table.c.member_id == member_id).limit(1))).first()
        if row is None:
            return None
        return all(value is not None for value in row)

    # --- privacy ----------------------------------------------------------------------
    async def describe(self, member_id: int) -> dict[str, int]:
        """Counts of what the recognition tables hold about a member."""
        async with self._flushed() as conn:
            entries = (await conn.execute(select(func.count()).select_from(P).where(P.c.member_id == member_id))).scalar_one()
            badges = (await conn.execute(select(func.count()).select_from(B).where(B.c.member_id == member_id))).scalar_one()
        given, received = await self.kudos_counts(member_id)
        return {"points_entries": int(entries), "badges": int(badges), "kudos_given": given, "kudos_received": received,
                "points": await self.points_total(member_id), "level": await self.level(member_id)}

    def drop_pending(self, member_id: int) -> None:
        """Forget the queued entries of a member about to be erased (and unlink them from others' entries)."""
        self._pending = [e for e in self._pending if e["member_id"] != member_id]
        for entry in self._pending:
            if entry["target_member_id"] == member_id:
                entry["target_member_id"] = None
