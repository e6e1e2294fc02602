"""Event logs (../shared/EVENTS.md) into core events, in time order, with no database work (an import's reader process runs it).

Lines are sorted within a sliding window and files merged by time; message authors and channels are remembered for
recent posts only (older targets are found in the database once the rows are written). Polls and votes need the
database: their lines are passed on as they are, in their place.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.core.events import Event, MemberJoined, MemberLeft, MessageDeleted, MessagePosted, ReactionAdded, ReactionRemoved
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef, Platform
from storage.eventlog_parse import EXPORT_ONLY, BadLine, LogLine, read_log
from storage.recent import RecentMap

RECENT_POSTS = 200_000
"""Posts per community whose author and channel are kept in memory (two generations of it): replies and reactions nearly
always aim at recent posts; one to an older post gets its author from the database after the import, its channel is unknown."""


@dataclass(frozen=True, slots=True)
class PollLine:
    """A poll line (no member) or a vote line (the voter, with the name and bot flag the log gave): written with the database's help."""

    line: LogLine
    member: MemberRef | None = None
    extra: bool = False
    """A line whose event was yielded already, passed on for what it adds (a community's name, a post's sentiment score)."""


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


class LogEvents:
    """The events of log files in time order; poll and vote lines are yielded in their place, for the writer.

    Counts lines, out-of-order lines, communities and imported events (but polls and votes, which the writer counts) in
    `summary`, and adds bad lines to `summary.bad` as they are read.
    """

    def __init__(self, paths: list[Path], summary: ImportSummary, *, window: int = 50_000) -> None:
        self.paths, self.summary, self.window = paths, summary, window
        self.done = 0
        self.posts: dict[CommunityRef, RecentMap[str, tuple[MemberRef, ChannelRef]]] = {}
        self.bots: set[tuple[CommunityRef, str]] = set()
        self.names: dict[tuple[CommunityRef, str], str] = {}
        self._members: dict[tuple[CommunityRef, str], MemberRef] = {}
        self._channels: dict[tuple[CommunityRef, str], ChannelRef] = {}
        self._communities: dict[tuple[str, str], CommunityRef] = {}
        self._pairs: dict[tuple[MemberRef, ChannelRef], tuple[MemberRef, ChannelRef]] = {}

    def _lines(self, path: Path) -> Iterator[LogLine]:
        summary = self.summary
        for item in read_log(path):
            summary.lines += 1
            if isinstance(item, BadLine):
                summary.bad.append(item)
            else:
                yield item

    def __iter__(self) -> Iterator[Event | PollLine]:
        summary = self.summary
        latest: datetime | None = None
        ordered = [_in_time_order(self._lines(p), self.window) for p in self.paths]
        merged = ordered[0] if len(ordered) == 1 else heapq.merge(*ordered, key=_time_of)
        for line in merged:
            self.done += 1
            if latest is not None and line.at < latest:
                summary.out_of_order += 1
            else:
                latest = line.at
            community, d = self.community(line), line.data
            if "community_name" in d:
                yield PollLine(line, None, True)
            if "member" in d and (d.get("name") or d.get("bot") is True):
                self._first_sight(community, str(d["member"]), d.get("name"), d.get("bot") is True)
            if line.type == "poll":
                yield PollLine(line)
                continue
            if line.type in ("poll_vote", *EXPORT_ONLY):  # written with the database's help, and counted there
                yield PollLine(line, self.member(community, d["member"]) if "member" in d else None)
                continue
            yield self._event(line)
            if line.type == "message" and isinstance(d.get("sentiment"), int | float):
                yield PollLine(line, None, True)
            summary.imported[line.type] += 1
            summary.communities.add(f"{line.platform}:{line.community}")

    def _first_sight(self, community: CommunityRef, member_id: str, name: object, bot: bool) -> None:
        """A name or bot flag on any line holds from the member's first sight (an exported log gives it on their first line)."""
        key = (community, member_id)
        changed = False
        if isinstance(name, str) and name and key not in self.names:
            self.names[key], changed = name, True
        if bot and key not in self.bots:
            self.bots.add(key)
            changed = True
        if changed:
            self._members.pop(key, None)

    def community(self, line: LogLine) -> CommunityRef:
        """The community of a line (one object per community)."""
        key = (line.platform, line.community)
        found = self._communities.get(key)
        if found is None:
            found = self._communities[key] = CommunityRef(Platform(line.platform), line.community)
        return found

    def member(self, community: CommunityRef, member_id: str) -> MemberRef:
        """A member with the name and bot flag its join gave (one object per member until they change)."""
        key = (community, member_id)
        found = self._members.get(key)
        if found is None:
            found = self._members[key] = MemberRef(community, member_id, self.names.get(key), key in self.bots)
        return found

    def _channel(self, community: CommunityRef, channel_id: str, name: str | None) -> ChannelRef:
        key = (community, channel_id)
        found = self._channels.get(key)
        if found is None or found.name != name:
            found = self._channels[key] = ChannelRef(community, channel_id, name)
        return found

    def _post(self, community: CommunityRef, message_id: str) -> tuple[MemberRef, ChannelRef] | None:
        posts = self.posts.get(community)
        return None if posts is None else posts.get(message_id)

    def _message_ref(self, community: CommunityRef, message_id: str) -> MessageRef:
        known = self._post(community, message_id)
        return MessageRef(known[1] if known else self._channel(community, "unknown", None), message_id)

    def _event(self, line: LogLine) -> Event:
        community = self.community(line)
        d, at = line.data, line.at
        if line.type == "member_joined":
            key = (community, d["member"])
            if d.get("bot"):
                self.bots.add(key)
            if d.get("name"):
                self.names[key] = str(d["name"])
            self._members.pop(key, None)  # its name or bot flag may have changed
            return MemberJoined(member=self.member(community, d["member"]), at=at)
        if line.type == "member_left":
            return MemberLeft(member=self.member(community, d["member"]), at=at)
        if line.type == "message":
            return self._message(community, line)
        message = self._message_ref(community, d["message"])
        if line.type == "message_deleted":
            return MessageDeleted(message=message, at=at)
        member = self.member(community, d["member"])
        if line.type == "reaction":
            known = self._post(community, d["message"])  # None: found in the database after the import
            return ReactionAdded(message=message, member=member, emoji=d["emoji"], message_author=known[0] if known else None, at=at)
        return ReactionRemoved(message=message, member=member, emoji=d["emoji"], at=at)

    def _message(self, community: CommunityRef, line: LogLine) -> MessagePosted:
        d = line.data
        channel = self._channel(community, d["channel"], d["channel"])
        author = self.member(community, d["member"])
        posts = self.posts.get(community)
        if posts is None:
            posts = self.posts[community] = RecentMap(RECENT_POSTS)
        pair = (author, channel)
        posts[d["id"]] = self._pairs.setdefault(pair, pair)  # one tuple per author and channel: the map holds 400,000 posts
        reply_to, reply_author = None, None
        if d.get("reply_to"):
            reply_to = self._message_ref(community, d["reply_to"])
            known = self._post(community, d["reply_to"])  # None: found in the database after the import
            reply_author = known[0] if known else None
        mentions = tuple(self.member(community, m) for m in dict.fromkeys(d.get("mentions", [])))
        return MessagePosted(
            message=MessageRef(channel, d["id"]), author=author, text=str(d.get("text") or ""), reply_to=reply_to, reply_to_author=reply_author,
            mentions=mentions, at=line.at,
        )


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


def count_lines(path: Path) -> int:
    """Lines in a file, counted in 1 MiB blocks (the progress bar's total)."""
    try:
        with path.open("rb") as fh:
            return sum(block.count(b"\n") for block in iter(lambda: fh.read(2**20), b""))
    except OSError:
        return 0
