"""The neutral command registry: names, fr/en descriptions, typed options and who may run them."""

from __future__ import annotations

import re
import shlex
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import IntFlag, StrEnum
from typing import Any

from bot.core.events import CommandInvoked
from bot.core.message import Message
from bot.core.refs import MemberRef
from bot.i18n import Listed
from bot.staff import Staff, caller_is

_OPTION_NAME = re.compile(r"[a-z][a-z_-]{0,30}")


class Access(IntFlag):
    """Who may run a command. A command lists every audience it accepts."""

    MEMBER = 1
    ANIMATOR = 2
    MANAGER = 4
    STAFF = ANIMATOR | MANAGER
    EVERYONE = MEMBER | ANIMATOR | MANAGER


class OptionType(StrEnum):
    """The option types every platform can express."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    MEMBER = "member"
    CHANNEL = "channel"


@dataclass(frozen=True, slots=True)
class Option:
    """A typed command option with fr/en descriptions."""

    name: str
    type: OptionType
    description: dict[str, str]
    required: bool = True
    choices: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command answers to its caller; ephemeral means only the caller sees it."""

    message: Message
    ephemeral: bool = True


CommandHandler = Callable[[CommandInvoked], Awaitable["Reply | Message | str"]]


@dataclass(frozen=True, slots=True)
class Command:
    """A bot command. `name` may hold one space for a subcommand (`poll create`)."""

    name: str
    description: dict[str, str]
    handler: CommandHandler
    options: tuple[Option, ...] = ()
    access: Access = Access.EVERYONE
    owner: str = "core"

    def describe(self, locale: str) -> str:
        """The description in `locale`, falling back to English."""
        return self.description.get(locale) or self.description.get("en", "")


class CommandError(ValueError):
    """A user error in a command call; `key` names a locale catalog entry shown to the user."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(slots=True)
class CommandRegistry:
    """Every command the bot knows, whatever the platform that carries it."""

    commands: dict[str, Command] = field(default_factory=dict)

    def add(self, command: Command) -> None:
        """Register a command; a name is registered once."""
        if command.name in self.commands:
            raise ValueError(f"command {command.name!r} is registered twice")
        if len(command.name.split()) > 2:
            raise ValueError(f"command {command.name!r}: at most one level of subcommand")
        self.commands[command.name] = command

    def remove_owner(self, owner: str) -> None:
        """Drop every command of a disabled cog."""
        for name in [n for n, c in self.commands.items() if c.owner == owner]:
            del self.commands[name]

    def get(self, name: str) -> Command | None:
        """The command called `name`, if any."""
        return self.commands.get(name)

    def __iter__(self) -> Iterator[Command]:
        return iter(sorted(self.commands.values(), key=lambda c: c.name))

    def all(self) -> list[Command]:
        """Every command, sorted by name."""
        return sorted(self.commands.values(), key=lambda c: c.name)

    def split(self, words: list[str]) -> tuple[Command, list[str]] | None:
        """Find the longest command name at the start of `words` (`poll create ...`)."""
        if len(words) >= 2 and (cmd := self.commands.get(f"{words[0]} {words[1]}")):
            return cmd, words[2:]
        if words and (cmd := self.commands.get(words[0])):
            return cmd, words[1:]
        return None


def caller_access(roles: Iterable[str], is_admin: bool, staff: Staff) -> Access:
    """The audiences a caller belongs to: administrators are staff, others by the ids of their roles (never names)."""
    animates, manages = caller_is(staff, roles)
    access = Access.MEMBER
    if is_admin or animates:
        access |= Access.ANIMATOR
    if is_admin or manages:
        access |= Access.MANAGER
    return access


def parse_text_options(command: Command, args: list[str], resolve_member: Callable[[str], MemberRef | None]) -> dict[str, Any]:
    """Parse console-style arguments (`key=value` or positional; the last string takes the rest)."""
    values: dict[str, Any] = {}
    positional: list[str] = []
    names = {o.name for o in command.options}
    for arg in args:
        key, sep, val = arg.partition("=")
        if sep and key in names:
            values[key] = val
        elif sep and _OPTION_NAME.fullmatch(key):  # `foo=bar`: a mistyped option, not the next option's value
            raise CommandError("errors.unknown_option", option=key, options=Listed(tuple(o.name for o in command.options)) if command.options else "—",
                               command=command.name)
        else:
            positional.append(arg)
    remaining = [o for o in command.options if o.name not in values]
    for i, opt in enumerate(remaining):
        if not positional:
            break
        if opt.type == OptionType.STRING and i == len(remaining) - 1:
            values[opt.name] = " ".join(positional)
            positional = []
        else:
            values[opt.name] = positional.pop(0)
    if positional:
        raise CommandError("errors.extra_arguments", extra=" ".join(positional))
    out: dict[str, Any] = {}
    for opt in command.options:
        if opt.name in values:
            out[opt.name] = convert_option(opt, values[opt.name], resolve_member)
    return out


def convert_option(opt: Option, raw: Any, resolve_member: Callable[[str], MemberRef | None]) -> Any:
    """Convert one raw (text) value to the option's type, or raise `CommandError`."""
    if opt.type == OptionType.MEMBER:
        if isinstance(raw, MemberRef):
            return raw
        member = resolve_member(str(raw).lstrip("@"))
        if member is None:
            raise CommandError("errors.unknown_member", option=opt.name, value=raw)
        return member
    if opt.type == OptionType.INTEGER:
        try:
            value: Any = int(raw)
        except (TypeError, ValueError):
            raise CommandError("errors.not_integer", option=opt.name, value=raw) from None
    elif opt.type == OptionType.NUMBER:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise CommandError("errors.not_number", option=opt.name, value=raw) from None
    elif opt.type == OptionType.BOOLEAN:
        if isinstance(raw, bool):
            value = raw
        elif str(raw).lower() in {"true", "yes", "oui", "1", "on"}:
            value = True
        elif str(raw).lower() in {"false", "no", "non", "0", "off"}:
            value = False
        else:
            raise CommandError("errors.not_boolean", option=opt.name, value=raw)
    else:
        value = str(raw)
    if opt.choices and str(value) not in opt.choices:
        raise CommandError("errors.not_a_choice", option=opt.name, choices=Listed(tuple(opt.choices), "or"))
    if opt.min_value is not None and isinstance(value, int | float) and value < opt.min_value:
        raise CommandError("errors.too_small", option=opt.name, min=f"{opt.min_value:g}")
    if opt.max_value is not None and isinstance(value, int | float) and value > opt.max_value:
        raise CommandError("errors.too_large", option=opt.name, max=f"{opt.max_value:g}")
    return value


def split_words(line: str) -> list[str]:
    """Split a command line into words: double quotes group words, apostrophes stay letters (what's, qu'il).

    Unbalanced quotes are tolerated (plain whitespace split).
    """
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    lexer.quotes = '"'
    try:
        return list(lexer)
    except ValueError:
        return line.split()
