"""Platform-neutral events: what adapters translate platform payloads into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every event: when it happened (timezone-aware, UTC) and in which community."""

    at: datetime

    @property
    def community(self) -> CommunityRef:
        """The community the event belongs to."""
        raise NotImplementedError

    @property
    def dedupe_key(self) -> tuple[str, ...]:
        """A key that is the same for a redelivery of the same event."""
        raise NotImplementedError

    @property
    def toggle(self) -> tuple[tuple[str, ...], bool] | None:
        """For a state that can be set, unset and set again (a reaction): its key and whether this event sets it.

        A redelivery repeats the state it sets; a new event changes it. None for events that happen once.
        """
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberJoined(Event):
    """A member joined the community (guild join, Slack team_join)."""

    member: MemberRef

    @property
    def community(self) -> CommunityRef:
        return self.member.community

    @property
    def dedupe_key(self) -> tuple[str, ...]:
        return ("join", self.member.id, self.at.isoformat())


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberLeft(Event):
    """A member left (or was removed from) the community."""

    member: MemberRef

    @property
    def community(self) -> CommunityRef:
        return self.member.community

    @property
    def dedupe_key(self) -> tuple[str, ...]:
        return ("leave", self.member.id, self.at.isoformat())


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePosted(Event):
    """A member posted a message; `reply_to` is the post it answers (reply or thread)."""

    message: MessageRef
    author: MemberRef
    text: str = ""
    reply_to: MessageRef | None = None
    reply_to_author: MemberRef | None = None
    mentions: tuple[MemberRef, ...] = ()

    @property
    def community(self) -> CommunityRef:
        return self.author.community

    @property
    def dedupe_key(self) -> tuple[str, ...]:
        return ("message", self.message.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDeleted(Event):
    """A post was deleted (by its author or a moderator): it no longer counts, like a reaction taken back."""

    message: MessageRef

    @property
    def community(self) -> CommunityRef:
        return self.message.channel.community

    @property
    def dedupe_key(self) -> tuple[str, ...]:
        return ("message_deleted", self.message.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionAdded(Event):
    """A member reacted to a message with an emoji."""

    message: MessageRef
    member: MemberRef
    emoji: str
    message_author: MemberRef | None = None

    @property
    def community(self) -> CommunityRef:
        return self.member.community

    @property
    def dedupe_key(self) -> tuple[str, ...]:
        return ("reaction", self.message.id, self.member.id, self.emoji)

    @property
    def toggle(self) -> tuple[tuple[str, ...], bool] | None:
        return ("reaction", self.message.id, self.member.id, self.emoji), True


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionRemoved(Event):
    """A member took a reaction back."""

    message: MessageRef
    member: MemberRef
    emoji: str

    @property
    def community(self) -> CommunityRef:
        return self.member.community

    @property
    def dedupe_key(self) -> tuple[str, ...]:
        return ("reaction_removed", self.message.id, self.member.id, self.emoji, self.at.isoformat())

    @property
    def toggle(self) -> tuple[tuple[str, ...], bool] | None:
        return ("reaction", self.message.id, self.member.id, self.emoji), False


@dataclass(frozen=True, slots=True, kw_only=True)
class PollVoted(Event):
    """A member voted in a platform-native poll (`choice` is the answer index from 0)."""

    message: MessageRef
    member: MemberRef
    choice: int
    removed: bool = False

    @property
    def community(self) -> CommunityRef:
        return self.member.community

    @property
    def dedupe_key(self) -> tuple[str, ...]:
        return ("poll_vote", self.message.id, self.member.id, str(self.choice), str(self.removed), self.at.isoformat())


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonPressed(Event):
    """A member clicked a button the bot posted."""

    custom_id: str
    member: MemberRef
    message: MessageRef | None = None
    interaction_id: str | None = None
    values: tuple[str, ...] = ()

    @property
    def community(self) -> CommunityRef:
        return self.member.community

    @property
    def dedupe_key(self) -> tuple[str, ...]:
        return ("button", self.interaction_id or f"{self.custom_id}:{self.member.id}:{self.at.isoformat()}")


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandInvoked(Event):
    """A member ran a command: typed `options` (Discord), or raw text `args` the core parses.

    With `name` empty, the command name is read from the start of `args` (`poll create …`).
    """

    name: str
    member: MemberRef
    channel: ChannelRef
    options: dict[str, Any] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    roles: frozenset[str] = frozenset()
    is_admin: bool = False
    locale: str | None = None
    interaction_id: str | None = None

    @property
    def community(self) -> CommunityRef:
        return self.member.community

    @property
    def dedupe_key(self) -> tuple[str, ...]:
        return ("command", self.interaction_id or f"{self.name}:{self.member.id}:{self.at.isoformat()}")
