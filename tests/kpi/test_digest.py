"""The weekly digest cog: sent once per week to managers and a channel, caught up after downtime, `/kpi` for staff only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.adapters.simulation.adapter import Entry
from tests.conftest import Harness, make_config

MONDAY = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)  # 08:00 in Paris, before the 09:00 digest


def digest_config(db_url: str, **digest: Any) -> Any:
    """The simulated community with a manager, goals and the digest settings given."""
    return make_config(
        db_url,
        communities=[{"platform": "simulation", "id": "sim", "name": "Les Jardiniers", "timezone": "Europe/Paris", "locale": "en",
                      "managers": ["morgan"], "goals": ["activity_rate >= 0.5", "response_rate >= 0.9"]}],
        cogs={"digest": digest},
    )


def digests(h: Harness, kind: str = "dm") -> list[Entry]:
    """The digests the bot sent (DMs or channel posts)."""
    return [e for e in h.sim.transcript if e.kind == kind and e.message is not None and (e.message.title or "").startswith("Weekly digest")]


async def play_a_week(h: Harness) -> None:
    """Alice asks, Bob answers 20 minutes later, Chloé reacts."""
    await h.sim.join("alice", "Alice")
    await h.sim.join("bob", "Bob")
    await h.sim.join("chloe", "Chloé")
    h.clock.advance(timedelta(hours=2))
    ask = await h.sim.post("alice", "Who is coming to the Thursday workshop?")
    h.clock.advance(timedelta(minutes=20))
    await h.sim.post("bob", "Me!", reply_to=ask.id)
    await h.sim.react("chloe", ask.id, "👍")


async def test_managers_get_the_digest_by_dm_once_per_week_with_goals_and_chart(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(digest_config(db_url, channel="staff"), start=MONDAY)
    await play_a_week(h)
    await h.app.scheduler.advance_to(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
    sent = digests(h)
    assert len(sent) == 1 and sent[0].member is not None and sent[0].member.id == "morgan"
    message = sent[0].message
    assert message is not None and message.title == "Weekly digest · Les Jardiniers · week 2026-W02 (05/01 – 11/01)"
    fields = {f.name: f.value for f in message.fields}
    assert "Active members: 3 · activity rate 100%\n" in fields["Key figures"]  # the week before the first event: no data, no delta
    assert fields["Goals"] == "✅ Activity rate ≥ 50%: 100% — met\n✅ Response rate ≥ 90%: 100% — met"
    assert "First answer after 20 min (median)" in fields["Responsiveness"]
    assert "Posted but got no reply, reaction or mention: @Bob" in fields["Worth reaching out to"]
    assert message.image is not None and (await message.image.content()).startswith(b"\x89PNG")
    assert [e.channel.id for e in digests(h, "bot") if e.channel] == ["staff"]
    await h.app.scheduler.advance_to(datetime(2026, 1, 18, 23, 0, tzinfo=UTC))
    await h.app.scheduler.catch_up()
    assert len(digests(h)) == 1  # nothing more until next Monday
    await h.app.scheduler.advance_to(datetime(2026, 1, 19, 9, 0, tzinfo=UTC))
    assert [d.message.title.split("·")[2].strip() for d in digests(h) if d.message and d.message.title] == [
        "week 2026-W02 (05/01 – 11/01)", "week 2026-W03 (12/01 – 18/01)",
    ]
    third = digests(h)[1].message
    assert third is not None
    newcomers = next(f.value for f in third.fields if f.name == "Newcomers and retention")
    assert newcomers.splitlines()[-1].startswith("Last week's newcomers: joined 3, accepted the rules ")


async def test_a_digest_missed_while_the_bot_was_down_is_sent_at_restart_and_only_once(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(digest_config(db_url), start=MONDAY)
    await play_a_week(h)
    await h.app.stop()
    tuesday = datetime(2026, 1, 13, 10, 0, tzinfo=UTC)  # down over Monday 09:00
    again: Harness = await start_bot(digest_config(db_url), start=tuesday)
    sent = digests(again)
    assert len(sent) == 1 and sent[0].message is not None and "2026-W02" in (sent[0].message.title or "")
    await again.app.stop()
    third: Harness = await start_bot(digest_config(db_url), start=tuesday + timedelta(hours=1))
    assert digests(third) == []


async def test_a_digest_send_that_fails_is_retried_for_that_recipient_only(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    config = digest_config(db_url, channel="staff")
    config.communities[0].managers.append("lou")
    h: Harness = await start_bot(config, start=MONDAY)
    await play_a_week(h)
    h.sim.unreachable.add("lou")  # the platform errors on Lou's DM
    await h.app.scheduler.advance_to(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
    assert [d.member.id for d in digests(h) if d.member] == ["morgan"]
    assert len(digests(h, "bot")) == 1  # the others went out; the job failed and gave its period back
    h.sim.unreachable.clear()
    await h.app.scheduler.catch_up()
    assert [d.member.id for d in digests(h) if d.member] == ["morgan", "lou"]  # only Lou's DM is sent again
    assert len(digests(h, "bot")) == 1
    await h.app.scheduler.catch_up()
    assert len(digests(h)) == 2 and len(digests(h, "bot")) == 1


async def test_a_digest_dm_the_platform_refuses_is_retried_for_that_manager_only(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    # the Discord and Slack adapters log a refusal and return None, as the simulation does for closed DMs with no fallback
    config = digest_config(db_url)
    config.communities[0].managers.append("lou")
    h: Harness = await start_bot(config, start=MONDAY)
    await play_a_week(h)
    h.sim.dm_closed.add("lou")
    await h.app.scheduler.advance_to(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
    assert [d.member.id for d in digests(h) if d.member] == ["morgan"]
    h.sim.dm_closed.clear()
    await h.app.scheduler.catch_up()  # what the next start does, within grace_days
    assert [d.member.id for d in digests(h) if d.member] == ["morgan", "lou"]


async def test_kpi_is_for_animators_and_managers_only_and_private(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(digest_config(db_url), start=MONDAY)
    await play_a_week(h)
    refused = await h.sim.command("alice", "kpi")
    assert refused.message.plain_text() == "Sorry, `/kpi` is for animators or managers of this community."
    h.sim.roles["camille"] = {"animator"}
    await h.app.scheduler.advance_to(datetime(2026, 1, 12, 9, 30, tzinfo=UTC))
    reply = await h.sim.command("camille", "kpi")
    assert reply.ephemeral and (reply.message.title or "").startswith("Weekly digest · Les Jardiniers · week 2026-W02")
    h.sim.roles["morgan"] = {"manager"}
    older = await h.sim.command("morgan", "kpi 2026-W01")
    assert "week 2026-W01" in (older.message.title or "")
    bad = await h.sim.command("morgan", "kpi last-week")
    assert bad.message.plain_text() == "last-week: write a week like 2026-W05, a month like 2026-02 or dates like 2026-01-05..2026-01-18."


async def test_the_public_key_figures_post_is_off_by_default_and_names_nobody(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(digest_config(db_url, key_figures_channel="general", dm_managers=False), start=MONDAY)
    await play_a_week(h)
    await h.app.scheduler.advance_to(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
    posts = [e for e in h.sim.transcript if e.kind == "bot" and e.channel and e.channel.id == "general" and e.message
             and (e.message.title or "").startswith("Our community")]
    assert digests(h) == [] and len(posts) == 1 and posts[0].message is not None
    assert posts[0].message.title == "Our community this week (2026-W02)"
    assert "3 members, 3 of whom took part (100%), 2 posts and 1 reaction." in posts[0].message.body
    assert "Alice" not in posts[0].text


async def test_the_digest_speaks_french_for_a_french_community(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    config = make_config(db_url, communities=[{"platform": "simulation", "id": "sim", "timezone": "Europe/Paris", "locale": "fr", "managers": ["morgan"]}])
    h: Harness = await start_bot(config, start=MONDAY)
    await play_a_week(h)
    await h.app.scheduler.advance_to(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
    dm = [e for e in h.sim.transcript if e.kind == "dm" and e.message and (e.message.title or "").startswith("Bilan")]
    assert len(dm) == 1 and dm[0].message is not None
    assert dm[0].message.title == "Bilan hebdomadaire · sim · semaine 2026-W02 (05/01 – 11/01)"
    assert "3 membres sur 3 ont participé cette semaine (100\u00a0%), avec 2 messages."  # Babel: a no-break space before % == dm[0].message.body


async def test_the_digest_summary_prints_the_last_week_and_writes_the_chart(start_bot, db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(digest_config(db_url, chart_dir=str(tmp_path)), start=MONDAY)
    await play_a_week(h)
    await h.app.scheduler.advance_to(datetime(2026, 1, 12, 0, 0, tzinfo=UTC))
    lines = await h.app.cogs["digest"].summary(h.sim.community)
    assert lines[0] == "**Weekly digest · Les Jardiniers · week 2026-W02 (05/01 – 11/01)**"
    assert lines[-1] == f"chart: {tmp_path / 'digest-2026-W02.png'}"
    assert (tmp_path / "digest-2026-W02.png").read_bytes().startswith(b"\x89PNG")


async def test_staff_see_last_week_s_headlines_on_their_home_view_members_see_none(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from bot.commands import Access

    h: Harness = await start_bot(digest_config(db_url), start=MONDAY)
    await play_a_week(h)
    await h.app.scheduler.advance_to(datetime(2026, 1, 12, 9, 30, tzinfo=UTC))
    cog = h.app.cogs["digest"]
    lines = await cog.home_lines(h.sim.member("camille"), Access.MEMBER | Access.ANIMATOR)
    assert lines[0] == "📊 Last week (2026-W02)" and lines[2].startswith("Active members: 3") and lines[-1].startswith("New topics answered")
    assert await cog.home_lines(h.sim.member("alice"), Access.MEMBER) == []


async def test_the_digest_carries_the_sentiment_section_when_the_sentiment_cog_runs(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(digest_config(db_url), start=MONDAY)
    await play_a_week(h)
    await h.app.scheduler.advance_to(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
    message = digests(h)[0].message
    assert message is not None
    names = [f.name for f in message.fields]
    assert names[:2] == ["Key figures", "Goals"] and names[-1] == "Mood"  # the sentiment cog's section comes last
    assert message.fields[-1].value == "Not measured: sentiment analysis is turned off in the configuration."  # as in the tests' configuration


async def test_no_digest_is_sent_for_a_week_before_the_community_s_first_event(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(digest_config(db_url, channel="staff"), start=MONDAY - timedelta(days=7))
    await h.app.scheduler.advance_to(MONDAY)  # the bot ran a whole week, nobody did anything
    await play_a_week(h)
    await h.app.scheduler.advance_to(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
    titles = [d.message.title for d in digests(h) if d.message]
    assert titles == ["Weekly digest · Les Jardiniers · week 2026-W02 (05/01 – 11/01)"]  # not W01 with "0 of 0 members"
