"""What is stored about a member, and erasing all of it on request: one transaction that the core owns.

Every foreign key to `members` declares what happens when the member goes (migrations `*_erasure`):
their own rows go with them (ON DELETE CASCADE), other members' rows lose the link (ON DELETE SET
NULL). So one `DELETE FROM members` reaches every table the database holds, whether or not the
feature that wrote it is loaded. Before it, in the same transaction, the core deletes the member's
anonymous ballots of the community's polls still open (found by recomputing their voter code with the
ballot key; a closed poll's codes are random, linked to nobody, and stay), empties what the member
wrote in rows that stay (a column declared `info={"written_by": "<fk column>"}`), takes their platform
id out of the keys of other members' mentions and of the scheduler's claims, and afterwards, on
SQLite, checkpoints the WAL (with `secure_delete` on, the deleted bytes are overwritten in the file).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, String, Table, and_, cast, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.refs import MemberRef
from storage.anonymity import BallotKey
from storage.db import Database, load_all_models
from storage.deferred_dms import DeferredDM
from storage.models import POST_KINDS, Community, Interaction, InteractionKind, JobRun, Member
from storage.polls import Poll, PollVote

log = logging.getLogger("engagebot.storage.privacy")

M = Member.__table__  # type: ignore[attr-defined]
I = Interaction.__table__  # type: ignore[attr-defined]  # noqa: E741
J = JobRun.__table__  # type: ignore[attr-defined]
C = Community.__table__  # type: ignore[attr-defined]
D = DeferredDM.__table__  # type: ignore[attr-defined]
P = Poll.__table__  # type: ignore[attr-defined]
V = PollVote.__table__  # type: ignore[attr-defined]
POSTS = [k.value for k in POST_KINDS]


@dataclass(frozen=True, slots=True)
class MemberData:
    """What the database holds about one member: dates, interactions by kind, texts, and rows per table."""

    joined_at: datetime | None
    left_at: datetime | None
    interactions: dict[str, int]
    text_stored: int
    tables: dict[str, int]


def member_links() -> list[tuple[Table, Column[int]]]:
    """Every (table, column) whose foreign key points at a member, across the whole schema."""
    links: list[tuple[Table, Column[int]]] = []
    for table in load_all_models().metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == M.name for fk in column.foreign_keys):
                links.append((table, column))
    return links


async def member_row(db: Database, ref: MemberRef) -> tuple[int, int] | None:
    """The member's (row id, community row id), or None when nothing is stored about them."""
    async with db.begin() as conn:
        row = (
            await conn.execute(
                select(M.c.id, M.c.community_id).join(C, C.c.id == M.c.community_id)
                .where(C.c.platform == str(ref.community.platform), C.c.external_id == ref.community.id, M.c.external_id == ref.id)
            )
        ).first()
    return (int(row.id), int(row.community_id)) if row else None


async def _rows_per_table(conn: AsyncConnection, member_id: int) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for table, column in member_links():
        n = (await conn.execute(select(func.count()).select_from(table).where(column == member_id))).scalar_one()
        if n:
            counts[table.name] += int(n)
    return dict(counts)


async def describe_member(db: Database, ref: MemberRef) -> MemberData | None:
    """Everything stored about a member, summarised: the interactions by kind and every table's rows about them."""
    found = await member_row(db, ref)
    if found is None:
        return None
    mid, _ = found
    async with db.begin() as conn:
        member = (await conn.execute(select(M.c.joined_at, M.c.left_at).where(M.c.id == mid))).one()
        counts = (await conn.execute(select(I.c.kind, func.count()).where(I.c.member_id == mid).group_by(I.c.kind))).all()
        texts = (await conn.execute(select(func.count()).where(I.c.member_id == mid, I.c.text.is_not(None)))).scalar_one()
        tables = await _rows_per_table(conn, mid)
    return MemberData(member.joined_at, member.left_at, {k: n for k, n in counts}, texts, {"members": 1, **tables})


async def _erase_open_ballots(db: Database, conn: AsyncConnection, cid: int, ref: MemberRef, key: BallotKey) -> int:
    """The member's anonymous ballots (and open answers) of the community's polls still open: deleted; how many rows.

    First in the erasure's transaction, it holds those polls' rows like a vote does (PostgreSQL: FOR UPDATE;
    SQLite: the write lock its first statement takes), so a close waits for it and then counts without them.
    """
    still_open = (P.c.community_id == cid, P.c.anonymous.is_(True), P.c.closed_at.is_(None))
    if db.is_sqlite:  # a write first: it takes the database's write lock (a read first could not upgrade after a close)
        await conn.execute(update(P).where(*still_open).values(closed_at=None))
        ids = (await conn.execute(select(P.c.id).where(*still_open).order_by(P.c.id))).scalars().all()
    else:
        ids = (await conn.execute(select(P.c.id).where(*still_open).order_by(P.c.id).with_for_update())).scalars().all()
    deleted = 0
    for poll_id in ids:  # the key is read only when such a poll exists
        code = key.voter(int(poll_id), str(ref.community), ref.id)
        deleted += int((await conn.execute(V.delete().where(V.c.poll_id == poll_id, V.c.voter == code))).rowcount or 0)
    return deleted


async def erase_member(db: Database, ref: MemberRef, ballot_key: BallotKey | None = None) -> int:
    """Erase everything about a member in one transaction; the number of rows deleted (0 when none was stored).

    `ballot_key` finds their anonymous ballots of open polls (by default: `ENGAGEBOT_SECRET` or the default key file).
    """
    key = ballot_key or BallotKey(db.url)
    found = await member_row(db, ref)
    if found is None:  # no member row (their participation never written): still no ballot of theirs stays linkable
        async with db.begin() as conn:
            community = (await conn.execute(select(C.c.id).where(C.c.platform == str(ref.community.platform), C.c.external_id == ref.community.id))).scalar()
        if community is None:
            return 0
        async with db.begin() as conn:
            return await _erase_open_ballots(db, conn, int(community), ref, key)
    mid, cid = found
    async with db.begin() as conn:
        cascaded = await _erase_open_ballots(db, conn, cid, ref, key)
        for table, column in member_links():
            fk = next(iter(column.foreign_keys))
            if fk.ondelete == "CASCADE":
                cascaded += int((await conn.execute(select(func.count()).select_from(table).where(column == mid))).scalar_one())
            for text in (c for c in table.columns if c.info.get("written_by") == column.name):
                await conn.execute(update(table).where(column == mid).values({text.name: None}))
        # their id and name out of the stored texts (`database.store_text`) of the posts that answer or mention them
        name = (await conn.execute(select(M.c.name).where(M.c.id == mid))).scalar()
        mentioning = select(I.c.parent_external_id).where(I.c.target_member_id == mid, I.c.kind == InteractionKind.MENTION.value)
        about = and_(I.c.community_id == cid, I.c.text.is_not(None), I.c.kind.in_(POSTS),
                     or_(I.c.target_member_id == mid, I.c.external_id.in_(mentioning.scalar_subquery())))
        scrubbed = func.replace(I.c.text, ref.id, "…")
        if name:
            scrubbed = func.replace(scrubbed, name, "…")
        await conn.execute(update(I).where(about).values(text=scrubbed))
        # their platform id out of other members' mention keys (`<message>:<mentioned id>`)
        unkeyed = func.coalesce(I.c.parent_external_id, literal("")) + literal(":#") + cast(I.c.id, String)
        await conn.execute(update(I).where(I.c.target_member_id == mid, I.c.kind == InteractionKind.MENTION.value).values(external_id=unkeyed))
        # and out of the scheduler's claims that name a member (`digest:dm:<member id>`)
        suffix = f":{ref.id}"
        renamed = func.substr(J.c.job, 1, func.length(J.c.job) - len(suffix)) + literal("#") + cast(J.c.id, String)
        await conn.execute(update(J).where(J.c.scope == str(ref.community), func.substr(J.c.job, func.length(J.c.job) - len(suffix) + 1) == suffix)
                           .values(job=renamed))
        # DMs kept for the end of the quiet hours, addressed to their platform id before they had a member row
        await conn.execute(D.delete().where(D.c.community_id == cid, D.c.external_id == ref.id))
        await conn.execute(M.delete().where(M.c.id == mid))
    await db.checkpoint()
    return cascaded + 1
