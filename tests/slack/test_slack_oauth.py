"""OAuth mode (`[slack] oauth = true`): many workspaces install the app through bolt's OAuth flow, each gets its community and its token.

Real bolt objects driven offline: the adapter's own HTTP server on 127.0.0.1 for the install link and Slack's
redirect, signed requests to `async_dispatch` for events, the fake Web API for oauth.v2.access and the calls made.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData

from bot.adapters.slack import SlackAdapter, build_slack_adapter
from bot.adapters.slack.installs import Installations, States
from bot.app import Engagebot
from bot.config import Config, ConfigError, Secrets, parse_config
from bot.core.actions import SendMessage
from bot.core.clock import VirtualClock
from bot.core.message import Message
from bot.core.refs import ChannelRef, CommunityRef, Platform
from bot.doctor import platform_checks
from bot.runner import platform_adapters
from storage.db import Database, load_all_models
from tests.conftest import START
from tests.slack.conftest import SECRET, SlackHarness, payload
from tests.slack.fake_slack import FakeSlack
from tests.slack.town import Town

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret"
OTHER = "T0OTHER"
OTHER_TOKEN = "xoxb-other-workspace-token"
OTHER_COMMUNITY = CommunityRef(Platform.SLACK, OTHER)
GRANT = {
    "app_id": "A0ENGAGE", "access_token": OTHER_TOKEN, "token_type": "bot", "scope": "chat:write,commands,im:write,users:read",
    "bot_user_id": "UOTHERBOT", "team": {"id": OTHER, "name": "Other Workspace"}, "enterprise": None,
    "authed_user": {"id": "UINSTALLER"}, "is_enterprise_install": False,
}


def oauth_config(db_url: str, fake: FakeSlack, cogs: tuple[str, ...] = (), locale: str = "en", **slack: Any) -> Config:
    """No Slack community configured: the workspaces come by installing the app."""
    return parse_config({
        "database": {"url": db_url, "flush_seconds": 0.05},
        "bot": {"cogs": list(cogs), "locale": locale},
        "slack": {"mode": "http", "oauth": True, "host": "127.0.0.1", "port": 0, "api_base_url": fake.api, **slack},
    }, "test")


class OAuthHarness(SlackHarness):
    """The Slack harness, plus the browser's side of the OAuth flow (real HTTP to the adapter's server)."""

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.adapter.port}{path}"

    async def get(self, path: str, cookie: str | None = None) -> tuple[int, dict[str, str], str]:
        """GET a page of the bot like a browser (redirects not followed): status, headers, body."""
        headers = {"Cookie": cookie} if cookie else {}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session, \
                session.get(self.url(path), headers=headers, allow_redirects=False) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, await resp.text()

    async def install_link(self) -> tuple[str, str]:
        """Open the install link: the state in Slack's authorize URL, and the cookie the browser keeps."""
        status, headers, _ = await self.get(self.app.config.slack.install_path)
        assert status == 302
        state = parse_qs(urlsplit(headers["location"]).query)["state"][0]
        return state, headers["set-cookie"].split(";")[0]

    async def install(self, code: str = "code-other") -> tuple[int, str]:
        """The whole flow: the install link, Slack's consent (the fake grants `code`), the redirect back."""
        state, cookie = await self.install_link()
        status, _, body = await self.get(f"{self.app.config.slack.redirect_path}?code={code}&state={state}", cookie)
        return status, body


@pytest.fixture
async def oauth_bot(db_url: str, fake_slack: FakeSlack) -> AsyncIterator[Callable[..., Any]]:
    """Start bots in OAuth mode against the fake Web API (each call a restart on the same database)."""
    fake_slack.grants["code-other"] = GRANT
    fake_slack.bots[OTHER_TOKEN] = {"team_id": OTHER, "team": "Other Workspace", "user_id": "UOTHERBOT", "bot_id": "B0OTHER"}
    started: list[Engagebot] = []

    async def factory(*, cogs: tuple[str, ...] = (), locale: str = "en", **slack: Any) -> OAuthHarness:
        config = oauth_config(db_url, fake_slack, cogs, locale, **slack)
        clock = VirtualClock(START + timedelta(hours=4))  # noon: outside the default quiet hours
        app = Engagebot(config, clock=clock, database=Database(config.database.url))
        adapter = SlackAdapter(config.slack, signing_secret=SECRET, clock=clock, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                               locale=locale)
        app.add_adapter(adapter)
        await app.start()
        town = Town(app.context("town"))
        app.install(town)
        started.append(app)
        return OAuthHarness(app, adapter, fake_slack, clock, town)

    yield factory
    for app in started:
        if app.started:
            await app.stop()


def other(name: str, event_id: str) -> dict[str, Any]:
    """A recorded payload, as the other workspace sends it."""
    body = payload(name)
    text = json.dumps(body).replace("T0ENGAGE", OTHER)
    body = json.loads(text)
    body["event_id"] = event_id
    return body


async def test_the_install_link_sends_the_installer_to_slack_with_a_state_kept_in_the_database(oauth_bot) -> None:  # type: ignore[no-untyped-def]
    h: OAuthHarness = await oauth_bot()
    status, headers, _ = await h.get("/slack/install")
    assert status == 302
    url = urlsplit(headers["location"])
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://slack.com/oauth/v2/authorize"
    assert query["client_id"] == [CLIENT_ID]
    assert {"chat:write", "commands", "users:read", "channels:history"} <= set(query["scope"][0].split(","))
    state = query["state"][0]
    assert headers["set-cookie"].startswith(f"slack-app-oauth-state={state}")
    assert await h.rows("select state from slack_oauth_states") == [(state,)]
    assert "xoxb" not in headers["location"] and CLIENT_SECRET not in headers["location"]


async def test_an_install_stores_the_workspace_gives_it_a_community_and_its_events_use_its_token(oauth_bot, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)  # the most a log_level lets through: slack_sdk's and bolt's request logs too
    h: OAuthHarness = await oauth_bot(cogs=("digest",))
    assert h.app.communities == []  # nothing installed yet
    status, body = await h.install()
    assert status == 200 and "engagebot is installed" in body and "/engage help" in body
    # the code was exchanged for the workspace's token (client id and secret in Basic auth, as Slack wants)
    (exchange,) = h.fake.called("oauth.v2.access")
    assert exchange.params["code"] == "code-other"
    assert exchange.authorization == "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert await h.rows("select team_id, team_name, bot_token, bot_user_id from slack_bots") == [(OTHER, "Other Workspace", OTHER_TOKEN, "UOTHERBOT")]
    assert await h.rows("select team_id, user_id from slack_installations") == [(OTHER, "UINSTALLER")]
    assert await h.rows("select state from slack_oauth_states") == []  # consumed: the redirect cannot be replayed
    # its community, persisted, served, with the jobs every community has
    assert await h.rows("select platform, external_id, name from communities") == [("slack", OTHER, "Other Workspace")]
    assert h.app.communities == [OTHER_COMMUNITY]
    assert "slack:T0OTHER/digest" in h.app.scheduler.specs
    # a newcomer in that workspace is welcomed with that workspace's token
    before = len(h.fake.calls)
    assert (await h.event(other("team_join", "Ev0OTHERJOIN"))).status == 200
    assert h.town.welcomed == ["UALICE"]
    made = h.fake.calls[before:]
    assert [c.method for c in made if c.method in ("conversations.open", "chat.postMessage")] == ["conversations.open", "chat.postMessage"]
    assert {c.authorization for c in made} == {f"Bearer {OTHER_TOKEN}"}
    assert await h.rows("select count(*) from interactions i join communities c on c.id = i.community_id where c.external_id = :t", t=OTHER) == [(1,)]
    assert OTHER_TOKEN not in caplog.text and CLIENT_SECRET not in caplog.text


async def test_an_uninstall_deletes_the_tokens_and_the_bot_stops_acting_there(oauth_bot) -> None:  # type: ignore[no-untyped-def]
    h: OAuthHarness = await oauth_bot(cogs=("digest",))
    await h.install()
    assert await h.event(other("team_join", "Ev0OTHERJOIN"))
    uninstalled = other("team_join", "Ev0UNINSTALL")
    uninstalled["event"] = {"type": "app_uninstalled", "event_ts": "1767601000.000100"}
    assert (await h.event(uninstalled)).status == 200
    assert await h.rows("select count(*) from slack_bots") == [(0,)]
    assert await h.rows("select count(*) from slack_installations") == [(0,)]
    assert h.app.communities == []
    assert not [key for key in h.app.scheduler.specs if key.startswith("slack:T0OTHER/")]
    # its data stays (README: erase it with the privacy commands), nothing is said there any more
    assert await h.rows("select count(*) from communities where external_id = :t", t=OTHER) == [(1,)]
    before = len(h.fake.calls)
    assert await h.adapter.send(SendMessage(ChannelRef(OTHER_COMMUNITY, "C0GENERAL"), Message("still there?"))) is None
    await h.event(other("team_join", "Ev0LATEJOIN") | {"event": {**other("team_join", "x")["event"], "user": {"id": "UBOB", "name": "bob"}}})
    assert h.town.welcomed == ["UALICE"]  # bolt's authorize finds no installation: the event is not handled
    assert h.fake.calls[before:] == []


async def test_a_revoked_bot_token_is_deleted_and_the_workspace_no_longer_served(oauth_bot) -> None:  # type: ignore[no-untyped-def]
    h: OAuthHarness = await oauth_bot()
    await h.install()
    revoked = other("team_join", "Ev0REVOKED")
    revoked["event"] = {"type": "tokens_revoked", "tokens": {"bot": ["UOTHERBOT"]}, "event_ts": "1767601000.000100"}
    assert (await h.event(revoked)).status == 200
    assert await h.rows("select count(*) from slack_bots") == [(0,)]
    assert h.app.communities == []


async def test_installed_workspaces_are_served_again_after_a_restart(oauth_bot) -> None:  # type: ignore[no-untyped-def]
    first: OAuthHarness = await oauth_bot(cogs=("digest",))
    await first.install()
    await first.app.stop()
    second: OAuthHarness = await oauth_bot(cogs=("digest",))
    assert second.app.communities == [OTHER_COMMUNITY]
    assert "slack:T0OTHER/digest" in second.app.scheduler.specs
    before = len(second.fake.calls)
    await second.event(other("app_home_opened", "Ev0HOMEOTHER"))
    (published,) = second.fake.called("views.publish")
    assert published.authorization == f"Bearer {OTHER_TOKEN}"
    assert {c.authorization for c in second.fake.calls[before:]} == {f"Bearer {OTHER_TOKEN}"}


async def test_a_redirect_with_an_unknown_state_gets_bolts_failure_page_and_nothing_is_stored(oauth_bot) -> None:  # type: ignore[no-untyped-def]
    h: OAuthHarness = await oauth_bot(locale="fr")
    _, cookie = await h.install_link()
    forged = "not-a-state-we-issued"
    status, _, body = await h.get(f"/slack/oauth_redirect?code=code-other&state={forged}", f"slack-app-oauth-state={forged}")
    assert status == 401
    assert "L'installation n'a pas abouti" in body and "invalid_state" in body and 'href="/slack/install"' in body
    status, _, body = await h.get("/slack/oauth_redirect?code=code-other&state=whatever")  # no cookie: another browser
    assert status == 400 and "invalid_browser" in body
    state, cookie = await h.install_link()
    status, _, body = await h.get(f"/slack/oauth_redirect?code=code-refused&state={state}", cookie)  # Slack refuses the code
    assert status == 401 and "invalid_code" in body
    assert h.fake.called("oauth.v2.access")[0].params["code"] == "code-refused"
    assert len(h.fake.called("oauth.v2.access")) == 1  # never with a bad state
    assert await h.rows("select count(*) from slack_bots") == [(0,)]
    assert await h.rows("select count(*) from slack_installations") == [(0,)]
    assert h.app.communities == []


def test_token_mode_stays_the_default_and_oauth_mode_says_what_it_misses_in_one_line() -> None:
    assert parse_config({}).slack.oauth is False
    env = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET, "SLACK_SIGNING_SECRET": SECRET}
    socket = parse_config({"slack": {"oauth": True}})
    with pytest.raises(ConfigError, match=r'^slack\.oauth: the OAuth install flow needs slack\.mode = "http"'):
        build_slack_adapter(socket, Secrets.from_env(env))
    http = parse_config({"slack": {"oauth": True, "mode": "http"}})
    with pytest.raises(ConfigError, match=r"^slack\.oauth: needs SLACK_CLIENT_SECRET in the environment"):
        build_slack_adapter(http, Secrets.from_env({k: v for k, v in env.items() if k != "SLACK_CLIENT_SECRET"}))
    with pytest.raises(ConfigError, match=r"^slack\.oauth: unset SLACK_BOT_TOKEN"):
        build_slack_adapter(http, Secrets.from_env({**env, "SLACK_BOT_TOKEN": "xoxb-one"}))
    adapter = build_slack_adapter(http, Secrets.from_env(env))
    assert adapter is not None and adapter.oauth and adapter.bolt.oauth_flow is not None
    assert build_slack_adapter(parse_config({}), Secrets.from_env(env)) is None  # token mode without a token: no Slack
    (running,) = platform_adapters(http, Secrets.from_env(env))  # what `engagebot run` starts: no SLACK_BOT_TOKEN needed
    assert isinstance(running, SlackAdapter) and running.oauth
    assert platform_adapters(parse_config({"slack": {"mode": "http"}}), Secrets.from_env(env)) == []  # oauth off: the console
    shown = repr(Secrets.from_env(env))
    assert CLIENT_SECRET not in shown and CLIENT_ID not in shown and "slack_client_secret=set" in shown


def test_the_tables_are_the_ones_slack_sdks_stores_use() -> None:
    ours = load_all_models().metadata.tables
    metadata = MetaData()
    for theirs in (SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations"),
                   SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots"),
                   SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")):
        mine = ours[theirs.name]
        assert [(c.name, c.nullable) for c in mine.columns] == [(c.name, c.nullable) for c in theirs.columns]
        assert [getattr(c.type, "length", None) for c in mine.columns] == [getattr(c.type, "length", None) for c in theirs.columns]


async def test_the_stores_save_find_and_delete_on_sqlite_and_postgresql(database_url: str) -> None:
    db = Database(database_url)
    await db.upgrade()
    installations, states = Installations(CLIENT_ID), States()
    installations.bind(db.engine)
    states.bind(db.engine)
    try:
        for team, token in ((OTHER, "xoxb-old"), (OTHER, OTHER_TOKEN), ("T0THIRD", "xoxb-third")):
            await installations.async_save(Installation(app_id="A0ENGAGE", team_id=team, team_name=f"name {team}", bot_token=token,
                                                        bot_id="B0", bot_user_id="UB", bot_scopes="chat:write", user_id="UINSTALLER"))
        bot = await installations.async_find_bot(enterprise_id=None, team_id=OTHER)
        assert bot is not None and bot.bot_token == OTHER_TOKEN  # the latest installation's
        mine = await installations.bot_of(OTHER)
        assert mine is not None and mine.bot_token == OTHER_TOKEN
        assert sorted(await installations.teams()) == [(OTHER, f"name {OTHER}"), ("T0THIRD", "name T0THIRD")]
        await installations.async_delete_all(enterprise_id=None, team_id=OTHER)
        assert await installations.bot_of(OTHER) is None
        assert await installations.async_find_installation(enterprise_id=None, team_id=OTHER) is None
        assert [t for t, _ in await installations.teams()] == ["T0THIRD"]
        assert OTHER_TOKEN not in repr(installations)
        state = await states.async_issue()
        assert await states.async_consume(state) is True
        assert await states.async_consume(state) is False  # once
        assert await states.async_consume("forged") is False
    finally:
        await db.close()


async def test_doctor_checks_the_oauth_modes_secrets_instead_of_a_bot_token() -> None:
    config = parse_config({"slack": {"oauth": True, "mode": "http"}, "communities": [{"platform": "slack", "id": OTHER}]})
    env = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET, "SLACK_SIGNING_SECRET": SECRET}
    (good,) = await platform_checks(config, Secrets.from_env(env))
    assert good.line() == "✓ slack: OAuth mode: workspaces install at /slack/install, Slack sends them back to /slack/oauth_redirect"
    (bad,) = await platform_checks(config, Secrets.from_env({"SLACK_CLIENT_ID": CLIENT_ID}))
    assert bad.line().startswith("✗ slack: slack.oauth: needs SLACK_CLIENT_SECRET, SLACK_SIGNING_SECRET in the environment")


async def test_a_workspace_uninstalled_through_another_process_is_dropped_at_the_next_read(oauth_bot) -> None:  # type: ignore[no-untyped-def]
    h: OAuthHarness = await oauth_bot()
    await h.install()
    general = ChannelRef(OTHER_COMMUNITY, "C0GENERAL")
    assert await h.adapter.send(SendMessage(general, Message("hello"))) is not None
    async with h.app.db.begin() as conn:  # another process of the bot handled app_uninstalled
        await conn.exec_driver_sql("DELETE FROM slack_bots")
    assert await h.adapter.send(SendMessage(general, Message("cached token"))) is not None  # within the minute: the token it read
    h.adapter.team_ttl = 0.0  # a minute later
    before = len(h.fake.calls)
    assert await h.adapter.send(SendMessage(general, Message("after"))) is None
    assert h.fake.calls[before:] == []


async def test_a_command_in_an_installed_workspace_is_answered_with_its_token(oauth_bot) -> None:  # type: ignore[no-untyped-def]
    h: OAuthHarness = await oauth_bot()
    await h.install()
    body = payload("slash_command", response_url=h.response_url())
    body.update(team_id=OTHER, text="help")
    before = len(h.fake.calls)
    assert (await h.dispatch(urlencode(body), "application/x-www-form-urlencoded")).status == 200
    made = h.fake.calls[before:]
    assert "response_url" in [c.method for c in made]  # the help, only the caller sees it
    assert {c.authorization for c in made if c.method != "response_url"} == {f"Bearer {OTHER_TOKEN}"}
    assert "users.info" in [c.method for c in made]
