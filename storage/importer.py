"""Importing event logs (../shared/EVENTS.md) through the directory and the recorder, so rows match live ones.

Idempotent: every event has a natural key (interactions, polls), a vote replaces the member's earlier one,
and re-importing a file changes nothing.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select

from bot.core.events import Event, MemberJoined, MemberLeft, MessagePosted, ReactionAdded, ReactionRemoved
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef, Platform
from storage.anonymity import BallotKey, random_ballot_id
from storage.db import Database
from storage.directory import Directory
from storage.eventlog_parse import BadLine, LineError, LogLine, read_log
from storage.history import RecentMap, fill_targets, last_interaction_id
from storage.models import Interaction, InteractionKind
from storage.polls import Poll, PollKind, PollVote
from storage.recorder import PendingRow, Recorder

Progress = Callable[[int, int], None]
SCORE_RANGES = {PollKind.NPS.value: (0, 10), PollKind.CSAT.value: (1, 5), PollKind.LIKERT.value: (1, 5)}


@dataclass
class ImportSummary:
    """What an import did: lines read, events imported by type, rows added, lines skipped."""

    lines: int = 0
    imported: Counter[str] = field(default_factory=Counter)
    bad: list[BadLine] = field(default_factory=list)
    new_rows: int = 0
    communities: set[str] = field(default_factory=set)
    out_of_order: int = 0

    def lines_out(self) -> list[str]:
        """The human summary."""
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.imported.items())) or "nothing"
        out = [f"read {self.lines} lines from {len(self.communities)} communities: imported {kinds}",
               f"new interaction rows: {self.new_rows} (events already imported add none)"]
        if self.bad:
            out.append(f"skipped {len(self.bad)} bad lines (listed above)")
        if self.out_of_order:
            out.append(f"{self.out_of_order} lines were further out of time order than the sorting window: imported where they stand")
        return out


@dataclass
class _Known:
    """What the import learned so far: message authors and channels, bots, polls."""

    authors: RecentMap[tuple[CommunityRef, str], MemberRef] = field(default_factory=RecentMap)
    channels: RecentMap[tuple[CommunityRef, str], ChannelRef] = field(default_factory=RecentMap)
    bots: set[tuple[CommunityRef, str]] = field(default_factory=set)
    names: dict[tuple[CommunityRef, str], str] = field(default_factory=dict)
    polls: dict[tuple[int, str], tuple[int, str, int, bool]] = field(default_factory=dict)  # (cid, ext) -> id, kind, options, anonymous


class EventLogImporter:
    """Imports log files into the database, sorted by time, skipping and reporting bad lines."""

    def __init__(self, db: Database, *, store_text: bool = False, batch_size: int = 2000, window: int = 50_000) -> None:
        self.db = db
        self.window = window
        self._touched: set[CommunityRef] = set()
        self.directory = Directory(db)
        self.recorder = Recorder(db, self.directory, batch_size=batch_size, store_text=store_text)
        self.known = _Known()
        # the polls feature's key (ENGAGEBOT_SECRET or the key file next to the database): an imported
        # anonymous ballot gets the same voter code a live vote would, and it is unlinked the same way
        # when the bot closes the poll (at its next start for a poll already past its deadline)
        self.ballot_key = BallotKey(db.url)

    async def import_files(self, paths: Iterable[Path], progress: Progress | None = None,
                           on_bad: Callable[[BadLine], None] | None = None) -> ImportSummary:
        """Stream every file in time order (each sorted within a window, the files merged), import and summarise.

        Memory stays flat in the size of the logs: lines are held only within the window, message authors only
        for recent posts (older targets are found in the database once the rows are written).
        """
        summary = ImportSummary()
        paths = list(paths)
        total = sum(_count_lines(p) for p in paths)

        def bad(item: BadLine) -> None:
            summary.bad.append(item)
            if on_bad:
                on_bad(item)

        def lines_of(path: Path) -> Iterator[LogLine]:
            for item in read_log(path):
                summary.lines += 1
                if isinstance(item, BadLine):
                    bad(item)
                else:
                    yield item

        before = await self._count_rows()
        after_id = await last_interaction_id(self.db)
        latest: datetime | None = None
        done = 0
        merged = heapq.merge(*(_in_time_order(lines_of(p), self.window) for p in paths), key=_time_of)
        for line in merged:
            done += 1
            if latest is not None and line.at < latest:
                summary.out_of_order += 1
            else:
                latest = line.at
            try:
                await self._import(line)
            except LineError as err:
                bad(BadLine(line.file, line.number, err.field, err.reason))
            else:
                summary.imported[line.type] += 1
                summary.communities.add(f"{line.platform}:{line.community}")
            if progress and (done % 1000 == 0 or done == total):
                progress(done, total)
        await self.recorder.flush()
        for community in self._touched:
            await fill_targets(self.db, await self.directory.community_id(community), after_id)
        summary.new_rows = await self._count_rows() - before
        if progress and done != total:
            progress(total, total)
        return summary

    async def _count_rows(self) -> int:
        table = Interaction.__table__  # type: ignore[attr-defined]
        async with self.db.begin() as conn:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())

    def _member(self, community: CommunityRef, member_id: str) -> MemberRef:
        key = (community, member_id)
        return MemberRef(community, member_id, self.known.names.get(key), key in self.known.bots)

    async def _import(self, line: LogLine) -> None:
        community = CommunityRef(Platform(line.platform), line.community)
        self._touched.add(community)
        d, at = line.data, line.at
        if line.type == "member_joined":
            if d.get("bot"):
                self.known.bots.add((community, d["member"]))
            if d.get("name"):
                self.known.names[(community, d["member"])] = str(d["name"])
            await self.recorder.queue_membership(MemberJoined(member=self._member(community, d["member"]), at=at))
        elif line.type == "member_left":
            await self.recorder.queue_membership(MemberLeft(member=self._member(community, d["member"]), at=at))
        elif line.type == "message":
            await self._message(community, line)
        elif line.type in ("reaction", "reaction_removed"):
            message = self._message_ref(community, d["message"])
            member = self._member(community, d["member"])
            if line.type == "reaction":
                author = self.known.authors.get((community, d["message"]))  # None: found in the database after the import
                await self._record(ReactionAdded(message=message, member=member, emoji=d["emoji"], message_author=author, at=at))
            else:
                await self._record(ReactionRemoved(message=message, member=member, emoji=d["emoji"], at=at))
        elif line.type == "poll":
            await self._poll(community, line)
        elif line.type == "poll_vote":
            await self._vote(community, line)

    async def _record(self, event: Event) -> None:
        await self.recorder.record(event)

    def _message_ref(self, community: CommunityRef, message_id: str) -> MessageRef:
        channel = self.known.channels.get((community, message_id)) or ChannelRef(community, "unknown")
        return MessageRef(channel, message_id)

    async def _message(self, community: CommunityRef, line: LogLine) -> None:
        d = line.data
        channel = ChannelRef(community, d["channel"], d["channel"])
        ref = MessageRef(channel, d["id"])
        author = self._member(community, d["member"])
        self.known.authors[(community, d["id"])] = author
        self.known.channels[(community, d["id"])] = channel
        reply_to, reply_author = None, None
        if d.get("reply_to"):
            reply_to = self._message_ref(community, d["reply_to"])
            reply_author = self.known.authors.get((community, d["reply_to"]))  # None: found in the database after the import
        mentions = tuple(self._member(community, m) for m in dict.fromkeys(d.get("mentions", [])))
        await self._record(MessagePosted(
            message=ref, author=author, text=str(d.get("text") or ""), reply_to=reply_to, reply_to_author=reply_author,
            mentions=mentions, at=line.at,
        ))

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
        if (found := self.known.polls.get((cid, poll))) is not None:
            return found
        table = Poll.__table__  # type: ignore[attr-defined]
        async with self.db.begin() as conn:
            row = (await conn.execute(
                select(table.c.id, table.c.kind, table.c.options, table.c.anonymous).where(table.c.community_id == cid, table.c.external_id == poll)
            )).first()
        if row is None:
            return None
        info = (int(row.id), str(row.kind), len(row.options or []), bool(row.anonymous))
        self.known.polls[(cid, poll)] = info
        return info

    async def _vote(self, community: CommunityRef, line: LogLine) -> None:
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
        member = self._member(community, d["member"])
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


def _time_of(line: LogLine) -> datetime:
    return line.at


def _in_time_order(lines: Iterator[LogLine], window: int) -> Iterator[LogLine]:
    """The lines sorted by time within a sliding window of `window` lines (a line further out of order passes where it is)."""
    heap: list[tuple[datetime, int, LogLine]] = []
    for n, line in enumerate(lines):
        heapq.heappush(heap, (line.at, n, line))
        if len(heap) > window:
            yield heapq.heappop(heap)[2]
    while heap:
        yield heapq.heappop(heap)[2]


def _count_lines(path: Path) -> int:
    """Lines in a file, counted in 1 MiB blocks (the progress bar's total)."""
    try:
        with path.open("rb") as fh:
            return sum(block.count(b"\n") for block in iter(lambda: fh.read(2**20), b""))
    except OSError:
        return 0
