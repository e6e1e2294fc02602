"""Cogs: platform-neutral feature plugins with listeners, commands, buttons and scheduled jobs."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.commands import Access, Command, CommandHandler, Option
from bot.config import Config, ConfigError, describe_validation_error
from bot.core.clock import Clock
from bot.core.events import ButtonPressed, Event
from bot.core.refs import CommunityRef, MemberRef
from bot.i18n import Catalog
from bot.scheduler import JobSpec, Scheduler
from storage.db import Database
from storage.directory import Directory
from storage.recorder import Recorder

if TYPE_CHECKING:
    from bot.commands import Reply
    from bot.messenger import Messenger

S = TypeVar("S", bound=BaseModel)


class CogSettings(BaseModel):
    """Base of a cog's settings: unknown keys are mistakes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


ButtonHandler = Callable[[ButtonPressed], Awaitable["Reply | None"]]


@dataclass(frozen=True, slots=True)
class _ListenMark:
    event_type: type[Event]


@dataclass(frozen=True, slots=True)
class _CommandMark:
    name: str
    description: dict[str, str]
    options: tuple[Option, ...]
    access: Access


@dataclass(frozen=True, slots=True)
class _ButtonMark:
    prefix: str


F = TypeVar("F", bound=Callable[..., Any])


def listen(event_type: type[Event]) -> Callable[[F], F]:
    """Mark a cog method as a listener of an event type."""

    def mark(fn: F) -> F:
        fn.__dict__.setdefault("_engagebot_marks", []).append(_ListenMark(event_type))
        return fn

    return mark


def command(name: str, description: dict[str, str], *, options: tuple[Option, ...] = (), access: Access = Access.EVERYONE) -> Callable[[F], F]:
    """Mark a cog method as a command handler."""

    def mark(fn: F) -> F:
        fn.__dict__.setdefault("_engagebot_marks", []).append(_CommandMark(name, description, options, access))
        return fn

    return mark


def button(prefix: str) -> Callable[[F], F]:
    """Mark a cog method as the handler of buttons whose custom_id starts with `prefix`."""

    def mark(fn: F) -> F:
        fn.__dict__.setdefault("_engagebot_marks", []).append(_ButtonMark(prefix))
        return fn

    return mark


@dataclass
class CogContext:
    """What a cog may use: configuration, storage, the messenger, the clock, the scheduler, texts."""

    name: str
    config: Config
    db: Database
    directory: Directory
    recorder: Recorder
    clock: Clock
    messenger: Messenger
    scheduler: Scheduler
    catalog: Catalog
    communities: list[CommunityRef]

    @property
    def log(self) -> logging.Logger:
        """The cog's logger."""
        return logging.getLogger(f"engagebot.cogs.{self.name}")

    def settings(self, model: type[S], community: CommunityRef | None = None) -> S:
        """The cog's settings for a community (global `[cogs.NAME]` overlaid with the community's)."""
        raw = self.config.cog_settings(self.name, community)
        try:
            return model.model_validate(raw)
        except ValidationError as err:
            where = f"communities[{community}].cogs.{self.name}" if community else f"cogs.{self.name}"
            raise ConfigError(f"{where}.{describe_validation_error(err)}") from None

    def locale(self, community: CommunityRef) -> str:
        """The community's locale."""
        return self.config.locale_of(community)

    def t(self, community: CommunityRef | str, key: str, **params: Any) -> str:
        """A text in the community's locale (or in the given locale code)."""
        locale = community if isinstance(community, str) else self.locale(community)
        return self.catalog.t(locale, key, **params)


class Cog:
    """Base of every cog. Subclasses set `name`, optionally `Settings`, and mark methods."""

    name: ClassVar[str] = ""
    Settings: ClassVar[type[BaseModel]] = CogSettings

    def __init__(self, ctx: CogContext) -> None:
        self.ctx = ctx

    def validate_settings(self) -> None:
        """Check the settings of every community now, so a mistake stops start-up."""
        self.ctx.settings(self.Settings)
        for community in self.ctx.communities:
            self.ctx.settings(self.Settings, community)

    def jobs(self) -> list[JobSpec]:
        """The cog's scheduled jobs (usually one per community)."""
        return []

    async def start(self) -> None:
        """Called once storage and adapters are ready. A `ConfigError` stops the bot's start (one line); any other failure disables the cog."""

    async def stop(self) -> None:
        """Called on shutdown."""

    async def settle(self) -> None:
        """Finish the background work past events started (e.g. scoring queued posts).

        A simulation calls it when it skips ahead: in real time that work would have had hours to finish.
        """

    async def summary(self, community: CommunityRef) -> list[str]:
        """Lines the demo prints about what this cog did."""
        return []

    def demo_script(self) -> list[tuple[timedelta, str, str]]:
        """Console lines the demo plays: (offset from the first Monday, member id, line).

        The demo's animator is `camille` and its manager `morgan`.
        """
        return []

    async def forget_member(self, member: MemberRef) -> None:
        """Drop what this cog keeps in memory about a member who asked to be erased.

        The rows are the core's to erase (storage/privacy.py: one transaction, whatever cogs are loaded);
        this hook runs just before, while the member's row still exists, and must not touch the database.
        """

    async def describe_member(self, member: MemberRef) -> list[str]:
        """Describe, in the member's words, what this cog stores about them (privacy request; the core lists every table's rows too)."""
        return []

    async def home_lines(self, member: MemberRef, access: Access) -> list[str]:
        """Lines for the member's home view (Slack App Home): their progress, or KPI headlines for staff."""
        return []

    def listeners(self) -> list[tuple[type[Event], Callable[[Any], Awaitable[None]]]]:
        """The marked listeners, bound to this cog."""
        return [(m.event_type, fn) for fn, m in self._marks(_ListenMark)]

    def commands(self) -> list[Command]:
        """The marked commands, bound to this cog."""
        out = []
        for fn, m in self._marks(_CommandMark):
            handler: CommandHandler = fn
            out.append(Command(m.name, m.description, handler, m.options, m.access, owner=self.name))
        return out

    def buttons(self) -> list[tuple[str, ButtonHandler]]:
        """The marked button handlers, bound to this cog."""
        return [(m.prefix, fn) for fn, m in self._marks(_ButtonMark)]

    def _marks(self, kind: type[Any]) -> list[tuple[Any, Any]]:
        found = []
        for attr in dir(type(self)):
            raw = getattr(type(self), attr, None)
            for mark in getattr(raw, "_engagebot_marks", ()):
                if isinstance(mark, kind):
                    found.append((getattr(self, attr), mark))
        return found
