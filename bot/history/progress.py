"""The history import's progress bar (rich): bytes read of the export, messages and messages per second."""

from __future__ import annotations

import time
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from bot.history.tally import Tally


class ImportProgress:
    """A live bar on a terminal (nothing when the output is not one); call it with the events written so far."""

    def __init__(self, tally: Tally, stream: TextIO) -> None:
        self.tally = tally
        self.console = Console(file=stream)
        self.progress = Progress(
            TextColumn("importing"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[posts]:>10,} posts  {task.fields[rate]:>8,.0f} msg/s"), TimeElapsedColumn(),
            console=self.console, transient=False, disable=not self.console.is_terminal,
        )
        self.task: TaskID | None = None
        self.started = time.perf_counter()

    def __enter__(self) -> ImportProgress:
        self.progress.start()
        self.task = self.progress.add_task("import", total=max(self.tally.bytes_total, 1), posts=0, rate=0.0)
        self.started = time.perf_counter()
        return self

    def __call__(self, _events: int) -> None:
        if self.task is None:
            return
        posts = max(self.tally.posts, self.tally.posts_read)
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        total = max(self.tally.bytes_total, 1)
        self.progress.update(self.task, total=total, completed=min(self.tally.bytes_done, total), posts=posts, rate=posts / elapsed)

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if self.task is not None and kind is None:
            self.tally.bytes_done = self.tally.bytes_total
            self(0)
        self.progress.stop()
