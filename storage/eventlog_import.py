"""Importing the lines `engagebot export` adds to the event log: first sight of members, prompt answers, anonymous polls, sentiment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update

from bot.core.events import Event
from bot.core.refs import CommunityRef, Platform
from storage.anonymity import random_ballot_id, random_voter
from storage.eventlog_parse import EXPORT_ONLY, BadLine, LineError
from storage.eventlog_read import ImportSummary, PollLine
from storage.importer import EventLogImporter, Progress
from storage.models import Interaction, InteractionKind
from storage.polls import PollVote
from storage.recorder import PendingRow


class FullLogImporter(EventLogImporter):
    """The event-log importer, with the line types an exported log carries beyond the platform events."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scores: dict[tuple[CommunityRef, str], float] = {}
        self._ballots: Counter[tuple[int, int]] = Counter()
        self._named: set[CommunityRef] = set()

    async def import_files(self, paths: Iterable[Path], progress: Progress | None = None,
                           on_bad: Callable[[BadLine], None] | None = None) -> ImportSummary:
        """Import, then give the posts their sentiment scores."""
        summary = await super().import_files(paths, progress, on_bad)
        if self._scores:
            table = Interaction.__table__  # type: ignore[attr-defined]
            statement = update(table).where(
                table.c.community_id == bindparam("cid"), or_(table.c.kind == "message", table.c.kind == "reply"), table.c.external_id == bindparam("xid"),
            ).values(sentiment=bindparam("score"))
            params = [{"cid": await self.directory.community_id(c), "xid": x, "score": s} for (c, x), s in self._scores.items()]
            async with self.db.begin() as conn:
                await conn.execute(statement, params)
            self._scores.clear()
        return summary

    async def _write(self, item: Event | PollLine, summary: ImportSummary) -> None:
        if not isinstance(item, PollLine) or not (item.extra or item.line.type in EXPORT_ONLY):
            await super()._write(item, summary)
            return
        line = item.line
        community = CommunityRef(Platform(line.platform), line.community)
        d = line.data
        if item.extra:  # what a line adds to its event, which was written already
            if isinstance(d.get("community_name"), str) and community not in self._named:
                self._named.add(community)
                await self.directory.community_id(community, d["community_name"])  # named when the import creates it
            if line.type == "message" and isinstance(d.get("sentiment"), int | float):
                self._scores[(community, d["id"])] = float(d["sentiment"])
            return
        try:
            await self._export_line(community, item)
        except LineError as err:
            summary.bad.append(BadLine(line.file, line.number, err.field, err.reason))
        else:
            summary.imported[line.type] += 1
            summary.communities.add(f"{line.platform}:{line.community}")

    async def _export_line(self, community: CommunityRef, item: PollLine) -> None:
        line, member = item.line, item.member
        d, at = line.data, line.at
        if line.type == "member":
            assert member is not None
            await self.recorder.flush()  # rows queued before keep their earlier first sight
            await self.directory.member_id(member, at)
        elif line.type == "prompt_answer":
            assert member is not None
            self.recorder.add(PendingRow(community, InteractionKind.PROMPT_ANSWER, member, d["id"], at, parent_external_id=str(d["prompt"])))
        elif line.type == "anonymous_vote":
            assert member is not None
            if await self._load_poll(await self.directory.community_id(community), d["poll"]) is None:
                raise LineError("poll", f"unknown poll {d['poll']!r} (its `poll` line must come first in time)")
            self.recorder.add(PendingRow(community, InteractionKind.POLL_VOTE, member, f"poll:{d['poll']}:{member.id}", at,
                                         parent_external_id=f"poll:{d['poll']}"))
        elif line.type == "anonymous_ballot":
            await self._anonymous_ballot(community, d["poll"], int(d["choice"]))

    async def _anonymous_ballot(self, community: CommunityRef, poll: str, choice: int) -> None:
        """One answer of an anonymous poll, linked to nobody (as after the bot's close)."""
        info = await self._load_poll(await self.directory.community_id(community), poll)
        if info is None:
            raise LineError("poll", f"unknown poll {poll!r} (its `poll` line must come first in time)")
        table = PollVote.__table__  # type: ignore[attr-defined]
        self._ballots[(info[0], choice)] += 1
        async with self.db.begin() as conn:
            stored = (await conn.execute(select(func.count()).where(table.c.poll_id == info[0], table.c.value == choice))).scalar_one()
            if stored >= self._ballots[(info[0], choice)]:  # imported before: the same log twice changes nothing
                return
            await conn.execute(table.insert().values(id=random_ballot_id(), poll_id=info[0], voter=random_voter(), member_id=None, value=choice,
                                                     cast_at=None))
