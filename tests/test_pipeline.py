"""The event pipeline, end to end through the simulation adapter and a real SQLite file."""

from __future__ import annotations

from datetime import timedelta

from bot.core.events import MessagePosted
from tests.conftest import Harness


async def test_messages_replies_reactions_and_mentions_are_recorded(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.join("alice")
    await h.sim.join("bob")
    first = await h.sim.post("alice", "Bonjour à tous !")
    h.clock.advance(timedelta(minutes=15))
    await h.sim.post("bob", "Salut @alice", reply_to=first.id)
    await h.sim.react("bob", first.id, "👋")
    kinds = await h.rows("select kind, count(*) from interactions group by kind order by kind")
    assert dict(kinds) == {"join": 2, "mention": 1, "message": 1, "reaction": 1, "reply": 1}
    target = await h.scalar(
        "select m.external_id from interactions i join members m on m.id = i.target_member_id where i.kind = 'reply'"
    )
    assert target == "alice"
    assert await h.scalar("select count(*) from interactions where text is not null") == 0


async def test_redelivered_event_is_recorded_and_delivered_once(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    seen: list[MessagePosted] = []

    async def listener(event: MessagePosted) -> None:
        seen.append(event)

    h.app.bus.subscribe(MessagePosted, listener, owner="test")
    ref = await h.sim.post("alice", "hello")
    event = seen[0]
    await h.app.dispatch(event)
    # a new process (empty memory of seen events) receiving the same event again
    h.app._seen.clear()
    await h.app.dispatch(event)
    assert await h.scalar("select count(*) from interactions where external_id = :x", x=ref.id) == 1
    assert len(seen) == 2  # the in-memory guard stops the first redelivery; the database stops the second


async def test_on_a_virtual_clock_rows_are_written_when_time_is_settled_not_by_a_real_time_timer(start_bot) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    h: Harness = await start_bot()
    # a real-time flusher would write at moments that depend on the machine's speed, and the demo would not be reproducible
    assert not any(task.get_name() == "recorder-flush" for task in asyncio.all_tasks())
    await h.sim.post("alice", "hello everyone")
    assert h.app.recorder.pending == 1
    await h.app.settle()  # what the demo does at the end of each simulated day
    assert h.app.recorder.pending == 0
