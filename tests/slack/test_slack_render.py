"""Block Kit rendering stays within Slack's limits; payload details are translated faithfully."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapters.slack.commands import ModalOrigin, command_words
from bot.adapters.slack.render import blocks_for, fallback_text, mrkdwn, slack_commands
from bot.adapters.slack.translate import Workspace, emoji_of, event_of
from bot.core.events import MessagePosted
from bot.core.message import Button, ButtonStyle, Field, Message
from tests.slack.conftest import payload

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def test_a_long_message_fits_in_fifty_blocks_with_its_buttons_kept() -> None:
    body = "\n".join(f"line {i} " + "x" * 200 for i in range(1000))  # ~200 kB of text
    buttons = tuple(Button(f"answer {i} " + "y" * 100, f"poll:vote:{i}", ButtonStyle.SUCCESS if i == 0 else ButtonStyle.SECONDARY) for i in range(30))
    message = Message(body=body, title="T" * 400, fields=tuple(Field(f"f{i}", "v" * 3000) for i in range(12)), buttons=buttons, footer="footer")
    blocks = blocks_for(message, more="(shortened)")
    assert len(blocks) == 50
    assert len(blocks[0]["text"]["text"]) <= 150
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "section" and "fields" in block:
            assert len(block["fields"]) <= 10 and all(len(f["text"]) <= 2000 for f in block["fields"])
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 5]
    first = actions[0]["elements"][0]
    assert len(first["text"]["text"]) <= 75 and first["style"] == "primary" and first["value"] == "poll:vote:0"
    assert "style" not in actions[0]["elements"][1]
    assert blocks[-1]["type"] == "context" and blocks[-1]["elements"][0]["text"] == "footer"
    assert any(b["type"] == "context" and b["elements"][0]["text"] == "(shortened)" for b in blocks)


def test_buttons_with_the_same_id_get_distinct_action_ids() -> None:
    blocks = blocks_for(Message(buttons=(Button("a", "x:1"), Button("b", "x:1"))))
    ids = [e["action_id"] for e in blocks[0]["elements"]]
    assert len(set(ids)) == 2 and [e["value"] for e in blocks[0]["elements"]] == ["x:1", "x:1"]


def test_markdown_becomes_slack_mrkdwn() -> None:
    assert mrkdwn("**Bravo** [docs](https://example.org) ~~old~~") == "*Bravo* <https://example.org|docs> ~old~"
    assert mrkdwn("# Weekly digest") == "*Weekly digest*"


def test_reactions_are_the_emoji_other_platforms_send() -> None:
    assert emoji_of("+1") == "👍" and emoji_of("thumbsup::skin-tone-3") == "👍" and emoji_of("partyparrot") == ":partyparrot:"


def test_slash_command_words_accept_quotes_and_channel_mentions() -> None:
    assert command_words("") == ["help"]
    assert command_words('prompt add "What did you learn?" <#C0INTROS|intros>') == ["prompt", "add", "What did you learn?", "C0INTROS"]


def test_modal_origin_survives_private_metadata_and_drops_a_too_long_response_url() -> None:
    origin = ModalOrigin("poll create", "C0GENERAL", "https://hooks.slack.com/" + "x" * 4000, "fr")
    back = ModalOrigin.load(origin.dump())
    assert back == ModalOrigin("poll create", "C0GENERAL", None, "fr")
    assert ModalOrigin.load("not ours") is None


def test_channel_joins_count_only_for_the_configured_community_channels() -> None:
    body = payload("team_join")
    body["event"] = {"type": "member_joined_channel", "user": "UBOB", "channel": "C0COMMUNITY", "event_ts": "1767600000.000100"}
    assert event_of(body, Workspace("T0ENGAGE"), NOW) is None
    joined = event_of(body, Workspace("T0ENGAGE", community_channels=frozenset({"C0COMMUNITY"})), NOW)
    assert joined is not None and joined.community.id == "T0ENGAGE" and joined.at == datetime(2026, 1, 5, 8, 0, 0, 100, tzinfo=UTC)


def test_a_reply_to_the_bots_own_post_targets_the_bot() -> None:
    body = payload("message")
    body["event"].update(thread_ts="1767600000.000001", parent_user_id="UBOT")
    event = event_of(body, Workspace("T0ENGAGE", bot_user_id="UBOT"), NOW)
    assert isinstance(event, MessagePosted) and event.reply_to_author is not None and event.reply_to_author.bot
    assert event.reply_to is not None and event.reply_to.id == "1767600000.000001"


def test_mentioned_members_are_notified() -> None:
    message = Message(body="Welcome **Bob**!", mentions=("UBOB", "UBOB"))
    assert blocks_for(message)[0]["text"]["text"] == "<@UBOB> Welcome *Bob*!"
    assert fallback_text(message).startswith("<@UBOB> Welcome")


def test_the_bots_commands_are_written_as_slash_command_subcommands() -> None:
    message = Message(body="Type `/help`, then (/onboarding) or /kudos @bob. Not /invite, not https://x.org/help.", footer="/help")
    fixed = slack_commands(message, "/engage", {"help", "onboarding", "kudos"})
    assert fixed.body == "Type `/engage help`, then (/engage onboarding) or /engage kudos @bob. Not /invite, not https://x.org/help."
    assert fixed.footer == "/engage help"
