"""On Slack, one slow Web API call stalls only the member it is about; shutdown waits a bounded time."""

from __future__ import annotations

import asyncio
import json

from slack_bolt.request.async_request import AsyncBoltRequest

from tests.slack.conftest import SlackHarness, payload
from tests.slack.test_slack_events import message


async def deliver(h: SlackHarness, body: dict) -> None:  # type: ignore[type-arg]
    """An Events API delivery, acknowledged, its handling left running."""
    raw = json.dumps(body)
    response = await h.adapter.bolt.async_dispatch(AsyncBoltRequest(body=raw, headers=h.signed(raw, "application/json")))
    assert response.status == 200


async def test_a_welcome_stuck_on_the_web_api_does_not_hold_back_other_members_events(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    h.fake.held["conversations.open"] = asyncio.Event()  # Alice's welcome DM hangs (rate limits, a slow Slack)
    await deliver(h, payload("team_join"))
    await deliver(h, message("1767600300.000200", "hello from bob", user="UBOB"))
    await h.adapter.idle("UBOB")  # Bob's post is handled meanwhile
    assert await h.rows("select kind, external_id from interactions where kind = 'message'") == [("message", "1767600300.000200")]
    await deliver(h, message("1767600400.000300", "hi, I'm new", user="UALICE"))
    await asyncio.sleep(0)
    assert "1767600400.000300" not in {r[1] for r in await h.rows("select kind, external_id from interactions")}  # after her join, in turn
    h.fake.held["conversations.open"].set()
    await h.adapter.idle()
    kinds = await h.rows("select i.kind, m.external_id from interactions i join members m on m.id = i.member_id order by i.id")
    assert ("join", "UALICE") in kinds and ("message", "UALICE") in kinds
    assert kinds.index(("join", "UALICE")) < kinds.index(("message", "UALICE"))


async def test_stop_waits_a_bounded_time_for_a_stuck_call(slack_bot, caplog) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    h.fake.held["conversations.open"] = asyncio.Event()  # never answered
    await deliver(h, payload("team_join"))
    h.adapter.stop_grace = 0.05
    await asyncio.wait_for(h.adapter.stop(), timeout=5)
    assert "still being handled after" in caplog.text


async def test_a_post_deleted_while_its_author_s_events_wait_is_deleted_after_it_is_recorded(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    h.fake.held["conversations.open"] = asyncio.Event()  # the newcomer's welcome DM hangs: her events wait in turn
    await deliver(h, payload("team_join"))
    await deliver(h, message("1767600400.000300", "buy cheap followers", user="UALICE"))
    deleted = message("1767600500.000400", "", event_id="EvDELETE", subtype="message_deleted", deleted_ts="1767600400.000300")
    deleted["event"].pop("user")  # a deletion names the author only in previous_message
    deleted["event"]["previous_message"] = {"type": "message", "user": "UALICE", "ts": "1767600400.000300", "text": "buy cheap followers"}
    await deliver(h, deleted)  # a moderator deletes it at once
    await h.adapter.idle("C0GENERAL")  # whatever the channel had to handle is done
    await h.app.recorder.flush()
    h.fake.held["conversations.open"].set()
    await h.adapter.idle()
    await h.app.recorder.flush()
    assert await h.rows("select external_id, removed_at is not null from interactions where kind = 'message'") == [("1767600400.000300", 1)]
