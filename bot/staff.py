"""Who animates and who manages a community: role, user-group and user ids, never names.

A role's name can be given to anyone who may create a role (or a Slack user group), so names never
grant anything. The configuration may still name a role for readability: the name is looked up once,
at start, through the platform, and replaced by the one id it matches (an unknown or ambiguous name
stops start-up with one line). On the console and in simulations a role's id is its name.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from bot.config import CommunityConfig, ConfigError
from bot.core.refs import CommunityRef, Platform

CONSOLE_DEFAULTS = {"animator_roles": ("animator", "animateur"), "manager_roles": ("manager",)}
"""On the console and in simulations (`/role alice animator`), when the configuration names none."""

_DISCORD_ID = re.compile(r"\d{15,22}")  # a snowflake
_SLACK_ID = re.compile(r"[SUW][A-Z0-9]{2,}")  # a user group (S…) or a user (U…, W… on Enterprise Grid)

RoleLookup = Callable[[CommunityRef, str], Awaitable[list[tuple[str, str]]]]
"""The (id, name) of every role or user group of a community whose name or handle is the given one."""


@dataclass(frozen=True, slots=True)
class Staff:
    """The ids whose holders animate or manage one community."""

    animators: frozenset[str] = frozenset()
    managers: frozenset[str] = frozenset()


def is_platform_id(platform: Platform, value: str) -> bool:
    """Whether a configured entry is already an id on its platform (else it is a name to look up)."""
    if platform == Platform.DISCORD:
        return bool(_DISCORD_ID.fullmatch(value))
    if platform == Platform.SLACK:
        return bool(_SLACK_ID.fullmatch(value))
    return True  # console and simulation: a role's id is its name


def configured(community: CommunityConfig, key: str) -> list[str]:
    """The entries of `animator_roles` or `manager_roles` (console and simulation defaults when unset)."""
    value: list[str] | None = getattr(community, key)
    if value is None:
        return list(CONSOLE_DEFAULTS[key]) if community.platform in (Platform.CONSOLE, Platform.SIMULATION) else []
    return value


async def resolve_staff(where: str, community: CommunityConfig, lookup: RoleLookup | None) -> Staff:
    """The community's staff ids, every name looked up once through `lookup` (ConfigError when unknown or ambiguous)."""
    found: dict[str, frozenset[str]] = {}
    for key in CONSOLE_DEFAULTS:
        ids: set[str] = set()
        for entry in configured(community, key):
            entry = entry.strip()
            if is_platform_id(community.platform, entry):
                ids.add(entry)
                continue
            if lookup is None:
                raise ConfigError(f"{where}.{key}: {entry!r} is a name, and names cannot be looked up here: give the id")
            ids.add(await _one_id(f"{where}.{key}", community, entry, lookup))
        found[key] = frozenset(ids)
    return Staff(found["animator_roles"], found["manager_roles"])


async def _one_id(where: str, community: CommunityConfig, name: str, lookup: RoleLookup) -> str:
    matches = await lookup(community.ref, name.lstrip("@"))
    what = "role" if community.platform == Platform.DISCORD else "user group"
    if not matches:
        raise ConfigError(f"{where}: no {what} named {name!r} in {community.platform}:{community.id}; give its id ({_how_to(community.platform)})")
    if len(matches) > 1:
        listed = ", ".join(f"{ident} ({label})" for ident, label in matches)
        raise ConfigError(f"{where}: {len(matches)} {what}s are named {name!r} in {community.platform}:{community.id} ({listed}): give the id of the right one")
    return matches[0][0]


def _how_to(platform: Platform) -> str:
    if platform == Platform.DISCORD:
        return "Server Settings > Roles, right-click the role > Copy Role ID, with Developer Mode on"
    return "the S… id of the user group, in its page's URL, or a member's U… id"


def caller_is(staff: Staff, roles: Iterable[str]) -> tuple[bool, bool]:
    """Whether a caller holding `roles` (ids) animates, and whether they manage."""
    held = set(roles)
    return bool(held & staff.animators), bool(held & staff.managers)
