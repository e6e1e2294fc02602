"""The poll repository on SQLite and PostgreSQL: ballots, toggles, anonymous ids, closing once, unlinking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from bot.core.refs import ChannelRef, MemberRef
from cogs.polls.model import PollDraft
from cogs.polls.store import PollStore, Voter
from storage.anonymity import RANDOM_ID_LOW, BallotKey
from storage.db import Database
from storage.directory import Directory
from storage.polls import PollKind
from storage.privacy import erase_member
from tests.conftest import COMMUNITY

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


async def test_ballots_tallies_and_closing_work_on_every_database(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.upgrade()
        directory = Directory(db)
        cid = await directory.community_id(COMMUNITY)
        alice = await directory.member_id(MemberRef(COMMUNITY, "alice", "alice"), NOW)
        store = PollStore(db)
        public = await store.create(cid, PollDraft(PollKind.MULTIPLE, "What next?", ("A", "B", "C"), False, "live", NOW + timedelta(days=1)),
                                    channel_id=await directory.channel_id(ChannelRef(COMMUNITY, "general", "general")), created_by=alice, now=NOW)
        assert public.id is not None and public.options == ["A", "B", "C"] and public.closes_at == NOW + timedelta(days=1)
        voter = Voter("alice", alice, NOW)
        assert await store.toggle(public.id, voter, 0, NOW) == [0]
        assert await store.toggle(public.id, voter, 2, NOW) == [0, 2]
        assert await store.toggle(public.id, voter, 0, NOW) == [2]
        assert await store.replace(public.id, Voter("bob", None, NOW), [1], NOW) == [1]
        tally = await store.tally(public.id)
        assert tally.counts == {1: 1, 2: 1} and tally.voters == 2

        secret = await store.create(cid, PollDraft(PollKind.NPS, "Recommend us?", (), True, "close", NOW + timedelta(days=2)),
                                    channel_id=None, created_by=None, now=NOW)
        assert secret.id is not None
        for n, score in enumerate((10, 9, 3)):
            await store.replace(secret.id, Voter(f"a:{n}", None, None), [score], NOW)
        assert (await store.tally(secret.id)).counts == {10: 1, 9: 1, 3: 1}
        ids = [r.id for r in await raw(db, "select id from poll_votes where poll_id = :p", p=secret.id)]
        assert all(RANDOM_ID_LOW <= i < 2**31 for i in ids)  # fits PostgreSQL's integer, far from the sequence
        assert await store.replace(public.id, Voter("carol", None, NOW), [0], NOW) == [0]  # the sequence still works after random ids
        assert await store.replace(public.id, Voter("late", None, NOW), [0], NOW + timedelta(days=1)) is None  # at the deadline: refused

        closed = await store.close_and_tally(secret.id, NOW, unlink=True)
        assert closed is not None and closed.counts == {10: 1, 9: 1, 3: 1}
        assert await store.close_and_tally(secret.id, NOW, unlink=True) is None  # closed once
        assert await store.replace(secret.id, Voter("a:9", None, None), [7], NOW) is None  # and no ballot after the close
        assert not {r.voter for r in await raw(db, "select voter from poll_votes where poll_id = :p", p=secret.id)} & {"a:0", "a:1", "a:2"}
        assert [p.id for p in await store.open_polls()] == [public.id]
        assert [p.id for p in await store.recent(cid)] == [public.id, secret.id]
        assert await store.member_votes(alice) == 1
        assert await store.member_row(cid, "alice") == alice and await store.member_row(cid, "nobody") is None
        assert await erase_member(db, MemberRef(COMMUNITY, "alice")) == 2  # her row and her public ballot (the database cascades)
        assert await store.member_votes(alice) == 0 and await store.member_row(cid, "alice") is None
    finally:
        await db.close()


async def raw(db: Database, sql: str, **params: object) -> list[Any]:
    """Rows of a plain SQL query."""
    async with db.begin() as conn:
        return list((await conn.execute(text(sql), params)).all())


async def test_erasure_deletes_the_members_anonymous_ballots_of_open_polls_only(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.upgrade()
        directory = Directory(db)
        cid = await directory.community_id(COMMUNITY)
        for who in ("alice", "dana"):
            await directory.member_id(MemberRef(COMMUNITY, who, who), NOW)
        key = BallotKey(database_url, env={"ENGAGEBOT_SECRET": "the community's own secret"})
        store = PollStore(db)

        def code(poll_id: int, who: str) -> Voter:
            return Voter(key.voter(poll_id, str(COMMUNITY), who), None, None)

        polls = [await store.create(cid, PollDraft(kind, "Q?", options, True, "close", NOW + timedelta(days=1)), channel_id=None, created_by=None, now=NOW)
                 for kind, options in ((PollKind.SINGLE, ("A", "B")), (PollKind.SINGLE, ("A", "B")), (PollKind.OPEN, ()))]
        closed, open_, feedback = (p.id for p in polls)
        assert closed is not None and open_ is not None and feedback is not None
        for poll_id in (closed, open_):
            await store.replace(poll_id, code(poll_id, "alice"), [0], NOW)
            await store.replace(poll_id, code(poll_id, "dana"), [1], NOW)
        await store.replace(feedback, code(feedback, "dana"), [0], NOW, text="SECRET-ANSWER")
        await store.close_and_tally(closed, NOW, unlink=True)

        assert await erase_member(db, MemberRef(COMMUNITY, "dana"), key) == 3  # her row, her open ballot and her answer
        rows = await raw(db, "select poll_id, voter, value, text from poll_votes order by poll_id, value")
        assert [(r.poll_id, r.value) for r in rows] == [(closed, 0), (closed, 1), (open_, 0)]  # the closed poll's unlinked ballots stay
        assert not {r.voter for r in rows} & {code(p, "dana").code for p in (closed, open_, feedback)}
        tally = await store.close_and_tally(open_, NOW, unlink=True)
        assert tally is not None and tally.counts == {0: 1} and tally.voters == 1
        # a member with no row left (never recorded, or erased before): their open ballot goes all the same
        await store.replace(feedback, code(feedback, "erin"), [0], NOW, text="late")
        assert await erase_member(db, MemberRef(COMMUNITY, "erin"), key) == 1
        assert (await store.tally(feedback)).voters == 0
    finally:
        await db.close()
