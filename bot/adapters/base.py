"""The one small protocol every platform adapter implements."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from bot.commands import CommandRegistry, Reply
from bot.core.actions import Action
from bot.core.events import ButtonPressed, CommandInvoked, Event
from bot.core.refs import MessageRef, Platform


class Capability(StrEnum):
    """What a platform can do; cogs check these and degrade gracefully."""

    BUTTONS = "buttons"
    NATIVE_POLLS = "native_polls"
    ROLES = "roles"
    EPHEMERAL = "ephemeral"
    APP_HOME = "app_home"
    DMS = "dms"
    IMAGES = "images"
    THREADS = "threads"


class AppPort(Protocol):
    """What adapters call on the bot: deliver events, run commands, route button presses."""

    commands: CommandRegistry

    async def dispatch(self, event: Event) -> None:
        """Record an event and deliver it to the cogs."""
        ...

    async def invoke(self, command: CommandInvoked) -> Reply:
        """Run a command (permission checked) and return what to answer."""
        ...

    async def press(self, event: ButtonPressed) -> Reply | None:
        """Route a button press to its cog; an optional answer for the presser only."""
        ...


class Adapter(Protocol):
    """A platform connection: translate its payloads to events, render and send actions."""

    @property
    def platform(self) -> Platform:
        """The platform this adapter connects to."""
        ...

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What the platform can do."""
        ...

    async def start(self, app: AppPort) -> None:
        """Connect and start delivering events to `app`."""
        ...

    async def stop(self) -> None:
        """Disconnect."""
        ...

    async def send(self, action: Action) -> MessageRef | None:
        """Carry out an action; the posted message's reference when one was posted."""
        ...
