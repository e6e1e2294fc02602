"""Ingest benchmark: interactions/s through the real recorder vs raw sqlite3.executemany, in one run.

    python bench/ingest.py [--rows 200000] [--batch 500]

Both paths write the same rows into the same schema (created by the project's migrations) on a
SQLite file with the same connection pragmas (WAL, synchronous=NORMAL, foreign keys on), one transaction per batch. The
recorder path starts from core events (MessagePosted), so it includes turning events into rows,
resolving members and channels, and SQLAlchemy's executemany. The recorder runs twice: with SQLite
called in the event loop (`Database(in_loop=True)`: `engagebot import`, the demo, the console) and
through aiosqlite's worker thread (the live bot). Prints the rates by median and the ratios to raw of the
same round (min / median / max).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.dialects import sqlite

from bot.core.events import MessagePosted
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef, Platform
from storage.db import Database, sqlite_pragmas
from storage.directory import Directory
from storage.recorder import Recorder
from storage.types import UTCDateTime

COMMUNITY = CommunityRef(Platform.DISCORD, "bench")
COLUMNS = ("community_id", "kind", "member_id", "channel_id", "target_member_id", "external_id", "parent_external_id", "at", "removed_at", "sentiment", "text")


def make_events(n: int, members: int = 1000, seed: int = 1) -> list[MessagePosted]:
    """`n` messages and replies from `members` members over a few weeks."""
    rng = random.Random(seed)
    people = [MemberRef(COMMUNITY, f"u{i}", f"user{i}") for i in range(members)]
    channels = [ChannelRef(COMMUNITY, f"c{i}", f"channel{i}") for i in range(5)]
    t0 = datetime(2026, 1, 5, tzinfo=UTC)
    events = []
    for i in range(n):
        channel = rng.choice(channels)
        reply = i > 0 and rng.random() < 0.4
        target = rng.randrange(i) if reply else None
        events.append(MessagePosted(
            message=MessageRef(channel, f"m{i}"), author=rng.choice(people), at=t0 + timedelta(seconds=i * 7),
            reply_to=MessageRef(channel, f"m{target}") if target is not None else None,
        ))
    return events


async def through_recorder(url: str, events: list[MessagePosted], batch: int, *, in_loop: bool) -> float:
    """Seconds to record every event through the real recorder (flushes included)."""
    db = Database(url, in_loop=in_loop)
    await db.upgrade()
    recorder = Recorder(db, Directory(db), batch_size=batch, flush_seconds=3600)
    started = time.perf_counter()
    for event in events:
        await recorder.record(event)
    await recorder.close()
    elapsed = time.perf_counter() - started
    await db.close()
    return elapsed


async def prepare_schema(url: str) -> None:
    db = Database(url)
    await db.upgrade()
    async with db.begin() as conn:
        from sqlalchemy import text

        await conn.execute(text("insert into communities (platform, external_id) values ('discord', 'bench')"))
        await conn.execute(text("insert into members (community_id, external_id, is_bot, joined_at) "
                                "select 1, 'u' || value, 0, '2026-01-05 00:00:00.000000' from json_each(:ids)"),
                           {"ids": "[" + ",".join(str(i) for i in range(1000)) + "]"})
        await conn.execute(text("insert into channels (community_id, external_id) select 1, 'c' || value from json_each('[0,1,2,3,4]')"))
    await db.close()


def raw_rows(events: list[MessagePosted]) -> list[tuple[object, ...]]:
    """The same rows, as plain tuples for the driver (built before timing).

    Times are bound as the column type binds them on SQLite (`YYYY-MM-DD HH:MM:SS.ffffff`), as the
    recorder writes them: `same_rows` checks that both files hold the same values.
    """
    dialect = sqlite.dialect()
    bind_time = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert bind_time is not None
    rows = []
    for e in events:
        rows.append((1, "reply" if e.reply_to else "message", int(e.author.id[1:]) + 1, int(e.message.channel.id[1:]) + 1, None,
                     e.message.id, e.reply_to.id if e.reply_to else None, bind_time(e.at), None, None, None))
    return rows


def written_rows(path: Path) -> tuple[int, int]:
    """How many interactions a file holds, and a digest of their values (ids aside: members get theirs in another order)."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("select i.kind, i.external_id, i.parent_external_id, i.at, m.external_id, c.external_id from interactions i "
                            "join members m on m.id = i.member_id join channels c on c.id = i.channel_id order by i.external_id").fetchall()
    return len(rows), hash(tuple(rows))


def through_executemany(path: Path, rows: list[tuple[object, ...]], batch: int) -> float:
    """Seconds for raw sqlite3 executemany of the same rows, one transaction per batch."""
    conn = sqlite3.connect(path, isolation_level=None)
    sqlite_pragmas(conn, None)  # the pragmas every engagebot connection gets (WAL, synchronous=NORMAL, foreign keys)
    sql = f"INSERT INTO interactions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) ON CONFLICT DO NOTHING"
    started = time.perf_counter()
    for i in range(0, len(rows), batch):
        conn.execute("BEGIN")
        conn.executemany(sql, rows[i : i + batch])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def spread(values: list[float], unit: str = " s") -> str:
    """min / median / max."""
    return " / ".join(f"{v:.2f}" for v in (min(values), statistics.median(values), max(values))) + unit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=500, help="rows per transaction (the recorder's default batch size)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of every path, each on a new file (at least 3)")
    args = parser.parse_args()
    events = make_events(args.rows)
    rows = raw_rows(events)
    times: dict[str, list[float]] = {"raw": [], "loop": [], "thread": []}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.rounds):
            folder = Path(tmp)
            asyncio.run(prepare_schema(f"sqlite+aiosqlite:///{folder / f'raw{n}.db'}"))
            times["raw"].append(through_executemany(folder / f"raw{n}.db", rows, args.batch))
            raw_digest = written_rows(folder / f"raw{n}.db")[1]
            for path in ("loop", "thread"):
                name = folder / f"{path}{n}.db"
                times[path].append(asyncio.run(through_recorder(f"sqlite+aiosqlite:///{name}", events, args.batch, in_loop=path == "loop")))
                written, digest = written_rows(name)
                assert written == args.rows, f"the recorder ({path}) wrote {written} rows, expected {args.rows}"
                assert digest == raw_digest, f"the recorder ({path}) wrote other values than the raw path"
    med = {path: statistics.median(spent) for path, spent in times.items()}
    print(f"rows: {args.rows:,}  batch: {args.batch}  rounds: {args.rounds} (alternating; min / median / max)")
    print(f"raw sqlite3.executemany            : {args.rows / med['raw']:>10,.0f} interactions/s by median  ({spread(times['raw'])})")
    for path, label in (("loop", "recorder, SQLite in the event loop "), ("thread", "recorder, aiosqlite worker thread  ")):
        ratios = [r / e for r, e in zip(times["raw"], times[path], strict=True)]
        print(f"{label}: {args.rows / med[path]:>10,.0f} interactions/s by median  ({spread(times[path])})  "
              f"ratio to raw {spread(ratios, '')}")
    print("target: ratio >= 0.80")


if __name__ == "__main__":
    main()
