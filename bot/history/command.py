"""`engagebot import --from dce|slack-export`: read the export, write it, print problems, the summary and the rate."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO

from bot.config import Config, ConfigError
from bot.history.files import export_bytes
from bot.history.ingest import HistoryIngest, IngestOptions, Scorer
from bot.history.progress import ImportProgress
from bot.history.reading import ReaderProcess, events_of
from bot.history.tally import Tally
from storage.db import Database

SOURCES = ("dce", "slack-export")
BYTES_PER_ROW = 1000
"""Export bytes per interaction row, on the low side (a DCE message is 0.8 to 2 KB and gives about two rows)."""
READER_PROCESS_ROWS = 20_000
"""From about this many rows, the export is read in a second process (starting it costs a few tenths of a second)."""


def load_scorer(config: Config) -> Scorer:
    """The configured sentiment model (`[cogs.sentiment]`), loaded now; ConfigError when it cannot run."""
    from bot.nlp.sentiment import BackendUnavailable, load_backend
    from cogs.sentiment.digest import spec_of

    try:
        return load_backend(spec_of(config))
    except BackendUnavailable as err:
        raise ConfigError(f"import --sentiment: {err}") from None


async def run_history_import(config: Config, source: str, paths: list[Path], *, community: str | None = None, sentiment: bool = False,
                             max_mentions: int = 50, out: TextIO | None = None, err: TextIO | None = None,
                             reader_process: bool | None = None) -> int:
    """Import exports into the configured database; 0 when anything was read, 2 when nothing could be (every problem on stderr)."""
    # reader_process: read in a second process (None: when the export is large and no sentiment model scores it)
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
        expected = export_bytes(paths) // BYTES_PER_ROW
        ingest = HistoryIngest(db, IngestOptions(store_text=config.database.store_text, scorer=scorer, expected_rows=expected), tally)
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

            if reader_process is None:
                reader_process = scorer is None and expected >= READER_PROCESS_ROWS
            if reader_process and scorer is None:
                reader = ReaderProcess(source, paths, community=community, max_mentions=max_mentions, store_text=config.database.store_text,
                                       time_text=db.is_sqlite)
                await ingest.run(reader, step)
            else:
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
