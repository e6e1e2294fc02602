"""Every way a poll is refused, with a clear private message and nothing posted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.commands import CommandError
from bot.config import ConfigError
from cogs.polls import scores
from cogs.polls.model import add_months, next_occurrence, parse_deadline
from tests.conftest import Harness, make_config
from tests.polls.helpers import bot_posts

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('poll create "Pick one" "' + ",".join(f"answer {i}" for i in range(11)) + '"', "Too many answers (11, at most 10)"),
        ('poll create "' + "Why " * 80 + '?" "Yes, No"', "The question is too long (321 characters, at most 300)"),
        ('poll create "Pick one" "Yes, ' + "a very long answer " * 4 + '"', "is too long (75 characters, at most 55)"),
        ('poll create "Pick one" "Only one"', "at least 2 answers"),
        ('poll create "Pick one" "Yes, yes"', "Two answers are the same"),
        ('poll create "Pick one" "Yes, No" duration=2025-12-31', "That deadline is already past"),
        ('poll create "Pick one" "Yes, No" duration=2m', "at least 5 minutes"),
        ('poll create "Pick one" "Yes, No" duration=400d', "at most 365 days"),
        ('poll create "Pick one" "Yes, No" duration=soon', "I did not understand the deadline"),
        ('poll create "Pick one" "Yes, No" duration=10d recurring=weekly', "must close within a week"),
        ('poll create "Rate us" "Yes, No" kind=nps', "has its own scale"),
        ('poll create "Pick one" "Yes, No" kind=ranked', "choose one of"),
        ("survey start stars", "There is no ready survey “stars”. Ready surveys: nps, enps, csat"),
        ('poll create "Pick one" "Yes, No" anonymous=yes results=live', "reveals its results at the close only"),
    ],
)
async def test_animator_is_told_why_a_poll_is_refused_and_nothing_is_posted(start_bot, line: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    reply = await h.sim.command("admin", line)
    assert reply.ephemeral and expected in reply.message.body
    assert bot_posts(h) == []
    assert await h.scalar("select count(*) from polls") == 0


async def test_members_cannot_run_animator_commands(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    for line in ('poll create "Pick one" "Yes, No"', "survey start nps", "poll list", "poll close 1", "poll results 1"):
        reply = await h.sim.command("alice", line)
        assert "is for animators or managers" in reply.message.body
    h.sim.roles["camille"] = {"animator"}
    assert "Poll #1 posted" in (await h.sim.command("camille", 'poll create "Pick one" "Yes, No"')).message.body


async def test_votes_after_the_close_are_refused(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.command("admin", 'poll create "Pick one" "Yes, No" duration=1h')
    poll_ref = bot_posts(h)[-1].ref
    assert poll_ref is not None
    h.clock.advance(timedelta(hours=1, seconds=20))  # past the deadline, before the closing job ran
    late = await h.sim.press("alice", poll_ref.id, "Yes")
    assert late is not None and "Poll #1 is closed" in late.message.body
    await h.sim.command("admin", "survey start open duration=1h")
    h.clock.advance(timedelta(hours=2))
    assert "is closed" in (await h.sim.command("bob", "poll answer 2 too late")).message.body
    assert "does not take written answers" in (await h.sim.command("bob", "poll answer 1 hello")).message.body
    assert await h.scalar("select count(*) from poll_votes") == 0


async def test_a_bad_default_duration_stops_start_up(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="cogs.polls.default_duration"):
        await start_bot(make_config(db_url, cogs={"polls": {"default_duration": "soonish"}}))


def test_nps_and_csat_follow_kpi_definitions() -> None:
    # 4 promoters (9, 10), 3 passives (7, 8), 3 detractors (0-6): (4 - 3) / 10 = +10
    answers = {10: 2, 9: 2, 8: 2, 7: 1, 6: 1, 3: 1, 0: 1}
    assert scores.nps(answers) == 10.0
    assert scores.nps_split(answers) == (4, 3, 3)
    assert scores.nps({10: 3}) == 100.0 and scores.nps({0: 1, 6: 1}) == -100.0
    assert scores.nps({9: 1, 5: 2}) == -33.3333
    assert scores.nps({}) is None
    # CSAT: share of 4 and 5 answers x 100
    assert scores.csat({5: 3, 4: 1, 3: 2, 1: 2}) == 50.0
    assert scores.csat({2: 1, 3: 2}) == 0.0 and scores.csat({}) is None
    assert scores.mean({5: 1, 4: 1, 1: 2}) == 2.75


def test_deadlines_read_as_durations_or_local_dates() -> None:
    now = datetime(2026, 3, 27, 10, 0, tzinfo=UTC)
    assert parse_deadline("2d", now, PARIS) == now + timedelta(days=2)
    assert parse_deadline("48h", now, PARIS) == now + timedelta(hours=48)
    assert parse_deadline("1w", now, PARIS) == now + timedelta(weeks=1)
    assert parse_deadline("2026-03-30", now, PARIS) == datetime(2026, 3, 30, 23, 59, tzinfo=PARIS)
    assert parse_deadline("2026-03-30 18:00", now, PARIS) == datetime(2026, 3, 30, 18, 0, tzinfo=PARIS)
    with pytest.raises(CommandError):
        parse_deadline("next friday", now, PARIS)


def test_recurring_deadlines_keep_the_local_time_across_months_and_daylight_saving() -> None:
    friday = datetime(2026, 3, 27, 18, 0, tzinfo=PARIS)  # the clocks change on Sunday 29 March
    nxt = next_occurrence(friday, "weekly", friday, PARIS)
    assert nxt.astimezone(PARIS).hour == 18 and nxt.astimezone(PARIS).day == 3
    assert add_months(datetime(2026, 1, 31, 9, 0, tzinfo=UTC), 1).day == 28
    late = next_occurrence(friday, "monthly", friday + timedelta(days=40), PARIS)
    assert late.astimezone(PARIS).month == 5 and late.astimezone(PARIS).day == 27
