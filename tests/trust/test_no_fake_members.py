"""A word where a member is expected never creates a member: only a real mention, or someone the community has seen."""

from __future__ import annotations

from tests.conftest import Harness
from tests.recognition.helpers import recognition_config
from tests.slack.conftest import SlackHarness

HUMANS = "select count(*) from members where is_bot = false"


async def test_kudos_to_a_made_up_name_is_refused_and_creates_no_member(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url))
    await h.sim.join("alice")
    await h.sim.join("bob", name="Bob Martin")
    before = await h.scalar(HUMANS)
    for word, shown in (("ghost1", "ghost1"), ("@ghost2", "ghost2"), ("<@ghost3>", "<@ghost3>")):  # the console vouches for no mention
        reply = await h.sim.command("alice", f"kudos {word} thanks")
        assert reply.ephemeral and reply.message.body == f"member: I don't know the member {shown}. Mention them (@name) or give someone who has already joined or posted."
    assert await h.scalar(HUMANS) == before
    assert await h.scalar("select count(*) from recognition_kudos") == 0
    assert "posted" in (await h.sim.command("alice", "kudos @bob thanks")).message.body  # an id the community knows
    assert "posted" in (await h.sim.command("alice", 'kudos "bob martin" again')).message.body  # or a name, case aside
    assert await h.scalar(HUMANS) == before


async def test_two_members_with_the_same_name_must_be_mentioned(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url))
    await h.sim.join("alice")
    await h.sim.join("u1", name="Sam")
    await h.sim.join("u2", name="sam")
    reply = await h.sim.command("alice", "kudos Sam thanks")
    assert reply.message.body == "member: several members are called Sam. Mention the one you mean (@name)."
    assert "posted" in (await h.sim.command("alice", "kudos u2 thanks")).message.body


async def test_on_slack_a_real_mention_is_accepted_and_a_bare_word_is_not(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot(cogs=("recognition",))
    await h.command("kudos ghost1 thanks", user="UALICE")
    assert "I don't know the member ghost1" in h.fake.called("response_url")[-1].params["text"]
    assert not await h.rows("select external_id from members where external_id = 'ghost1'")
    await h.command("kudos <@UBOB|bob> thanks for the review", user="UALICE")  # Slack escapes a typed @bob like this
    assert "Your kudos" in h.fake.called("response_url")[-1].params["text"]
    assert await h.rows("select count(*) from recognition_kudos") == [(1,)]
