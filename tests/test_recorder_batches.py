"""The recorder writes the same rows whatever its batch: reactions removed, given again, removed before given, imported twice."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text

from bot.core.events import Event, MessagePosted, ReactionAdded, ReactionRemoved
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef, Platform
from storage.db import Database
from storage.directory import Directory
from storage.recorder import Recorder

GUILD = CommunityRef(Platform.DISCORD, "g")
GENERAL = ChannelRef(GUILD, "c", "general")
ALICE, BOB = MemberRef(GUILD, "a", "Alice"), MemberRef(GUILD, "b", "Bob")
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def history() -> list[Event]:
    post, other = MessageRef(GENERAL, "m1"), MessageRef(GENERAL, "m2")
    at = [T0 + timedelta(minutes=k) for k in range(12)]
    return [
        MessagePosted(message=post, author=ALICE, at=at[0]),
        MessagePosted(message=other, author=BOB, at=at[0]),
        ReactionAdded(message=post, member=BOB, emoji="👍", message_author=ALICE, at=at[1]),
        ReactionRemoved(message=post, member=BOB, emoji="👍", at=at[2]),
        ReactionAdded(message=post, member=BOB, emoji="👍", message_author=ALICE, at=at[3]),  # given again
        ReactionRemoved(message=other, member=ALICE, emoji="🎉", at=at[4]),  # removed before it is given
        ReactionAdded(message=other, member=ALICE, emoji="🎉", message_author=BOB, at=at[5]),
        ReactionAdded(message=other, member=ALICE, emoji="👀", message_author=BOB, at=at[6]),
        ReactionRemoved(message=other, member=ALICE, emoji="👀", at=at[7]),
        ReactionRemoved(message=other, member=ALICE, emoji="👀", at=at[8]),  # twice
        ReactionAdded(message=post, member=ALICE, emoji="❤️", message_author=ALICE, at=at[9]),
        ReactionRemoved(message=post, member=ALICE, emoji="❤️", at=at[10]),
    ]


async def recorded(path: Path, batch: int) -> list[tuple[object, ...]]:
    db = Database(f"sqlite+aiosqlite:///{path}", in_loop=True)
    await db.upgrade()
    for _ in range(2):  # the same history twice, as an import run again
        recorder = Recorder(db, Directory(db), batch_size=batch, flush_seconds=3600)
        for event in history():
            await recorder.record(event)
        await recorder.close()
    async with db.begin() as conn:
        got = [tuple(r) for r in (await conn.execute(text("select kind, external_id, removed_at from interactions order by kind, external_id"))).all()]
    await db.close()
    return got


async def test_one_batch_writes_what_one_flush_per_event_writes(tmp_path: Path) -> None:
    one_by_one = await recorded(tmp_path / "one.db", 1)
    assert await recorded(tmp_path / "batch.db", 1000) == one_by_one
    assert [x for kind, x, removed in one_by_one if kind == "reaction" and removed is None] == ["m1:b:👍", "m2:a:🎉"]


async def test_through_the_worker_thread_a_flush_of_known_members_is_one_call_into_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'thread.db'}")  # the live bot's way: aiosqlite's worker thread
    await db.upgrade()
    recorder = Recorder(db, Directory(db), batch_size=1000, flush_seconds=3600)
    posts = [MessagePosted(message=MessageRef(GENERAL, f"m{k}"), author=ALICE, at=T0 + timedelta(minutes=k)) for k in range(20)]
    await recorder.record(posts[0])
    await recorder.flush()  # creates (and caches) the member and the channel
    calls: list[object] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(fn)
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    for event in posts[1:]:
        await recorder.record(event)
    assert await recorder.flush() == 19
    assert len(calls) == 1
    monkeypatch.undo()
    async with db.begin() as conn:
        assert (await conn.execute(text("select count(*) from interactions"))).scalar_one() == 20
    await db.close()


async def test_a_failing_insert_through_the_worker_thread_writes_nothing_and_the_next_one_works(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'thread.db'}")
    await db.upgrade()
    insert = "INSERT INTO communities (id, platform, external_id) VALUES (?, 'discord', ?)"
    with pytest.raises(sqlite3.IntegrityError):
        await db.insert_rows(insert, [(1, "a"), (2, "b"), (1, "c")])  # the third one's id is taken
    await db.insert_rows(insert, [(3, "c")])
    async with db.begin() as conn:
        assert (await conn.execute(text("select external_id from communities order by id"))).scalars().all() == ["c"]
    await db.close()
