"""The recorder when the database fails: it backs off, keeps a bounded queue, and sets a bad row aside instead of blocking."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from storage.db import Database
from storage.directory import Directory
from storage.recorder import Recorder
from storage.recorder_faults import Backoff
from tests.test_storage import post


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def open_recorder(url: str, **options: Any) -> tuple[Database, Recorder]:
    db = Database(url)
    await db.upgrade()
    return db, Recorder(db, Directory(db), batch_size=2, flush_seconds=60, **options)


async def test_a_failing_database_is_retried_with_growing_pauses_and_nothing_is_lost(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    db, rec = await open_recorder(database_url, backoff=Backoff(first=1, longest=8, monotonic=clock))
    real, tries = rec._write, []

    async def down(*args: Any) -> None:
        tries.append(clock.now)
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(rec, "_write", down)
    for i in range(20):  # a batch fills every second event: each would have retried at once
        await rec.record(post(f"m{i}", "alice", i))
        clock.now += 0.25
    assert tries == [0.25, 1.25, 3.25]  # pauses of 1, then 2 s (then 4, not reached), not a try per event
    monkeypatch.setattr(rec, "_write", real)
    clock.now += 10
    await rec.record(post("m20", "alice", 20))  # the database is back: the next try writes everything
    async with db.begin() as conn:
        assert (await conn.execute(text("select count(*) from interactions"))).scalar() == 21
    await rec.close()
    await db.close()


async def test_past_its_cap_the_queue_drops_new_rows_counts_them_and_says_so(database_url: str, monkeypatch: pytest.MonkeyPatch,
                                                                            caplog: pytest.LogCaptureFixture) -> None:
    db, rec = await open_recorder(database_url, max_pending=5, backoff=Backoff(first=3600, monotonic=Clock()))

    async def down(*args: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("could not connect to server"))

    monkeypatch.setattr(rec, "_write", down)
    with caplog.at_level(logging.ERROR, logger="engagebot.recorder"):
        for i in range(12):
            await rec.record(post(f"m{i}", "alice", i))
    assert rec.pending == 5 and rec.dropped == 7
    assert "new interaction rows are dropped (counted) until it recovers" in caplog.text
    await db.close()


async def test_one_row_the_database_refuses_is_set_aside_and_the_others_are_written(database_url: str, monkeypatch: pytest.MonkeyPatch,
                                                                                 caplog: pytest.LogCaptureFixture) -> None:
    db, rec = await open_recorder(database_url)
    real = rec._write

    async def refuses_poison(rows: list[Any], *rest: Any) -> None:
        if any(r.external_id == "poison" for r in rows):
            raise IntegrityError("INSERT INTO interactions", {}, Exception("value out of range"))
        await real(rows, *rest)

    monkeypatch.setattr(rec, "_write", refuses_poison)
    with caplog.at_level(logging.WARNING, logger="engagebot.recorder"):
        for ident in ("m1", "poison", "m2", "m3"):
            await rec.record(post(ident, "alice", 1))
        await rec.flush()
        await rec.record(post("m4", "alice", 2))  # later flushes are not blocked by it
        await rec.flush()
    async with db.begin() as conn:
        stored = (await conn.execute(text("select external_id from interactions order by external_id"))).scalars().all()
    assert stored == ["m1", "m2", "m3", "m4"] and rec.rejected == 1 and rec.pending == 0
    assert "interaction row set aside, the database refuses it: message 'poison' of alice" in caplog.text
    await db.close()


