"""Importing event logs (../shared/EVENTS.md) through the directory and the recorder, so rows match live ones.

Idempotent: every event has a natural key (interactions, polls), a vote replaces the member's earlier one,
and re-importing a file changes nothing. Lines become events in `storage.eventlog_read` (in a second process
for a large import); polls and votes, which need the database, are written here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select

from bot.core.events import Event, MemberJoined, MemberLeft
from bot.core.refs import CommunityRef, MemberRef, Platform
from storage.anonymity import BallotKey, random_ballot_id
from storage.bulk import BulkPolicy, BulkRecorder, bulk_writes
from storage.db import Database
from storage.directory import Directory
from storage.eventlog_parse import BadLine, LineError, LogLine
from storage.eventlog_read import ImportSummary as ImportSummary  # where the command and the tests find it
from storage.eventlog_read import LogEvents, PollLine, count_lines
from storage.history import fill_targets, last_interaction_id
from storage.models import Interaction, InteractionKind
from storage.polls import Poll, PollKind, PollVote
from storage.rows import PendingRow

Progress = Callable[[int, int], None]
SCORE_RANGES = {PollKind.NPS.value: (0, 10), PollKind.CSAT.value: (1, 5), PollKind.LIKERT.value: (1, 5)}
READER_PROCESS_LINES = 20_000
"""From this many lines, the logs are read in a second process (starting it costs a few tenths of a second)."""
PROGRESS_EVERY = 1000


class EventLogImporter:
    """Imports log files into the database, sorted by time, skipping and reporting bad lines."""

    def __init__(self, db: Database, *, store_text: bool = False, batch_size: int = 50_000, window: int = 50_000,
                 bulk: BulkPolicy | None = None, reader_process: bool | None = None, key_file: str | None = None) -> None:
        self.db = db
        self.window = window
        self.store_text = store_text
        self.batch_size = batch_size
        self.bulk = bulk
        self.reader_process = reader_process
        self.directory = Directory(db)
        self.recorder = BulkRecorder(db, self.directory, batch_size=batch_size, store_text=store_text)
        self.polls: dict[tuple[int, str], tuple[int, str, int, bool]] = {}  # (cid, ext) -> id, kind, options, anonymous
        # the polls feature's key (ENGAGEBOT_SECRET, `[cogs.polls] key_file` or the default key file): an imported
        # anonymous ballot gets the same voter code a live vote would, and it is unlinked the same way
        # when the bot closes the poll (at its next start for a poll already past its deadline)
        self.ballot_key = BallotKey(db.url, key_file)

    async def import_files(self, paths: Iterable[Path], progress: Progress | None = None,
                           on_bad: Callable[[BadLine], None] | None = None) -> ImportSummary:
        """Stream every file in time order (each sorted within a window, the files merged), import and summarise.

        Memory stays flat in the size of the logs: lines are held only within the window, message authors only
        for recent posts (older targets are found in the database once the rows are written).
        """
        summary = ImportSummary()
        paths = list(paths)
        total = sum(count_lines(p) for p in paths)
        shown = 0

        def report(done: int) -> None:
            nonlocal shown
            for item in summary.bad[shown:]:
                if on_bad:
                    on_bad(item)
            shown = len(summary.bad)
            if progress:
                progress(min(done, total), total)

        before = await self._count_rows()
        after_id = await last_interaction_id(self.db)
        separate = self.reader_process if self.reader_process is not None else total >= READER_PROCESS_LINES
        async with bulk_writes(self.db, total, self.bulk):
            if separate:
                await self._from_process(paths, summary, report)
            else:
                events = LogEvents(paths, summary, window=self.window)
                for item in events:
                    await self._write(item, summary)
                    if events.done % PROGRESS_EVERY == 0:
                        report(events.done)
                report(events.done)
            await self.recorder.flush()
        for community in sorted(summary.communities):
            platform, _, ident = community.partition(":")
            await fill_targets(self.db, await self.directory.community_id(CommunityRef(Platform(platform), ident)), after_id)
        summary.new_rows = await self._count_rows() - before
        if progress:
            progress(total, total)
        return summary

    async def _from_process(self, paths: list[Path], summary: ImportSummary, report: Callable[[int], None]) -> None:
        """Events read (and turned into rows) by a reader process; what it counted goes into `summary` as it comes."""
        from bot.history.reading import Decoder, ReaderProcess  # the reader process reads every kind of history

        reader = ReaderProcess("events", paths, store_text=self.store_text, time_text=self.db.is_sqlite, window=self.window)
        rec, batch = self.recorder, self.batch_size
        decoder = Decoder(self.directory)
        for raw, (done, bad) in reader.chunks():
            summary.bad.extend(bad)
            for item in await decoder.decode(raw):  # batches end where `record` ends them: the same rows
                if isinstance(item, list):
                    rec.add_rows(item)
                    if rec.queued_rows >= batch:
                        await rec.flush()
                else:
                    await self._write(item, summary)
            report(done)
        final: ImportSummary = reader.final
        summary.lines, summary.out_of_order = final.lines, final.out_of_order
        summary.imported.update(final.imported)
        summary.communities |= final.communities

    async def _write(self, item: Event | PollLine, summary: ImportSummary) -> None:
        """One event to the recorder, or one poll or vote line to the database (a bad vote goes to `summary.bad`)."""
        if isinstance(item, MemberJoined | MemberLeft):
            await self.recorder.queue_membership(item)
        elif not isinstance(item, PollLine):
            await self.recorder.record(item)
        else:
            line, voter = item.line, item.member
            community = CommunityRef(Platform(line.platform), line.community)
            try:
                if voter is None:
                    await self._poll(community, line)
                else:
                    await self._vote(community, line, voter)
            except LineError as err:
                summary.bad.append(BadLine(line.file, line.number, err.field, err.reason))
            else:
                summary.imported[line.type] += 1
                summary.communities.add(f"{line.platform}:{line.community}")

    async def _count_rows(self) -> int:
        table = Interaction.__table__  # type: ignore[attr-defined]
        async with self.db.begin() as conn:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())

    async def _poll(self, community: CommunityRef, line: LogLine) -> None:
        d = line.data
        cid = await self.directory.community_id(community)
        table = Poll.__table__  # type: ignore[attr-defined]
        async with self.db.begin() as conn:
            await conn.execute(self.db.insert_ignore(table).values(
                community_id=cid, external_id=d["id"], kind=d["kind"], question=d["question"][:1000], options=list(d.get("options", [])),
                anonymous=bool(d.get("anonymous", False)), reveal="live", created_at=line.at, closes_at=d["closes_at"],
            ))
        await self._load_poll(cid, d["id"])

    async def _load_poll(self, cid: int, poll: str) -> tuple[int, str, int, bool] | None:
        if (found := self.polls.get((cid, poll))) is not None:
            return found
        table = Poll.__table__  # type: ignore[attr-defined]
        async with self.db.begin() as conn:
            row = (await conn.execute(
                select(table.c.id, table.c.kind, table.c.options, table.c.anonymous).where(table.c.community_id == cid, table.c.external_id == poll)
            )).first()
        if row is None:
            return None
        info = (int(row.id), str(row.kind), len(row.options or []), bool(row.anonymous))
        self.polls[(cid, poll)] = info
        return info

    async def _vote(self, community: CommunityRef, line: LogLine, member: MemberRef) -> None:
        d, at = line.data, line.at
        cid = await self.directory.community_id(community)
        info = await self._load_poll(cid, d["poll"])
        if info is None:
            raise LineError("poll", f"unknown poll {d['poll']!r} (its `poll` line must come first in time)")
        poll_id, kind, n_options, anonymous = info
        choice = int(d["choice"])
        low, high = SCORE_RANGES.get(kind, (0, max(n_options - 1, 0)))
        if not low <= choice <= high:
            raise LineError("choice", f"{choice} is out of range for a {kind} poll ({low}-{high})")
        await self.recorder.flush()  # the member row exists before its ballot refers to it
        mid = await self.directory.member_id(member, at)
        # one contribution per member and poll, like a live vote (changing one's answer adds none)
        self.recorder.add(PendingRow(
            community, InteractionKind.POLL_VOTE, member, f"poll:{d['poll']}:{member.id}", at, parent_external_id=f"poll:{d['poll']}",
        ))
        await self._ballot(poll_id, mid, member, choice, at, anonymous)

    async def _ballot(self, poll_id: int, member_id: int, member: MemberRef, value: int, at: datetime, anonymous: bool) -> None:
        """Store the member's answer, replacing an earlier one (a newer stored answer wins)."""
        table = PollVote.__table__  # type: ignore[attr-defined]
        c = table.c
        voter = self.ballot_key.voter(poll_id, str(member.community), member.id) if anonymous else member.id
        async with self.db.begin() as conn:
            if not anonymous:
                newer = (await conn.execute(select(c.id).where(c.poll_id == poll_id, c.voter == voter, c.cast_at > at))).first()
                if newer is not None:
                    return
            await conn.execute(delete(table).where(c.poll_id == poll_id, c.voter == voter))
            row = {"poll_id": poll_id, "voter": voter, "member_id": None if anonymous else member_id, "value": value, "cast_at": None if anonymous else at}
            for _ in range(8):  # anonymous ballots get a random key (the row order ties them to no interaction row), drawn again on a collision
                result = await conn.execute(self.db.insert_ignore(table).values(**({"id": random_ballot_id()} if anonymous else {}), **row))
                if result.rowcount:
                    return
            raise RuntimeError("could not store an imported ballot")
