"""Help that teaches: a command's syntax and examples, an unknown option named, commas in quotes kept, no figures for the future."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import Harness, make_config
from tests.polls.helpers import poll_row


async def test_help_for_a_command_shows_its_syntax_and_an_example_per_platform(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    text = (await h.sim.command("admin", "help poll create")).message.plain_text()
    assert "Syntax: `/poll create QUESTION [options=…] [kind=…]" in text
    assert "• `duration` (optional) —" in text
    assert 'Discord: `/poll create question:Which event next month? options:Live Q&A, Coaching, "Meetup, in Lyon" duration:3d`' in text
    assert 'Slack: `/engage poll create "Which event next month?"' in text and 'Console: `/poll create "Which event next month?"' in text
    unknown = (await h.sim.command("admin", "help teleport")).message.plain_text()
    assert "Unknown command `/teleport`" in unknown


async def test_an_unknown_option_is_named_not_taken_for_another(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    reply = (await h.sim.command("admin", 'poll create "Best day?" "Monday, Friday" foo=bar')).message.plain_text()
    assert reply.startswith("I don't know the option foo. This command takes: question, options, kind,")
    assert "kind: choose one of" not in reply


async def test_a_comma_inside_quotes_stays_inside_one_answer(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.command("admin", 'poll create "Where next?" "\\"Paris, France\\", Lyon, “Nantes, or Rennes”"')
    assert (await poll_row(h, 1)).options == ["Paris, France", "Lyon", "Nantes, or Rennes"]


async def test_kpi_for_a_period_not_over_yet_is_refused(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    config = make_config(db_url, bot={"cogs": ["digest"]})
    h: Harness = await start_bot(config, start=datetime(2026, 1, 14, 9, 0, tzinfo=UTC))
    await h.sim.post("alice", "hello")
    refused = (await h.sim.command("admin", "kpi 2026-W03")).message.plain_text()
    assert refused == "2026-W03 is not over yet: its figures will be ready after 19/01/2026 00:00."
    month = (await h.sim.command("admin", "kpi 2026-01")).message.plain_text()
    assert "is not over yet" in month
