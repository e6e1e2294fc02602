"""References to things that live on a platform: communities, members, channels, messages."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Platform(StrEnum):
    """The platforms engagebot speaks to."""

    DISCORD = "discord"
    SLACK = "slack"
    CONSOLE = "console"
    SIMULATION = "simulation"


@dataclass(frozen=True, slots=True)
class CommunityRef:
    """One Discord guild or one Slack workspace (or a console/simulated community)."""

    platform: Platform
    id: str

    def __hash__(self) -> int:
        # communities key many dicts on every event's path; the generated hash of (Platform member, id)
        # costs ~7x a str's (an Enum's hash is Python code). Ids of two platforms seldom collide, and equality decides.
        return hash(self.id)

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A member of a community, by the platform's own user id."""

    community: CommunityRef
    id: str
    name: str | None = None
    bot: bool = False

    @property
    def display(self) -> str:
        """The name to show, falling back to the id."""
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel (or DM conversation) of a community."""

    community: CommunityRef
    id: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message posted in a channel; `thread` is the thread/root id when it lives in one."""

    channel: ChannelRef
    id: str
    thread: str | None = None
