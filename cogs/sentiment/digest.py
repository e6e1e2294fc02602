"""The sentiment part of the weekly digest, for the digest cog: the section's fields and the themes."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from bot.config import Config
from bot.core.message import Field
from bot.core.refs import CommunityRef
from bot.nlp.sentiment import MODELS, BackendSpec
from bot.nlp.themes import themes_for
from cogs.sentiment.render import T, sentiment_fields, theme_fields
from storage.db import Database
from storage.sentiment import SentimentKpi, open_feedback_texts, stored_texts


def spec_of(config: Config) -> BackendSpec:
    """The model spec the sentiment cog uses (process-wide settings `[cogs.sentiment]`)."""
    raw = config.cog_settings("sentiment")
    return BackendSpec(raw.get("backend", "auto"), raw.get("model"), raw.get("head"), int(raw.get("device", -1)), raw.get("threads", 1),
                       tuple(sorted(dict(raw.get("labels", {})).items())))


async def digest_fields(
    db: Database, config: Config, community: CommunityRef, community_id: int, start: datetime, end: datetime,
    value: dict[str, Any] | None, code: str | None, t: T, locale: str = "en",
) -> list[Field]:
    """The digest's sentiment section (shares, mean, W-1 change, per channel, most negative) and themes.

    `value` is the report's `sentiment` KPI (None: `code` says why). `t` must translate the
    sentiment cog's keys (`sentiment.…`), i.e. the app's catalog once the cog is loaded.
    Themes use the sentiment model when it is already loaded in the process, else TF-IDF.
    """
    fields = sentiment_fields(SentimentKpi(value, None, code), community, t, locale=locale)
    texts = await open_feedback_texts(db, community_id, start, end) + await stored_texts(db, community_id, start, end)
    if not texts:
        return fields
    shared = MODELS.peek(spec_of(config))
    encoder: Any = shared.encoder if shared is not None else None
    embed = None
    if shared is not None and encoder is not None:
        model = shared

        def embed(batch: Any) -> Any:
            return model.locked(encoder.encode, batch)

    max_themes = int(config.cog_settings("sentiment", community).get("max_themes", 5))
    themes = await asyncio.to_thread(themes_for, texts, embed, max_themes=max_themes)
    return fields + theme_fields(themes, t, locale)
