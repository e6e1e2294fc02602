"""The Slack Web API client: configurable base URL, retries on rate limits (Retry-After) and server errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("engagebot.slack")

Sleep = Callable[[float], Awaitable[Any]]
RATE_LIMIT_RETRIES = 3
MAX_WAIT = 120.0


class RetryAfterHandler(AsyncRateLimitErrorRetryHandler):
    """Retries a 429 after exactly the Retry-After the server asked for (the sleep is injectable)."""

    def __init__(self, max_retry_count: int = RATE_LIMIT_RETRIES, sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep

    async def prepare_for_next_attempt_async(
        self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None, error: Exception | None = None
    ) -> None:
        """Wait Retry-After seconds (1 when missing), then let the client try again."""
        if response is None:
            raise error or RuntimeError("no response to retry")
        state.next_attempt_requested = True
        wait = 1.0
        for key, values in response.headers.items():
            if key.lower() == "retry-after" and values:
                try:
                    wait = float(values[0])
                except ValueError:
                    pass
        wait = min(max(wait, 0.0), MAX_WAIT)
        log.info("slack rate limit on %s: retrying in %.0f s", request.url.rsplit("/", 1)[-1], wait)
        await self.sleep(wait)
        state.increment_current_attempt()


class ServerErrorHandler(AsyncServerErrorRetryHandler):
    """Retries a 500 or 503 after a growing pause (the sleep is injectable)."""

    def __init__(self, max_retry_count: int = 2, sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep

    async def prepare_for_next_attempt_async(
        self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None, error: Exception | None = None
    ) -> None:
        """Back off (0.5 s, 1 s… plus jitter), then let the client try again."""
        state.next_attempt_requested = True
        wait = self.interval_calculator.calculate_sleep_duration(state.current_attempt)
        log.info("slack server error %s on %s: retrying in %.1f s", response.status_code if response else "?", request.url.rsplit("/", 1)[-1], wait)
        await self.sleep(wait)
        state.increment_current_attempt()


def retry_handlers(sleep: Sleep = asyncio.sleep) -> list[AsyncRetryHandler]:
    """Connection errors, 429 with Retry-After, and 500/503 are retried."""
    return [AsyncConnectionErrorRetryHandler(), RetryAfterHandler(sleep=sleep), ServerErrorHandler(sleep=sleep)]


def web_client(token: str | None, base_url: str, sleep: Sleep = asyncio.sleep, logger: logging.Logger | None = None) -> AsyncWebClient:
    """A Web API client for `base_url` (a local Slack stand-in in tests) with the retry handlers."""
    if not base_url.endswith("/"):
        base_url += "/"
    if logger is None:
        return AsyncWebClient(token=token, base_url=base_url, retry_handlers=retry_handlers(sleep))
    return AsyncWebClient(token=token, base_url=base_url, retry_handlers=retry_handlers(sleep), logger=logger)
