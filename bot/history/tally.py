"""What a history import read, skipped and noticed, per file and per channel, and the summary it prints."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(slots=True)
class ChannelTally:
    """Per channel: what the export holds, and what the database gained (filled in after the import)."""

    name: str
    posts: int = 0
    reactions: int = 0
    new_posts: int = 0
    new_reactions: int = 0


@dataclass
class Tally:
    """Everything a history import counts; parsers add to it, the importer fills the database side."""

    channels: dict[tuple[str, str], ChannelTally] = field(default_factory=dict)
    """(community, channel id) → its tally."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Reason → records skipped for it (system messages, malformed records…)."""
    problems: list[str] = field(default_factory=list)
    """One line per file (or archive entry) that could not be read whole: name and what is wrong."""
    notes: list[str] = field(default_factory=list)
    """One line per thing worth knowing that is no error (unknown fields ignored, empty channels)."""
    authors: set[tuple[str, str]] = field(default_factory=set)
    joins: int = 0
    leaves: int = 0
    edited: int = 0
    reactions_without_users: int = 0
    mentions_capped: int = 0
    files_read: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    posts_read: int = 0
    """Posts read so far by a reader process (its channels arrive at the end): the progress bar's count."""

    def channel(self, community: str, channel_id: str, name: str | None = None) -> ChannelTally:
        """The tally of a channel, created on first use."""
        key = (community, channel_id)
        found = self.channels.get(key)
        if found is None:
            found = self.channels[key] = ChannelTally(name or channel_id)
        return found

    def skip(self, reason: str, n: int = 1) -> None:
        """Count records skipped for a reason."""
        self.skipped[reason] += n

    @property
    def posts(self) -> int:
        """Posts (messages and replies) read."""
        return sum(c.posts for c in self.channels.values())

    @property
    def reactions(self) -> int:
        """Reactions (with their member) read."""
        return sum(c.reactions for c in self.channels.values())

    def lines(self, *, max_mentions: int) -> list[str]:
        """The human summary: totals, per channel, skipped with reasons, what the format could not give."""
        new_posts = sum(c.new_posts for c in self.channels.values())
        new_reactions = sum(c.new_reactions for c in self.channels.values())
        out = [
            f"read {self.files_read} files: {self.posts} posts by {len(self.authors)} authors, {self.reactions} reactions, "
            f"{self.joins} joins, {self.leaves} leaves",
            f"imported {new_posts} posts and {new_reactions} reactions; already there {self.posts - new_posts} posts and "
            f"{self.reactions - new_reactions} reactions",
        ]
        if self.channels:
            out.append("per channel (posts read / new, reactions read / new):")
            width = max(len(c.name) for c in self.channels.values())
            for c in sorted(self.channels.values(), key=lambda c: (-c.posts, c.name)):
                out.append(f"  #{c.name:<{width}}  {c.posts:>9} / {c.new_posts:<9} {c.reactions:>9} / {c.new_reactions}")
        for reason, n in sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"skipped {n}: {reason}")
        if self.reactions_without_users:
            out.append(f"{self.reactions_without_users} reactions are counts only in the export (no member given): not imported")
        if self.mentions_capped:
            out.append(f"{self.mentions_capped} messages mention more than {max_mentions} members: only the first {max_mentions} were kept")
        if self.edited:
            out.append(f"{self.edited} posts were edited: counted once, when first posted (edits are not contributions)")
        out += self.notes
        if self.problems:
            out.append(f"{len(self.problems)} files could not be read whole (listed above); the rest was imported")
        return out
