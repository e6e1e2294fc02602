"""Prompt packs: the shipped ones are complete, and a pack with a mistake is refused at start-up."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError
from bot.packs import builtin_packs, find_pack, load_pack, load_packs
from tests.conftest import make_config

GOOD_PROMPT = '[[prompts]]\nid = "wins-01"\ntheme = "wins"\ntext = "What went well this week?"\n'


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_the_shipped_packs_hold_a_year_of_prompts_and_the_ready_surveys(locale: str) -> None:
    pack = find_pack("default", locale)
    assert pack is not None and pack.locale == locale
    assert len(pack.prompts) >= 52
    assert len({p.text for p in pack.prompts}) == len(pack.prompts)
    assert {"introductions", "experience", "practice", "lessons", "wins", "questions", "retrospective"} <= {p.theme for p in pack.prompts}
    kinds = {s.id: s.kind for s in pack.surveys}
    assert {kinds["nps"], kinds["enps"], kinds["csat"], kinds["likert-progress"], kinds["feedback"]} == {"nps", "csat", "likert", "open"}
    nps = pack.survey("nps")
    assert nps is not None and list(nps.scale) == list(range(11)) and nps.label_for(10) and nps.label_for(5) is None
    csat = pack.survey("csat")
    assert csat is not None and list(csat.scale) == [1, 2, 3, 4, 5] and csat.label_for(3)
    assert pack.survey("no-such-survey") is None


def test_french_and_english_packs_are_written_separately() -> None:
    packs = builtin_packs()
    en, fr = packs[("default", "en")], packs[("default", "fr")]
    assert not {p.text for p in en.prompts} & {p.text for p in fr.prompts}
    assert "recommand" in (fr.survey("nps").question if fr.survey("nps") else "")  # type: ignore[union-attr]
    assert find_pack("default", "de", packs) is en  # a language without a pack falls back to English
    assert find_pack("nope", "en", packs) is None


def test_the_packs_ship_inside_the_installed_package() -> None:
    from importlib.resources import files

    assert (files("prompts") / "en" / "default.toml").is_file()
    assert (files("prompts") / "fr" / "default.toml").is_file()


@pytest.mark.parametrize(("content", "where", "reason"), [
    (GOOD_PROMPT + '[[prompts]]\nid = "wins-02"\ntheme = "wins"\n', "prompts.1.text", "Field required"),
    (GOOD_PROMPT + '[[prompts]]\nid = "Wins 2"\ntheme = "wins"\ntext = "Hi?"\n', "prompts.1.id", "should match pattern"),
    (GOOD_PROMPT + GOOD_PROMPT, "prompts.1.id", "duplicate id 'wins-01'"),
    (GOOD_PROMPT + '[[prompts]]\nid = "x"\ntheme = "wins"\ntext = "Hi?"\ncolour = "red"\n', "prompts.1.colour", "unknown key (typo?)"),
    (GOOD_PROMPT + '[[surveys]]\nid = "nps"\nkind = "nps"\nquestion = "Recommend us?"\noptions = ["a", "b"]\n', "surveys.0", "options are for single/multiple"),
    (GOOD_PROMPT + '[[surveys]]\nid = "s"\nkind = "stars"\nquestion = "Rate us?"\n', "surveys.0.kind", "Input should be"),
    (GOOD_PROMPT + '[[surveys]]\nid = "l"\nkind = "likert"\nquestion = "Agree?"\nlabels = ["a", "b", "c"]\n', "surveys.0", "give 2 (both ends) or 5"),
    ('title = "empty"\n', "prompts", "Field required"),
    (GOOD_PROMPT + "[[prompts]\n", "not valid TOML", "line 5"),
])
def test_a_pack_with_a_mistake_is_refused_with_file_key_and_reason(tmp_path: Path, content: str, where: str, reason: str) -> None:
    path = tmp_path / "en" / "mine.toml"
    path.parent.mkdir()
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_pack(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and where in message and reason in message
    assert "\n" not in message


def test_a_mistake_names_the_prompt_it_is_in(tmp_path: Path) -> None:
    path = tmp_path / "en" / "mine.toml"
    path.parent.mkdir()
    path.write_text(GOOD_PROMPT + '[[prompts]]\nid = "lessons-01"\ntheme = "Lessons!"\ntext = "What did you learn?"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"prompts\.1\.theme: .*\(in prompt 'lessons-01'\)"):
        load_pack(path)


def test_packs_are_named_by_file_and_folder(tmp_path: Path) -> None:
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "jardin.toml").write_text(GOOD_PROMPT, encoding="utf-8")
    packs = load_packs(tmp_path)
    assert list(packs) == [("jardin", "fr")] and packs[("jardin", "fr")].key == "jardin/fr"
    with pytest.raises(ConfigError, match="no such folder"):
        load_packs(tmp_path / "missing")


async def test_the_bot_refuses_to_start_with_a_broken_pack(start_bot: Any, db_url: str, tmp_path: Path) -> None:
    (tmp_path / "packs" / "en").mkdir(parents=True)
    broken = tmp_path / "packs" / "en" / "default.toml"
    broken.write_text(GOOD_PROMPT + '[[prompts]]\nid = "x"\ntheme = "wins"\ntext = ""\n', encoding="utf-8")
    config = make_config(db_url, cogs={"prompts": {"packs_folder": str(tmp_path / "packs")}})
    with pytest.raises(ConfigError, match=r"default\.toml: prompts\.1\.text: String should have at least 1 character"):
        await start_bot(config)


@pytest.mark.parametrize(("settings", "message"), [
    ({"pack": "jardin"}, "cogs.prompts.pack: no pack 'jardin' (known: default/en, default/fr)"),
    ({"cron": "every monday"}, "cogs.prompts.cron: 'every monday': a cron expression has 5 fields"),
    ({"timezone": "Paris"}, "cogs.prompts.timezone: unknown timezone 'Paris'"),
    ({"chanel": "general"}, "cogs.prompts.chanel: unknown key (typo?)"),
])
async def test_the_bot_refuses_to_start_with_bad_prompt_settings(start_bot: Any, db_url: str, settings: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        await start_bot(make_config(db_url, cogs={"prompts": settings}))
