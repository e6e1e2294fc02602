"""The onboarding and recognition cogs on Slack: a newcomer's welcome kit, kudos from a form, the App Home."""

from __future__ import annotations

from tests.slack.conftest import SlackHarness, payload


async def test_newcomer_gets_the_kit_accepts_the_rules_receives_kudos_and_sees_it_at_home(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot(cogs=("onboarding", "recognition"), with_town=False)
    await h.event(payload("team_join"))
    kit = next(c for c in h.fake.called("chat.postMessage") if c.params["channel"] == "DALICE")
    buttons = [e for b in kit.blocks() if b["type"] == "actions" for e in b["elements"]]
    assert buttons, "the welcome kit has buttons"

    click = payload("block_actions", response_url=h.response_url(), custom_id=buttons[0]["value"])
    click["user"]["id"] = "UALICE"
    click["channel"]["id"] = click["container"]["channel_id"] = "DALICE"
    click["container"]["message_ts"] = click["message"]["ts"] = kit.params.get("ts", "1767700000.000001")
    assert (await h.interact(click)).status == 200

    await h.command("kudos", user="UBOB")
    view = h.fake.called("views.open")[0].params["view"]
    assert [(b["block_id"], b["element"]["type"]) for b in view["blocks"]] == [("member", "users_select"), ("reason", "plain_text_input")]
    submission = payload("view_submission", callback_id=view["callback_id"], private_metadata=view["private_metadata"].replace('"', '\\"'))
    submission["user"]["id"] = "UBOB"
    submission["view"]["state"]["values"] = {
        "member": {"value": {"type": "users_select", "selected_user": "UALICE"}},
        "reason": {"value": {"type": "plain_text_input", "value": "the warm welcome"}},
    }
    posts_before = len(h.fake.called("chat.postMessage"))
    await h.interact(submission)
    said = h.fake.called("chat.postMessage")[posts_before:] + h.fake.called("response_url")[-1:]
    assert any("UALICE" in str(c.params) or "Alice" in str(c.params) for c in said)

    await h.event(payload("app_home_opened"))
    home = h.fake.called("views.publish")[-1].text_of_blocks()
    assert "Your onboarding: next step" in home and "(/engage onboarding)" in home and "pts" in home
