"""Polls through the real Bolt app: typed /engage commands, Block Kit buttons, results with an uploaded chart."""

from __future__ import annotations

from tests.slack.conftest import SlackHarness, payload
from tests.slack.test_slack_commands import answers


async def test_a_poll_is_voted_with_block_kit_buttons_and_closed_with_a_chart(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot(cogs=("polls",), with_town=False)
    await h.command('poll create "Tea or coffee?" "Tea, Coffee" duration=1d', user="UCARO")  # Caro is in the @animators group
    assert "Poll #1 posted" in answers(h)[-1]["text"]
    [posted] = h.fake.called("chat.postMessage")
    buttons = [e for b in posted.blocks() if b["type"] == "actions" for e in b["elements"]]
    assert [b["value"] for b in buttons] == ["poll:1:0", "poll:1:1", "poll:1:results"]
    ts = posted.params.get("ts") or "1767700000.000001"

    for n, (user, custom_id) in enumerate((("UBOB", "poll:1:0"), ("UALICE", "poll:1:1"), ("UBOB", "poll:1:1"))):  # Bob changes his mind
        click = payload("block_actions", response_url=h.response_url(), custom_id=custom_id)
        click["user"]["id"] = user
        click["trigger_id"] = f"trigger.click{n}"
        click["actions"][0]["action_ts"] = f"1767601200.00050{n}"  # each click is its own interaction
        click["container"]["message_ts"] = click["message"]["ts"] = ts
        await h.interact(click)
        assert answers(h)[-1]["response_type"] == "ephemeral" and "Your vote: " in answers(h)[-1]["text"]
    assert await h.rows("select voter, value from poll_votes order by voter") == [("UALICE", 1), ("UBOB", 1)]

    await h.command("poll close 1", user="UADA")
    assert "files.getUploadURLExternal" in h.fake.methods()
    [upload] = h.fake.called("upload")
    assert upload.params["png"], "the results chart is drawn when it is uploaded"
    results = h.fake.called("chat.postMessage")[-1]
    assert "Results: Tea or coffee?" in results.text_of_blocks() and "Coffee" in results.text_of_blocks()


async def test_members_are_refused_the_animator_poll_commands_on_slack(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot(cogs=("polls",), with_town=False)
    await h.command("survey start nps", user="UBOB")
    assert "is for animators or managers" in answers(h)[-1]["text"]
    assert h.fake.called("chat.postMessage") == []
