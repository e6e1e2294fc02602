"""Actions: what cogs ask adapters to do."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.message import Message
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef


@dataclass(frozen=True, slots=True)
class SendMessage:
    """Post a message in a channel (optionally as a reply / in a thread)."""

    channel: ChannelRef
    message: Message
    reply_to: MessageRef | None = None


@dataclass(frozen=True, slots=True)
class SendDM:
    """Send a direct message to a member; `fallback` is used when their DMs are closed."""

    member: MemberRef
    message: Message
    fallback: ChannelRef | None = None


@dataclass(frozen=True, slots=True)
class GrantRole:
    """Give a member a role (by name or id), e.g. as a badge reward."""

    member: MemberRef
    role: str


@dataclass(frozen=True, slots=True)
class RemoveRole:
    """Take a role back from a member."""

    member: MemberRef
    role: str


@dataclass(frozen=True, slots=True)
class EndPoll:
    """End a platform-native poll before its own deadline (a poll closed early); a no-op where polls are not native."""

    message: MessageRef


Action = SendMessage | SendDM | GrantRole | RemoveRole | EndPoll


def community_of(action: Action) -> CommunityRef:
    """The community an action is carried out in."""
    if isinstance(action, SendMessage):
        return action.channel.community
    if isinstance(action, SendDM | GrantRole | RemoveRole):
        return action.member.community
    if isinstance(action, EndPoll):
        return action.message.channel.community
    raise TypeError(f"unknown action {action!r}")
