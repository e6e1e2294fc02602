"""Weekly prompts on the virtual clock: on time across DST, no repeat, exactly once, caught up, answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bot.adapters.simulation.adapter import Entry
from bot.core.clock import VirtualClock
from bot.packs import find_pack
from storage.prompts import prompt_answer_stats
from tests.conftest import Harness, make_config

PARIS = ZoneInfo("Europe/Paris")
MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # four Mondays before the clocks go forward (29 March)
PACK = find_pack("default", "en")
assert PACK is not None


def bot_posts(h: Harness) -> list[Entry]:
    """What the bot posted in public channels."""
    return [e for e in h.sim.transcript if e.kind == "bot"]


async def test_eight_weekly_prompts_go_out_on_monday_nine_in_paris_across_the_clock_change(start_bot: Any) -> None:
    h: Harness = await start_bot(start=MONDAY)
    await h.app.scheduler.advance_to(MONDAY + timedelta(weeks=8) - timedelta(hours=1))
    posts = bot_posts(h)
    assert len(posts) == 8
    assert {(p.at.astimezone(PARIS).strftime("%a %H:%M")) for p in posts} == {"Mon 09:00"}
    assert [p.at.hour for p in posts] == [8, 8, 8, 8, 7, 7, 7, 7]  # 09:00 CET, then 09:00 CEST
    texts = [p.message.body if p.message else "" for p in posts]
    assert texts == [p.text for p in PACK.prompts[:8]]  # the pack in order, no repeat
    assert all(p.channel is not None and p.channel.id == "general" for p in posts)
    periods = [r[0] for r in await h.rows("select period from prompt_posts where status = 'sent' order by scheduled_for")]
    assert periods[0] == "2026-03-02T09:00" and periods[-1] == "2026-04-20T09:00" and len(set(periods)) == 8


async def test_a_restart_never_posts_the_same_week_twice(start_bot: Any, db_url: str) -> None:
    first: Harness = await start_bot(start=MONDAY)
    await first.app.scheduler.advance_to(MONDAY + timedelta(hours=10))
    assert len(bot_posts(first)) == 1
    await first.app.stop()

    second: Harness = await start_bot(start=MONDAY + timedelta(hours=12))  # same database, same Monday
    assert bot_posts(second) == []
    # even if the scheduler's claim were lost, the prompt stored for the period stops a second post
    async with second.app.db.begin() as conn:
        await conn.execute(text("delete from job_runs"))
    await second.app.scheduler.catch_up()
    assert bot_posts(second) == []
    await second.app.scheduler.advance_to(MONDAY + timedelta(weeks=2, hours=10))
    later = [p.message.body if p.message else "" for p in bot_posts(second)]
    assert later == [PACK.prompts[1].text, PACK.prompts[2].text]  # the rotation carries on where it was
    assert await second.scalar("select count(*) from prompt_posts") == 3


async def test_a_prompt_missed_while_the_bot_was_down_is_caught_up_within_the_grace_period(start_bot: Any) -> None:
    first: Harness = await start_bot(start=MONDAY)
    await first.app.scheduler.advance_to(MONDAY + timedelta(days=6))
    await first.app.stop()

    monday_afternoon = MONDAY + timedelta(weeks=1, hours=14)  # six hours after 09:00 Paris: within 24 h
    back: Harness = await start_bot(start=monday_afternoon)
    caught = bot_posts(back)
    assert len(caught) == 1 and caught[0].at == monday_afternoon
    assert caught[0].message is not None and caught[0].message.body == PACK.prompts[1].text
    await back.app.stop()

    wednesday = MONDAY + timedelta(weeks=2, days=2)  # two days late: too late for that week's prompt
    late: Harness = await start_bot(start=wednesday)
    assert bot_posts(late) == []
    await late.app.scheduler.advance_to(MONDAY + timedelta(weeks=3, hours=10))
    assert [p.at for p in bot_posts(late)] == [datetime(2026, 3, 23, 8, 0, tzinfo=UTC)]


async def test_replies_and_thread_answers_count_as_prompt_answers(start_bot: Any) -> None:
    h: Harness = await start_bot(start=MONDAY)
    await h.app.scheduler.advance_to(MONDAY + timedelta(hours=9))
    prompt = bot_posts(h)[0].ref
    assert prompt is not None
    await h.sim.join("alice")
    await h.sim.join("bob")
    answer = await h.sim.post("alice", "I ran my first workshop alone.", reply_to=prompt.id)
    await h.sim.post("bob", "How did you prepare it?", reply_to=answer.id)  # in the prompt's thread
    await h.sim.post("alice", "Unrelated: who's coming on Friday?")
    await h.sim.post("bob", "Me!", reply_to=(await h.sim.post("alice", "Anyone?")).id)
    rows = await h.rows("select m.external_id, i.parent_external_id from interactions i join members m on m.id = i.member_id "
                        "where i.kind = 'prompt_answer' order by i.id")
    assert rows == [("alice", prompt.id), ("bob", prompt.id)]
    cid = await h.app.directory.community_id(h.sim.community)
    stats = await prompt_answer_stats(h.app.db, cid, MONDAY, MONDAY + timedelta(weeks=1))
    assert [(s.answers, s.answerers, s.message_external_id) for s in stats] == [(2, 2, prompt.id)]
    await h.app.stop()

    after: Harness = await start_bot(start=MONDAY + timedelta(days=1))
    after.sim.messages.update(h.sim.messages)  # the platform still shows last week's posts
    after.sim._ids = h.sim._ids
    await after.sim.post("carol", "Late, but: I changed how I take notes.", reply_to=prompt.id)
    assert await after.scalar("select count(*) from interactions where kind = 'prompt_answer'") == 3


async def test_the_pack_starts_over_once_used_up_and_says_so(start_bot: Any, db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "packs" / "en"
    folder.mkdir(parents=True)
    (folder / "tiny.toml").write_text(
        '[[prompts]]\nid = "one"\ntheme = "wins"\ntext = "First question?"\n\n'
        '[[prompts]]\nid = "two"\ntheme = "lessons"\ntext = "Second question?"\n', encoding="utf-8")
    config = make_config(db_url, cogs={"prompts": {"pack": "tiny", "packs_folder": str(tmp_path / "packs")}})
    h: Harness = await start_bot(config, start=MONDAY)
    await h.app.scheduler.advance_to(MONDAY + timedelta(weeks=3) - timedelta(hours=1))
    bodies = [p.message.body if p.message else "" for p in bot_posts(h)]
    assert bodies[:2] == ["First question?", "Second question?"]
    assert bodies[2].startswith("First question?") and "starting again" in bodies[2]


async def test_prompts_follow_the_community_schedule_and_language(start_bot: Any, db_url: str) -> None:
    config = make_config(db_url, communities=[{
        "platform": "simulation", "id": "sim", "timezone": "Europe/Paris", "locale": "fr",
        "cogs": {"prompts": {"cron": "30 18 * * thu", "timezone": "America/Montreal", "channel": "#question-de-la-semaine"}},
    }])
    h: Harness = await start_bot(config, start=MONDAY)
    await h.app.scheduler.advance_to(MONDAY + timedelta(weeks=1))
    [post] = bot_posts(h)
    assert post.at.astimezone(ZoneInfo("America/Montreal")).strftime("%a %H:%M") == "Thu 18:30"
    assert post.channel is not None and post.channel.id == "question-de-la-semaine"
    fr = find_pack("default", "fr")
    assert fr is not None and post.message is not None
    assert post.message.body == fr.prompts[0].text and post.message.title == "💬 La question de la semaine"


async def test_a_clock_that_only_starts_later_does_not_post_old_weeks(start_bot: Any) -> None:
    first: Harness = await start_bot(clock=VirtualClock(MONDAY - timedelta(days=1)))
    await first.app.stop()
    h: Harness = await start_bot(clock=VirtualClock(MONDAY + timedelta(weeks=10, hours=12)))  # down for ten weeks
    assert len(bot_posts(h)) == 1  # only the latest slot within grace, never a backlog


async def test_a_brand_new_install_does_not_post_for_a_slot_before_it_existed(start_bot: Any) -> None:
    h: Harness = await start_bot(clock=VirtualClock(MONDAY + timedelta(hours=12)))  # installed Monday noon; the prompt was at 09:00
    assert bot_posts(h) == []
    await h.app.scheduler.advance_to(MONDAY + timedelta(weeks=1, hours=12))
    assert len(bot_posts(h)) == 1  # the next Monday's


def test_the_example_script_shows_the_weekly_prompt_on_the_console(tmp_path: Path, capsys: Any) -> None:
    from bot.cli import main

    script = Path(__file__).resolve().parents[1] / "examples" / "weekly-prompt.txt"
    code = main(["run", "--script", str(script), "--start", "2026-01-05T08:00+01:00", "--database", f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("**💬 Question of the week**") == 3
    assert "09:00 m1 #general 🤖" in out and "m4 #general ↳m1 alice: I finally ran my first workshop" in out
    assert "Skipped: “New week, new faces." in out
