"""The weekly prompts' storage on SQLite and PostgreSQL: one prompt per period, rotation, queue, answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.refs import ChannelRef, CommunityRef, MemberRef, Platform
from storage.db import Database
from storage.directory import Directory
from storage.models import InteractionKind
from storage.privacy import erase_member
from storage.prompts import Choice, PromptStore, prompt_answer_stats
from storage.recorder import PendingRow, Recorder

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOME = CommunityRef(Platform.SIMULATION, "store")
GENERAL = ChannelRef(HOME, "general", "general")


async def test_a_period_holds_one_prompt_and_answers_are_counted_per_prompt(database_url: str) -> None:
    db = Database(database_url)
    await db.upgrade()
    directory = Directory(db)
    store = PromptStore(db)
    cid = await directory.community_id(HOME)
    first = Choice("What went well?", "pack", pack="default/en", prompt_id="wins-01", theme="wins")
    reserved = await store.reserve(cid, "2026-03-02T09:00", T0, first, "general", T0)
    assert reserved is not None and reserved[1] == first
    post = reserved[0]
    again = Choice("Something else?", "pack", pack="default/en", prompt_id="wins-02", theme="wins")
    # a run that died while "sending": the next run of the period (the scheduler's lease having run out) sends the same prompt
    taken_over = await store.reserve(cid, "2026-03-02T09:00", T0, again, "general", T0)
    assert taken_over is not None and taken_over[0] == post and taken_over[1].text == "What went well?"
    assert await store.rotation(cid, "default/en") == (0, {"wins-01"})
    await store.confirm(post, "m1", T0)
    assert await store.reserve(cid, "2026-03-02T09:00", T0, again, "general", T0) is None  # sent: the period is taken
    assert await store.post_messages(cid) == {"m1": "2026-03-02T09:00"}

    alice = MemberRef(HOME, "alice")
    queued = await store.enqueue(cid, "Queued question?", T0, added_by=await directory.member_id(alice, T0))
    dated = await store.enqueue(cid, "Dated question?", T0, for_date="2026-03-16")
    assert [q.id for q in await store.queued(cid)] == [dated, queued]  # dated ones first, by date
    choice = Choice("Queued question?", "queue", queue_id=queued)
    failed = await store.reserve(cid, "2026-03-09T09:00", T0 + timedelta(weeks=1), choice, "general", T0)
    assert failed is not None and len(await store.queued(cid)) == 1
    await store.cancel(failed[0], cid, choice)  # sending failed: the period and the question are free again
    assert len(await store.queued(cid)) == 2 and len(await store.posts(cid)) == 1
    assert await store.queued_by(await directory.member_id(alice, T0)) == 1

    recorder = Recorder(db, directory)
    for i, who in enumerate(("alice", "bob", "alice")):
        recorder.add(PendingRow(HOME, InteractionKind.PROMPT_ANSWER, MemberRef(HOME, who), f"a{i}", T0 + timedelta(hours=i + 1), GENERAL, parent_external_id="m1"))
    recorder.add(PendingRow(HOME, InteractionKind.PROMPT_ANSWER, MemberRef(HOME, "carol"), "late", T0 + timedelta(weeks=2), GENERAL, parent_external_id="m1"))
    await recorder.close()
    [stats] = await prompt_answer_stats(db, cid, T0, T0 + timedelta(weeks=1))
    assert (stats.answers, stats.answerers, stats.text, stats.period) == (3, 2, "What went well?", "2026-03-02T09:00")
    assert await prompt_answer_stats(db, cid, T0 + timedelta(weeks=1), T0 + timedelta(weeks=2)) == []
    alice_id = await directory.member_id(alice, T0)
    await erase_member(db, alice)  # the queued prompt stays, without its author (ON DELETE SET NULL)
    assert await store.queued_by(alice_id) == 0 and len(await store.queued(cid)) == 2
    await db.close()
