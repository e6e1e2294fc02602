"""Demo benchmark: the wall time of `engagebot demo` and its database transactions per caller.

    python bench/demo.py [--rounds 3] [--out DIR] [--top 25] [-- DEMO OPTIONS…]   e.g. -- --config nosent.toml

The demo runs `--rounds` times (each into a new folder); its wall time is printed as min / median / max.
Every `Database.begin()` / `Database.session()` context is counted and timed, attributed to the
two innermost project frames that opened it; the totals per round are printed after the demo's own output.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage import db as storage_db  # noqa: E402

counts: collections.Counter[str] = collections.Counter()
seconds: collections.Counter[str] = collections.Counter()


def caller() -> str:
    """The two innermost project frames outside storage/db.py and contextlib."""
    frame = sys._getframe(3)
    names: list[str] = []
    root = f"{ROOT}/"
    while frame is not None and len(names) < 2:
        name = frame.f_code.co_filename
        if name.startswith(root) and not name.endswith("storage/db.py") and "/.venv/" not in name:
            names.append(f"{name[len(root):]}:{frame.f_code.co_name}")
        frame = frame.f_back
    return " <- ".join(names)


def counted(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Wrap a context-manager method of Database so that each use is counted and timed."""

    @contextlib.asynccontextmanager
    async def wrapped(self: Any) -> AsyncIterator[Any]:
        key, start = caller(), time.perf_counter()
        async with original(self) as conn:
            yield conn
        counts[key] += 1
        seconds[key] += time.perf_counter() - start

    return wrapped


def main() -> int:
    """Run the demo once, print wall time and the database contexts per caller."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="demo runs (default: 3)")
    parser.add_argument("--out", type=Path, help="demo output folder of the last round (default: a temporary one)")
    parser.add_argument("--top", type=int, default=25, help="callers to list (default: 25)")
    parser.add_argument("demo", nargs=argparse.REMAINDER, help="options passed to `engagebot demo` (after --)")
    args = parser.parse_args()
    extra = [a for a in args.demo if a != "--"]
    for name in ("begin", "session"):
        setattr(storage_db.Database, name, counted(getattr(storage_db.Database, name)))
    from bot.cli import main as cli

    walls: list[float] = []
    code = 0
    for n in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            out = args.out if args.out and n == args.rounds - 1 else Path(tmp) / "demo"
            start = time.perf_counter()
            code = cli(["demo", "--out", str(out), "--quiet", *extra]) or code
            walls.append(time.perf_counter() - start)
    rounds = max(args.rounds, 1)
    total = sum(seconds.values()) / rounds
    wall = " / ".join(f"{w:.1f}" for w in (min(walls), statistics.median(walls), max(walls)))
    print(f"demo wall time {wall} s (min / median / max of {args.rounds}); per round {sum(counts.values()) // rounds} database contexts,"
          f" {total:.1f} s inside them", file=sys.stderr)
    for key, spent in seconds.most_common(args.top):
        print(f"{spent / rounds:7.2f}s {counts[key] // rounds:6d}  {key}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
