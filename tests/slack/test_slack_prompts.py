"""The real weekly prompts cog on Slack: an animator queues a question in a form, members answer in its thread."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import START
from tests.slack.conftest import SlackHarness, payload


async def test_animator_queues_a_prompt_in_a_form_and_a_thread_reply_counts_as_an_answer(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot(cogs=("prompts",), with_town=False, community={"cogs": {"prompts": {"channel": "C0PROMPTS"}}})
    already = len(h.fake.called("chat.postMessage"))
    await h.command("prompt add", user="UADA")
    view = h.fake.called("views.open")[0].params["view"]
    [block] = view["blocks"]
    assert block["block_id"] == "text" and block["element"] == {"type": "plain_text_input", "action_id": "value", "multiline": True}
    assert block["hint"]["text"] == "The question to ask the members"

    submission = payload("view_submission", callback_id=view["callback_id"], private_metadata=view["private_metadata"].replace('"', '\\"'))
    submission["user"]["id"] = "UADA"
    submission["view"]["state"]["values"] = {"text": {"value": {"type": "plain_text_input", "value": "What made you smile this week?"}}}
    await h.interact(submission)
    assert h.fake.called("response_url")[-1].params["response_type"] == "ephemeral"

    await h.app.scheduler.advance_to(START + timedelta(weeks=1, hours=2))
    posted = h.fake.called("chat.postMessage")[already:]
    assert [p.params["channel"] for p in posted] == ["C0PROMPTS"] and "What made you smile this week?" in posted[0].text_of_blocks()
    prompt_ts = f"1767700000.{already + 1:06d}"

    answer = payload("message")
    answer["event_id"] = "EvANSWER"
    answer["event"].update(user="UBOB", text="My cat!", ts="1768300000.000100", event_ts="1768300000.000100",
                           channel=posted[0].params["channel"], thread_ts=prompt_ts, parent_user_id="UBOT")
    await h.event(answer)
    rows = await h.rows("select kind, parent_external_id from interactions where kind in ('reply', 'prompt_answer') order by kind")
    assert rows == [("prompt_answer", prompt_ts), ("reply", prompt_ts)]
    home = payload("app_home_opened")
    home["event"]["user"] = "UBOB"
    await h.event(home)
    assert "This week's question: What made you smile this week?" in h.fake.called("views.publish")[-1].text_of_blocks()
