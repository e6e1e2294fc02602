"""Events into interaction rows: what the recorder queues, kept free of the database layer (an import's reader process uses it too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.events import Event, MessagePosted, PollVoted, ReactionAdded
from bot.core.refs import ChannelRef, CommunityRef, MemberRef

# the kinds as plain strings (InteractionKind's values): the driver binds a `str` faster than a `StrEnum` member
MESSAGE, REPLY, MENTION, REACTION, POLL_VOTE, JOIN, LEAVE = "message", "reply", "mention", "reaction", "poll_vote", "join", "leave"


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
    db_at: str | datetime | None = None
    """`at` as the driver binds it, when a reader process computed it (`db_time`); else the recorder does."""


def db_time(at: datetime, as_text: bool) -> str | datetime:
    """A time as the driver wants it: naive UTC, as text on SQLite (the way SQLAlchemy writes it there)."""
    naive = at.astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(" ", "microseconds") if as_text else naive


def rows_of(event: Event, store_text: bool) -> list[PendingRow]:
    """The rows a message, reaction or vote produces (the hot path: no database work here)."""
    if isinstance(event, MessagePosted):
        reply, channel, author = event.reply_to, event.message.channel, event.author
        rows = [
            PendingRow(
                author.community, MESSAGE if reply is None else REPLY, author, event.message.id, event.at, channel, event.reply_to_author,
                None if reply is None else reply.id, event.text if store_text else None,
            )
        ]
        if event.mentions:
            for mentioned in dict.fromkeys(event.mentions):
                rows.append(PendingRow(author.community, MENTION, author, f"{event.message.id}:{mentioned.id}", event.at,
                                       channel, mentioned, event.message.id))
        return rows
    if isinstance(event, ReactionAdded):
        return [
            PendingRow(event.community, REACTION, event.member, reaction_key(event.message.id, event.member.id, event.emoji),
                       event.at, event.message.channel, event.message_author, event.message.id)
        ]
    if isinstance(event, PollVoted) and not event.removed:
        return [PendingRow(event.community, POLL_VOTE, event.member, f"{event.message.id}:{event.member.id}", event.at,
                           event.message.channel, None, event.message.id)]
    return []


def reaction_key(message_id: str, member_id: str, emoji: str) -> str:
    """A reaction's natural key: message, member and emoji."""
    return f"{message_id}:{member_id}:{emoji}"
