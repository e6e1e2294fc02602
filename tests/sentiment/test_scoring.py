"""Posts scored off the event loop through the simulated community: stored scores, load shedding, /sentiment."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.nlp.sentiment import SharedBackend, label_of
from cogs.sentiment import SentimentCog
from cogs.sentiment.queue import Job, ScoringQueue
from storage.sentiment import ScoreRow
from tests.conftest import make_config
from tests.sentiment.conftest import GatedBackend, needs_nlp, scoring_with, sentiment_on


async def test_posts_are_scored_in_batches_and_only_the_score_is_kept(start_bot, db_url: str, minilm: SharedBackend) -> None:  # type: ignore[no-untyped-def]
    h = await start_bot(make_config(db_url, cogs=sentiment_on()))
    cog: SentimentCog = h.app.cogs["sentiment"]
    happy = await h.sim.post("alice", "thanks a lot everyone, the workshop was fantastic!")
    sad = await h.sim.post("bob", "c'est nul, l'appli plante encore et personne ne répond", channel="support")
    reply = await h.sim.post("carol", "where can I find the slides?", reply_to=happy.id)
    await h.sim.post("dave", "ok")  # too short to mean anything: not scored
    await cog.drain()
    scores = dict(await h.rows("select external_id, sentiment from interactions where kind in ('message', 'reply')"))
    assert label_of(scores[happy.id]) == "positive"
    assert label_of(scores[sad.id]) == "negative"
    assert label_of(scores[reply.id]) == "neutral"
    assert sum(s is None for s in scores.values()) == 1
    assert await h.scalar("select count(*) from interactions where text is not null") == 0
    assert cog.queue.stats.scored == 3 and cog.queue.stats.dropped == 0
    assert cog.queue.queue.empty()


@needs_nlp
async def test_under_load_scoring_is_dropped_but_every_message_is_recorded(start_bot, db_url: str, gated: GatedBackend) -> None:  # type: ignore[no-untyped-def]
    h = await start_bot(make_config(db_url, cogs=sentiment_on(queue_size=4, batch_size=2)))
    cog: SentimentCog = await scoring_with(h, gated, open_gate=False)  # a model that is busy until the gate opens
    for i in range(30):
        await h.sim.post(f"m{i % 5}", f"thanks for message number {i}")
        h.clock.advance(timedelta(seconds=1))
    await asyncio.sleep(0)
    stats = cog.queue.stats
    assert stats.dropped >= 30 - 4 - 2  # the queue holds 4, the busy batch at most 2
    assert await h.scalar("select count(*) from interactions where kind = 'message'") == 30
    gated.gate.set()
    await cog.drain()
    assert stats.scored + stats.dropped == 30
    assert await h.scalar("select count(*) from interactions where sentiment is not null") == stats.scored


@needs_nlp
async def test_a_score_waits_for_the_recorder_to_write_its_row(start_bot, db_url: str, gated: GatedBackend) -> None:  # type: ignore[no-untyped-def]
    config = make_config(db_url, database={"flush_seconds": 60}, cogs=sentiment_on())
    h = await start_bot(config)
    cog: SentimentCog = await scoring_with(h, gated)
    ref = await h.sim.post("alice", "thanks, that was awesome")
    assert h.app.recorder.pending >= 1  # the row is still queued in the recorder
    await cog.drain()
    assert await h.scalar("select sentiment from interactions where external_id = :x", x=ref.id) == 0.9


async def test_scores_whose_row_is_late_are_retried_and_never_coming_ones_given_up() -> None:
    stored: list[list[str]] = []
    flushed: list[bool] = []

    async def store(rows: list[ScoreRow]) -> list[ScoreRow]:
        stored.append([r.external_id for r in rows])
        late = r"late" if not flushed else ""
        return [r for r in rows if r.external_id in (late, "ghost")]

    async def flush() -> None:
        flushed.append(True)

    queue = ScoringQueue(lambda texts: [0.5 for _ in texts], store, maxsize=10, batch_size=10, flush=flush)
    queue.offer(Job(1, "message", "late", "hello there"))
    queue.offer(Job(1, "message", "real", "hello again"))
    await queue.step()
    assert queue.pending_retries == 1 and queue.stats.stored == 1
    await queue.drain()  # flushes the recorder, then stores the late score
    assert stored == [["late", "real"], ["late"]] and queue.pending_retries == 0 and queue.stats.stored == 2

    impatient = ScoringQueue(lambda texts: [0.5 for _ in texts], store, maxsize=10, give_up_seconds=0.0)
    impatient.offer(Job(1, "message", "ghost", "nobody will write my row"))
    await impatient.step()
    assert impatient.pending_retries == 0 and impatient.stats.unmatched == 1


@needs_nlp
async def test_animators_see_the_mood_of_the_week_and_where_to_step_in(start_bot, db_url: str, gated: GatedBackend) -> None:  # type: ignore[no-untyped-def]
    h = await start_bot(make_config(db_url, cogs=sentiment_on()))
    cog: SentimentCog = await scoring_with(h, gated)
    root = await h.sim.post("alice", "the new release is awful", channel="support")
    for who in ("bob", "carol", "dave"):
        await h.sim.post(who, "awful, it crashes for me too", reply_to=root.id)
    await h.sim.post("erin", "thanks for the great meetup!", channel="general")
    await cog.drain()
    h.sim.roles["anna"] = {"animator"}
    reply = await h.sim.command("anna", "sentiment")
    text = reply.message.plain_text()
    assert "Mood" in text and "positive 20%" in text and "negative 80%" in text
    assert "#support" in text and "4 of 4 posts" in text
    refused = await h.sim.command("bob", "sentiment")
    assert "animators or managers" in refused.message.plain_text()
    assert "posts scored" in (await cog.summary(h.sim.community))[0]
    from bot.commands import Access
    from bot.core.refs import MemberRef

    anna = MemberRef(h.sim.community, "anna")
    assert (await cog.home_lines(anna, Access.ANIMATOR)) == ["Mood this week: 🙂 20% · 😐 0% · 🙁 80%, mean -0.54"]
    assert await cog.home_lines(anna, Access.MEMBER) == []


async def test_sentiment_off_reports_null_with_its_reason_in_both_languages(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = await start_bot()
    cog: SentimentCog = h.app.cogs["sentiment"]
    await h.sim.post("alice", "thanks everyone, great day")
    kpi = await cog.kpi(h.sim.community, h.clock.now() - timedelta(days=1), h.clock.now() + timedelta(days=1))
    assert kpi.value is None and kpi.code == "off"
    assert cog.queue.stats.queued == 0
    h.sim.roles["anna"] = {"animator"}
    assert "turned off in the configuration" in (await h.sim.command("anna", "sentiment")).message.plain_text()
    fields = await cog.section(h.sim.community, h.clock.now(), h.clock.now(), "fr")
    assert "désactivée dans la configuration" in fields[0].value


@needs_nlp
async def test_a_simulation_lets_scoring_finish_before_it_skips_ahead(start_bot, db_url: str, gated: GatedBackend) -> None:  # type: ignore[no-untyped-def]
    h = await start_bot(make_config(db_url, cogs=sentiment_on()))
    cog: SentimentCog = await scoring_with(h, gated, open_gate=False)
    posts = [await h.sim.post(who, "thanks for the great meetup yesterday!") for who in ("alice", "bob", "carol")]
    await h.app.scheduler.advance_to(h.clock.now() + timedelta(hours=1))
    assert cog.queue.stats.scored == 0  # the model is slower than the virtual clock
    gated.gate.set()
    await h.app.settle()  # what the demo does at the end of each simulated day
    assert cog.queue.stats.scored == 3 and cog.queue.queue.empty()
    scores = dict(await h.rows("select external_id, sentiment from interactions where kind = 'message'"))
    assert [scores[p.id] for p in posts] == [0.9, 0.9, 0.9]
