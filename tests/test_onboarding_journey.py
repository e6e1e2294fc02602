"""A newcomer's journey on the virtual clock: welcome, kit, rules gate, checklist, nudges, departures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from bot.config import ConfigError
from storage.onboarding_repo import OnboardingRepo
from tests.conftest import Harness
from tests.onboarding_helpers import bot_posts, dms, nudges, onboarding_config, wait


async def test_newcomer_is_welcomed_in_public_and_receives_the_welcome_kit(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    config = onboarding_config(
        db_url, resources=[{"label": "Guide", "url": "https://example.org/guide"}], activities=["Thursday 6 pm: live Q&A"],
    )
    h: Harness = await start_bot(config)
    await h.sim.join("alice", "Alice")
    [welcome] = bot_posts(h, "general")
    assert "@Alice" in welcome.text and "Les Jardiniers" in welcome.text and "#introductions" in welcome.text
    assert welcome.message is not None and welcome.message.mentions == ("alice",)
    [kit] = dms(h, "alice")
    assert kit.message is not None and kit.message.title == "Welcome to Les Jardiniers 🌱"
    fields = {f.name: f.value for f in kit.message.fields}
    assert set(fields) == {"Why we're here", "Our rules", "Useful links", "Introduce yourself", "Coming up"}
    assert "#rules" in fields["Our rules"] and "https://example.org/guide" in fields["Useful links"]
    assert "Thursday 6 pm" in fields["Coming up"]
    assert [b.custom_id for b in kit.message.buttons] == ["onboarding:accept", "onboarding:optout"]


async def test_community_writes_its_own_welcome_with_placeholders(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    texts = {"fr": {"welcome": "Salut {member} ! Lis {rules_channel} puis présente-toi dans {introductions_channel}. {oops}"}}
    h: Harness = await start_bot(onboarding_config(db_url, locale="fr", rules_channel="charte", introductions_channel="presentations", texts=texts))
    await h.sim.join("bob", "Bob")
    [welcome] = bot_posts(h, "general")
    assert welcome.text == "Salut @Bob ! Lis #charte puis présente-toi dans #presentations. {oops}"
    [kit] = dms(h, "bob")
    assert kit.message is not None and kit.message.title == "Bienvenue dans Les Jardiniers 🌱"
    assert "J'accepte la charte" in kit.text and "Ne plus me relancer" in kit.text


async def test_rules_gate_holds_the_public_welcome_and_role_until_the_rules_are_accepted(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url, rules_gate=True, member_role="member"))
    await h.sim.join("chloe", "Chloé")
    assert bot_posts(h, "general") == []
    assert "member" not in h.sim.roles.get("chloe", set())
    [kit] = dms(h, "chloe")
    assert kit.ref is not None
    reply = await h.sim.press("chloe", kit.ref.id, "onboarding:accept")
    assert reply is not None and "welcome aboard" in reply.message.body
    [welcome] = bot_posts(h, "general")
    assert "@Chloé" in welcome.text and "accepted our rules" in welcome.text
    assert "member" in h.sim.roles["chloe"]
    again = await h.sim.press("chloe", kit.ref.id, "onboarding:accept")
    assert again is not None and "already" in again.message.body
    assert len(bot_posts(h, "general")) == 1


async def test_member_who_never_accepts_the_rules_is_reminded_once(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url, rules_gate=True, rules_reminder_hours=24, nudge_days=[]))
    await h.sim.join("david")
    await wait(h, hours=23)
    assert len(dms(h, "david")) == 1
    await wait(h, hours=5)
    reminders = [e for e in dms(h, "david") if "quick reminder" in e.text]
    assert len(reminders) == 1
    await wait(h, days=10)
    assert len(dms(h, "david")) == 2
    assert reminders[0].ref is not None
    await h.sim.press("david", reminders[0].ref.id, "onboarding:accept")
    assert len(bot_posts(h, "general")) == 1


async def test_introduction_contribution_and_reply_tick_the_checklist(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url))
    await h.sim.join("emma", "Emma")
    start = await h.sim.command("emma", "onboarding")
    assert start.ephemeral and start.message.body.count("⬜") == 4
    await h.sim.post("emma", "Hello, I'm Emma, I grow tomatoes", channel="introductions")
    after_intro = await h.sim.command("emma", "onboarding")
    assert "✅ Introduce yourself in #introductions" in after_intro.message.body
    assert after_intro.message.footer == "Next step: Accept the rules"
    first = await h.sim.post("old", "Any tips for seedlings?", channel="help")
    await h.sim.post("emma", "Keep them warm!", reply_to=first.id)
    kit = dms(h, "emma")[0]
    assert kit.ref is not None
    await h.sim.press("emma", kit.ref.id, "onboarding:accept")
    done = await h.sim.command("emma", "onboarding checklist")
    assert done.message.body.count("✅") == 4 and "buddy optin" in (done.message.footer or "")


async def test_silent_newcomer_is_nudged_at_day_three_and_seven_only(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url))
    await h.sim.join("farid")
    await h.sim.join("gabriel")
    await h.sim.join("hana")
    hello = await h.sim.post("gabriel", "Hi all", channel="introductions")  # gabriel speaks on day 0
    await wait(h, days=2, hours=23)
    assert nudges(h, "farid") == []
    await wait(h, hours=5)
    assert len(nudges(h, "farid")) == 1 and "3 days" in nudges(h, "farid")[0].text
    assert len(nudges(h, "hana")) == 1
    await h.sim.react("hana", h.sim.short_id(hello), "👍")  # hana reacts on day 4 (to gabriel's post): no day-7 nudge for her
    await wait(h, days=4)
    assert len(nudges(h, "farid")) == 2 and "one week" in nudges(h, "farid")[1].text
    assert "#introductions" in nudges(h, "farid")[1].text  # not introduced yet: the hint says where to start
    assert len(nudges(h, "hana")) == 1
    assert nudges(h, "gabriel") == []
    await wait(h, days=14)
    assert len(nudges(h, "farid")) == 2
    sent = await h.rows("select kind, count(*) from onboarding_messages where kind like 'nudge%' group by kind order by kind")
    assert [tuple(r) for r in sent] == [("nudge_3d", 2), ("nudge_7d", 1)]


async def test_opt_out_button_stops_every_nudge(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url, rules_gate=True))
    await h.sim.join("ines")
    kit = dms(h, "ines")[0]
    assert kit.ref is not None
    reply = await h.sim.press("ines", kit.ref.id, "onboarding:optout")
    assert reply is not None and "no more reminders" in reply.message.body
    await wait(h, days=10)
    assert dms(h, "ines") == [kit]


async def test_member_who_leaves_gets_nothing_more(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url, rules_gate=True))
    await h.sim.join("jules")
    await h.sim.join("karim")
    await h.sim.command("karim", "buddy optin")
    await h.sim.post("karim", "hello", channel="general")
    await wait(h, days=1)
    await h.sim.leave("jules")
    left_at = h.clock.now()
    await wait(h, days=14)
    after = [e for e in h.sim.transcript if e.at >= left_at and e.member is not None and e.member.id == "jules" and e.kind != "leave"]
    assert after == []
    assert [e for e in bot_posts(h, "general") if "jules" in e.text] == []
    assert await h.scalar("select count(*) from buddy_pairs") == 0


async def test_closed_dms_fall_back_to_the_welcome_channel(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url, welcome_channel="welcome"))
    h.sim.dm_closed.add("lea")
    await h.sim.join("lea", "Léa")
    posts = bot_posts(h, "welcome")
    assert len(posts) == 2  # the public welcome, and the kit posted there with a mention
    kit = next(e for e in posts if e.message is not None and e.message.buttons)
    assert kit.text.startswith("**Welcome to Les Jardiniers") and "@Léa" in kit.text
    assert dms(h, "lea") == []
    await wait(h, days=4)
    assert [e for e in bot_posts(h, "welcome") if e not in posts and "quick reminder" not in e.text] == []  # nudges never go public
    assert await h.scalar("select delivered from onboarding_messages where kind = 'nudge_3d'") in (0, False)


async def test_a_welcome_kit_that_fails_to_send_is_not_counted_and_the_public_welcome_still_goes(start_bot, db_url, caplog) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url))
    h.sim.unreachable.add("nora")  # the platform errors on Nora's DM
    await h.sim.join("nora", "Nora")
    assert dms(h, "nora") == [] and len(bot_posts(h, "general")) == 1
    assert "onboarding kit for member" in caplog.text
    sent = await h.rows("select kind, delivered from onboarding_messages order by kind")
    assert [(k, bool(d)) for k, d in sent] == [("kit", False), ("welcome", True)]  # claimed once, not counted as sent


async def test_a_nudge_that_fails_to_send_is_tried_again_at_the_next_check_and_sent_once(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url))
    await h.sim.join("omar")
    h.sim.unreachable.add("omar")
    await wait(h, days=3, hours=4)  # a check (every 4 hours) after day 3: the DM fails
    assert nudges(h, "omar") == []
    assert await h.scalar("select count(*) from onboarding_messages where kind = 'nudge_3d'") == 0  # the claim was given back
    h.sim.unreachable.clear()
    await wait(h, hours=4)  # the next check sends it
    assert len(nudges(h, "omar")) == 1
    await wait(h, days=2)
    assert len(nudges(h, "omar")) == 1
    assert await h.scalar("select delivered from onboarding_messages where kind = 'nudge_3d'") in (1, True)


async def test_a_check_cut_short_by_a_database_error_leaves_no_newcomer_behind(start_bot, db_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url))
    await h.sim.join("paul")
    await h.sim.join("quentin")
    real, failures = OnboardingRepo.claim, [1]

    async def flaky(self: OnboardingRepo, *args: Any, **kwargs: Any) -> bool:
        if failures:
            failures.pop()
            raise OperationalError("INSERT INTO onboarding_messages", {}, Exception("database is locked"))
        return await real(self, *args, **kwargs)

    await wait(h, days=2, hours=23)
    monkeypatch.setattr(OnboardingRepo, "claim", flaky)
    await wait(h, hours=5)  # the first check after day 3 stops at its first claim; retried a minute later, it reaches both
    assert len(nudges(h, "paul")) == 1 and len(nudges(h, "quentin")) == 1
    await wait(h, hours=4)  # and the following checks send nothing twice
    assert len(nudges(h, "paul")) == 1 and len(nudges(h, "quentin")) == 1


async def test_restart_in_the_middle_resumes_without_repeating_anything(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    config = onboarding_config(db_url, rules_gate=True, rules_reminder_hours=48)
    first: Harness = await start_bot(config)
    await first.sim.join("marius")
    await wait(first, days=3, hours=5)
    assert len(dms(first, "marius")) == 3  # kit, rules reminder, day-3 nudge
    await first.app.stop()
    first.clock.advance(timedelta(hours=5))  # the bot was down for a while
    second: Harness = await start_bot(config, clock=first.clock)
    second.sim.member("marius")
    second.sim.present.add("marius")
    await wait(second, days=10)
    texts = [e.text for e in dms(second, "marius")]
    assert len(texts) == 1 and "one week" in texts[0]
    await second.app.stop()
    third: Harness = await start_bot(config, clock=first.clock)
    await wait(third, days=3)
    assert dms(third, "marius") == []
    kinds = await third.rows("select kind from onboarding_messages order by id")
    assert [r[0] for r in kinds] == ["kit", "rules_reminder", "nudge_3d", "nudge_7d"]


async def test_redelivered_join_does_not_welcome_twice(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url))
    await h.sim.join("nadia")
    h.app._seen.clear()  # a new process receiving a redelivery
    await h.sim.join("nadia")
    assert len(bot_posts(h, "general")) == 1 and len(dms(h, "nadia")) == 1


async def test_animators_see_who_is_stuck_at_which_step(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url))
    await h.sim.join("oscar", "Oscar")
    await h.sim.join("paul", "Paul")
    kit = dms(h, "paul")[0]
    assert kit.ref is not None
    await h.sim.press("paul", kit.ref.id, "1")
    await wait(h, days=2)
    refused = await h.sim.command("oscar", "onboarding stuck")
    assert "animators" in refused.message.body
    h.sim.roles["camille"] = {"animator"}
    reply = await h.sim.command("camille", "onboarding stuck")
    fields = {f.name: f.value for f in reply.message.fields}
    assert fields == {"Accept the rules (1)": "@Oscar (2 d)", "Introduce yourself in #introductions (1)": "@Paul (2 d)"}


async def test_a_mistake_in_the_settings_stops_start_up(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="texts"):
        await start_bot(onboarding_config(db_url, texts={"en": {"welcom": "typo"}}))
