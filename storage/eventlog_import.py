"""Importing the lines `engagebot export` adds to the event log: first sight of members, prompt answers, anonymous polls, sentiment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import bindparam, func, or_, select, update

from bot.core.refs import CommunityRef, Platform
from storage.anonymity import random_ballot_id, random_voter
from storage.eventlog_parse import BadLine, LineError, LogLine
from storage.importer import EventLogImporter, ImportSummary, Progress
from storage.models import Interaction, InteractionKind
from storage.polls import PollVote
from storage.recorder import PendingRow


class FullLogImporter(EventLogImporter):
    """The event-log importer, with the line types an exported log carries beyond the platform events."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._scores: dict[tuple[CommunityRef, str], float] = {}
        self._ballots: Counter[tuple[int, int]] = Counter()

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

    async def _import(self, line: LogLine) -> None:
        community = CommunityRef(Platform(line.platform), line.community)
        d, at = line.data, line.at
        if isinstance(d.get("community_name"), str) and community not in self._touched:
            await self.directory.community_id(community, d["community_name"])  # named when the import creates it
        if "member" in d and (d.get("name") or d.get("bot")):  # a name or bot flag on any line: known from first sight
            key = (community, str(d["member"]))
            if d.get("name"):
                self.known.names.setdefault(key, str(d["name"]))
            if d.get("bot") is True:
                self.known.bots.add(key)
        if line.type == "member":
            self._touched.add(community)
            await self.recorder.flush()  # rows queued before keep their earlier first sight
            await self.directory.member_id(self._member(community, d["member"]), at)
        elif line.type == "prompt_answer":
            channel = self.known.channels.get((community, d["id"]))
            self.recorder.add(PendingRow(community, InteractionKind.PROMPT_ANSWER, self._member(community, d["member"]), d["id"], at, channel,
                                         parent_external_id=str(d["prompt"])))
        elif line.type == "anonymous_vote":
            if await self._load_poll(await self.directory.community_id(community), d["poll"]) is None:
                raise LineError("poll", f"unknown poll {d['poll']!r} (its `poll` line must come first in time)")
            member = self._member(community, d["member"])
            self.recorder.add(PendingRow(community, InteractionKind.POLL_VOTE, member, f"poll:{d['poll']}:{member.id}", at,
                                         parent_external_id=f"poll:{d['poll']}"))
        elif line.type == "anonymous_ballot":
            await self._anonymous_ballot(community, d["poll"], int(d["choice"]))
        else:
            if line.type == "message" and isinstance(d.get("sentiment"), int | float):
                self._scores[(community, d["id"])] = float(d["sentiment"])
            await super()._import(line)

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
