"""Small helpers for the background tasks of adapters, cogs and storage."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel a background task (if any) and wait until it has stopped."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class Running:
    """The tasks running some work (event handlers, scheduled jobs), so that a shutdown can let them finish."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        """Count the current task as running until the block ends."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._tasks.discard(task)

    def others(self) -> set[asyncio.Task[Any]]:
        """The tracked tasks still running, the caller's aside."""
        return self._tasks - {asyncio.current_task()}

    async def finish(self, deadline: float) -> int:
        """Wait until the others have ended (those that start meanwhile too), or until `deadline` (loop time); how many still run."""
        loop = asyncio.get_running_loop()
        while running := self.others():
            left = deadline - loop.time()
            if left <= 0:
                return len(running)
            await asyncio.wait(running, timeout=left)
        return 0
