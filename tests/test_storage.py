"""Storage on SQLite and PostgreSQL: migrations, the batched recorder, idempotency, job claims, privacy."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.core.events import MemberJoined, MemberLeft, MessagePosted, ReactionAdded, ReactionRemoved
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef, Platform
from storage.db import Database, load_all_models
from storage.directory import Directory
from storage.jobs import JobRuns
from storage.privacy import describe_member, erase_member
from storage.recorder import Recorder

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
C = CommunityRef(Platform.DISCORD, "g1")
GENERAL = ChannelRef(C, "general")


def member(ident: str, bot: bool = False) -> MemberRef:
    return MemberRef(C, ident, ident.title(), bot)


def post(ident: str, author: str, minutes: int, reply_to: str | None = None, reply_author: str | None = None) -> MessagePosted:
    return MessagePosted(
        message=MessageRef(GENERAL, ident), author=member(author), at=T0 + timedelta(minutes=minutes),
        reply_to=MessageRef(GENERAL, reply_to) if reply_to else None, reply_to_author=member(reply_author) if reply_author else None,
    )


async def open_db(url: str) -> tuple[Database, Recorder]:
    db = Database(url)
    await db.upgrade()
    return db, Recorder(db, Directory(db), batch_size=3, flush_seconds=60)


async def test_migrations_create_exactly_the_models_schema(database_url: str) -> None:
    db = Database(database_url)
    await db.upgrade()
    await db.upgrade()  # a second start changes nothing
    metadata = load_all_models().metadata

    def diff(conn):  # type: ignore[no-untyped-def]
        return compare_metadata(MigrationContext.configure(conn), metadata)

    async with db.begin() as conn:
        differences = await conn.run_sync(diff)
    await db.close()
    assert differences == []


async def test_recorder_writes_in_batches_and_a_redelivery_is_a_no_op(database_url: str) -> None:
    db, rec = await open_db(database_url)
    await rec.record(MemberJoined(member=member("alice"), at=T0))
    await rec.record(post("m1", "alice", 1))
    assert rec.pending == 2  # below the batch size: still queued
    await rec.record(post("m2", "bob", 5, reply_to="m1", reply_author="alice"))
    assert rec.pending == 0  # the third row filled the batch: written in one transaction
    await rec.record(post("m1", "alice", 1))  # redelivered
    await rec.record(ReactionAdded(message=MessageRef(GENERAL, "m1"), member=member("bob"), emoji="👍", message_author=member("alice"), at=T0 + timedelta(minutes=6)))
    await rec.record(ReactionRemoved(message=MessageRef(GENERAL, "m1"), member=member("bob"), emoji="👍", at=T0 + timedelta(minutes=7)))
    await rec.close()
    async with db.begin() as conn:
        kinds = dict((await conn.execute(text("select kind, count(*) from interactions group by kind"))).all())
        removed = (await conn.execute(text("select removed_at from interactions where kind = 'reaction'"))).scalar()
        reply_target = (await conn.execute(text(
            "select m.external_id from interactions i join members m on m.id = i.target_member_id where i.kind = 'reply'"))).scalar()
    await db.close()
    assert kinds == {"join": 1, "message": 1, "reply": 1, "reaction": 1}
    assert removed is not None  # the removal is kept as a time, the row is not deleted
    assert reply_target == "alice"


async def test_a_flush_cancelled_while_it_writes_loses_nothing(database_url: str) -> None:
    # shutdown cancels the background flusher; in the live bot (the driver's thread) that can land while a batch is written
    db, rec = await open_db(database_url)
    rec.batch_size = 100
    for i in range(5):
        await rec.record(post(f"m{i}", "alice", i))
    flushing = asyncio.create_task(rec.flush())
    await asyncio.sleep(0)  # the flush has taken the queue and waits on the database
    assert rec.pending == 0 and not flushing.done()
    flushing.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await flushing
    assert rec.pending == 5  # back in the queue, not dropped
    await rec.close()
    async with db.begin() as conn:
        written = (await conn.execute(text("select count(*) from interactions where kind = 'message'"))).scalar()
    await db.close()
    assert written == 5


async def test_a_join_and_a_leave_whose_write_fails_stay_queued_and_are_written_later(database_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # a lock held past busy_timeout, a PostgreSQL disconnect: the membership write fails inside the transaction
    db, rec = await open_db(database_url)
    failures = 1
    real = Directory.membership_in

    async def flaky(self: Directory, *args: Any, **kwargs: Any) -> Any:
        nonlocal failures
        if failures:
            failures -= 1
            raise OperationalError("UPDATE members", {}, Exception("database is locked"))
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(Directory, "membership_in", flaky)
    await rec.record(post("m1", "bob", 0))
    await rec.record(MemberJoined(member=member("dana"), at=T0 + timedelta(hours=1)))  # fails: logged, nothing raised
    await rec.record(MemberLeft(member=member("bob"), at=T0 + timedelta(hours=2)))  # queued: the recorder backs off before trying again
    assert rec.pending == 2 + 2 + 1  # both changes, their rows and bob's post, in the queue
    await rec.close()
    async with db.begin() as conn:
        members = {r.external_id: (r.joined_at, r.left_at) for r in (await conn.execute(text("select external_id, joined_at, left_at from members"))).all()}
        kinds = sorted((await conn.execute(text("select kind from interactions"))).scalars())
    await db.close()
    assert kinds == ["join", "leave", "message"]
    assert str(members["dana"][0]).startswith("2026-01-05 10:00") and members["dana"][1] is None
    assert str(members["bob"][1]).startswith("2026-01-05 11:00")


async def test_membership_keeps_the_first_join_and_the_leave(database_url: str) -> None:
    db, rec = await open_db(database_url)
    await rec.record(post("m1", "carol", 0))  # seen before any join: joined_at = first event
    await rec.record(MemberJoined(member=member("carol"), at=T0 + timedelta(days=1)))
    await rec.record(MemberLeft(member=member("carol"), at=T0 + timedelta(days=2)))
    await rec.close()
    async with db.begin() as conn:
        row = (await conn.execute(text("select joined_at, left_at from members where external_id = 'carol'"))).one()
    await db.close()
    assert str(row.joined_at).startswith("2026-01-05 09:00")
    assert str(row.left_at).startswith("2026-01-07 09:00")


async def test_a_bot_flag_sticks(database_url: str) -> None:
    db, rec = await open_db(database_url)
    await rec.record(post("m1", "helper", 0))
    await rec.record(MessagePosted(message=MessageRef(GENERAL, "m2"), author=member("helper", bot=True), at=T0))
    await rec.record(post("m3", "helper", 2))
    await rec.close()
    async with db.begin() as conn:
        is_bot = (await conn.execute(text("select is_bot from members where external_id = 'helper'"))).scalar()
    await db.close()
    assert bool(is_bot) is True


async def test_a_job_period_is_claimed_once(database_url: str) -> None:
    db = Database(database_url)
    await db.upgrade()
    runs = JobRuns(db)
    assert await runs.claim("discord:g1", "digest", "2026-W02", T0) is not None
    assert await runs.claim("discord:g1", "digest", "2026-W02", T0) is None
    w03 = await runs.claim("discord:g1", "digest", "2026-W03", T0)
    assert w03 is not None and await runs.release(w03)
    assert await runs.periods("discord:g1", "digest") == ["2026-W02"]
    await db.close()


async def test_a_member_can_see_and_erase_what_is_stored(database_url: str) -> None:
    db, rec = await open_db(database_url)
    await rec.record(MemberJoined(member=member("dana"), at=T0))
    await rec.record(post("m1", "dana", 1))
    await rec.record(post("m2", "erin", 2, reply_to="m1", reply_author="dana"))
    await rec.close()
    data = await describe_member(db, member("dana"))
    assert data is not None and data.interactions == {"join": 1, "message": 1} and data.text_stored == 0
    assert await erase_member(db, member("dana")) == 3
    assert await describe_member(db, member("dana")) is None
    async with db.begin() as conn:
        left = (await conn.execute(text("select kind, target_member_id from interactions"))).all()
    await db.close()
    assert [(k, t) for k, t in left] == [("reply", None)]  # erin's reply stays, unlinked from dana


async def driver_of(db: Database) -> object:
    """The driver-level connection `begin()` hands out."""
    async with db.begin() as conn:
        raw = await conn.get_raw_connection()
        return raw.driver_connection


async def test_in_loop_sqlite_starts_no_thread_reports_errors_and_keeps_each_transaction_whole(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    import sqlite3

    from sqlalchemy.exc import IntegrityError

    from storage.db import InLoopConnection, LoopConnection

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'inloop.db'}", in_loop=True)
    await db.upgrade()
    async with db.begin() as conn:  # transactions: a plain sqlite3 connection, called directly
        assert type(conn) is LoopConnection
    assert type(await driver_of(db)) is sqlite3.Connection
    insert = text("INSERT INTO communities (platform, external_id, name) VALUES ('discord', 'g1', 'G')")
    async with db.begin() as conn:
        await conn.execute(insert)
    try:
        async with db.begin() as conn:
            await conn.execute(text("INSERT INTO communities (platform, external_id, name) VALUES ('discord', 'g2', 'G2')"))
            await conn.execute(insert)
        raise AssertionError("the duplicate was accepted")
    except IntegrityError:
        pass  # the driver's error reaches the caller…
    async with db.begin() as conn:  # …and the whole transaction was rolled back
        assert (await conn.execute(text("SELECT count(*) FROM communities"))).scalar_one() == 1

    async def read_then_write(i: int) -> None:  # a read-modify-write: whole, since no statement yields to the loop
        async with db.begin() as conn:
            name = (await conn.execute(text("SELECT name FROM communities WHERE external_id = 'g1'"))).scalar_one()
            await conn.execute(text("UPDATE communities SET name = :n WHERE external_id = 'g1'"), {"n": f"{name}+{i}"})

    await asyncio.gather(*(read_then_write(i) for i in range(20)))
    async with db.begin() as outer:  # a transaction opened inside another gets a connection of its own
        async with db.begin() as inner:
            assert inner is not outer
            name = (await inner.execute(text("SELECT name FROM communities WHERE external_id = 'g1'"))).scalar_one()
            assert type(inner) is not LoopConnection  # the aiosqlite engine, in the loop too
            driver = (await inner.get_raw_connection()).driver_connection
    assert name.count("+") == 20
    assert type(driver) is InLoopConnection and not driver._thread.is_alive()  # type: ignore[attr-defined]
    async with db.session() as session:  # sessions (and migrations) use the aiosqlite engine: no worker thread either
        driver = (await (await session.connection()).get_raw_connection()).driver_connection
        assert type(driver) is InLoopConnection and not driver._thread.is_alive()  # type: ignore[attr-defined]
    await db.close()


def test_in_loop_sqlite_connects_with_the_arguments_sqlalchemy_would_use() -> None:
    from sqlalchemy import make_url

    for url in ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:////tmp/x.db", "sqlite+aiosqlite://",
                "sqlite+aiosqlite:///file:x.db?mode=ro&uri=true", "sqlite+aiosqlite:///x.db?timeout=3"):
        parsed = make_url(url)
        assert parsed.get_dialect()().create_connect_args(parsed) == Database(url).engine.dialect.create_connect_args(parsed), url


async def test_only_sqlite_runs_in_the_loop_and_the_live_bot_keeps_the_driver_thread(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    import aiosqlite

    from bot.app import Engagebot
    from bot.core.clock import VirtualClock
    from tests.conftest import make_config

    assert not Database("postgresql+asyncpg://u:p@127.0.0.1/x", in_loop=True).in_loop
    config = make_config(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    live, simulated = Engagebot(config), Engagebot(config, clock=VirtualClock(T0))
    await live.db.upgrade()
    try:
        # real clock: Discord and Slack keep being served during a slow query; demo, console, script: in the loop
        assert type(await driver_of(live.db)) is aiosqlite.Connection
        assert type(await driver_of(simulated.db)) is sqlite3.Connection
    finally:
        await live.db.close()
        await simulated.db.close()


async def test_a_row_naming_another_communitys_channel_and_member_is_written_in_one_transaction(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the other community is created before the flush's transaction opens, not inside it (where SQLite runs
    # in the loop a second write transaction inside the first would stall the loop, then fail as locked)
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", in_loop=True)
    await db.upgrade()
    rec = Recorder(db, Directory(db), batch_size=100, flush_seconds=60)
    other = CommunityRef(Platform.DISCORD, "g2")
    shared = ChannelRef(other, "shared")
    await rec.record(MessagePosted(message=MessageRef(shared, "x1"), author=member("alice"), at=T0,
                                   reply_to=MessageRef(shared, "x0"), reply_to_author=MemberRef(other, "zoe", "Zoe")))
    assert await rec.flush() == 1
    async with db.begin() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM interactions i JOIN channels c ON c.id = i.channel_id "
                                        "JOIN communities o ON o.id = c.community_id WHERE o.external_id = 'g2'"))).scalar_one() == 1
    await db.close()
