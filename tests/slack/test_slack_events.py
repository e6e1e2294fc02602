"""Slack events through the real Bolt app: joins, thread replies, reactions, redeliveries, signatures, Home."""

from __future__ import annotations

import asyncio
import json
import logging

from slack_bolt.request.async_request import AsyncBoltRequest

from bot.core.events import MemberJoined, MessagePosted
from tests.slack.conftest import SlackHarness, payload


def message(ts: str, text: str, user: str = "UALICE", event_id: str | None = None, **extra: str) -> dict:  # type: ignore[type-arg]
    """A message event from `user` in #general."""
    body = payload("message")
    body["event_id"] = event_id or f"Ev{ts.replace('.', '')}"
    body["event"].update(ts=ts, event_ts=ts, text=text, user=user, **extra)
    return body


async def test_newcomer_is_recorded_and_welcomed_by_dm(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    response = await h.event(payload("team_join"))
    assert response.status == 200
    assert h.town.welcomed == ["UALICE"]
    assert h.fake.methods() == ["conversations.open", "chat.postMessage"]
    opened, posted = h.fake.called("conversations.open")[0], h.fake.called("chat.postMessage")[0]
    assert opened.params["users"] == "UALICE"
    assert posted.params["channel"] == "DALICE"
    assert "Hello *Alice*" in posted.text_of_blocks()
    rows = await h.rows("select i.kind, m.external_id, m.name from interactions i join members m on m.id = i.member_id")
    assert rows == [("join", "UALICE", "Alice")]


async def test_newcomer_with_closed_dms_is_welcomed_in_the_fallback_channel(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    h.fake.fail("chat.postMessage", error="messages_tab_disabled")
    await h.event(payload("team_join"))
    posts = h.fake.called("chat.postMessage")
    assert [p.params["channel"] for p in posts] == ["DALICE", "C0WELCOME"]
    assert "<@UALICE>" in posts[1].text_of_blocks()


async def test_thread_reply_is_recorded_as_a_reply_to_the_thread_author_with_mentions(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    await h.event(message("1767600300.000200", "Bonjour à tous !"))
    reply = message("1767600900.000300", "Salut <@UALICE> et <@UCARO|caro> !", user="UBOB",
                    thread_ts="1767600300.000200", parent_user_id="UALICE")
    await h.event(reply)
    rows = await h.rows(
        "select i.kind, a.external_id, t.external_id, i.parent_external_id from interactions i "
        "join members a on a.id = i.member_id left join members t on t.id = i.target_member_id order by i.id"
    )
    assert rows == [
        ("message", "UALICE", None, None),
        ("reply", "UBOB", "UALICE", "1767600300.000200"),
        ("mention", "UBOB", "UALICE", "1767600900.000300"),
        ("mention", "UBOB", None, "1767600900.000300"),  # UCARO never joined nor posted: no member row (issue #22)
    ]


async def test_bot_messages_edits_and_channel_notices_are_not_posts(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    await h.event(message("1767600300.000200", "hello"))
    edited = message("1767600400.000300", "", event_id="EvEDIT", subtype="message_changed")
    edited["event"]["message"] = {"user": "UALICE", "text": "hello (edited)", "ts": "1767600300.000200"}
    other_bot = message("1767600500.000400", "I am a bot", user="UOTHER", event_id="EvBOT", subtype="bot_message", bot_id="B0OTHER")
    joined_notice = message("1767600600.000500", "<@UBOB> has joined the channel", user="UBOB", event_id="EvNOTICE", subtype="channel_join")
    for body in (edited, other_bot, joined_notice):
        assert (await h.event(body)).status == 200  # acked all the same, so Slack does not retry
    assert await h.rows("select kind, external_id from interactions") == [("message", "1767600300.000200")]


async def test_reaction_and_its_removal(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    await h.event(message("1767600300.000200", "Bonjour"))
    added = payload("reaction_added")
    await h.event(added)
    removed = payload("reaction_added")
    removed["event_id"] = "Ev0UNREACT"
    removed["event"].update(type="reaction_removed", event_ts="1767600700.000100")
    rows = await h.rows("select i.kind, t.external_id, i.removed_at is not null from interactions i join members t on t.id = i.target_member_id where kind = 'reaction'")
    assert rows == [("reaction", "UALICE", False)]
    await h.event(removed)
    rows = await h.rows("select external_id, removed_at is not null from interactions where kind = 'reaction'")
    [(key, gone)] = rows
    assert gone and key.startswith("1767600300.000200:UBOB:👋#")  # the natural key is free for the same reaction given again


async def test_redelivered_event_is_acked_and_counted_once(slack_bot, caplog) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    body = payload("team_join")
    first = await h.event(body)
    with caplog.at_level(logging.INFO, logger="engagebot.slack"):
        again = await h.event(body, retry=1)
    assert (first.status, again.status) == (200, 200)
    assert "Ev0JOIN redelivered (retry 1): acked, not processed again" in caplog.text
    assert h.town.welcomed == ["UALICE"]
    assert len(h.fake.called("chat.postMessage")) == 1
    assert len(await h.rows("select id from interactions")) == 1


async def test_unknown_subscribed_events_are_acked(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    body = payload("app_home_opened")
    body["event"] = {"type": "channel_rename", "channel": {"id": "C0GENERAL", "name": "general-chat"}, "event_ts": "1767600900.000400"}
    assert (await h.event(body)).status == 200


async def test_bad_signature_is_refused_with_401_by_the_http_server(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    raw = json.dumps(payload("team_join"))
    assert await h.post_http(raw, h.signed(raw, "application/json", secret_ok=False)) == 401
    assert h.town.welcomed == []
    assert await h.post_http(raw, h.signed(raw, "application/json")) == 200
    assert h.town.welcomed == ["UALICE"]


async def test_app_home_shows_progress_to_members_and_kpis_to_staff(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    await h.event(payload("app_home_opened"))
    home = h.fake.called("views.publish")[0]
    assert home.params["user_id"] == "UALICE"
    text = home.text_of_blocks()
    assert "onboarding 1/3 for Alice" in text and "Active members" not in text
    assert "/engage help" in text
    staff = payload("app_home_opened")
    staff["event_id"], staff["event"]["user"] = "Ev0HOME2", "UCARO"  # in the animators user group
    await h.event(staff)
    assert "Active members this week: 3" in h.fake.called("views.publish")[1].text_of_blocks()


async def test_socket_mode_receives_events_and_acks_them(slack_bot, fake_slack) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot(mode="socket")
    assert [c.method for c in fake_slack.calls[:2]] == ["auth.test", "apps.connections.open"]
    ack = await fake_slack.push("env-1", "events_api", payload("team_join"))
    assert ack["envelope_id"] == "env-1"
    await h.adapter.idle()
    assert h.town.welcomed == ["UALICE"]
    assert fake_slack.methods()[-2:] == ["conversations.open", "chat.postMessage"]


async def test_the_request_url_check_of_http_mode_is_answered(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    response = await h.event({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"})
    assert response.status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.body


async def test_events_are_handled_in_the_order_slack_sent_them(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    gate, seen = asyncio.Event(), []

    async def slow_join(event: MemberJoined) -> None:
        await gate.wait()
        seen.append("join")

    async def post(event: MessagePosted) -> None:
        seen.append("post")

    h.app.bus.subscribe(MemberJoined, slow_join, owner="test")
    h.app.bus.subscribe(MessagePosted, post, owner="test")
    for body in (payload("team_join"), message("1767600300.000200", "Hi, I'm new!")):
        raw = json.dumps(body)
        response = await h.adapter.bolt.async_dispatch(AsyncBoltRequest(body=raw, headers=h.signed(raw, "application/json")))
        assert response.status == 200  # both acked while the join is still being handled
    for _ in range(20):
        await asyncio.sleep(0)
    assert seen == []
    gate.set()
    await h.adapter.idle()
    assert seen == ["join", "post"]
