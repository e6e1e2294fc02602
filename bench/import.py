"""Benchmark: `engagebot import` of an event log (EVENTS.md) it generates: events/s and peak memory.

The log (seeded): members joining and leaving, posts, replies to recent posts, mentions, reactions (some
removed), in time order as the demo writes them. Each round imports it into a new SQLite file in a child
process; prints min / median / max over the rounds of events/s and peak RSS (polled every 50 ms).

    python bench/import.py --events 1000000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_dce import run_measured, spread  # the same measuring helpers

ROOT = Path(__file__).resolve().parents[1]


def generate(path: Path, events: int, seed: int = 11, members: int = 10_000) -> None:
    """Write `events` lines of community g1."""
    rng = random.Random(seed)
    at = datetime(2024, 1, 1, tzinfo=UTC)
    joined: list[str] = []
    posts: list[str] = []
    n_post = 0
    with path.open("w", encoding="utf-8") as f:
        for _ in range(events):
            at += timedelta(seconds=rng.randint(1, 60))
            base = {"platform": "discord", "community": "g1", "at": at.isoformat()}
            roll = rng.random()
            if roll < 0.01 or len(joined) < 20:
                member = f"u{len(joined) % members}-{len(joined) // members}"
                joined.append(member)
                line = {"type": "member_joined", **base, "member": member, "name": member}
            elif roll < 0.013:
                line = {"type": "member_left", **base, "member": rng.choice(joined)}
            elif roll < 0.58 or not posts:
                n_post += 1
                mid = f"m{n_post}"
                line = {"type": "message", **base, "id": mid, "channel": f"c{rng.randint(1, 8)}", "member": rng.choice(joined)}
                if posts and rng.random() < 0.3:
                    line["reply_to"] = rng.choice(posts[-500:])
                if rng.random() < 0.1:
                    line["mentions"] = [rng.choice(joined)]
                posts.append(mid)
                if len(posts) > 5000:
                    del posts[:1000]
            elif roll < 0.975:
                line = {"type": "reaction", **base, "message": rng.choice(posts[-2000:]), "member": rng.choice(joined), "emoji": rng.choice("👍🎉❤️")}
            else:
                line = {"type": "reaction_removed", **base, "message": rng.choice(posts[-2000:]), "member": rng.choice(joined), "emoji": "👍"}
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


def main() -> None:
    """Generate the log, import it in alternating rounds, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    log = work / "events.jsonl"
    t = time.perf_counter()
    generate(log, args.events)
    print(f"generated {args.events:,} events ({log.stat().st_size / 2**20:,.0f} MiB) in {time.perf_counter() - t:.0f} s", flush=True)
    rates, peaks = [], []
    for r in range(args.rounds):
        db = work / f"round-{r}.db"
        seconds, peak, out, code = run_measured([sys.executable, "-m", "bot.cli", "import", "--database", f"sqlite+aiosqlite:///{db}", str(log)], ROOT)
        if code not in (0, 1):
            raise SystemExit(f"import failed ({code}):\n{out[-2000:]}")
        rates.append(args.events / seconds)
        peaks.append(peak)
        print(f"round {r + 1}: {rates[-1]:,.0f} events/s, {peak:,.0f} MiB ({seconds:.1f} s)", flush=True)
        db.unlink(missing_ok=True)
    print(f"\nevents: {args.events:,}  rounds: {args.rounds} (min / median / max)")
    print(f"engagebot import (event log): {spread(rates)} events/s   peak {spread(peaks)} MiB   (target >= 30,000 events/s, < 300 MiB)")
    print(f"median: {statistics.median(rates):,.0f} events/s, {statistics.median(peaks):,.0f} MiB")
    log.unlink()


if __name__ == "__main__":
    main()
