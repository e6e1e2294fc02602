"""An anonymous ballot is never left linkable: votes racing the close are counted or refused, never written after it.

Run the way the live bot runs: SQLite through aiosqlite's worker thread (transactions really interleave),
and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.adapters.simulation.adapter import SimulationAdapter
from bot.app import Engagebot
from bot.core.clock import VirtualClock
from storage.anonymity import BallotKey
from storage.db import Database
from tests.conftest import COMMUNITY, START, make_config

VOTERS = [f"m{i:02d}" for i in range(30)]


async def live_bot(url: str) -> tuple[Engagebot, SimulationAdapter]:
    """The polls cog on the database as the live bot drives it (no in-loop shortcut), on a virtual clock."""
    clock = VirtualClock(START)
    app = Engagebot(make_config(url, bot={"cogs": ["polls"]}), clock=clock, database=Database(url))
    sim = SimulationAdapter(COMMUNITY, clock)
    sim.admins.add("admin")
    app.add_adapter(sim, [COMMUNITY])
    await app.start()
    return app, sim


async def test_thirty_clicks_at_the_deadline_leave_no_ballot_with_its_voter_code(database_url: str) -> None:
    app, sim = await live_bot(database_url)
    try:
        assert not app.db.in_loop
        await sim.command("admin", 'poll create "Is the new format better?" "Yes, No" anonymous=yes duration=1h')
        [message] = [e for e in sim.transcript if e.kind == "bot" and e.ref is not None]
        polls = app.cogs["polls"]
        poll = await polls.store.get(1)
        assert poll is not None and poll.anonymous
        clicks = [sim.press(member, message.ref.id, "Yes" if i % 3 else "No") for i, member in enumerate(VOTERS)]
        # the deadline's close runs while the clicks are being written
        outcome = await asyncio.gather(*clicks[:12], polls.life.close_poll(poll), *clicks[12:], return_exceptions=True)
        assert not [o for o in outcome if isinstance(o, BaseException)]
        replies = [o for o in outcome if o is not None and o is not True]
        counted = sum("anonymously" in r.message.body for r in replies)
        refused = sum("closed" in r.message.body for r in replies)
        assert counted + refused == len(VOTERS)
        async with app.db.begin() as conn:
            voters = (await conn.execute(text("select voter from poll_votes where poll_id = 1"))).scalars().all()
        assert len(voters) == counted  # every counted vote has its ballot, and no refused one has
        assert all(v.startswith("x:") for v in voters), [v for v in voters if not v.startswith("x:")]  # all unlinked
        [results] = [e for e in sim.transcript if e.kind == "bot" and (e.message.title or "").startswith("📊 Results")]  # type: ignore[union-attr]
        assert f"{counted} voter" in results.text  # the tally is the ballots that stayed: none came after it
        if app.db.is_sqlite:  # not even the old bytes of a voter code are left in the file or its WAL
            key = BallotKey(database_url)
            path = Path(database_url.removeprefix("sqlite+aiosqlite:///"))
            raw = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
            assert not [m for m in VOTERS if key.voter(1, str(COMMUNITY), m).encode() in raw]
    finally:
        await app.stop()


async def test_a_vote_after_the_close_is_refused_even_from_a_stale_poll_row(database_url: str) -> None:
    app, sim = await live_bot(database_url)
    try:
        await sim.command("admin", 'survey start nps duration=1h')
        polls = app.cogs["polls"]
        stale = await polls.store.get(1)  # read before the close, as a click handler would have
        assert stale is not None
        await polls.life.close_poll(await polls.store.get(1))
        with pytest.raises(Exception, match="closed"):
            await polls.ballots.click(stale, sim.member("late"), 9, app.clock.now())
        async with app.db.begin() as conn:
            assert (await conn.execute(text("select count(*) from poll_votes"))).scalar() == 0
    finally:
        await app.stop()


def test_a_key_file_of_an_earlier_install_beside_the_database_is_still_used_with_a_warning(tmp_path: Path, config_home: Path,
                                                                                        caplog: pytest.LogCaptureFixture) -> None:
    database = tmp_path / "engagebot.db"
    (tmp_path / "engagebot.key").write_text("ab" * 32 + "\n", encoding="ascii")
    (tmp_path / "engagebot.key").chmod(0o600)
    with caplog.at_level(logging.WARNING):
        key = BallotKey(f"sqlite+aiosqlite:///{database}").key()
    assert key == bytes.fromhex("ab" * 32)
    assert "sits beside the database: move it to" in caplog.text and str(config_home / "engagebot" / "ballot.key") in caplog.text
    assert not (config_home / "engagebot").exists()
    # a new install never puts it there
    fresh = tmp_path / "new"
    fresh.mkdir()
    BallotKey(f"sqlite+aiosqlite:///{fresh / 'engagebot.db'}").key()
    assert not (fresh / "engagebot.key").exists() and (config_home / "engagebot" / "ballot.key").exists()


async def test_an_erasure_holds_the_open_polls_so_a_close_counts_without_the_erased_ballot(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    from bot.core.refs import MemberRef
    from cogs.polls.model import PollDraft
    from cogs.polls.store import PollStore, Voter
    from storage.directory import Directory
    from storage.polls import PollKind
    from storage.privacy import _erase_open_ballots

    monkeypatch.setattr("storage.db.BUSY_TIMEOUT_MS", 50)  # SQLite: a lock held elsewhere fails after 50 ms, not 5 s
    db = Database(database_url)
    other = Database(database_url)  # another process (or the deadline's job) closing the poll meanwhile
    try:
        await db.upgrade()
        directory = Directory(db)
        cid = await directory.community_id(COMMUNITY)
        key = BallotKey(database_url, env={"ENGAGEBOT_SECRET": "the community's own secret"})
        store = PollStore(db)
        poll = await store.create(cid, PollDraft(PollKind.SINGLE, "Q?", ("A", "B"), True, "close", START + timedelta(days=1)),
                                  channel_id=None, created_by=None, now=START)
        assert poll.id is not None
        for who, value in (("alice", 0), ("dana", 1)):
            await store.replace(poll.id, Voter(key.voter(poll.id, str(COMMUNITY), who), None, None), [value], START)
        async with db.begin() as conn:  # the erasure's transaction, caught right after its first step
            assert await _erase_open_ballots(db, conn, cid, MemberRef(COMMUNITY, "dana"), key) == 1
            with pytest.raises(Exception, match="lock"):  # SQLite: "database is locked"; PostgreSQL: "lock timeout"
                async with other.begin() as closing:
                    if not other.is_sqlite:
                        await closing.execute(text("set local lock_timeout = '50ms'"))
                    await closing.execute(text("update polls set closed_at = created_at where id = :p and closed_at is null"), {"p": poll.id})
        tally = await store.close_and_tally(poll.id, START, unlink=True)
        assert tally is not None and tally.counts == {0: 1} and tally.voters == 1
    finally:
        await other.close()
        await db.close()
