"""Every message of every catalog, rendered in French and English with counts 0, 1 and 2: no raw key, no placeholder left, French typography."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.i18n import LOCALES, Catalog, Listed, join_list, plural_category

ROOT = Path(__file__).resolve().parents[1]
RAW_KEY = re.compile(r"(?<![\w.\[])(?:digest|polls|onboarding|recognition|prompts|sentiment|errors|help|privacy|demo|console|home)\.[a-z_]+\b")
PLURAL = {"zero", "one", "two", "few", "many", "other"}
# French: a no-break space (U+00A0) before : ; ! ? and inside « », never an ordinary space, never none
FRENCH_SPACE_BEFORE = re.compile(r"(?: |(?<=[\w)}»*`]))[;!?](?=\s|$|[\"*_`)])|(?<=\w) ?:(?=\s)| :")


def full_catalog() -> Catalog:
    catalog = Catalog()
    for folder in sorted((ROOT / "cogs").glob("*/locales")):
        catalog.load_folder(folder, namespace=folder.parent.name)
    return catalog


def messages(catalog: Catalog) -> list[str]:
    """Every message key (a table of plural forms counts as one key)."""
    keys = set()
    for key in catalog.entries["en"]:
        head, _, last = key.rpartition(".")
        keys.add(head if last in PLURAL and f"{head}.other" in catalog.entries["en"] else key)
    return sorted(keys)


def placeholders(catalog: Catalog, key: str) -> set[str]:
    names = set()
    for loc in LOCALES:
        for form in [key, *(f"{key}.{p}" for p in PLURAL)]:
            text = catalog.entries[loc].get(form)
            if text is not None:
                names |= {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}
    return names


CATALOG = full_catalog()
NOUNS = {
    "en": r"members|posts|answers|votes|voters|reactions|replies|days|weeks|newcomers|questions|rows|points|pts|badges|kudos given|promoters|passives"
          r"|detractors|joined members|prompts|lines|rounds|months|hours|minutes|messages|people|buddies|pairs",
    "fr": r"membres|messages|arrivées|départs|réponses|votes|votants|réactions|jours|semaines|nouveaux|questions|lignes|points|pts|badges"
          r"|promoteurs|passifs|détracteurs|heures|minutes|personnes|binômes|sujets|parrains|actifs",
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("count", [0, 1, 2])
def test_every_message_renders_without_a_raw_key_or_a_placeholder_left(locale: str, count: int) -> None:
    bad = []
    for key in messages(CATALOG):
        params: dict[str, object] = dict.fromkeys(placeholders(CATALOG, key), count)  # every number the same: agreement shows
        params["count"] = count
        text = CATALOG.t(locale, key, **params)
        if text == key or re.search(r"(?<!\{)\{[a-z_]+\}(?!\})", text) or RAW_KEY.search(text):
            bad.append(f"{key}: {text!r}")
        elif count == 1 and re.search(rf"(?<![\d,.])1[\u00a0 ](?:{NOUNS[locale]})\b", text):
            bad.append(f"{key} (agreement): {text!r}")
    assert bad == []


def test_french_texts_put_a_no_break_space_before_high_punctuation() -> None:
    bad = []
    for key in messages(CATALOG):
        params: dict[str, object] = {name: "X" for name in placeholders(CATALOG, key)}
        text = CATALOG.t("fr", key, **{**params, "count": 2})
        without_code = re.sub(r"`[^`]*`|https?://\S+|\d{1,2}:\d{2}|<[^>]*>|:[a-z_]+:", "", text)
        if FRENCH_SPACE_BEFORE.search(without_code) or "« " in text or " »" in text:
            bad.append(f"{key}: {text!r}")
    assert bad == []


@pytest.mark.parametrize(("locale", "count", "form"), [("fr", 0, "one"), ("fr", 1, "one"), ("fr", 2, "other"), ("en", 0, "other"), ("en", 1, "one"),
                                                       ("en", 1.5, "other"), ("fr", 1.5, "one")])
def test_plural_forms_come_from_cldr(locale: str, count: float, form: str) -> None:
    assert plural_category(locale, count) == form


@pytest.mark.parametrize(("locale", "expected"), [
    ("fr", ["Alice", "Alice et Bob", "Alice, Bob et Carole"]),
    ("en", ["Alice", "Alice and Bob", "Alice, Bob, and Carole"]),
])
def test_lists_are_joined_as_the_locale_writes_them(locale: str, expected: list[str]) -> None:
    people = ["Alice", "Bob", "Carole"]
    assert [join_list(locale, people[:n]) for n in (1, 2, 3)] == expected
    assert join_list(locale, []) == ""
    assert join_list(locale, ["week", "month", "all"], "or") == {"fr": "week, month ou all", "en": "week, month, or all"}[locale]
    assert join_list(locale, ["kits 3", "nudges 2", "reminders 1"], "unit") == {"fr": "kits 3, nudges 2 et reminders 1", "en": "kits 3, nudges 2, reminders 1"}[locale]


def test_a_list_in_an_error_is_joined_in_the_readers_locale() -> None:
    choices = Listed(("week", "month"), "or")
    assert CATALOG.t("fr", "errors.not_a_choice", option="period", choices=choices) == "period\u00a0: choisissez parmi week ou month."
    assert CATALOG.t("en", "errors.not_a_choice", option="period", choices=choices) == "period: choose one of week or month."


HAND_JOINED = re.compile(r"""(["'])(, | · | et | and |, and )\1\s*\.join\(""")
NOT_MESSAGES = {  # English-only texts for whoever runs or configures the bot, never a member-facing message in the community's language
    "bot/config.py": "configuration errors and the secrets' repr",
    "bot/staff.py": "a start-up error about role names",
    "bot/kpi_cli.py": "command-line errors",
    "bot/doctor.py": "engagebot doctor's checks (command line)",
    "bot/jobs_cli.py": "engagebot jobs (command line)",
    "bot/init_cli.py": "engagebot init's TOML lists and notes (command line)",
    "bot/nlp/themes.py": "a theme's label (its top words), not a sentence",
    "cogs/digest/cog.py": "a log line",
    "cogs/onboarding/settings.py": "a configuration error",
    "cogs/prompts/weekly.py": "a configuration error",
}


def test_no_message_joins_a_list_by_hand() -> None:
    """Lists in messages go through `bot.i18n.join_list` (Babel), which knows "Alice, Bob et Carole" from "Alice, Bob, and Carole"."""
    found = []
    for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "cogs").rglob("*.py")]):
        name = path.relative_to(ROOT).as_posix()
        if name.startswith(("bot/adapters/", "bot/history/")) or name in NOT_MESSAGES:  # adapters and importers write no community text
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HAND_JOINED.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == []


@pytest.mark.parametrize(("locale", "ending"), [("fr", "@M8, @M9 et 2 autres"), ("en", "@M8, @M9, and 2 others")])
def test_the_digests_long_list_of_names_ends_with_how_many_more(locale: str, ending: str) -> None:
    from bot.core.markup import plain
    from cogs.digest.render import names

    class Report:
        def name(self, member_id: str) -> str:
            return member_id.title()

    def t(key: str, **params: object) -> str:
        return CATALOG.t(locale, f"digest.{key}", **params)

    assert plain(names(Report(), [f"m{i}" for i in range(12)], t, locale)).endswith(ending)  # type: ignore[arg-type]
    assert plain(names(Report(), ["m1", "m2"], t, locale)) == {"fr": "@M1 et @M2", "en": "@M1 and @M2"}[locale]
