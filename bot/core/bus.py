"""The event bus: routes each event to the handlers subscribed to its type, isolating failures."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.core.events import Event

log = logging.getLogger("engagebot.bus")

Handler = Callable[[Any], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Subscription:
    """One handler subscribed to one event type, owned by a cog (for logs and unloading)."""

    event_type: type[Event]
    handler: Handler
    owner: str


class EventBus:
    """Delivers events to subscribers in subscription order; one failing handler never stops the others."""

    def __init__(self) -> None:
        self._subs: dict[type[Event], list[Subscription]] = defaultdict(list)
        self.errors = 0

    def subscribe(self, event_type: type[Event], handler: Handler, owner: str = "core") -> None:
        """Call `handler(event)` for every published event of `event_type` (or a subclass)."""
        self._subs[event_type].append(Subscription(event_type, handler, owner))

    def unsubscribe_owner(self, owner: str) -> None:
        """Drop every handler of one owner (a cog being disabled)."""
        for subs in self._subs.values():
            subs[:] = [s for s in subs if s.owner != owner]

    def handlers_for(self, event_type: type[Event]) -> list[Subscription]:
        """The subscriptions that receive events of this type, in order."""
        found: list[Subscription] = []
        for cls in event_type.__mro__:
            found.extend(self._subs.get(cls, ()))
        return found

    async def publish(self, event: Event) -> int:
        """Deliver `event`; return how many handlers failed (each failure is logged once)."""
        failed = 0
        for sub in self.handlers_for(type(event)):
            try:
                await sub.handler(event)
            except Exception:
                failed += 1
                self.errors += 1
                log.exception(
                    "handler %s of %s failed on %s in %s",
                    getattr(sub.handler, "__qualname__", sub.handler),
                    sub.owner,
                    type(event).__name__,
                    event.community,
                )
        return failed
