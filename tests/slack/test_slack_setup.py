"""Setting the Slack app up: the manifest matches the bot, and missing secrets are told in one line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.adapters.slack import SlackAdapter, build_slack_adapter
from bot.config import ConfigError, Secrets, parse_config
from bot.runner import platform_adapters
from tests.slack.conftest import SlackHarness, payload

MANIFESTS = sorted((Path(__file__).parents[2] / "slack").glob("manifest*.yml"))


def manifest(path: Path) -> dict:  # type: ignore[type-arg]
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_both_manifests_declare_the_command_scopes_and_events() -> None:
    assert [p.name for p in MANIFESTS] == ["manifest.http.yml", "manifest.yml"]
    for path in MANIFESTS:
        data = manifest(path)
        assert data["features"]["slash_commands"][0]["command"] == parse_config({}).slack.command
        assert data["features"]["app_home"]["home_tab_enabled"] is True
        scopes = set(data["oauth_config"]["scopes"]["bot"])
        assert {"chat:write", "commands", "im:write", "users:read", "reactions:read", "channels:history", "files:write"} <= scopes
        assert data["settings"]["interactivity"]["is_enabled"] is True
    assert manifest(MANIFESTS[1])["settings"]["socket_mode_enabled"] is True
    assert manifest(MANIFESTS[0])["settings"]["socket_mode_enabled"] is False


async def test_every_subscribed_event_is_acked(slack_bot) -> None:  # type: ignore[no-untyped-def]
    h: SlackHarness = await slack_bot()
    for i, name in enumerate(manifest(MANIFESTS[1])["settings"]["event_subscriptions"]["bot_events"]):
        body = payload("app_home_opened")
        body["event_id"] = f"EvSUB{i}"
        body["event"] = {"type": name.split(".")[0], "user": "UALICE", "channel": "C0GENERAL", "event_ts": f"1767600{i:03d}.000100"}
        if name == "team_join" or name == "user_change":
            body["event"]["user"] = {"id": "UALICE", "name": "alice"}
        assert (await h.event(body)).status == 200, name


def test_no_slack_token_means_no_slack_adapter_and_a_missing_companion_secret_is_one_line() -> None:
    config = parse_config({})
    assert build_slack_adapter(config, Secrets()) is None
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        build_slack_adapter(config, Secrets(slack_bot_token="xoxb-1"))
    http = parse_config({"slack": {"mode": "http"}})
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        build_slack_adapter(http, Secrets(slack_bot_token="xoxb-1"))
    assert isinstance(build_slack_adapter(config, Secrets(slack_bot_token="xoxb-1", slack_app_token="xapp-1")), SlackAdapter)


def test_engagebot_run_starts_slack_when_its_tokens_are_set() -> None:
    secrets = Secrets.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    [adapter] = [a for a in platform_adapters(parse_config({}), secrets) if isinstance(a, SlackAdapter)]
    assert adapter.settings.mode == "socket"
    assert "xoxb-1" not in repr(secrets)
    assert platform_adapters(parse_config({}), Secrets()) == []


async def test_tokens_never_reach_the_logs_even_at_debug_level(slack_bot, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.DEBUG):
        h: SlackHarness = await slack_bot()
        await h.event(payload("team_join"))
        await h.command("help")
    assert "chat.postMessage" in caplog.text  # the Web API calls are logged…
    assert "xoxb-test-token" not in caplog.text and "xapp-test-token" not in caplog.text  # …without the tokens


async def test_bolt_does_not_warn_that_the_token_from_the_environment_will_be_unused(slack_bot, caplog,  # type: ignore[no-untyped-def]
                                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")  # where `engagebot run` takes it from, and where Bolt looks too
    with caplog.at_level(logging.INFO):
        h: SlackHarness = await slack_bot()
        adapter = build_slack_adapter(parse_config({"slack": {"api_base_url": h.fake.api}}), Secrets.from_env({"SLACK_BOT_TOKEN": "xoxb-1",
                                                                                                                "SLACK_APP_TOKEN": "xapp-1"}))
        response = await h.event(payload("team_join"))
    assert [r.getMessage() for r in caplog.records if r.name.startswith("engagebot.slack.bolt") and r.levelno >= logging.WARNING] == []
    # Bolt's own calls go where the adapter's go, with the same token and retries: its auth.test reached the stand-in
    assert response.status == 200 and len(h.fake.called("auth.test")) == 2 and h.fake.called("chat.postMessage")  # start, then Bolt
    assert adapter is not None and adapter.bolt.client.base_url == h.fake.api and adapter.bolt.client.token == "xoxb-1"
    assert adapter.bolt.client.retry_handlers == adapter.client.retry_handlers
