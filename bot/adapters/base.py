"""The one small protocol every platform adapter implements."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands import Access, CommandRegistry, Reply
from bot.core.actions import Action
from bot.core.events import ButtonPressed, CommandInvoked, Event
from bot.core.message import Message
from bot.core.refs import CommunityRef, MemberRef, MessageRef, Platform
from bot.i18n import Catalog


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


class DatabasePort(Protocol):
    """The bot's database, as an adapter that keeps its own rows there sees it (Slack's OAuth installations)."""

    @property
    def engine(self) -> AsyncEngine:
        """The async engine."""
        ...


class AppPort(Protocol):
    """What adapters call on the bot: deliver events, run commands, route button presses."""

    commands: CommandRegistry
    catalog: Catalog

    @property
    def db(self) -> DatabasePort:
        """The bot's database."""
        ...

    async def add_community(self, ref: CommunityRef, name: str | None = None) -> None:
        """Serve a community found while running (a workspace that installed the app)."""
        ...

    async def remove_community(self, ref: CommunityRef) -> None:
        """Stop acting in a community (a workspace that uninstalled the app); its data stays."""
        ...

    def locale_for(self, community: CommunityRef, requested: str | None = None) -> str:
        """The caller's locale when the bot speaks it, else the community's."""
        ...

    async def dispatch(self, event: Event) -> None:
        """Record an event and deliver it to the cogs."""
        ...

    def access_of(self, invocation: CommandInvoked) -> Access:
        """The audiences the caller of a command belongs to (to offer only what they may run)."""
        ...

    async def invoke(self, command: CommandInvoked) -> Reply:
        """Run a command (permission checked) and return what to answer."""
        ...

    async def press(self, event: ButtonPressed) -> Reply | None:
        """Route a button press to its cog; an optional answer for the presser only."""
        ...

    async def home(self, member: MemberRef, roles: frozenset[str] = frozenset(), is_admin: bool = False, locale: str | None = None) -> Message:
        """The member's home view (what each cog has to say to them)."""
        ...


class Adapter(Protocol):
    """A platform connection: translate its payloads to events, render and send actions.

    An adapter that listens (a gateway, a socket, an HTTP server) also has `start_sending(app)`: connect
    for sending only, receiving nothing (`engagebot jobs run` beside the running bot; `Engagebot.start`).
    """

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
