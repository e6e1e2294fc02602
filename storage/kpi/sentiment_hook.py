"""The `sentiment` KPI: delegated to `storage.sentiment` when that module exists, else null ("sentiment model off")."""

from __future__ import annotations

import importlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from storage.kpi.period import Period


async def sentiment_of(conn: AsyncConnection, cid: int, period: Period, bots: set[int]) -> tuple[dict[str, Any] | None, str | None]:
    """The period's sentiment object, or None with the reason code."""
    try:
        module = importlib.import_module("storage.sentiment")
    except ModuleNotFoundError:
        return None, "sentiment_off"
    compute = getattr(module, "period_sentiment", None)
    if compute is None:
        return None, "sentiment_off"
    result: dict[str, Any] | None = await compute(conn, cid, period.start, period.end, bots)
    return (result, None) if result is not None else (None, "sentiment_off")
