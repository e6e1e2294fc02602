"""Cogs and commands: permissions enforced in the core, failures isolated, options typed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import Harness, make_config
from tests.fixture_cogs.counter import Counter


@pytest.fixture
def config(db_url: str):  # type: ignore[no-untyped-def]
    return make_config(db_url, bot={"cogs": ["tests.fixture_cogs.counter", "tests.fixture_cogs.broken_setup"]})


async def test_a_cog_that_fails_to_start_is_disabled_and_the_others_keep_running(start_bot, config, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.ERROR):
        h: Harness = await start_bot(config)
    assert "counter" in h.app.cogs
    assert "tests.fixture_cogs.broken_setup" in h.app.disabled
    assert "this cog cannot start" in caplog.text
    reply = await h.sim.command("alice", "/count")
    assert reply.message.body == "0 messages"


async def test_a_crashing_listener_is_logged_once_and_does_not_stop_the_others(start_bot, config, caplog) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(config)
    with caplog.at_level(logging.ERROR, logger="engagebot.bus"):
        await h.sim.post("alice", "boom")
        await h.sim.post("alice", "fine")
    failures = [r for r in caplog.records if r.name == "engagebot.bus"]
    assert len(failures) == 1
    assert "crash_on_boom" in failures[0].getMessage() and "MessagePosted" in failures[0].getMessage()
    reply = await h.sim.command("alice", "/count")
    assert reply.message.body == "2 messages"
    assert await h.scalar("select count(*) from interactions where kind = 'message'") == 2


async def test_animator_commands_are_refused_to_members_and_allowed_to_animators(start_bot, config) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(config)
    refused = await h.sim.command("alice", '/announce 2 "Hello all"')
    assert refused.ephemeral and "for animators or managers" in refused.message.body
    assert not [e for e in h.sim.transcript if e.kind == "bot"]
    h.sim.roles["alice"] = {"Animator"}  # roles are ids: another spelling is another role
    assert "for animators or managers" in (await h.sim.command("alice", "/announce 2 Hello all")).message.body
    h.sim.roles["alice"] = {"animator"}  # in simulations and on the console a role's id is its name
    ok = await h.sim.command("alice", "/announce 2 Hello all")
    assert ok.message.body == "done"
    posts = [e for e in h.sim.transcript if e.kind == "bot"]
    assert [p.text.splitlines()[0] for p in posts] == ["Hello all", "Hello all"]


async def test_manager_commands_need_a_manager_role_or_admin(start_bot, config) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(config)
    assert "for animators or managers" in (await h.sim.command("bob", "/report")).message.body
    h.sim.roles["bob"] = {"animator"}
    assert "for animators or managers" in (await h.sim.command("bob", "/report")).message.body
    h.sim.roles["bob"] = {"manager"}
    assert (await h.sim.command("bob", "/report")).message.body == "the report"
    assert (await h.sim.command("admin", "/report")).message.body == "the report"


async def test_bad_options_get_a_clear_short_answer(start_bot, config) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(config)
    h.sim.roles["ann"] = {"animator"}
    assert (await h.sim.command("ann", "/announce many hello")).message.body == "times: many is not a whole number."
    assert (await h.sim.command("ann", "/announce 9 hello")).message.body == "times: at most 3."
    assert (await h.sim.command("ann", "/announce")).message.body == "`/announce` needs the option `times`."
    assert (await h.sim.command("ann", "/nope")).message.body == "Unknown command `/nope`. Try `/help`."


async def test_help_lists_what_the_caller_may_run_in_their_locale(start_bot, config) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(config)
    member_help = (await h.sim.command("alice", "/help")).message
    assert "`/count`" in member_help.body and "`/announce`" not in member_help.body and "`/report`" not in member_help.body
    admin_help = (await h.sim.command("admin", "/help")).message
    assert "`/announce`" in admin_help.body and "`/report`" in admin_help.body
    from dataclasses import replace

    from bot.core.events import CommandInvoked

    inv = CommandInvoked(name="help", member=h.sim.member("alice"), channel=h.sim.channel("general"), locale="fr-FR", at=h.clock.now())
    reply = await h.app.invoke(inv)
    assert reply.message.title == "Ce que vous pouvez faire"
    assert "Combien de messages j'ai vus" in reply.message.body
    reply = await h.app.invoke(replace(inv, locale=None))
    assert reply.message.title == "What you can do"


async def test_buttons_route_to_their_cog_and_stale_buttons_answer_politely(start_bot, config) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(config)
    await h.sim.command("admin", "/announce 1 vote")
    posted = [e for e in h.sim.transcript if e.kind == "bot"][0]
    assert posted.ref is not None
    reply = await h.sim.press("alice", posted.ref.id, "OK")
    assert reply is not None and reply.message.body == "ok alice"
    from bot.core.events import ButtonPressed

    stale = await h.app.press(ButtonPressed(custom_id="gone:1", member=h.sim.member("alice"), at=h.clock.now()))
    assert stale is not None and stale.message.body == "This button no longer does anything."


def test_every_core_text_exists_in_french_and_english() -> None:
    from bot.i18n import Catalog

    assert Catalog().missing() == {}


def test_the_counter_cog_is_a_real_cog() -> None:
    assert Counter.name == "counter"


def test_plural_forms_follow_each_language() -> None:
    from bot.i18n import Catalog

    catalog = Catalog()
    catalog.load_folder(Path(__file__).resolve().parents[1] / "cogs" / "recognition" / "locales", "recognition")
    points = [catalog.t(loc, "recognition.rank.points", points=n, count=n) for loc in ("en", "fr") for n in (0, 1, 2)]
    assert points == ["0 pts", "1 pt", "2 pts", "0 pt", "1 pt", "2 pts"]  # French: zero is singular
    assert catalog.t("en", "recognition.rank.next", missing=1, level=3, count=1) == "1 more point to reach level 3."
    assert catalog.missing() == {}


def test_lines_with_several_counts_take_a_plural_form_for_each() -> None:
    from bot.i18n import Catalog
    from cogs.polls.render import results_message
    from cogs.polls.store import Tally
    from storage.polls import Poll, PollKind

    catalog = Catalog()
    catalog.load_folder(Path(__file__).resolve().parents[1] / "cogs" / "polls" / "locales", "polls")
    nps = Poll(id=1, community_id=1, external_id="p1", question="Recommend us?", kind=PollKind.NPS, options=[],
               created_at=datetime(2026, 1, 5, tzinfo=UTC), closes_at=datetime(2026, 1, 6, tzinfo=UTC))
    tally = Tally(counts={10: 1, 8: 1, 3: 1}, voters=1)
    lines = {loc: results_message(nps, tally, lambda key, _l=loc, **p: catalog.t(_l, f"polls.{key}", **p), final=True) for loc in ("en", "fr")}
    assert "(1 promoter, 1 passive, 1 detractor)" in lines["en"].body and lines["en"].footer == "1 voter"
    assert "(1 promoteur, 1 passif, 1 détracteur)" in lines["fr"].body and lines["fr"].footer == "1 votant"


def test_rate_changes_are_written_in_percentage_points_with_the_right_plural() -> None:
    from bot.i18n import Catalog
    from cogs.digest.render import Numbers

    catalog = Catalog()
    catalog.load_folder(Path(__file__).resolve().parents[1] / "cogs" / "digest" / "locales", "digest")

    def numbers(loc: str) -> Numbers:
        return Numbers(loc, lambda key, **p: catalog.t(loc, f"digest.{key}", **p))

    assert [numbers("en").delta("activity_rate", d) for d in (-0.01, 0.061)] == ["(▼ 1 pt)", "(▲ 6.1 pts)"]
    assert [numbers("fr").delta("activity_rate", d) for d in (0.015, -0.25)] == ["(▲ 1,5 pt)", "(▼ 25 pts)"]
