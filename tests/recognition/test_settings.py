"""The recognition settings: the documented example, the defaults, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cog import CogContext
from bot.config import ConfigError, load_config
from bot.i18n import Catalog
from cogs.recognition.periods import parse_period
from cogs.recognition.settings import Settings, default_badges
from tests.conftest import START

ROOT = Path(__file__).resolve().parents[2]


def settings_of(config_data: dict) -> Settings:  # type: ignore[type-arg]
    from bot.config import parse_config

    config = parse_config({"cogs": {"recognition": config_data}})
    ctx = CogContext(name="recognition", config=config, db=None, directory=None, recorder=None, clock=None, messenger=None,  # type: ignore[arg-type]
                     scheduler=None, catalog=Catalog(), communities=[])  # type: ignore[arg-type]
    return ctx.settings(Settings)


def test_the_example_configuration_documents_the_default_badges() -> None:
    config = load_config(ROOT / "config.example.toml")
    documented = Settings.model_validate(config.cog_settings("recognition"))
    assert documented.badges == default_badges()
    assert documented.points == Settings().points and documented.levels == Settings().levels


def test_a_bad_badge_rule_is_reported_with_its_key() -> None:
    with pytest.raises(ConfigError, match=r"cogs.recognition.badges.0.kind"):
        settings_of({"badges": [{"id": "x", "name": "X", "kind": "telepathy"}]})
    with pytest.raises(ConfigError, match="declared twice"):
        settings_of({"badges": [{"id": "x", "name": "X", "kind": "manual"}, {"id": "x", "name": "Y", "kind": "manual"}]})
    with pytest.raises(ConfigError, match="nightly_cron"):
        settings_of({"nightly_cron": "every night"})
    with pytest.raises(ConfigError, match="strictly increasing"):
        settings_of({"levels": {"thresholds": [10, 5]}})


def test_a_plain_name_serves_both_languages() -> None:
    rule = settings_of({"badges": [{"id": "x", "name": "Pionnier", "kind": "manual"}]}).badges[0]
    assert rule.title("fr") == rule.title("en") == "Pionnier"


def test_french_and_english_texts_have_the_same_keys() -> None:
    catalog = Catalog()
    catalog.load_folder(ROOT / "cogs" / "recognition" / "locales", namespace="recognition")
    assert all(not {k for k in keys if k.startswith("recognition.")} for keys in catalog.missing().values())
    assert catalog.has("recognition.kudos.quota", "fr") and catalog.has("recognition.kudos.quota", "en")


def test_periods_are_read_in_both_languages_and_as_keys() -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/Paris")
    assert parse_period("semaine", START, tz).key == "2026-W02"  # type: ignore[union-attr]
    assert parse_period("2025-W52", START, tz).key == "2025-W52"  # type: ignore[union-attr]
    assert parse_period("mois-dernier", START, tz).key == "2025-12"  # type: ignore[union-attr]
    assert parse_period("2026-13", START, tz) is None
