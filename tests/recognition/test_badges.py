"""Badge rules on the virtual clock: each kind awards exactly once, at the right moment."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Column, DateTime, ForeignKey, Integer, Table
from sqlmodel import SQLModel

from bot.core.events import ButtonPressed, PollVoted
from bot.core.refs import MessageRef
from storage.models import InteractionKind
from storage.recorder import PendingRow
from tests.conftest import START, Harness
from tests.recognition.helpers import awards, badge, flush, recognition_config, recorded_elsewhere, said


async def test_first_post_badge_is_announced_in_the_channel_and_by_dm_once(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, badge("first-post", "first", contribution="post")))
    await h.sim.join("alice")
    assert await awards(h) == []
    await h.sim.post("alice", "Hello!")
    assert await awards(h) == [("alice", "first-post")]
    announcements = [e for e in said(h) if e.channel and e.channel.id == "general" and "First-Post" in e.text]
    assert len(announcements) == 1 and "alice" in announcements[0].text
    assert len(said(h, "dm", "alice")) == 1
    await h.sim.post("alice", "Me again")
    assert await awards(h) == [("alice", "first-post")]
    assert len(said(h, "dm", "alice")) == 1


async def test_first_poll_vote_badge(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, badge("voter", "first", contribution="poll_vote")))
    alice = await h.sim.join("alice")
    poll = MessageRef(h.sim.channel("general"), "poll-1")
    await h.sim.post("alice", "a post is not a vote")
    assert await awards(h) == []
    await h.app.dispatch(PollVoted(message=poll, member=alice, choice=1, at=h.clock.now()))
    assert await awards(h) == [("alice", "voter")]


async def test_helping_hand_needs_ten_replies_to_other_members_within_thirty_days(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    rule = badge("helping-hand", "count", contribution="reply", count=10, window_days=30, to_others=True)
    h: Harness = await start_bot(recognition_config(db_url, rule))
    await h.sim.join("alice")
    await h.sim.join("bob")
    question = await h.sim.post("alice", "Who can help?")
    own = await h.sim.post("bob", "my own thread")
    for _ in range(3):  # replies to oneself do not count
        await h.sim.post("bob", "bump", reply_to=own.id)
    bot_post = await h.app.messenger.say(h.sim.channel("general"), "I am the bot")
    assert bot_post is not None
    await h.sim.post("bob", "thanks bot", reply_to=bot_post.id)  # nor do replies to the bot
    for i in range(5):
        h.clock.advance(timedelta(days=1))
        await h.sim.post("bob", f"answer {i}", reply_to=question.id)
    h.clock.advance(timedelta(days=30))  # the first five fall out of the window
    for i in range(9):
        h.clock.advance(timedelta(hours=1))
        await h.sim.post("bob", f"more {i}", reply_to=question.id)
    assert await awards(h) == []
    h.clock.advance(timedelta(hours=1))
    await h.sim.post("bob", "the tenth", reply_to=question.id)
    assert await awards(h) == [("bob", "helping-hand")]
    await h.sim.post("bob", "the eleventh", reply_to=question.id)
    assert await awards(h) == [("bob", "helping-hand")]


async def test_a_streak_of_four_active_weeks_is_rewarded_and_a_quiet_week_breaks_it(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, badge("regular", "streak", periods=4, period="week")))
    await h.sim.join("alice")
    for week in (0, 1, 2, 4, 5, 6):  # week 3 is quiet: two runs of three
        h.clock.set(START + timedelta(weeks=week, days=2))
        await h.sim.post("alice", f"week {week}")
        await h.sim.react("alice", (await h.sim.post("alice", "again")).id, "👍")
    assert await awards(h) == []
    h.clock.set(START + timedelta(weeks=7, days=6, hours=14))  # Sunday of the 8th week: the fourth in a row
    await h.sim.react("alice", "m1", "🎉")
    assert await awards(h) == [("alice", "regular")]


async def test_weeks_follow_the_community_timezone(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, badge("regular", "streak", periods=2, period="week")))
    await h.sim.join("alice")
    h.clock.set(START + timedelta(days=6, hours=15, minutes=30))  # Sunday 23:30 UTC = Monday 00:30 in Paris
    await h.sim.post("alice", "late sunday in UTC, monday in Paris")
    assert await awards(h) == []
    h.clock.set(START + timedelta(days=7, hours=2))
    await h.sim.post("alice", "monday morning: same Paris week")
    assert await awards(h) == []
    h.clock.set(START + timedelta(days=14, hours=2))
    await h.sim.post("alice", "next week")
    assert await awards(h) == [("alice", "regular")]


async def test_prompt_answers_recorded_by_another_feature_count(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, badge("reflective", "prompt_answers", count=2)))
    alice = await h.sim.join("alice")
    await h.sim.post("alice", "hello")
    for n in (1, 2, 2):  # the second answer twice: a redelivered row counts once
        h.app.recorder.add(PendingRow(h.sim.community, InteractionKind.PROMPT_ANSWER, alice, f"answer-{n}", h.clock.now()))
    assert await awards(h) == []
    await h.app.recorder.flush()
    h.clock.advance(timedelta(minutes=1))
    await h.sim.post("alice", "the answers written since are scored on the next event")
    assert await awards(h) == [("alice", "reflective")]
    assert await h.app.cogs["recognition"].store.count(await h.app.directory.member_id(alice, h.clock.now()), ["prompt_answer"]) == 2  # type: ignore[attr-defined]


async def test_an_erased_members_queued_answers_are_dropped_and_everyone_else_still_scores(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, badge("reflective", "prompt_answers", count=1)))
    alice, bob = await h.sim.join("alice"), await h.sim.join("bob")
    await h.sim.post("bob", "hello")
    # alice's prompt answer (aimed at bob) is still queued in the recorder when she erases her data
    h.app.recorder.add(PendingRow(h.sim.community, InteractionKind.PROMPT_ANSWER, alice, "answer-a", h.clock.now(), target=bob))
    h.app.recorder.add(PendingRow(h.sim.community, InteractionKind.PROMPT_ANSWER, bob, "answer-b", h.clock.now(), target=alice))
    confirm = await h.sim.command("alice", "forgetme")
    await h.app.press(ButtonPressed(custom_id=confirm.message.buttons[0].custom_id, member=alice, at=h.clock.now()))
    h.clock.advance(timedelta(minutes=1))
    await h.sim.post("bob", "still here")
    assert await awards(h) == [("bob", "reflective")]  # bob's answer (aimed at the erased alice) counts; alice's is gone
    store = h.app.cogs["recognition"].store  # type: ignore[attr-defined]
    assert await store.count(await h.app.directory.member_id(bob, h.clock.now()), ["prompt_answer", "message"]) == 3
    assert not store._pending, "nothing stays stuck in the ledger's queue"


async def test_prompt_answers_are_caught_by_the_nightly_job_without_any_other_event(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, badge("reflective", "prompt_answers", count=1)))
    await h.sim.join("alice")
    await recorded_elsewhere(h, "alice", [("prompt_answer", "answer-1", h.clock.now())])
    await h.app.scheduler.advance_to(START + timedelta(hours=18))  # 02:00 in Paris, before the 03:15 run
    assert await awards(h) == []
    await h.app.scheduler.advance_to(START + timedelta(hours=19, minutes=15))
    assert await awards(h) == [("alice", "reflective")]


async def test_a_nightly_run_that_fails_while_scoring_reads_the_same_contributions_again(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    # contributions the listeners never saw (an import, the cog off), older than the nightly's two-day re-read
    h: Harness = await start_bot(recognition_config(db_url))
    await h.sim.join("alice")
    mid = await recorded_elsewhere(h, "alice", [("message", f"old-{i}", START - timedelta(days=10, minutes=i)) for i in range(3)])
    cog = h.app.cogs["recognition"]
    real = cog.score  # type: ignore[attr-defined]

    async def failing(community, cid, entries):  # type: ignore[no-untyped-def]
        if entries:
            raise RuntimeError("database is locked")  # or a shutdown while it scores
        await real(community, cid, entries)

    cog.score = failing  # type: ignore[attr-defined]
    await h.app.scheduler.advance_to(START + timedelta(hours=19, minutes=15))  # 03:15 in Paris: the nightly run fails
    cog.score = real  # type: ignore[attr-defined]
    assert await h.scalar("select count(*) from recognition_points") == 0
    assert await h.app.scheduler.catch_up() == 1  # its period was given back: run again
    await flush(h)
    assert await h.scalar("select count(*) from recognition_points where member_id = :m", m=mid) == 3


async def test_super_contributors_are_the_top_percent_of_last_week_awarded_by_the_nightly_job(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    rule = badge("super", "top_percent", percent=20, period="week", min_contributions=3)
    h: Harness = await start_bot(recognition_config(db_url, rule))
    counts = {"ana": 9, "ben": 6, "cleo": 6, "dan": 2, "eve": 1, "fay": 1, "gus": 1, "hal": 1, "ivy": 1, "joe": 1, "kim": 1}
    for name, n in counts.items():
        await h.sim.join(name)
        for i in range(n):
            h.clock.advance(timedelta(minutes=2))
            await h.sim.post(name, f"{name} {i}")
    # 11 contributors: the top ceil(20 % of 11) = 3 are ana, ben and cleo (dan, 4th, is not)
    await h.app.scheduler.advance_to(START + timedelta(days=6, hours=14))  # still week 1 (Sunday 23:00 in Paris)
    assert await awards(h) == []
    await h.app.scheduler.advance_to(START + timedelta(days=6, hours=18, minutes=14))  # Monday 03:14 in Paris
    assert await awards(h) == []
    await h.app.scheduler.advance_to(START + timedelta(days=6, hours=18, minutes=15))  # Monday 03:15 in Paris: the nightly run
    assert sorted(await awards(h)) == [("ana", "super"), ("ben", "super"), ("cleo", "super")]
    await h.app.scheduler.advance_to(START + timedelta(days=9))
    assert len(await awards(h)) == 3


async def test_kudos_received_badge(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, badge("appreciated", "kudos", count=2)))
    for name in ("alice", "bob", "carol"):
        await h.sim.join(name)
    await h.sim.command("alice", "kudos @carol thanks!")
    assert await awards(h) == []
    await h.sim.command("bob", "kudos @carol merci")
    assert await awards(h) == [("carol", "appreciated")]


async def test_onboarding_badge_waits_for_the_onboarding_feature_and_then_counts_completions(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    rule = badge("settled", "onboarding", table="test_onboarding", columns=["completed_at"])
    h: Harness = await start_bot(recognition_config(db_url, rule))
    await h.sim.join("alice")
    await h.sim.post("alice", "no onboarding feature: nothing happens, nothing breaks")
    await h.app.scheduler.advance_to(START + timedelta(days=1))
    assert await awards(h) == [] and h.app.bus.errors == 0
    table = Table("test_onboarding", SQLModel.metadata, Column("id", Integer, primary_key=True),
                  Column("member_id", Integer, ForeignKey("members.id")), Column("completed_at", DateTime, nullable=True))
    try:
        async with h.app.db.begin() as conn:
            await conn.run_sync(table.create)
            mid = await h.app.directory.member_id(h.sim.member("alice"), h.clock.now())
            await conn.execute(table.insert().values(member_id=mid, completed_at=h.clock.now().replace(tzinfo=None)))
        await h.sim.post("alice", "alice had no journey: her completion is the nightly job's")
        assert await awards(h) == []
        await h.sim.join("bob")
        async with h.app.db.begin() as conn:
            bob = await h.app.directory.member_id(h.sim.member("bob"), h.clock.now())
            await conn.execute(table.insert().values(member_id=bob, completed_at=None))
        await h.sim.post("bob", "bob is on his way")
        assert await awards(h) == []
        async with h.app.db.begin() as conn:
            await conn.execute(table.update().where(table.c.member_id == bob).values(completed_at=h.clock.now().replace(tzinfo=None)))
        h.clock.advance(timedelta(hours=1))
        await h.sim.post("bob", "bob finished his journey: seen on his next post an hour later")
        assert await awards(h) == [("bob", "settled")]
        await h.app.scheduler.advance_to(START + timedelta(days=2))
        assert await awards(h) == [("bob", "settled"), ("alice", "settled")]
    finally:
        SQLModel.metadata.remove(table)


async def test_newcomers_who_finish_the_onboarding_steps_get_the_onboarding_badge(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_config

    config = make_config(db_url, bot={"cogs": ["onboarding", "recognition"]}, cogs={
        "onboarding": {"steps": ["introduce"], "buddies": False},
        "recognition": {"badges": [badge("settled-in", "onboarding")], "leaderboard_cron": ""},
    })
    h: Harness = await start_bot(config)
    await h.sim.join("alice")
    await h.sim.post("alice", "a first post, not an introduction")
    assert await awards(h) == []
    h.clock.advance(timedelta(hours=1))  # newcomers on their way are looked at again every hour
    await h.sim.post("alice", "Hello, I'm Alice and I grow tomatoes", channel="introductions")
    assert await awards(h) == [("alice", "settled-in")]
