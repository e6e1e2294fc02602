"""KPI benchmark: the full weekly report of the last week vs one full scan of `interactions`, in one run.

    python bench/kpi.py [--rows 1000000] [--members 10000] [--weeks 26] [--database URL]

Generates a community (default: 1,000,000 interactions by 10,000 members over 26 weeks, power-law
activity, replies, reactions with some removed, mentions, poll votes, joins and leaves, a few bots)
with driver-level executemany into the migrated schema, then times `SELECT kind, count(*) FROM interactions
GROUP BY kind` and `compute_report` for the last week, alternating (min / median / max of each), and prints
the ratio of the medians. Target: the report costs at most 5 full scans. The bench runs no ANALYZE (nor VACUUM)
of its own: it measures the database as engagebot leaves it (the first report refreshes statistics it finds
missing, and is shown apart). SQLite file by default; `--database postgresql+asyncpg://…` runs the same on
PostgreSQL (tables dropped first).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bot.core.refs import CommunityRef, Platform
from storage.db import Database
from storage.kpi import Period, compute_report

COMMUNITY = CommunityRef(Platform.DISCORD, "bench")
TZ = "Europe/Paris"
FIRST = Period.parse("2026-W02", TZ)
COLUMNS = ("community_id", "kind", "member_id", "channel_id", "target_member_id", "external_id", "parent_external_id", "at", "removed_at")


def generate(rows: int, members: int, weeks: int, seed: int = 7) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(member rows, interaction rows) for one community (id 1), in time order."""
    rng = random.Random(seed)
    start, span = FIRST.start, timedelta(weeks=weeks)
    joined = sorted(start - timedelta(days=30) + span * rng.random() ** 2 for _ in range(members))
    weights = [rng.paretovariate(1.2) for _ in range(members)]
    bots = set(rng.sample(range(members), 5))
    member_rows = [(i + 1, 1, f"u{i}", f"user{i}", i in bots, joined[i]) for i in range(members)]
    out: list[tuple[Any, ...]] = []
    leavers = rng.sample(range(members), members // 10)
    for i in range(members):
        out.append((1, "join", i + 1, None, None, f"join:u{i}", None, joined[i], None))
    for i in leavers:
        out.append((1, "leave", i + 1, None, None, f"leave:u{i}", None, joined[i] + timedelta(days=rng.randrange(3, 120)), None))
    activity = rows - len(out)
    authors = rng.choices(range(members), weights=weights, k=activity)
    seconds = span.total_seconds()
    times = sorted(start + timedelta(seconds=seconds * rng.random()) for _ in range(activity))
    posts: list[tuple[str, int]] = []
    for n, (who, at) in enumerate(zip(authors, times, strict=True)):
        at = max(at, joined[who])
        mid = who + 1
        r = rng.random()
        if r < 0.25 or not posts:
            out.append((1, "message", mid, 1 + n % 8, None, f"m{n}", None, at, None))
            posts.append((f"m{n}", mid))
        elif r < 0.45:
            parent, author = posts[-1 - min(len(posts) - 1, int(rng.expovariate(1 / 40)))]
            out.append((1, "reply", mid, 1 + n % 8, author, f"m{n}", parent, at, None))
            posts.append((f"m{n}", mid))
        elif r < 0.92:
            parent, author = posts[-1 - min(len(posts) - 1, int(rng.expovariate(1 / 60)))]
            removed = at + timedelta(hours=rng.randrange(1, 300)) if rng.random() < 0.03 else None
            out.append((1, "reaction", mid, 1 + n % 8, author, f"{parent}:u{who}:{n}", parent, at, removed))
        elif r < 0.96:
            parent, _ = posts[-1]
            other = rng.randrange(members) + 1
            out.append((1, "mention", mid, 1 + n % 8, other, f"{parent}:u{other}:{n}", parent, at, None))
        else:
            out.append((1, "poll_vote", mid, 1 + n % 8, None, f"poll:{n % 40}:u{who}:{n}", f"poll:{n // 40000}", at, None))
    return member_rows, out


def _db_time(value: datetime | None, sqlite: bool) -> Any:
    if value is None:
        return None
    naive = value.astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(" ", "microseconds") if sqlite else naive


async def load(db: Database, members: list[tuple[Any, ...]], rows: list[tuple[Any, ...]]) -> float:
    """Bulk insert (executemany at the driver level, 50,000 rows per transaction); seconds taken."""
    sqlite = db.is_sqlite
    mark = (lambda i: "?") if sqlite else (lambda i: f"${i}")
    started = time.perf_counter()
    async with db.begin() as conn:
        await conn.execute(text("INSERT INTO communities (id, platform, external_id, name) VALUES (1, 'discord', 'bench', 'Bench community')"))
        await conn.exec_driver_sql(
            f"INSERT INTO members (id, community_id, external_id, name, is_bot, joined_at) VALUES ({', '.join(mark(i) for i in range(1, 7))})",
            [(*m[:5], _db_time(m[5], sqlite)) for m in members],
        )
        await conn.exec_driver_sql(
            f"INSERT INTO channels (id, community_id, external_id, name) VALUES ({', '.join(mark(i) for i in range(1, 5))})",
            [(c, 1, f"c{c}", f"channel{c}") for c in range(1, 9)],
        )
    insert = f"INSERT INTO interactions ({', '.join(COLUMNS)}) VALUES ({', '.join(mark(i) for i in range(1, len(COLUMNS) + 1))})"
    for k in range(0, len(rows), 50_000):
        chunk = [(*r[:7], _db_time(r[7], sqlite), _db_time(r[8], sqlite)) for r in rows[k:k + 50_000]]
        async with db.begin() as conn:
            await conn.exec_driver_sql(insert, chunk)
    if not sqlite:
        async with db.begin() as conn:
            await conn.execute(text("SELECT setval('members_id_seq', (SELECT max(id) FROM members))"))
    return time.perf_counter() - started


def spread(values: list[float], scale: float = 1000, unit: str = " ms") -> str:
    """min / median / max."""
    return " / ".join(f"{v * scale:,.{0 if scale > 1 else 2}f}" for v in (min(values), statistics.median(values), max(values))) + unit


async def timed(work: Any) -> float:
    """Seconds one run takes."""
    started = time.perf_counter()
    await work()
    return time.perf_counter() - started


async def main() -> None:
    """Generate, load, time and print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--database", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--reuse", action="store_true", help="time the data already in --database instead of generating it")
    parser.add_argument("--runs", type=int, default=5, help="alternating timed rounds of each (at least 3; the medians are compared)")
    args = parser.parse_args()
    url = args.database or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='engagebot-bench-')) / 'kpi.db'}"
    db = Database(url)
    if not args.reuse:
        if not db.is_sqlite:
            async with db.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await db.upgrade()
        started = time.perf_counter()
        members, rows = generate(args.rows, args.members, args.weeks)
        print(f"generated {len(rows):,} interactions by {len(members):,} members over {args.weeks} weeks in {time.perf_counter() - started:.1f} s")
        print(f"bulk insert: {await load(db, members, rows):.1f} s ({db.dialect}: {url})")
    last = FIRST.shift(args.weeks - 1)

    async def scan() -> None:
        async with db.begin() as conn:
            (await conn.execute(text("SELECT kind, count(*) FROM interactions GROUP BY kind"))).all()

    report_holder: list[Any] = []

    async def report() -> None:
        report_holder[:] = [await compute_report(db, COMMUNITY, last)]

    await scan()  # warm the cache for both
    first = await timed(report)  # refreshes the planner's statistics if missing or stale, as any report does
    scans, reports = [], []
    for _ in range(args.runs):  # alternating, so load on the machine weighs on both alike
        scans.append(await timed(scan))
        reports.append(await timed(report))
    full_scan, weekly = statistics.median(scans), statistics.median(reports)
    k = report_holder[0].kpis
    print(f"{db.dialect}, {args.runs} alternating rounds, min / median / max:")
    print(f"full scan (SELECT kind, count(*) … GROUP BY kind): {spread(scans)}")
    print(f"weekly report {last.label} (every KPI, with W-1): {spread(reports)}")
    print(f"  = {weekly / full_scan:.2f} full scans by median (rounds {spread([r / s for r, s in zip(reports, scans, strict=True)], 1, '')};"
          " target <= 5)")
    print(f"first report (statistics refreshed as needed): {first * 1000:,.0f} ms")
    print(f"  members {k['members_total']:,}, active {k['active_members']:,}, posts {k['posts']:,}, response rate {k['response_rate']}")
    await db.close()


if __name__ == "__main__":
    asyncio.run(main())
