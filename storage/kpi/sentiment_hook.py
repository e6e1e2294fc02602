"""The `sentiment` KPI: delegated to `storage.sentiment.sentiment_kpi` when that module exists, else null ("sentiment model off")."""

from __future__ import annotations

import importlib
from typing import Any

from storage.db import Database
from storage.kpi.period import Period


async def sentiment_of(db: Database, cid: int, period: Period) -> tuple[dict[str, Any] | None, str]:
    """The period's sentiment object, or None with the reason code (`sentiment_off` without the sentiment module)."""
    try:
        module = importlib.import_module("storage.sentiment")
    except ModuleNotFoundError:
        return None, "sentiment_off"
    compute = getattr(module, "sentiment_kpi", None)
    if compute is None:
        return None, "sentiment_off"
    result = await compute(db, cid, period.start, period.end, previous=(period.previous.start, period.previous.end))
    value: dict[str, Any] | None = getattr(result, "value", None)
    if value is not None:
        return value, ""
    code = getattr(result, "code", None) or "off"
    return None, "sentiment_off" if code == "off" else f"sentiment_{code}"
