"""Benchmark: `engagebot import` of an event log (EVENTS.md) it generates: events/s and peak memory.

The log (seeded): members joining and leaving, posts, replies to recent posts, mentions, reactions (some
removed), in time order as the demo writes them. Each round imports it into a new SQLite file in a child
process; prints min / median / max over the rounds of events/s and peak RSS of the process tree (polled every
50 ms), and the load average before and after. With `--reference DIR` (another checkout of engagebot, e.g. an
earlier commit), rounds alternate between this one and that one, on the same log, and the ratio is printed.

    python bench/import.py --events 1000000 --rounds 3 [--reference ../engagebot-main]
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
from import_dce import load, run_measured, spread  # the same measuring helpers

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
    parser.add_argument("--reference", type=Path, help="another engagebot checkout to alternate with (its own code, this interpreter)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    log = work / "events.jsonl"
    t = time.perf_counter()
    generate(log, args.events)
    print(f"generated {args.events:,} events ({log.stat().st_size / 2**20:,.0f} MiB) in {time.perf_counter() - t:.0f} s", flush=True)
    sides = [("this checkout", ROOT)] + ([("reference", args.reference.resolve())] if args.reference else [])
    rates: dict[str, list[float]] = {name: [] for name, _ in sides}
    peaks: dict[str, list[float]] = {name: [] for name, _ in sides}
    print(f"before: {load()}", flush=True)
    for r in range(args.rounds):
        for name, root in sides:
            db = work / f"round-{r}.db"
            cmd = [sys.executable, "-m", "bot.cli", "import", "--database", f"sqlite+aiosqlite:///{db}", str(log)]
            seconds, peak, out, code = run_measured(cmd, root)
            if code not in (0, 1):
                raise SystemExit(f"import ({name}) failed ({code}):\n{out[-2000:]}")
            rates[name].append(args.events / seconds)
            peaks[name].append(peak)
            print(f"round {r + 1}, {name}: {rates[name][-1]:,.0f} events/s, {peak:,.0f} MiB ({seconds:.1f} s)", flush=True)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
    print(f"after: {load()}", flush=True)
    print(f"\nevents: {args.events:,}  rounds: {args.rounds} (min / median / max)")
    for name, _ in sides:
        print(f"engagebot import, {name:13s}: {spread(rates[name])} events/s   peak {spread(peaks[name])} MiB")
    print("target: >= 30,000 events/s and < 300 MiB (medians)")
    if args.reference:
        print(f"ratio (median): {statistics.median(rates['this checkout']) / statistics.median(rates['reference']):.2f}x the events/s, "
              f"{statistics.median(peaks['this checkout']) / statistics.median(peaks['reference']):.2f} of the peak memory")
    log.unlink()


if __name__ == "__main__":
    main()
