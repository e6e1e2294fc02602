"""Anonymous results and open answers are shown only once enough people answered: one answer alone would name its author."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Harness, make_config
from tests.polls.helpers import last_post


async def test_an_open_answer_with_one_respondent_is_not_shown_word_for_word(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.command("admin", 'survey start open "What should we change?" duration=2d')
    await h.sim.command("alice", "poll answer 1 My manager Bruno never listens")
    await h.sim.command("admin", "poll close 1")
    results = last_post(h).text
    assert "Bruno" not in results
    assert "1 answer so far. Results are shown from 3 answers, so that nobody can be recognised." in results
    assert "Bruno" not in (await h.sim.command("admin", "poll results 1")).message.plain_text()


async def test_an_anonymous_survey_shows_its_score_from_the_third_answer(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    for poll, voters in ((1, ("alice", "bob")), (2, ("alice", "bob", "chloe"))):
        await h.sim.command("admin", "survey start nps duration=2d")
        msg = last_post(h)
        assert msg.ref is not None
        for member in voters:
            await h.sim.press(member, msg.ref.id, f"poll:{poll}:9")
        await h.app.scheduler.advance_to(h.clock.now() + timedelta(days=2, minutes=1))
        text = last_post(h).text
        assert ("NPS" in text) == (len(voters) >= 3), text
        assert ("Results are shown from 3 answers" in text) == (len(voters) < 3)
    summary = await h.app.cogs["polls"].summary(h.sim.community)
    assert "NPS" not in summary[0] and "NPS +100" in summary[1]


async def test_each_community_can_ask_for_more_respondents(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    config = make_config(db_url, communities=[{"platform": "simulation", "id": "sim", "cogs": {"polls": {"min_respondents": 5}}}])
    h: Harness = await start_bot(config)
    await h.sim.command("admin", "survey start csat duration=1d")
    msg = last_post(h)
    assert msg.ref is not None
    for member in ("alice", "bob", "chloe", "david"):
        await h.sim.press(member, msg.ref.id, "poll:1:5")
    await h.app.scheduler.advance_to(h.clock.now() + timedelta(days=1, minutes=1))
    assert "4 answers so far. Results are shown from 5 answers" in last_post(h).text


async def test_poll_results_keeps_the_communitys_minimum_too(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    config = make_config(db_url, communities=[{"platform": "simulation", "id": "sim", "cogs": {"polls": {"min_respondents": 5}}}])
    h: Harness = await start_bot(config)
    await h.sim.command("admin", 'survey start open "What should we change?" anonymous=no duration=2d')
    for member in ("alice", "bob", "chloe", "david"):
        await h.sim.command(member, f"poll answer 1 SECRET-{member}")
    peek = (await h.sim.command("admin", "poll results 1")).message.plain_text()
    assert "SECRET" not in peek and "4 answers so far. Results are shown from 5 answers" in peek
    await h.sim.command("erin", "poll answer 1 SECRET-erin")
    assert "SECRET-alice" in (await h.sim.command("admin", "poll results 1")).message.plain_text()
