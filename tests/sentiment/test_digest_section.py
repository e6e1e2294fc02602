"""The weekly digest carries the sentiment section: mood, W-1 change, per channel, where to step in, themes."""

from __future__ import annotations

from bot.core.markup import plain
from cogs.sentiment import SentimentCog
from storage.kpi.period import Period
from tests.conftest import make_config
from tests.sentiment.conftest import GatedBackend, needs_nlp, scoring_with, sentiment_on


@needs_nlp
async def test_managers_read_the_mood_and_where_to_step_in_in_the_digest(start_bot, db_url: str, gated: GatedBackend) -> None:  # type: ignore[no-untyped-def]
    h = await start_bot(make_config(db_url, cogs=sentiment_on()))
    cog: SentimentCog = await scoring_with(h, gated)
    root = await h.sim.post("alice", "the new release is awful", channel="support")
    for who in ("bob", "carol"):
        await h.sim.post(who, "awful, same here", reply_to=root.id)
    await h.sim.post("dave", "thanks for the meetup!", channel="general")
    await cog.drain()
    digest = await h.app.cogs["digest"].digest(h.sim.community, Period.containing(h.clock.now(), "Europe/Paris"), "en", chart=False)
    names = [f.name for f in digest.message.fields]
    assert "Mood" in names and "Mood by channel" in names and "Where to step in (most negative this week)" in names
    assert digest.report.kpis["sentiment"]["negative"] == 0.75
    where = plain(next(f for f in digest.message.fields if f.name.startswith("Where to step in")).value)
    assert "#support" in where and "3 of 3 posts" in where


async def test_the_digest_says_why_there_is_no_mood_when_sentiment_is_off(start_bot) -> None:  # type: ignore[no-untyped-def]
    h = await start_bot()
    await h.sim.post("alice", "thanks everyone")
    digest = await h.app.cogs["digest"].digest(h.sim.community, Period.containing(h.clock.now(), "Europe/Paris"), "fr", chart=False)
    assert digest.report.kpis["sentiment"] is None
    mood = next(f for f in digest.message.fields if f.name == "Humeur")
    assert mood.value == "Non mesurée\u00a0: l'analyse d'humeur est désactivée dans la configuration."
