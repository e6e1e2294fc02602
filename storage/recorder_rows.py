"""The recorder's rows: what a queued interaction holds, what watchers are told, and the keys rows are written under."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from storage.models import InteractionKind
from storage.types import to_db_time

# the kinds as plain strings: the driver binds a `str` faster than a `StrEnum` member
MESSAGE, REPLY, MENTION, REACTION, POLL_VOTE, JOIN, LEAVE = (k.value for k in (
    InteractionKind.MESSAGE, InteractionKind.REPLY, InteractionKind.MENTION, InteractionKind.REACTION, InteractionKind.POLL_VOTE,
    InteractionKind.JOIN, InteractionKind.LEAVE))

POSTS_AND_ANSWERS = (MESSAGE, REPLY, InteractionKind.PROMPT_ANSWER.value)
DELETED = "#post:"  # a queued removal of a deleted post (reaction keys never start with it)
COLUMNS = ("community_id", "kind", "member_id", "channel_id", "target_member_id", "external_id", "parent_external_id", "at", "sentiment", "text")


@dataclass(slots=True)
class PendingRow:
    """An interaction waiting to be written; references are resolved to ids at flush time.

    Not frozen: building one is on the hot path, and a frozen dataclass pays for every field.
    """

    community: CommunityRef
    kind: str
    member: MemberRef
    external_id: str
    at: datetime
    channel: ChannelRef | None = None
    target: MemberRef | None = None
    parent_external_id: str | None = None
    text: str | None = None
    sentiment: float | None = None


@dataclass(frozen=True, slots=True)
class WrittenRow:
    """An interaction row as committed, with its member ids resolved (what watchers are told)."""

    community_id: int
    kind: str
    member_id: int
    member_is_bot: bool
    external_id: str
    at: datetime
    target_member_id: int | None
    target_is_bot: bool


Watcher = Callable[[list[WrittenRow]], None]
"""Told, after each commit, the rows of the kinds it watches (it must not await: it only queues them)."""


def positions(compiled: Any) -> tuple[str, ...]:
    """The column names in the order the driver expects the parameters."""
    order = getattr(compiled, "positiontup", None)
    if order:
        return tuple(order)
    return tuple(compiled.params)


def reaction_key(message_id: str, member_id: str, emoji: str) -> str:
    return f"{message_id}:{member_id}:{emoji}"


def removed_key(key: str, removed_at: datetime) -> str:
    """The key a reaction's row takes once removed: its natural key and the removal time (UTC, to the microsecond)."""
    return f"{key}#{to_db_time(removed_at).isoformat(timespec='microseconds')}"
