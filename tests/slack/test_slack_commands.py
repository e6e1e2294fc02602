"""The /engage slash command, modals, buttons and rate limits through the real Bolt app."""

from __future__ import annotations

import json

import pytest

from bot.commands import Reply
from bot.core.actions import SendMessage
from bot.core.message import Attachment, Message
from bot.core.refs import ChannelRef, MessageRef
from tests.slack.conftest import COMMUNITY, SlackHarness, payload


def answers(h: SlackHarness) -> list[dict]:  # type: ignore[type-arg]
    """What was answered through response_url, in order."""
    return [c.params for c in h.fake.called("response_url")]


async def test_help_lists_the_commands_privately(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    response = await h.command("")
    assert response.status == 200 and response.body == ""  # acked at once, answered after
    [answer] = answers(h)
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert "`/engage ping`" in answer["text"] and "poll create" not in answer["text"]  # members only see what they may run
    await h.command("help", user="UADA")
    assert "`/engage poll create`" in answers(h)[1]["text"]
    await h.command("dance")
    assert "Try `/engage help`." in answers(h)[2]["text"]


async def test_animator_creates_a_poll_in_a_modal_and_a_member_votes_with_a_button(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    await h.command("poll create", user="UCARO")  # Caro is in the @animators user group
    [opened] = h.fake.called("views.open")
    view = opened.params["view"]
    assert opened.params["trigger_id"].startswith("trigger.")
    assert [b["block_id"] for b in view["blocks"]] == ["question", "answers", "hours"]
    assert [b["element"]["type"] for b in view["blocks"]] == ["plain_text_input", "plain_text_input", "number_input"]
    assert view["blocks"][2]["optional"] is True and view["blocks"][2]["element"]["max_value"] == "168"

    submission = payload("view_submission", callback_id=view["callback_id"], private_metadata=view["private_metadata"].replace('"', '\\"'))
    submission["user"]["id"] = "UCARO"
    submission["view"]["state"]["values"] = {
        "question": {"value": {"type": "plain_text_input", "value": "Pizza or sushi?"}},
        "answers": {"value": {"type": "plain_text_input", "value": "pizza, sushi"}},
        "hours": {"value": {"type": "number_input", "value": "48"}},
    }
    response = await h.interact(submission)
    assert response.status == 200 and response.body == ""  # the modal closes
    [posted] = h.fake.called("chat.postMessage")
    assert posted.params["channel"] == "C0GENERAL"
    blocks = posted.blocks()
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Pizza or sushi?", "emoji": True}}
    buttons = blocks[1]["elements"]
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [("pizza", "town:vote:0"), ("sushi", "town:vote:1")]
    assert "48 h" in posted.text_of_blocks()
    assert answers(h)[-1]["text"] == "Poll posted."

    click = payload("block_actions", response_url=h.response_url(), custom_id="town:vote:1")
    click["container"]["message_ts"] = click["message"]["ts"] = "1767700000.000001"
    await h.interact(click)
    assert h.town.tally("1767700000.000001") == {1: 1}
    assert answers(h)[-1]["text"] == "Vote counted: sushi"
    assert answers(h)[-1]["response_type"] == "ephemeral"


async def test_a_wrong_value_in_the_modal_is_shown_next_to_its_field(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    await h.command("poll create", user="UADA")
    view = h.fake.called("views.open")[0].params["view"]
    submission = payload("view_submission", callback_id=view["callback_id"], private_metadata=view["private_metadata"].replace('"', '\\"'))
    submission["user"]["id"] = "UADA"
    submission["view"]["state"]["values"] = {
        "question": {"value": {"type": "plain_text_input", "value": "Q?"}},
        "answers": {"value": {"type": "plain_text_input", "value": "a,b"}},
        "hours": {"value": {"type": "number_input", "value": "500"}},
    }
    response = await h.interact(submission)
    assert json.loads(response.body) == {"response_action": "errors", "errors": {"hours": "hours: at most 168."}}
    assert h.fake.called("chat.postMessage") == []


async def test_a_member_is_refused_a_staff_command_privately(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    await h.command('poll create "Pizza?" yes,no', user="UBOB")
    await h.command("poll create", user="UBOB")  # no modal for a command they may not run
    assert h.fake.called("views.open") == [] and h.fake.called("chat.postMessage") == []
    refusals = answers(h)
    assert len(refusals) == 2
    assert all(r["response_type"] == "ephemeral" and "is for animators or managers" in r["text"] for r in refusals)


async def test_typed_arguments_run_the_command_without_a_modal(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    await h.command('poll create "Tea or coffee?" tea,coffee', user="UADA", channel="C0RANDOM")
    [posted] = h.fake.called("chat.postMessage")
    assert posted.params["channel"] == "C0RANDOM" and posted.blocks()[0]["text"]["text"] == "Tea or coffee?"


async def test_rate_limited_call_waits_retry_after_and_is_retried(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    h.fake.fail("chat.postMessage", status=429, headers={"Retry-After": "7"})
    ref = await h.adapter.send(SendMessage(ChannelRef(COMMUNITY, "C0GENERAL"), Message("Weekly question: what did you learn?")))
    assert len(h.fake.called("chat.postMessage")) == 2
    assert h.sleeps == [7.0]
    assert ref is not None and ref.channel.id == "C0GENERAL"


async def test_a_server_error_is_retried_after_a_short_pause(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    h.fake.fail("views.publish", status=503, error="service_unavailable")
    await h.event(payload("app_home_opened"))
    assert len(h.fake.called("views.publish")) == 2
    assert len(h.sleeps) == 1 and 0 < h.sleeps[0] <= 2


async def test_image_is_uploaded_as_a_file_in_the_thread(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    chart = Attachment("digest.png", b"\x89PNG fake chart", "Active members per week")
    ref = await h.adapter.send(SendMessage(ChannelRef(COMMUNITY, "C0GENERAL"), Message("Weekly digest", image=chart)))
    assert ref is not None
    assert h.fake.methods()[:3] == ["chat.postMessage", "files.getUploadURLExternal", "upload"]
    assert "files.completeUploadExternal" in h.fake.methods()
    complete = h.fake.called("files.completeUploadExternal")[0]
    assert complete.params["channel_id"] == "C0GENERAL"


async def test_a_chart_is_drawn_before_its_message_is_posted_so_a_failed_drawing_posts_nothing(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()

    def broken() -> bytes:
        raise RuntimeError("no chart today")

    chart = Attachment.drawn_later("digest.png", broken, "Active members per week")
    with pytest.raises(RuntimeError):
        await h.adapter.send(SendMessage(ChannelRef(COMMUNITY, "C0GENERAL"), Message("Weekly digest", image=chart)))
    assert h.fake.methods() == []  # neither the text nor the file: the caller (the digest) retries the whole post
    drawn = Attachment.drawn_later("digest.png", lambda: b"\x89PNG\r\n\x1a\n drawn", "Active members per week")
    await h.adapter.send(SendMessage(ChannelRef(COMMUNITY, "C0GENERAL"), Message("Weekly digest", image=drawn)))
    assert h.fake.called("upload")[0].params["png"]


async def test_a_reply_is_posted_in_the_thread_of_the_post_it_answers(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    general = ChannelRef(COMMUNITY, "C0GENERAL")
    question = MessageRef(general, "1767600300.000200")
    ref = await h.adapter.send(SendMessage(general, Message("Thanks for your answer!"), reply_to=question))
    [posted] = h.fake.called("chat.postMessage")
    assert posted.params["thread_ts"] == "1767600300.000200"
    assert ref == MessageRef(general, "1767700000.000001", "1767600300.000200")  # the ts the fake Slack gave it


async def test_a_member_erases_their_data_with_the_button_of_a_private_answer(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    await h.event(payload("team_join"))
    await h.command("forgetme")
    confirm = answers(h)[-1]
    [button] = [e for b in confirm["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["style"] == "danger"
    click = payload("block_actions", response_url=h.response_url(), custom_id=button["value"])
    click["user"]["id"] = "UALICE"
    click["container"]["is_ephemeral"] = True
    await h.interact(click)
    assert answers(h)[-1]["text"] == "Done: everything stored about you has been erased."
    assert await h.rows("select id from interactions") == []


async def test_a_private_answer_with_a_chart_sends_the_chart_by_dm(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    chart = Attachment("results.png", b"\x89PNG results", "Votes per answer")
    reply = Reply(Message("Results so far", image=chart))
    await h.adapter.answer(reply, h.adapter.workspace(), "UALICE", "C0GENERAL", h.response_url())
    assert h.fake.methods()[:3] == ["response_url", "conversations.open", "files.getUploadURLExternal"]
    assert h.fake.called("files.completeUploadExternal")[0].params["channel_id"] == "DALICE"
