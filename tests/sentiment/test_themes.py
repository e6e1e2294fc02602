"""Themes of open answers: grouped with embeddings (the real MiniLM) or TF-IDF, labelled by telling words."""

from __future__ import annotations

from bot.nlp.sentiment import SharedBackend
from bot.nlp.themes import themes_for

ANSWERS = [
    "the wifi at the venue was slow", "wifi kept dropping all evening", "bad wifi connection at the venue",
    "loved the pizza and the snacks", "more pizza next time please", "the food and snacks were tasty",
    "the talks were too long", "shorter talks please, some talks dragged on", "a few talks were long and boring",
]


def test_open_answers_fall_into_themes_named_by_their_words(minilm: SharedBackend) -> None:
    encoder = minilm.encoder
    assert encoder is not None
    themes = themes_for(ANSWERS, encoder.encode, max_themes=4)  # type: ignore[attr-defined]
    assert sorted(t.size for t in themes) == [3, 3, 3]
    words = {w for t in themes for w in t.words}
    assert {"wifi", "pizza", "talks"} <= words
    assert abs(sum(t.share for t in themes) - 1.0) < 1e-3
    assert themes == themes_for(ANSWERS, encoder.encode, max_themes=4)  # type: ignore[attr-defined]


def test_without_a_model_themes_come_from_tfidf_and_small_inputs_give_none() -> None:
    themes = themes_for(ANSWERS + ["wifi was slow again"], max_themes=5)
    assert themes and all(t.size >= 2 for t in themes)
    assert themes_for(["just one answer", "and another"]) == []
    assert themes_for(["", "   ", "!!"]) == []


async def test_the_digest_section_shows_themes_of_open_feedback_and_stored_prompt_answers(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from sqlalchemy import insert

    from bot.core.refs import ChannelRef, MemberRef
    from storage.polls import Poll, PollVote
    from storage.recorder import PendingRow
    from tests.conftest import COMMUNITY, make_config

    h = await start_bot(make_config(db_url, database={"store_text": True}))
    cog = h.app.cogs["sentiment"]
    now = h.clock.now()
    cid = await h.app.directory.community_id(COMMUNITY)
    async with h.app.db.begin() as conn:
        poll = await conn.execute(insert(Poll.__table__).values(  # type: ignore[attr-defined]
            community_id=cid, external_id="fb1", kind="open", question="What could be better?", options=[], created_at=now,
            closes_at=now + timedelta(days=1)))
        pid = poll.inserted_primary_key[0]
        for n, text in enumerate(ANSWERS[:6]):
            await conn.execute(insert(PollVote.__table__).values(poll_id=pid, voter=f"v{n}", value=0, text=text))  # type: ignore[attr-defined]
    general = ChannelRef(COMMUNITY, "general", "general")
    for n, text in enumerate(ANSWERS[6:]):
        member = MemberRef(COMMUNITY, f"m{n}")
        h.app.recorder.add(PendingRow(COMMUNITY, "reply", member, f"a{n}", now, general, parent_external_id="prompt1", text=text))
        h.app.recorder.add(PendingRow(COMMUNITY, "prompt_answer", member, f"a{n}", now, general, parent_external_id="prompt1"))
    await h.app.recorder.flush()
    themes = await cog.themes(COMMUNITY, now - timedelta(days=1), now + timedelta(days=2))
    assert sum(t.size for t in themes) >= 6 and any("talks" in t.words for t in themes)
    fields = await cog.section(COMMUNITY, now - timedelta(days=1), now + timedelta(days=2), "en")
    assert fields[-1].name == "What members talked about" and "answers" in fields[-1].value


async def test_the_digest_gets_the_sentiment_section_and_themes_from_one_call(start_bot, db_url: str, minilm: SharedBackend) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from cogs.sentiment.digest import digest_fields
    from storage.sentiment import sentiment_kpi
    from tests.conftest import COMMUNITY, make_config
    from tests.sentiment.conftest import sentiment_on

    h = await start_bot(make_config(db_url, database={"store_text": True}, cogs=sentiment_on()))
    cog = h.app.cogs["sentiment"]
    await cog.ready.wait()
    now = h.clock.now()
    await h.sim.post("alice", "thanks, the meetup was wonderful!")
    await cog.drain()
    cid = await h.app.directory.community_id(COMMUNITY)
    start, end = now - timedelta(days=1), now + timedelta(days=1)
    kpi = await sentiment_kpi(h.app.db, cid, start, end)

    def t(key: str, **params: object) -> str:
        return h.app.catalog.t("fr", key, **params)

    fields = await digest_fields(h.app.db, h.app.config, COMMUNITY, cid, start, end, kpi.value, kpi.code, t, "fr")
    assert fields[0].name == "Humeur" and "positifs 100\u00a0%" in fields[0].value and "+0,99" in fields[0].value
    off = await digest_fields(h.app.db, h.app.config, COMMUNITY, cid, start, end, None, "failed", t)
    assert "n'a pas pu être chargé" in off[0].value
