"""No unrequested DM at night: badges, kudos received, buddy introductions and digests wait for the end of the quiet hours.

Public posts go at once; a DM that waits is kept in the database (a restart sends it, once) and is never dropped.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.events import ButtonPressed
from storage.deferred_dms import LEASE
from tests.conftest import START, Harness, make_config
from tests.kpi.test_digest import digest_config, digests, play_a_week
from tests.onboarding_helpers import dms, onboarding_config, wait
from tests.recognition.helpers import badge, recognition_config, recorded_elsewhere, said

PARIS = ZoneInfo("Europe/Paris")
NIGHTLY = START + timedelta(hours=19, minutes=15)  # Tuesday 03:15 in Paris: the recognition cog's nightly job
MORNING = START + timedelta(hours=23)  # Tuesday 08:00 in Paris: the end of the default quiet hours (21:00-08:00)


def paris(entries: list[Any]) -> list[str]:
    return [e.at.astimezone(PARIS).strftime("%a %H:%M") for e in entries]


def badge_dms(h: Harness, member: str) -> list[Any]:
    return [e for e in said(h, "dm", member) if "You earned the badge" in e.text]


async def nightly_badge(start_bot: Any, db_url: str, **community: Any) -> Harness:
    """Alice's prompt answer, recorded elsewhere, earns her a badge at the nightly run."""
    config = recognition_config(db_url, badge("reflective", "prompt_answers", count=1), dm=True)
    if community:
        config = config.model_copy(update={"communities": [config.communities[0].model_copy(update=community)]})
    h: Harness = await start_bot(config)
    await h.sim.join("alice")
    await recorded_elsewhere(h, "alice", [("prompt_answer", "answer-1", h.clock.now())])
    await h.app.scheduler.advance_to(NIGHTLY)
    return h


async def test_a_badge_of_the_nightly_job_is_announced_at_once_and_told_by_dm_when_the_quiet_hours_end(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h = await nightly_badge(start_bot, db_url)
    public = [e for e in said(h) if "Reflective" in e.text]
    assert paris(public) == ["Tue 03:15"]  # a channel post is not a DM: it does not wait
    assert badge_dms(h, "alice") == []
    assert await h.scalar("select count(*) from deferred_dms") == 1
    await h.app.scheduler.advance_to(MORNING - timedelta(minutes=1))
    assert badge_dms(h, "alice") == []
    await h.app.scheduler.advance_to(MORNING + timedelta(days=2))
    assert paris(badge_dms(h, "alice")) == ["Tue 08:00"]  # deferred, never dropped, sent once
    assert await h.scalar("select count(*) from deferred_dms") == 0


async def test_without_quiet_hours_the_nightly_badge_dm_goes_at_03_15(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h = await nightly_badge(start_bot, db_url, quiet_hours="off")
    assert paris(badge_dms(h, "alice")) == ["Tue 03:15"]
    assert await h.scalar("select count(*) from deferred_dms") == 0


async def test_a_kept_dm_is_sent_once_after_a_restart(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h = await nightly_badge(start_bot, db_url)
    await h.app.scheduler.advance_to(NIGHTLY + timedelta(minutes=30))
    await h.app.stop()  # down over 08:00
    config = recognition_config(db_url, badge("reflective", "prompt_answers", count=1), dm=True)
    again: Harness = await start_bot(config, start=MORNING + timedelta(hours=1, minutes=30))
    assert paris(badge_dms(again, "alice")) == ["Tue 09:30"]  # the missed 08:00 run, caught up at start
    await again.app.stop()
    third: Harness = await start_bot(config, start=MORNING + timedelta(hours=2))
    await third.app.scheduler.advance_to(MORNING + timedelta(days=1, hours=2))
    assert badge_dms(third, "alice") == [] and await third.scalar("select count(*) from deferred_dms") == 0


async def test_a_kept_dm_claimed_by_a_process_that_died_is_sent_once_its_lease_expires(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h = await nightly_badge(start_bot, db_url)
    store = h.app.quiet_dms.store
    cid = await h.app.directory.community_id(h.sim.community)
    assert len(await store.claim(cid, MORNING - timedelta(minutes=1))) == 1  # another process claimed it, then died before sending
    await h.app.scheduler.advance_to(MORNING)
    assert badge_dms(h, "alice") == []  # held by that claim
    assert await store.claim(cid, MORNING) == []
    await h.app.quiet_dms.send_waiting(h.sim.community)  # the job's retry, once the lease is over
    assert badge_dms(h, "alice") == []
    h.clock.set(MORNING - timedelta(minutes=1) + LEASE + timedelta(seconds=1))
    assert await h.app.quiet_dms.send_waiting(h.sim.community) == 1
    assert len(badge_dms(h, "alice")) == 1


async def test_kudos_at_night_the_giver_is_answered_and_the_post_is_public_at_once_the_receivers_dm_waits(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, dm=True), start=START + timedelta(hours=13))  # Monday 22:00 in Paris
    for name in ("alice", "bob", "carol"):
        await h.sim.join(name)
    reply = await h.sim.command("bob", "kudos @alice for the seeds")
    assert "alice" in reply.message.body  # a reply to bob's own command: never held back
    assert any("for the seeds" in e.text for e in said(h))  # the public thanks
    await h.sim.command("carol", "kudos @alice merci")
    assert said(h, "dm", "alice") == []
    mine = await h.sim.command("alice", "mydata")
    assert "messages waiting for the end of the quiet hours 2" in mine.message.body
    confirm = await h.sim.command("carol", "forgetme")  # carol is erased: the DM that names her goes too
    await h.app.press(ButtonPressed(custom_id=confirm.message.buttons[0].custom_id, member=h.sim.member("carol"), at=h.clock.now()))
    await h.app.scheduler.advance_to(MORNING + timedelta(hours=1))
    told = said(h, "dm", "alice")
    assert paris(told) == ["Tue 08:00"] and "for the seeds" in told[0].text


async def test_buddy_introductions_made_at_night_wait_for_the_morning(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    config = onboarding_config(db_url, buddy_cron="0 22 * * 1", nudge_days=[], steps=["introduce"])
    h: Harness = await start_bot(config, start=START - timedelta(days=8))
    await h.sim.join("rose")  # a member for more than a week: she may welcome the week's newcomers
    await h.sim.command("rose", "buddy optin")
    await h.app.scheduler.advance_to(START)
    await h.sim.post("rose", "Here is what I tried", channel="general")
    await wait(h, hours=1)
    await h.sim.join("nina")
    kit = dms(h, "nina")
    assert kit and paris(kit) == ["Mon 10:00"]  # the welcome kit answers her own join at once
    await h.app.scheduler.advance_to(START + timedelta(hours=13, minutes=1))  # Monday 22:01 in Paris: paired
    assert await h.scalar("select count(*) from buddy_pairs") == 1
    assert [e for e in dms(h, "rose") if "welcoming newcomers" in e.text] == [] and len(dms(h, "nina")) == len(kit)
    await h.app.scheduler.advance_to(MORNING)
    assert paris([e for e in dms(h, "rose") if "welcoming newcomers" in e.text]) == ["Tue 08:00"]
    assert paris(dms(h, "nina")[len(kit):]) == ["Tue 08:00"] and "@rose" in dms(h, "nina")[-1].text


async def test_a_digest_run_at_night_posts_in_its_channel_and_dms_the_managers_in_the_morning_with_its_chart(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    monday = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
    h: Harness = await start_bot(digest_config(db_url, channel="staff", cron="0 2 * * mon"), start=monday)
    await play_a_week(h)
    await h.app.scheduler.advance_to(datetime(2026, 1, 12, 1, 30, tzinfo=UTC))  # Monday 02:30 in Paris
    assert [e.channel.id for e in digests(h, "bot") if e.channel] == ["staff"] and digests(h) == []
    await h.app.scheduler.advance_to(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
    sent = digests(h)
    assert paris(sent) == ["Mon 08:00"] and sent[0].member is not None and sent[0].member.id == "morgan"
    assert sent[0].message is not None and sent[0].message.image is not None and (await sent[0].message.image.content()).startswith(b"\x89PNG")
    assert not await h.scalar("select count(*) from members where external_id = 'morgan'")  # keeping it created no member
    await h.app.scheduler.advance_to(datetime(2026, 1, 14, 9, 0, tzinfo=UTC))
    assert len(digests(h)) == 1


def test_quiet_hours_end_in_the_communitys_time_across_midnight_and_a_change_of_clocks() -> None:
    from bot.quiet import QuietHours

    night = QuietHours.parse("21:00-08:00")
    assert night.end_after(datetime(2026, 3, 28, 22, 0, tzinfo=PARIS), PARIS) == datetime(2026, 3, 29, 8, 0, tzinfo=PARIS)  # the night clocks go forward
    assert night.end_after(datetime(2026, 3, 29, 6, 0, tzinfo=UTC), PARIS) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # 08:00 CEST
    noon = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
    assert night.end_after(noon, PARIS) == noon and QuietHours.parse("off").end_after(noon, PARIS) == noon
    assert make_config("sqlite://").quiet_hours_of(make_config("sqlite://").communities[0].ref) == night
