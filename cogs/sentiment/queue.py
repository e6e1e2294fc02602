"""The scoring queue: bounded, batched, off the event loop; under load it drops scoring, never messages."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from storage.sentiment import ScoreRow

log = logging.getLogger("engagebot.cogs.sentiment")

ScoreFn = Callable[[Sequence[str]], list[float]]
StoreFn = Callable[[list[ScoreRow]], Awaitable[list[ScoreRow]]]
FlushFn = Callable[[], Awaitable[object]]
RETRY_SECONDS = 1.0
"""How long the worker waits, when idle, before storing again scores whose row is not written yet."""
GIVE_UP_SECONDS = 30.0
"""A score whose row has not appeared after this long is given up (counted as unmatched)."""


@dataclass(slots=True)
class Job:
    """A post waiting to be scored; its text lives only here, in memory, until it is scored."""

    community_id: int
    kind: str
    external_id: str
    text: str


@dataclass
class Stats:
    """What the queue did: posts scored, scoring dropped (queue full or model off), scores stored."""

    queued: int = 0
    scored: int = 0
    dropped: int = 0
    stored: int = 0
    unmatched: int = 0
    batches: int = 0
    failures: int = 0
    batch_sizes: list[int] = field(default_factory=list)


class ScoringQueue:
    """Posts go in with `offer` (never blocks); a worker scores them in batches in a thread and stores the scores.

    `score` is blocking (model inference) and runs in a worker thread; `store` writes scores and
    returns those whose row is not written yet (the recorder batches its writes), retried with
    the next batches a few times.
    """

    def __init__(self, score: ScoreFn, store: StoreFn, *, maxsize: int = 2000, batch_size: int = 16, flush: FlushFn | None = None,
                 retry_seconds: float = RETRY_SECONDS, give_up_seconds: float = GIVE_UP_SECONDS) -> None:
        self.score = score
        self.store = store
        self.flush = flush
        self.batch_size = batch_size
        self.retry_seconds = retry_seconds
        self.give_up_seconds = give_up_seconds
        self.queue: asyncio.Queue[Job] = asyncio.Queue(maxsize=maxsize)
        self.stats = Stats()
        self._retry: list[tuple[ScoreRow, float]] = []

    def offer(self, job: Job) -> bool:
        """Queue a post for scoring; when the queue is full the scoring is dropped (and counted)."""
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            self.stats.dropped += 1
            return False
        self.stats.queued += 1
        return True

    def discard(self) -> int:
        """Drop every queued post (the model is off); returns how many."""
        n = 0
        while not self.queue.empty():
            self.queue.get_nowait()
            self.queue.task_done()
            n += 1
        self.stats.dropped += n
        return n

    async def run(self) -> None:
        """Score batches for ever (cancel to stop); when idle, retry the scores still waiting for their row."""
        while True:
            try:
                job = await asyncio.wait_for(self.queue.get(), self.retry_seconds if self._retry else None)
            except TimeoutError:
                await self.retry_pending()
                continue
            await self._batch_from(job)

    async def step(self) -> int:
        """Wait for at least one post, then score and store one batch; returns its size."""
        return await self._batch_from(await self.queue.get())

    async def _batch_from(self, first: Job) -> int:
        batch = [first]
        while len(batch) < self.batch_size and not self.queue.empty():
            batch.append(self.queue.get_nowait())
        try:
            await self._score_and_store(batch)
        finally:
            for _ in batch:
                self.queue.task_done()
        return len(batch)

    async def _score_and_store(self, batch: list[Job]) -> None:
        texts = [job.text for job in batch]
        for job in batch:
            job.text = ""  # the text is not kept beyond this batch
        try:
            scores = await asyncio.to_thread(self.score, texts)
        except Exception:
            self.stats.failures += 1
            self.stats.dropped += len(batch)
            log.exception("scoring a batch of %d posts failed; their scoring is dropped", len(batch))
            return
        finally:
            del texts
        self.stats.batches += 1
        self.stats.scored += len(batch)
        if len(self.stats.batch_sizes) < 1000:
            self.stats.batch_sizes.append(len(batch))
        rows = [ScoreRow(j.community_id, j.kind, j.external_id, round(float(s), 4)) for j, s in zip(batch, scores, strict=True)]
        await self._store(rows)

    async def _store(self, rows: list[ScoreRow]) -> None:
        """Store scores; those whose interaction row is not written yet (the recorder batches) wait and are retried."""
        now = time.monotonic()
        deadlines = {(r.community_id, r.kind, r.external_id): d for r, d in self._retry}
        rows = [r for r, _ in self._retry] + rows
        self._retry = []
        try:
            missing = await self.store(rows)
        except Exception:
            log.exception("storing %d sentiment scores failed; they are retried", len(rows))
            missing = rows
        self.stats.stored += len(rows) - len(missing)
        for row in missing:
            deadline = deadlines.get((row.community_id, row.kind, row.external_id), now + self.give_up_seconds)
            if now >= deadline:
                self.stats.unmatched += 1
            else:
                self._retry.append((row, deadline))

    @property
    def pending_retries(self) -> int:
        """Scores waiting for their interaction row."""
        return len(self._retry)

    async def retry_pending(self) -> None:
        """Store the scores still waiting for their row (called when the queue goes idle)."""
        if self._retry:
            await self._store([])

    async def drain(self) -> None:
        """Wait until every queued post is scored and stored (tests, the demo's summary, shutdown): flushes the recorder first if needed."""
        await self.queue.join()
        if self._retry and self.flush is not None:
            await self.flush()
        await self.retry_pending()
