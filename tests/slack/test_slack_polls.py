"""The real polls cog on Slack: an animator fills the poll form, members vote with its buttons."""

from __future__ import annotations

from tests.slack.conftest import SlackHarness, payload


async def test_animator_posts_a_poll_from_the_form_and_a_member_votes(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot(cogs=("polls",), with_town=False)
    await h.command("poll create", user="UCARO")
    view = h.fake.called("views.open")[0].params["view"]
    by_id = {b["block_id"]: b for b in view["blocks"]}
    assert by_id["question"]["optional"] is False and by_id["options"]["optional"] is True
    assert by_id["kind"]["element"]["type"] == "static_select" and by_id["anonymous"]["element"]["type"] == "checkboxes"

    submission = payload("view_submission", callback_id=view["callback_id"], private_metadata=view["private_metadata"].replace('"', '\\"'))
    submission["user"]["id"] = "UCARO"
    submission["view"]["state"]["values"] = {
        "question": {"value": {"type": "plain_text_input", "value": "Next meetup: where?"}},
        "options": {"value": {"type": "plain_text_input", "value": "Lyon, Paris, online"}},
        "anonymous": {"value": {"type": "checkboxes", "selected_options": []}},
        "kind": {"value": {"type": "static_select", "selected_option": None}},
    }
    assert (await h.interact(submission)).status == 200
    [posted] = h.fake.called("chat.postMessage")
    buttons = [e for b in posted.blocks() if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) >= 3 and "Next meetup: where?" in posted.text_of_blocks()

    click = payload("block_actions", response_url=h.response_url(), custom_id=buttons[1]["value"])
    click["container"]["message_ts"] = click["message"]["ts"] = "1767700000.000001"
    await h.interact(click)
    assert len(await h.rows("select id from poll_votes")) == 1
    assert h.fake.called("response_url")[-1].params["response_type"] == "ephemeral"


async def test_a_member_votes_by_reacting_with_a_number(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot(cogs=("polls",), with_town=False)
    await h.command('poll create "Best day for the meetup?" options=Monday,Thursday', user="UADA")
    assert len(h.fake.called("chat.postMessage")) == 1
    react = payload("reaction_added")
    react["event"].update(reaction="two", item_user="UBOT", item={"type": "message", "channel": "C0GENERAL", "ts": "1767700000.000001"})
    await h.event(react)
    assert await h.rows("select v.voter, v.value from poll_votes v") == [("UBOB", 1)]  # 2️⃣ = the second answer
