"""Who is calling: a Slack user's name, locale, admin flags and user groups, cached for a few minutes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("engagebot.slack")

CACHE_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class Caller:
    """What the core needs to decide what a user may do: their user id and user-group ids (never names), and the admin flag."""

    user_id: str
    name: str | None = None
    locale: str | None = None
    is_bot: bool = False
    is_admin: bool = False
    roles: frozenset[str] = frozenset()


class People:
    """Looks users up (users.info) and their user groups (usergroups.list), with a short cache."""

    def __init__(self, client: AsyncWebClient, admin_group: str | None = None, *, ttl: float = CACHE_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.admin_group = admin_group  # a user group's id (S…): the adapter looks a configured handle up at start
        self.ttl = ttl
        self._now = monotonic
        self._users: dict[str, tuple[float, Caller]] = {}
        self._groups: tuple[float, list[dict[str, Any]]] | None = None
        self._warned: set[str] = set()

    async def caller(self, user_id: str) -> Caller:
        """The user's name, locale, roles (their own id and their user groups' ids) and admin flag (admin, owner, admin group)."""
        cached = self._users.get(user_id)
        if cached and self._now() - cached[0] < self.ttl:
            return cached[1]
        user: dict[str, Any] = {}
        try:
            user = (await self.client.users_info(user=user_id, include_locale=True)).get("user") or {}
        except SlackApiError as err:
            self._warn_once("users.info", err)
        # ids only: any member may be able to create a user group called "animators"
        groups = {str(g["id"]) for g in await self._user_groups() if g.get("id") and user_id in (g.get("users") or ())}
        roles = {user_id} | groups  # so a configuration can name animators and managers by user id too
        admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        profile = user.get("profile") or {}
        caller = Caller(
            user_id=user_id,
            name=profile.get("display_name") or user.get("real_name") or user.get("name") or None,
            locale=user.get("locale"),
            is_bot=bool(user.get("is_bot")),
            is_admin=admin or (self.admin_group is not None and self.admin_group in groups),
            roles=frozenset(roles),
        )
        self._users[user_id] = (self._now(), caller)
        return caller

    async def names(self, user_ids: Collection[str]) -> dict[str, str]:
        """The names of these users as Slack shows them (display name, else real name), those it knows (users.info, cached)."""
        callers = await asyncio.gather(*(self.caller(u) for u in sorted(user_ids)))
        return {c.user_id: c.name for c in callers if c.name}

    async def groups_named(self, name: str) -> list[tuple[str, str]]:
        """The (id, handle) of the user groups whose handle or name is `name`, case aside."""
        wanted = name.lstrip("@").casefold()
        self._groups = None  # a fresh list: this runs at start, to turn a configured name into an id
        return [(str(g["id"]), str(g.get("handle") or g.get("name")))
                for g in await self._user_groups() if g.get("id") and wanted in {str(g.get(k) or "").casefold() for k in ("handle", "name")}]

    async def _user_groups(self) -> list[dict[str, Any]]:
        if self._groups and self._now() - self._groups[0] < self.ttl:
            return self._groups[1]
        groups: list[dict[str, Any]] = []
        try:
            groups = list((await self.client.usergroups_list(include_users=True)).get("usergroups") or [])
        except SlackApiError as err:
            self._warn_once("usergroups.list", err)
        self._groups = (self._now(), groups)
        return groups

    def _warn_once(self, method: str, err: SlackApiError) -> None:
        code = err.response.get("error") if err.response is not None else "?"
        if method not in self._warned:
            self._warned.add(method)
            log.warning("slack %s failed (%s): roles from it are ignored; check the app's scopes", method, code)
