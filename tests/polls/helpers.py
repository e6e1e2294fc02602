"""Small readers shared by the polls tests."""

from __future__ import annotations

from bot.adapters.simulation.adapter import Entry
from cogs.polls.store import PollStore
from storage.polls import Poll
from tests.conftest import Harness


def bot_posts(h: Harness) -> list[Entry]:
    """Every poll, survey and results message the bot posted in a channel, in order (other cogs' posts left out)."""
    return [e for e in h.sim.transcript if e.kind == "bot" and e.message is not None and (e.message.title or "").startswith(("📊", "📋"))]


def last_post(h: Harness) -> Entry:
    """The bot's latest channel message (with a `ref`)."""
    entry = bot_posts(h)[-1]
    assert entry.ref is not None
    return entry


async def ballots(h: Harness, poll_id: int) -> list[tuple[str, int]]:
    """(voter, value) of every ballot row of a poll, sorted."""
    rows = await h.rows("select voter, value from poll_votes where poll_id = :p order by voter, value", p=poll_id)
    return [(r.voter, r.value) for r in rows]


async def poll_row(h: Harness, poll_id: int) -> Poll:
    """A poll as stored."""
    poll = await PollStore(h.app.db).get(poll_id)
    assert poll is not None
    return poll
