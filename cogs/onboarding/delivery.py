"""Sending a claimed onboarding message, and noting what became of it (shared by the cog and the hourly check)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from storage.onboarding_repo import OnboardingRepo


async def deliver(log: logging.Logger, repo: OnboardingRepo, cid: int, mid: int, kind: str, send: Callable[[], Awaitable[object]], *,
                  answered: bool = True, retry: bool = False) -> bool:
    """Send a message claimed in `onboarding_messages`; False when the send raised.

    Claims make each message at most once (a crash between the claim and the send loses it rather
    than repeating it). A send that raises is logged and its claim noted as not delivered, or given
    back with `retry` (the next check sends it). `answered`: the send returns None when it reached
    nobody (a DM with DMs closed and no fallback), which is noted as not delivered. Both keep the
    count of messages sent true.
    """
    try:
        sent = await send()
    except Exception:
        log.exception("onboarding %s for member %d could not be sent%s", kind, mid, "; tried again at the next check" if retry else "")
        await (repo.release if retry else repo.undelivered)(cid, mid, kind)
        return False
    if answered and sent is None:
        await repo.undelivered(cid, mid, kind)
    return True
