"""A real bot with the real Slack adapter (Bolt AsyncApp, HTTP mode on 127.0.0.1) against a fake Slack Web API."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack import SlackAdapter
from bot.app import Engagebot
from bot.config import Config, parse_config
from bot.core.clock import VirtualClock
from bot.core.refs import CommunityRef, Platform
from storage.db import Database
from tests.conftest import START
from tests.slack.fake_slack import TEAM, FakeSlack
from tests.slack.town import Town

SECRET = "test-signing-secret"
PAYLOADS = Path(__file__).parent / "payloads"
COMMUNITY = CommunityRef(Platform.SLACK, TEAM)


def payload(name: str, **fill: str) -> dict[str, Any]:
    """A recorded Slack payload from tests/slack/payloads, with `{placeholders}` filled."""
    text = (PAYLOADS / f"{name}.json").read_text(encoding="utf-8")
    for key, value in fill.items():
        text = text.replace("{" + key + "}", value)
    return copy.deepcopy(json.loads(text))


def slack_config(db_url: str, fake: FakeSlack, cogs: tuple[str, ...] = (), community: dict[str, Any] | None = None, **slack: Any) -> Config:
    """The Slack workspace as the one community, HTTP mode on a free port of 127.0.0.1."""
    return parse_config({
        "database": {"url": db_url, "flush_seconds": 0.05},
        "bot": {"cogs": list(cogs)},
        "communities": [{"platform": "slack", "id": TEAM, "timezone": "Europe/Paris", "locale": "en",
                         "animator_roles": ["animators"], **(community or {})}],
        "slack": {"mode": "http", "host": "127.0.0.1", "port": 0, "api_base_url": fake.api, **slack},
    }, "test")


class SlackHarness:
    """Signs and delivers Slack requests to the bot, waits for the work after the ack, reads the database."""

    def __init__(self, app: Engagebot, adapter: SlackAdapter, fake: FakeSlack, clock: VirtualClock, town: Town) -> None:
        self.app, self.adapter, self.fake, self.clock, self.town = app, adapter, fake, clock, town
        self.sleeps: list[float] = []
        self._signer = SignatureVerifier(SECRET)
        self._hooks = 0

    def signed(self, raw: str, content_type: str, retry: int | None = None, secret_ok: bool = True) -> dict[str, str]:
        """Headers of a request signed like Slack signs it (or with a wrong signature)."""
        ts = str(int(time.time()))
        signature = self._signer.generate_signature(timestamp=ts, body=raw) if secret_ok else "v0=" + "0" * 64
        headers = {"content-type": content_type, "x-slack-request-timestamp": ts, "x-slack-signature": signature or ""}
        if retry is not None:
            headers.update({"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"})
        return headers

    async def dispatch(self, raw: str, content_type: str, retry: int | None = None) -> BoltResponse:
        """Deliver a signed request to Bolt's `async_dispatch` and wait for the work it started."""
        response = await self.adapter.bolt.async_dispatch(AsyncBoltRequest(body=raw, headers=self.signed(raw, content_type, retry)))
        await self.adapter.idle()
        return response

    async def event(self, body: dict[str, Any], retry: int | None = None) -> BoltResponse:
        """An Events API delivery."""
        return await self.dispatch(json.dumps(body), "application/json", retry)

    def response_url(self) -> str:
        """A fresh response_url pointing at the fake server."""
        self._hooks += 1
        return f"{self.fake.url}/response/hook{self._hooks}"

    async def command(self, text: str, user: str = "UALICE", channel: str = "C0GENERAL") -> BoltResponse:
        """The slash command, typed by `user` in `channel`."""
        body = payload("slash_command", response_url=self.response_url())
        body.update(text=text, user_id=user, channel_id=channel, trigger_id=f"trigger.{self._hooks}")
        return await self.dispatch(urlencode(body), "application/x-www-form-urlencoded")

    async def interact(self, body: dict[str, Any]) -> BoltResponse:
        """An interactivity payload (button click, modal submission)."""
        return await self.dispatch(urlencode({"payload": json.dumps(body)}), "application/x-www-form-urlencoded")

    async def post_http(self, raw: str, headers: dict[str, str]) -> int:
        """Send a request to the adapter's own HTTP server on 127.0.0.1; the status it answers."""
        url = f"http://127.0.0.1:{self.adapter.port}{self.app.config.slack.path}"
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session, session.post(url, data=raw.encode(), headers=headers) as resp:
            status = resp.status
        await self.adapter.idle()
        return status

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        """Every row of a query (after flushing the recorder)."""
        from sqlalchemy import text

        await self.app.recorder.flush()
        async with self.app.db.begin() as conn:
            return list((await conn.execute(text(sql), params)).all())


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """The fake Slack Web API, with Alice (a member) and Ada (a workspace admin)."""
    fake = FakeSlack(users={
        "UALICE": {"id": "UALICE", "name": "alice", "real_name": "Alice Martin", "locale": "en-US", "profile": {"display_name": "Alice"}},
        "UBOB": {"id": "UBOB", "name": "bob", "real_name": "Bob", "profile": {"display_name": "Bob"}},
        "UADA": {"id": "UADA", "name": "ada", "real_name": "Ada", "is_admin": True, "profile": {"display_name": "Ada"}},
        "UCARO": {"id": "UCARO", "name": "caro", "real_name": "Caro", "profile": {"display_name": "Caro"}},
    }, usergroups=[{"id": "S0ANIM", "handle": "animators", "name": "Animators", "users": ["UCARO"]}])
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def slack_bot(db_url: str, fake_slack: FakeSlack) -> AsyncIterator[Callable[..., Any]]:
    """Start a bot with the Slack adapter (and the Town test cog) against the fake Web API."""
    started: list[Engagebot] = []

    async def factory(*, cogs: tuple[str, ...] = (), with_town: bool = True, community: dict[str, Any] | None = None, **slack: Any) -> SlackHarness:
        config = slack_config(db_url, fake_slack, cogs, community, **slack)
        clock = VirtualClock(START)
        # the database as the live bot has it (aiosqlite's worker thread), though the clock is virtual
        app = Engagebot(config, clock=clock, database=Database(config.database.url))
        sleeps: list[float] = []

        async def record_sleep(seconds: float) -> None:
            sleeps.append(seconds)

        adapter = SlackAdapter(config.slack, bot_token="xoxb-test-token", app_token="xapp-test-token", signing_secret=SECRET, clock=clock, sleep=record_sleep,
                               known_communities=frozenset({TEAM}))
        app.add_adapter(adapter, [COMMUNITY])
        await app.start()
        town = Town(app.context("town"))
        if with_town:
            app.install(town)
        started.append(app)
        harness = SlackHarness(app, adapter, fake_slack, clock, town)
        harness.sleeps = sleeps
        return harness

    yield factory
    for app in started:
        if app.started:
            await app.stop()
