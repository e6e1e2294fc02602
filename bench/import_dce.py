"""Benchmark: `engagebot import --from dce` against chat-analytics 1.1.2 on the same generated DiscordChatExporter export.

Generates a seeded export (several channels, replies, reactions with their users, mentions, joins, a few empty
channels), then runs, in alternating rounds, our import (a new SQLite file each round) and, when `npx` is
there, `npx -y chat-analytics@1.1.2 -p discord -i FILES` on the same files. Prints min / median / max of
messages/s and peak memory (RSS of the process tree, polled) for both, the ratios, and both tools' message and
author counts. chat-analytics is given the non-empty files only when it fails on the empty ones (it says so).

    python bench/import_dce.py --messages 1000000 --rounds 3

The machine's load average is printed before and after: the rounds alternate so that both tools share whatever
else the machine does, but a loaded machine slows both (and a two-process import more, when a core is taken).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def user(uid: int, bot: bool = False) -> dict[str, object]:
    """A user as DCE writes one."""
    return {"id": str(10**17 + uid), "name": f"user{uid}", "discriminator": "0000", "nickname": f"User {uid}", "color": None,
            "isBot": bot, "roles": [], "avatarUrl": "https://cdn.discordapp.com/embed/avatars/0.png"}


def generate(folder: Path, messages: int, seed: int = 7, channels: int = 8, empty: int = 2, members: int = 5000) -> list[Path]:
    """Write the export: `channels` channel files sharing `messages` messages, plus `empty` empty channels."""
    rng = random.Random(seed)
    users = [user(i, bot=i % 500 == 0) for i in range(members)]
    weights = [1 / (i + 1) ** 0.8 for i in range(members)]
    thumbs = {"id": "", "name": "👍", "code": "thumbsup", "isAnimated": False, "imageUrl": "https://twemoji/1f44d.svg"}
    party = {"id": "555", "name": "party", "code": "party", "isAnimated": False, "imageUrl": "https://cdn.discordapp.com/emojis/555.png"}
    start = datetime(2023, 1, 2, tzinfo=UTC)
    files = []
    per = messages // channels
    mid = 10**18
    for c in range(channels + empty):
        n = 0 if c >= channels else per + (messages - per * channels if c == channels - 1 else 0)
        path = folder / f"channel-{c:02d}.json"
        files.append(path)
        with path.open("w", encoding="utf-8") as f:
            head = {"guild": {"id": "900000000000000001", "name": "Bench guild", "iconUrl": ""},
                    "channel": {"id": str(800000000000000000 + c), "type": "GuildTextChat", "categoryId": "1", "category": "Text", "name": f"chan{c}", "topic": None},
                    "dateRange": {"after": None, "before": None}, "exportedAt": "2026-01-01T00:00:00+00:00"}
            text = json.dumps(head, indent=2, ensure_ascii=False)
            f.write(text[:-2] + ',\n  "messages": [')
            recent: list[str] = []
            at = start
            for k in range(n):
                mid += 1
                at += timedelta(seconds=rng.randint(5, 120))
                author = rng.choices(users, weights)[0]
                kind = "GuildMemberJoin" if rng.random() < 0.01 else "Default"
                m: dict[str, object] = {"id": str(mid), "type": kind, "timestamp": at.isoformat(), "timestampEdited": None, "callEndedTimestamp": None,
                                        "isPinned": False, "content": "some words about the topic of the day " * rng.randint(1, 3), "author": author,
                                        "attachments": [], "embeds": [], "stickers": [], "reactions": [], "mentions": [], "inlineEmojis": []}
                if kind == "Default" and recent and rng.random() < 0.3:
                    m["type"] = "Reply"
                    m["reference"] = {"type": "Default", "messageId": rng.choice(recent), "channelId": head["channel"]["id"], "guildId": head["guild"]["id"]}
                if kind == "Default" and rng.random() < 0.4:
                    reactors = rng.sample(users[:800], rng.randint(1, 3))
                    m["reactions"] = [{"emoji": rng.choice((thumbs, party)), "count": len(reactors), "users": reactors}]
                if kind == "Default" and rng.random() < 0.1:
                    m["mentions"] = [rng.choice(users[:800])]
                f.write(("\n    " if k == 0 else ",\n    ") + json.dumps(m, ensure_ascii=False).replace("\n", ""))
                recent.append(str(mid))
                if len(recent) > 200:
                    recent.pop(0)
            f.write(f'\n  ],\n  "messageCount": {n}\n}}\n')
    return files


def run_measured(cmd: list[str], cwd: Path) -> tuple[float, float, str, int]:
    """Wall time, peak RSS (MiB, the process and its children, polled every 50 ms), output and exit code."""
    started = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.append(proc.stdout.read() if proc.stdout else ""))
    reader.start()
    while proc.poll() is None:
        try:
            rss = sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    reader.join()
    return time.perf_counter() - started, peak / 2**20, "".join(output), int(proc.returncode or 0)


def ours(files: list[Path], work: Path, round_no: int) -> tuple[float, float, int, int]:
    """Our import into a new SQLite file: seconds, peak MiB, messages and authors it read."""
    db = work / f"ours-{round_no}.db"
    cmd = [sys.executable, "-m", "bot.cli", "import", "--from", "dce", "--database", f"sqlite+aiosqlite:///{db}", *map(str, files)]
    seconds, peak, out, code = run_measured(cmd, ROOT)
    if code != 0:
        raise SystemExit(f"our import failed ({code}):\n{out[-2000:]}")
    found = re.search(r"read \d+ files: (\d+) posts by (\d+) authors", out)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return seconds, peak, int(found.group(1)) if found else -1, int(found.group(2)) if found else -1


def theirs(files: list[Path], work: Path) -> tuple[float, float, int, int, str]:
    """chat-analytics on the files: seconds, peak MiB, messages, authors, and a note."""
    cmd = ["npx", "-y", "chat-analytics@1.1.2", "-p", "discord", "-o", str(work / "report.html"), "-i", *map(str, files)]
    seconds, peak, out, code = run_measured(cmd, work)
    messages = re.search(r"\[\*\] (\d+) messages", out)
    authors = re.search(r"\[\*\] (\d+) authors", out)
    note = "" if code == 0 and messages else f"failed (exit {code}): {out.strip().splitlines()[-1] if out.strip() else ''}"
    return seconds, peak, int(messages.group(1)) if messages else -1, int(authors.group(1)) if authors else -1, note


def spread(values: list[float]) -> str:
    """min / median / max."""
    return f"{min(values):,.0f} / {statistics.median(values):,.0f} / {max(values):,.0f}"


def load() -> str:
    """The load average (1, 5, 15 minutes) and the number of CPUs."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> None:
    """Generate, run alternating rounds, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this folder instead of a temporary one")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-dce-"))
    export = args.keep or work / "export"
    export.mkdir(parents=True, exist_ok=True)
    files = sorted(export.glob("channel-*.json"))
    if not files:
        t = time.perf_counter()
        files = generate(export, args.messages)
        print(f"generated {args.messages:,} messages in {len(files)} files ({sum(f.stat().st_size for f in files) / 2**20:,.0f} MiB) in {time.perf_counter() - t:.0f} s")
    peer = shutil.which("npx") is not None
    non_empty = [f for f in files if f.stat().st_size > 2000]
    peer_files = files
    if peer:
        probe = theirs([f for f in files if f not in non_empty][:1] or files[:1], work)
        if probe[4]:
            print(f"chat-analytics on an empty channel file: {probe[4]} -> it is given the {len(non_empty)} non-empty files only")
            peer_files = non_empty
    rows_ours: list[tuple[float, float, int, int]] = []
    rows_theirs: list[tuple[float, float, int, int, str]] = []
    print(f"before: {load()}", flush=True)
    for r in range(args.rounds):
        rows_ours.append(ours(files, work, r))
        print(f"round {r + 1}: ours {rows_ours[-1][2] / rows_ours[-1][0]:,.0f} msg/s, {rows_ours[-1][1]:,.0f} MiB", flush=True)
        if peer:
            rows_theirs.append(theirs(peer_files, work))
            t = rows_theirs[-1]
            print(f"round {r + 1}: chat-analytics {t[2] / t[0]:,.0f} msg/s, {t[1]:,.0f} MiB {t[4]}", flush=True)
    print(f"after: {load()}", flush=True)
    rate = [m / s for s, _, m, _ in rows_ours]
    peak = [p for _, p, _, _ in rows_ours]
    print(f"\nmessages: {args.messages:,}  files: {len(files)} ({len(files) - len(non_empty)} empty)  rounds: {args.rounds} (min / median / max)")
    print(f"engagebot import --from dce : {spread(rate)} msg/s   peak {spread(peak)} MiB   messages {rows_ours[0][2]:,}  authors {rows_ours[0][3]:,}")
    if not peer:
        print("chat-analytics              : not run (npx is not installed): no ratio")
        return
    their_rate = [m / s for s, _, m, _, _ in rows_theirs if m > 0]
    their_peak = [p for _, p, m, _, _ in rows_theirs if m > 0]
    if not their_rate:
        print(f"chat-analytics              : failed: {rows_theirs[0][4]}")
        return
    print(f"chat-analytics 1.1.2        : {spread(their_rate)} msg/s   peak {spread(their_peak)} MiB   messages {rows_theirs[0][2]:,}  authors {rows_theirs[0][3]:,}")
    print(f"ratio (median)              : {statistics.median(rate) / statistics.median(their_rate):.2f}x the messages/s (target >= 3), "
          f"{statistics.median(peak) / statistics.median(their_peak):.2f} of the peak memory (target <= 0.5)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
