"""Points, the anti-farming cooldown, levels and their announcements and role rewards."""

from __future__ import annotations

from datetime import timedelta

from bot.core.actions import GrantRole
from tests.conftest import Harness
from tests.recognition.helpers import flush, points, recognition_config, said


async def test_a_burst_of_short_messages_earns_one_message_worth_of_points(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, points={"message": 2, "reply": 3, "cooldown_seconds": 60}))
    await h.sim.join("alice")
    for word in ("a", "b", "c", "d", "e"):
        await h.sim.post("alice", word)
        h.clock.advance(timedelta(seconds=10))
    assert await points(h, "alice") == 2
    h.clock.advance(timedelta(seconds=20))  # 60 s after the first scored message
    first = await h.sim.post("alice", "a real message a minute later")
    assert await points(h, "alice") == 4
    await h.sim.post("alice", "a reply shares the posts' cooldown", reply_to=first.id)
    assert await points(h, "alice") == 4
    await flush(h)
    assert await h.scalar("select count(*) from recognition_points") == 7  # every post still counts for badges


async def test_a_redelivered_or_removed_reaction_does_not_farm_points(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, points={"reaction": 1, "cooldown_seconds": 0}))
    await h.sim.join("alice")
    await h.sim.join("bob")
    post = await h.sim.post("alice", "hello")
    await h.sim.react("bob", post.id, "👍")
    assert await points(h, "bob") == 1
    h.app._seen.clear()
    await h.sim.react("bob", post.id, "👍")  # delivered again
    assert await points(h, "bob") == 1
    await h.sim.react("bob", post.id, "👍", remove=True)
    assert await points(h, "bob") == 0


async def test_levels_are_announced_once_and_grant_their_roles(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    settings = {"points": {"message": 5, "cooldown_seconds": 0}, "levels": {"thresholds": [10, 20], "roles": {"2": "Regular"}}}
    h: Harness = await start_bot(recognition_config(db_url, **settings))
    await h.sim.join("alice")
    await h.sim.post("alice", "one")
    assert not [e for e in said(h) if "level" in e.text]
    await h.sim.post("alice", "two")
    assert [e.text for e in said(h) if "level" in e.text] == ["⬆️ @alice reached level 1. Well done!"]
    await h.sim.post("alice", "three")
    await h.sim.post("alice", "four")
    assert [e.text for e in said(h) if "level" in e.text][-1] == "⬆️ @alice reached level 2. Well done!"
    assert h.sim.roles["alice"] == {"Regular"}
    await h.sim.post("alice", "five")
    assert len([e for e in said(h) if "level" in e.text]) == 2
    assert [e.text for e in said(h, "role")] == ["+Regular"]


async def test_the_rank_command_shows_level_points_and_places(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, points={"message": 5, "cooldown_seconds": 0}, levels={"thresholds": [10, 30]}))
    await h.sim.join("alice")
    await h.sim.join("bob")
    for _ in range(3):
        await h.sim.post("alice", "hi")
    await h.sim.post("bob", "hi")
    mine = await h.sim.command("bob", "rank")
    text = mine.message.plain_text()
    assert "Level: 0 · 5 pts" in text and "#2 (5 pts)" in text and "5 more points to reach level 1" in text
    hers = (await h.sim.command("bob", "rank @alice")).message.plain_text()
    assert "Level: 1 · 15 pts" in hers and "#1 (15 pts)" in hers


async def test_role_rewards_are_sent_to_the_adapter_as_grant_role_actions(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    from tests.recognition.helpers import badge

    h: Harness = await start_bot(recognition_config(db_url, badge("first-post", "first", contribution="post", role="Newcomer")))
    sent: list[object] = []
    original = h.sim.send

    async def spy(action):  # type: ignore[no-untyped-def]
        sent.append(action)
        return await original(action)

    h.sim.send = spy  # type: ignore[method-assign]
    await h.sim.join("alice")
    await h.sim.post("alice", "hello")
    grants = [a for a in sent if isinstance(a, GrantRole)]
    assert len(grants) == 1 and grants[0].role == "Newcomer" and grants[0].member.id == "alice"


async def test_the_home_view_shows_level_points_place_and_badges(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    from bot.commands import Access
    from tests.recognition.helpers import badge

    h: Harness = await start_bot(recognition_config(db_url, badge("first-post", "first", contribution="post"), points={"message": 5}))
    await h.sim.join("alice")
    cog = h.app.cogs["recognition"]
    assert await cog.home_lines(h.sim.member("alice"), Access.MEMBER) == []
    await h.sim.post("alice", "hello")
    assert await cog.home_lines(h.sim.member("alice"), Access.MEMBER) == ["🏅 Level 0 · 5 pts · #1 this week · badges: 🏅"]


async def test_a_long_running_bot_keeps_only_the_recent_entries_rules_need_in_memory(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    from tests.recognition.helpers import badge

    h: Harness = await start_bot(recognition_config(db_url, badge("helper", "count", contribution="post", count=3, window_days=10)))
    await h.sim.join("alice")
    for day in range(40):
        h.clock.advance(timedelta(days=1))
        await h.sim.post("alice", f"day {day}")
    cog = h.app.cogs["recognition"]
    state = cog.states.loaded(await h.app.directory.member_id(h.sim.member("alice"), h.clock.now()))
    assert state is not None and len(state.recent) < 20 and state.count(["message"], since=None, until=h.clock.now(), to_others=False) == 40
    assert await points(h, "alice") == 80
