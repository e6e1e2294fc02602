"""Buddies, the onboarding funnel for the digest, privacy and the catalogs."""

from __future__ import annotations

from datetime import timedelta

from bot.commands import Access
from bot.core.events import ButtonPressed
from bot.core.refs import MemberRef
from bot.i18n import Catalog
from cogs.onboarding.cog import Onboarding
from storage.onboarding import onboarding_funnel
from tests.conftest import COMMUNITY, START, Harness
from tests.onboarding_helpers import dms, onboarding_config, wait

MONDAY_10 = START.replace(hour=9)  # 10:00 in Paris: the buddy pairing's default time


def cog(h: Harness) -> Onboarding:
    """The running onboarding cog."""
    found = h.app.cogs["onboarding"]
    assert isinstance(found, Onboarding)
    return found


async def test_week_newcomers_are_paired_with_active_consenting_members_never_twice(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url, buddy_max_per_week=2, nudge_days=[], check_cron="5 3 * * *"), start=START - timedelta(days=8))
    for veteran in ("rose", "sami", "theo", "ugo"):
        await h.sim.join(veteran)
    await h.sim.command("rose", "buddy optin")
    await h.sim.command("sami", "buddy optin")
    await h.sim.command("theo", "buddy optin")  # theo consents but is not active
    await h.sim.command("ugo", "buddy optin")
    await h.sim.command("ugo", "buddy optout")  # ugo changed his mind
    await wait(h, days=2)
    for speaker in ("rose", "sami", "ugo"):
        await h.sim.post(speaker, "Here is what I tried", channel="general")
    await h.app.scheduler.advance_to(START + timedelta(hours=1))
    for newcomer in ("n1", "n2", "n3", "n4", "n5"):
        await h.sim.join(newcomer)
        await wait(h, hours=6)
    await h.app.scheduler.advance_to(MONDAY_10 + timedelta(weeks=1, minutes=1))
    pairs = await h.rows(
        "select n.external_id, b.external_id from buddy_pairs p join members n on n.id = p.newcomer_id "
        "join members b on b.id = p.buddy_id order by p.id"
    )
    assert len(pairs) == 4  # two buddies, at most two newcomers each this week: n5 waits
    assert {b for _, b in pairs} == {"rose", "sami"}
    assert sorted(b for _, b in pairs).count("rose") == 2
    for newcomer, buddy in pairs:
        assert any(f"@{buddy}" in e.text and "buddy" in e.text for e in dms(h, newcomer))
        assert any(f"@{newcomer}" in e.text for e in dms(h, buddy))
    assert [e for e in dms(h, "theo") + dms(h, "ugo") if "welcoming newcomers" in e.text] == []
    # the same week's pairing run again (a retried job) makes no pair twice and sends nothing more
    before = len(h.sim.transcript)
    again = await cog(h).matcher.run(COMMUNITY, cog(h).settings_for(COMMUNITY), MONDAY_10 + timedelta(weeks=1), "again")
    assert len(again) == 1 and again[0].newcomer.id == "n5"  # only the newcomer who had no buddy yet
    assert await h.scalar("select count(*) from buddy_pairs") == 5
    await wait(h, weeks=1)
    assert await h.scalar("select count(*) from buddy_pairs") == 5
    assert len(h.sim.transcript) == before + 2


async def test_buddy_call_button_opts_members_in(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url))
    h.sim.roles["camille"] = {"animator"}
    reply = await h.sim.command("camille", "buddy call")
    assert "#general" in reply.message.body
    call = next(e for e in h.sim.transcript if e.kind == "bot" and e.message is not None and e.message.buttons)
    assert call.ref is not None
    first = await h.sim.press("vic", call.ref.id, "onboarding:buddy")
    second = await h.sim.press("vic", call.ref.id, "onboarding:buddy")
    assert first is not None and "Thank you" in first.message.body
    assert second is not None and "already" in second.message.body
    assert await h.scalar("select count(*) from buddy_consents where opted_out_at is null") == 1


async def test_funnel_counts_each_stage_of_the_week_cohort(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url, nudge_days=[]))
    old = await h.sim.post("old", "A question for everyone?", channel="help")
    for name in ("a", "b", "c", "d"):
        await h.sim.join(name)
    for name in ("a", "b", "c"):
        kit = dms(h, name)[0]
        assert kit.ref is not None
        await h.sim.press(name, kit.ref.id, "onboarding:accept")
    await h.sim.post("a", "Hello, I'm A", channel="introductions")
    await h.sim.post("b", "Hello, I'm B", channel="introductions")
    await h.sim.post("a", "My answer", reply_to=old.id)
    await wait(h, days=8)
    await h.sim.react("a", old.id, "👍")  # a is active in their second week
    await h.sim.post("d", "Me too", channel="general")  # d contributes without any other step
    await wait(h, days=2)
    await h.app.recorder.flush()
    cid = await h.app.directory.community_id(COMMUNITY)
    funnel = await onboarding_funnel(h.app.db, cid, START, START + timedelta(weeks=1))
    counts = {s.key: s.count for s in funnel.stages}
    assert counts == {"joined": 4, "rules_accepted": 3, "introduced": 2, "first_contribution": 2, "active_second_week": 2}
    assert funnel.stage("rules_accepted").rate == 0.75 and funnel.stage("introduced").step_rate == round(2 / 3, 4)
    assert funnel.second_week_pending == 0
    early = await onboarding_funnel(h.app.db, cid, START, START + timedelta(weeks=1), as_of=START + timedelta(days=1))
    assert early.stage("active_second_week").count == 0 and early.second_week_pending == 4
    assert early.as_dict()["stages"][1] == {"key": "rules_accepted", "count": 3, "rate": 0.75, "step_rate": 0.75}
    empty = await onboarding_funnel(h.app.db, cid, START + timedelta(weeks=5), START + timedelta(weeks=6))
    assert empty.joined == 0 and empty.stage("introduced").rate is None
    h.sim.roles["camille"] = {"animator"}
    reply = await h.sim.command("camille", "onboarding funnel")
    assert "joined 4, of whom: accepted the rules 3 (75%)" in reply.message.body
    lines = await cog(h).summary(COMMUNITY)
    assert lines[0] == "newcomers followed: 4 (4 still here)"


async def test_member_sees_and_erases_their_onboarding_data(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url))
    await h.sim.join("wendy")
    await h.sim.post("wendy", "Hi, I'm Wendy", channel="introductions")
    await h.sim.command("wendy", "buddy optin")
    mine = await h.sim.command("wendy", "mydata")
    assert "Onboarding: joined on 2026-01-05; steps: introduced 2026-01-05" in mine.message.body
    assert "Onboarding messages sent to you: welcome kits and public welcomes" in mine.message.body and "Buddy since 2026-01-05" in mine.message.body
    confirm = await h.sim.command("wendy", "forgetme")
    assert confirm.message.buttons
    await h.app.press(ButtonPressed(custom_id=confirm.message.buttons[0].custom_id, member=MemberRef(COMMUNITY, "wendy"), at=h.clock.now()))
    for table in ("onboarding_members", "onboarding_messages", "buddy_consents"):
        assert await h.scalar(f"select count(*) from {table}") == 0


async def test_french_and_english_catalogs_have_the_same_keys(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    catalog: Catalog = h.app.catalog
    assert catalog.missing() == {}
    assert catalog.t("fr", "onboarding.step_rules") == "Accepter la charte"


async def test_home_view_shows_the_next_step_and_newcomers_on_their_way(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(onboarding_config(db_url))
    await h.sim.join("xavier", "Xavier")
    member = h.sim.member("xavier")
    assert await cog(h).home_lines(member, Access.MEMBER) == ["Your onboarding: next step, Accept the rules (/onboarding)"]
    staff = await cog(h).home_lines(h.sim.member("camille"), Access.MEMBER | Access.ANIMATOR)
    assert staff == ["Onboarding: 1 of the 1 newcomer of the last 30 days is still on their way (/onboarding stuck)"]


async def test_completing_every_step_is_thanked_once_and_earns_the_settled_in_badge(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    from tests.recognition.helpers import awards, badge

    config = onboarding_config(db_url, steps=["rules", "introduce"])
    data = config.model_dump(mode="json")
    data["bot"]["cogs"] = ["onboarding", "recognition"]
    data["cogs"] = {"recognition": {"badges": [badge("settled-in", "onboarding")], "leaderboard_cron": None}}
    h: Harness = await start_bot(type(config).model_validate(data))
    await h.sim.join("yanis")
    await h.sim.post("yanis", "Hi, I'm Yanis", channel="introductions")
    assert not [e for e in dms(h, "yanis") if "every step" in e.text]
    kit = dms(h, "yanis")[0]
    assert kit.ref is not None
    await h.sim.press("yanis", kit.ref.id, "onboarding:accept")
    [thanks] = [e for e in dms(h, "yanis") if "every step" in e.text]
    assert thanks.message is not None and [b.custom_id for b in thanks.message.buttons] == ["onboarding:buddy"]
    await h.sim.post("yanis", "Another post", channel="introductions")
    assert len([e for e in dms(h, "yanis") if "every step" in e.text]) == 1
    assert await h.scalar("select count(*) from onboarding_members where completed_at is not null") == 1
    await wait(h, days=1)  # the recognition cog's nightly check reads completed_at
    assert ("yanis", "settled-in") in await awards(h)
