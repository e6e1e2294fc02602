"""Animators steer the weekly prompt: add, schedule, skip, preview, queue; every refusal says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.events import ButtonPressed, CommandInvoked
from bot.packs import find_pack
from tests.conftest import Harness, make_config

MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
PACK = find_pack("default", "en")
assert PACK is not None


async def animator_bot(start_bot: Any, config: Any = None) -> Harness:
    h: Harness = await start_bot(config, start=MONDAY)
    h.sim.roles["camille"] = {"animator"}
    return h


def bodies(h: Harness) -> list[str]:
    return [e.message.body for e in h.sim.transcript if e.kind == "bot" and e.message]


async def say(h: Harness, who: str, line: str) -> str:
    return (await h.sim.command(who, line)).message.plain_text()


async def test_animator_queues_schedules_skips_and_previews_prompts(start_bot: Any) -> None:
    h = await animator_bot(start_bot)
    assert "theme introductions" in await say(h, "camille", "prompt preview")
    assert "position 1" in await say(h, "camille", "prompt add What did you try for the first time this week?")
    assert "2026-03-16 09:00 (Europe/Paris)" in await say(h, "camille", "prompt schedule 2026-03-11 Halfway through March: what have you learned?")
    queue = await say(h, "camille", "prompt queue")
    assert "📅 2026-03-11: Halfway" in queue and "1. What did you try" in queue and "56 of 56" in queue
    preview = await say(h, "camille", "prompt preview")
    assert "What did you try for the first time this week?" in preview and "added by an animator" in preview

    await h.app.scheduler.advance_to(MONDAY + timedelta(days=4))  # Monday's prompt is the queued one
    skipped = await say(h, "camille", "prompt skip")  # Friday: next Monday's pack prompt is set aside
    assert PACK.prompts[0].text in skipped and PACK.prompts[1].text in skipped
    await h.app.scheduler.advance_to(MONDAY + timedelta(weeks=3))
    assert bodies(h) == [
        "What did you try for the first time this week?",
        PACK.prompts[1].text,
        "Halfway through March: what have you learned?",
    ]
    assert "54 of 56" in await say(h, "camille", "prompt queue")
    assert "No question queued" in await say(h, "camille", "prompt queue")


@pytest.mark.parametrize("line", ["prompt add Hello?", "prompt schedule 2026-03-20 Hello?", "prompt skip", "prompt preview", "prompt queue"])
async def test_members_cannot_steer_prompts(start_bot: Any, line: str) -> None:
    h = await animator_bot(start_bot)
    await h.sim.join("alice")
    assert "is for animators or managers" in await say(h, "alice", line)
    assert await h.scalar("select count(*) from prompt_queue") == 0
    assert await h.scalar("select count(*) from prompt_rotation") == 0


@pytest.mark.parametrize(("line", "expected"), [
    ("prompt schedule 31/02/2026 Hello?", "“31/02/2026” is not a date I understand"),
    ("prompt schedule next-monday Hello?", "“next-monday” is not a date I understand"),
    ("prompt schedule 2026-03-01 Hello?", "2026-03-01 is already past"),
    ("prompt add", "needs the option `text`"),
    ("prompt schedule 2026-03-20", "needs the option `text`"),
    ("prompt add " + "x" * 1501, "keep it under 1500"),
])
async def test_bad_dates_and_texts_are_refused(start_bot: Any, line: str, expected: str) -> None:
    h = await animator_bot(start_bot)
    assert expected in await say(h, "camille", line)
    assert await h.scalar("select count(*) from prompt_queue") == 0


@pytest.mark.parametrize("name", ["prompt add", "prompt schedule"])
async def test_an_empty_question_is_refused(start_bot: Any, name: str) -> None:
    h = await animator_bot(start_bot)
    member = h.sim.member("camille")
    reply = await h.app.invoke(CommandInvoked(
        name=name, member=member, channel=h.sim.channel("general"), options={"text": "   ", "date": "2026-03-20"},
        roles=frozenset({"animator"}), at=h.clock.now()))
    assert "The question is empty" in reply.message.plain_text()
    assert await h.scalar("select count(*) from prompt_queue") == 0


async def test_when_prompts_are_off_animators_are_told_how_to_turn_them_on(start_bot: Any, db_url: str) -> None:
    h = await animator_bot(start_bot, make_config(db_url, cogs={"prompts": {"enabled": False}}))
    for line in ("prompt preview", "prompt skip", "prompt schedule 2026-03-20 Hello?"):
        assert "Weekly prompts are off" in await say(h, "camille", line)
    await h.app.scheduler.advance_to(MONDAY + timedelta(weeks=2))
    assert bodies(h) == []


async def test_french_animators_get_french_answers(start_bot: Any, db_url: str) -> None:
    config = make_config(db_url, communities=[{"platform": "simulation", "id": "sim", "timezone": "Europe/Paris", "locale": "fr"}])
    h = await animator_bot(start_bot, config)
    assert "n'est pas une date que je comprends" in await say(h, "camille", "prompt schedule demain Bonjour ?")
    assert "Ajoutée en position 1" in await say(h, "camille", "prompt add Qu'avez-vous appris cette semaine ?")


async def test_forgetting_a_member_unlinks_the_prompts_they_queued(start_bot: Any) -> None:
    h = await animator_bot(start_bot)
    await say(h, "camille", "prompt add What surprised you this week?")
    assert "Questions you queued for the weekly prompt: 1" in await say(h, "camille", "mydata")
    reply = await h.sim.command("camille", "forgetme")
    assert reply.message.buttons
    await h.app.press(ButtonPressed(custom_id=reply.message.buttons[0].custom_id, member=h.sim.member("camille"), at=h.clock.now()))
    assert await h.scalar("select count(*) from prompt_queue where added_by is null") == 1
    assert await h.scalar("select count(*) from members where external_id = 'camille'") == 0


async def test_apostrophes_survive_the_console(start_bot: Any) -> None:
    h = await animator_bot(start_bot)
    await say(h, "camille", "prompt add What's one thing you'd change? Qu'en pensez-vous ?")
    await h.app.scheduler.advance_to(MONDAY + timedelta(hours=9))
    assert bodies(h) == ["What's one thing you'd change? Qu'en pensez-vous ?"]


async def test_the_home_view_shows_animators_the_next_prompt_and_members_the_current_one(start_bot: Any) -> None:
    from bot.commands import Access
    from bot.core.markup import plain

    h = await animator_bot(start_bot)
    cog = h.app.cogs["prompts"]
    member = h.sim.member("alice")
    assert await cog.home_lines(member, Access.MEMBER) == []
    await h.app.scheduler.advance_to(MONDAY + timedelta(hours=9))
    assert [plain(line) for line in await cog.home_lines(member, Access.MEMBER)] == [f"This week's question: {PACK.prompts[0].text}"]
    [line] = await cog.home_lines(h.sim.member("camille"), Access.MEMBER | Access.ANIMATOR)
    assert plain(line) == f"Next weekly prompt, 2026-03-09 09:00 (Europe/Paris): {PACK.prompts[1].text}"
