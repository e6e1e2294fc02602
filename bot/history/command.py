"""`engagebot import --from dce|slack-export`: read the export, write it, print problems, the summary and the rate."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from bot.config import Config, ConfigError
from bot.core.events import Event
from bot.history.dce import DceReader
from bot.history.files import json_files
from bot.history.ingest import HistoryIngest, IngestOptions, Scorer
from bot.history.progress import ImportProgress
from bot.history.slack_export import SlackExportReader
from bot.history.tally import Tally
from storage.db import Database

SOURCES = ("dce", "slack-export")


def load_scorer(config: Config) -> Scorer:
    """The configured sentiment model (`[cogs.sentiment]`), loaded now; ConfigError when it cannot run."""
    from bot.nlp.sentiment import BackendUnavailable, load_backend
    from cogs.sentiment.digest import spec_of

    try:
        return load_backend(spec_of(config))
    except BackendUnavailable as err:
        raise ConfigError(f"import --sentiment: {err}") from None


def events_of(source: str, paths: list[Path], tally: Tally, *, community: str | None, max_mentions: int) -> Iterator[Event]:
    """The events of every export named, in the order of the files (each file in its own order)."""
    if source == "dce":
        files = list(json_files(paths))
        tally.bytes_total = sum(p.stat().st_size for p in files if p.is_file())
        reader = DceReader(tally, max_mentions=max_mentions)
        for path in files:
            yield from reader.read(path)
        return
    for path in paths:
        yield from SlackExportReader(tally, community=community, max_mentions=max_mentions).read(path)


async def run_history_import(config: Config, source: str, paths: list[Path], *, community: str | None = None, sentiment: bool = False,
                             max_mentions: int = 50, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Import exports into the configured database; 0 when anything was read, 2 when nothing could be (every problem on stderr)."""
    out, err = out or sys.stdout, err or sys.stderr
    for path in paths:
        if not path.exists():
            raise ConfigError(f"import: {path}: no such file or folder")
    scorer = load_scorer(config) if sentiment else None
    tally = Tally()
    db = Database(config.database.url, in_loop=True)  # a one-shot command: nothing else waits on the loop
    started = time.perf_counter()
    try:
        await db.upgrade()
        ingest = HistoryIngest(db, IngestOptions(store_text=config.database.store_text, scorer=scorer), tally)
        shown = 0

        def problems(_n: int = 0) -> None:
            nonlocal shown
            for line in tally.problems[shown:]:
                err.write(f"skipped {line}\n")
            shown = len(tally.problems)

        with ImportProgress(tally, err) as bar:
            def step(n: int) -> None:
                problems()
                bar(n)

            await ingest.run(events_of(source, paths, tally, community=community, max_mentions=max_mentions), step)
        problems()
    finally:
        await db.close()
    seconds = time.perf_counter() - started
    for line in tally.lines(max_mentions=max_mentions):
        out.write(line + "\n")
    if ingest.scored:
        out.write(f"sentiment: {ingest.scored} posts scored\n")
    out.write(f"{tally.posts} posts in {seconds:.1f} s ({tally.posts / max(seconds, 1e-9):,.0f} messages/s)\n")
    return 2 if tally.files_read == 0 else 0
