"""Members' texts (kudos reasons, poll questions and answers, open feedback, names, prompts) are shown as typed.

They never become markup or a mention, and a message pings exactly the members it declares.
"""

from __future__ import annotations

import json
from datetime import timedelta

from bot.config import parse_config
from bot.core.markup import plain, render, verbatim
from bot.core.message import Message
from tests.conftest import Harness, make_config
from tests.discord import shim
from tests.discord.conftest import DiscordHarness, discord_config
from tests.polls.helpers import last_post
from tests.recognition.helpers import recognition_config
from tests.slack.conftest import SlackHarness

NASTY = "<!channel> <!here> <@UCARO> <!subteam^S0ANIM> @everyone **bold** & [link](https://evil.example)"


def test_a_member_cannot_close_their_own_verbatim_segment_and_a_cut_segment_stays_escaped() -> None:
    sneaky = "\ue001 **now bold?** \ue000"
    text = f"**Kudos**: {verbatim(sneaky)}"
    # the bot's Markdown is converted, the member's is not, and the markers they typed are gone
    assert render(text, lambda s: f"<{s}>", lambda s: s.replace("**", "*")) == "*Kudos*: < **now bold?** >"
    cut = f"{verbatim('x' * 10)[:6]}"  # a message shortened in the middle of a member's text
    assert render(cut, lambda s: s.upper()) == "XXXXX"
    assert plain(text) == "**Kudos**:  **now bold?** "


async def test_on_slack_a_kudos_reason_cannot_ping_the_channel_or_a_group(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot(cogs=("recognition",))
    await h.command(f"kudos <@UBOB|bob> {NASTY}", user="UALICE")
    public = [c for c in h.fake.called("chat.postMessage") if c.params.get("channel") == "C0GENERAL"]
    assert public, h.fake.methods()
    for call in h.fake.called("chat.postMessage") + h.fake.called("response_url"):
        sent = json.dumps(call.params)
        for ping in ("<!channel>", "<!here>", "<@UCARO>", "<!subteam"):
            assert ping not in sent, (call.method, sent)
    text = public[-1].params["text"] + public[-1].text_of_blocks()
    assert "&lt;!channel&gt; &lt;!here&gt; &lt;@UCARO&gt;" in text and "&amp;" in text and "**bold**" in text


async def test_on_discord_a_kudos_reason_pings_nobody_and_its_markdown_is_shown(discord_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    data = discord_config(db_url).model_dump(mode="json")
    data["bot"]["cogs"] = ["recognition"]
    data["cogs"] = {"recognition": {"channel": "general", "leaderboard_cron": ""}}
    h: DiscordHarness = await discord_bot(parse_config(data, "test"))
    alice, bob, carol = h.world.members["alice"], h.world.members["bob"], h.world.members["carol"]
    reason = f"<@{carol.id}> @everyone @here **bold** ||spoiler||"
    await shim.slash(h.adapter.client, "kudos", alice, h.world.channels["general"], [shim.option("member", bob), shim.option("reason", reason)])
    [public] = [s for s in h.world.sent_to("general")]
    assert public.payload["allowed_mentions"] == {"parse": [], "users": [bob.id]}  # the receiver, declared; not carol
    content = public.content
    assert f"<@{carol.id}>" not in content and "@everyone" not in content and "@here" not in content
    assert "\\*\\*bold\\*\\*" in content and "\\|\\|spoiler\\|\\|" in content
    dms = [s for s in h.world.sent if s.channel_id not in shim.CHANNEL_IDS.values()]
    assert dms and all(s.payload["allowed_mentions"] == {"parse": [], "users": []} for s in dms)


async def test_poll_texts_and_open_answers_are_shown_as_typed_everywhere(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(make_config(db_url, bot={"cogs": ["polls"]}))
    await h.sim.command("admin", f'survey start open question="{NASTY}" duration=1d')
    poll = last_post(h)
    assert poll.message is not None and poll.message.title is not None and NASTY in poll.message.title  # the console shows it as typed
    await h.sim.command("alice", "poll answer 1 <!channel> **read me** <@UCARO>")
    await h.sim.command("bob", "poll answer 1 fine")
    await h.sim.command("carol", "poll answer 1 ok")
    await h.app.scheduler.advance_to(h.clock.now() + timedelta(days=1, minutes=1))
    results = last_post(h)
    assert results.message is not None and "• <!channel> **read me** <@UCARO>" in results.text
    # what Discord and Slack are sent for that same results message
    from bot.adapters.discord.render import render as discord_render
    from bot.adapters.slack.render import blocks_for, fallback_text

    polls = h.app.cogs["polls"]
    poll_row = await polls.store.get(1)
    raw = await polls.life.results(poll_row, polls.texts(h.app.communities[0]), final=True, min_respondents=3)
    blocks = blocks_for(raw)
    assert blocks[0]["type"] == "header" and NASTY in blocks[0]["text"]["text"]  # plain_text: Slack shows it as typed, parses nothing
    slack = json.dumps(blocks[1:]) + fallback_text(raw)  # mrkdwn: escaped
    assert "<!channel>" not in slack and "<@UCARO>" not in slack and "&lt;!channel&gt; **read me** &lt;@UCARO&gt;" in slack
    out = discord_render(raw, object())
    shown = "".join(e.description or "" for e in out.embeds)
    assert "\\*\\*read me\\*\\*" in shown and out.kwargs()["allowed_mentions"].to_dict() == {"parse": [], "users": []}


async def test_a_display_name_is_text_too(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url))
    await h.sim.join("alice")
    await h.sim.join("u9", name="<!channel> **Boss**")
    await h.sim.command("alice", "kudos u9 thanks")
    from bot.adapters.slack.render import blocks_for

    said = [e for e in h.sim.transcript if e.kind == "bot"]
    assert said and "<!channel> **Boss**" in said[-1].text  # the console shows the name as typed
    rendered = json.dumps(blocks_for(Message(f"🙌 {verbatim('<!channel> **Boss**')}")))
    assert "&lt;!channel&gt; **Boss**" in rendered


async def test_a_prompt_an_animator_wrote_goes_out_as_typed(start_bot) -> None:  # type: ignore[no-untyped-def]
    from bot.adapters.discord.render import render as discord_render
    from bot.adapters.slack.render import blocks_for, fallback_text
    from storage.prompts import Choice

    h: Harness = await start_bot()
    h.sim.roles["camille"] = {"animator"}
    await h.sim.command("camille", "prompt add <!channel> @everyone what is **your** favourite tool?")
    cog = h.app.cogs["prompts"]
    community = h.app.communities[0]
    choice = await cog.next_choice(community, h.clock.now().date())
    assert isinstance(choice, Choice) and choice.source == "queue"
    message = cog.render(community, choice)
    slack = json.dumps(blocks_for(message)) + fallback_text(message)
    assert "<!channel>" not in slack and "&lt;!channel&gt; @everyone what is **your** favourite tool?" in slack
    discord = discord_render(message, object())
    shown = "".join(e.description or "" for e in discord.embeds) + (discord.content or "")
    assert "@everyone" not in shown and "\\*\\*your\\*\\*" in shown
    assert plain(message.body) == "<!channel> @everyone what is **your** favourite tool?"
