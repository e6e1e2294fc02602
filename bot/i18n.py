"""Locale catalogs: every user-facing string, in French and English at least."""

from __future__ import annotations

import logging
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from babel import Locale
from babel.lists import format_list

log = logging.getLogger("engagebot.i18n")

LOCALES = ("en", "fr")
DEFAULT_LOCALE = "en"
CORE_CATALOGS = Path(__file__).parent / "locales"


@lru_cache(maxsize=8)
def _locale(locale: str) -> Locale:
    return Locale.parse(locale)


def plural_category(locale: str, count: float) -> str:
    """The CLDR plural category of a count (Babel): French says "0 point", "1 point", "2 points"; English "0 points"."""
    category: str = _locale(locale if locale in LOCALES else DEFAULT_LOCALE).plural_form(abs(count))
    return category if category in ("one", "other") else "other"


ListStyle = Literal["standard", "or", "unit"]


def join_list(locale: str, items: Iterable[object], style: ListStyle = "standard") -> str:
    """Items as the locale writes a list (Babel): "Alice, Bob et Carole", "Alice, Bob, and Carol"; "or" for choices, "unit" for figures."""
    listed = [str(item) for item in items]
    if not listed:
        return ""
    return str(format_list(listed, style=style, locale=_locale(locale if locale in LOCALES else DEFAULT_LOCALE)))


@dataclass(frozen=True, slots=True)
class Listed:
    """Items a message lists, joined in the reader's locale when it is rendered (e.g. an error raised before the locale is known)."""

    items: tuple[str, ...]
    style: ListStyle = "standard"

    def render(self, locale: str) -> str:
        """The items as `locale` lists them."""
        return join_list(locale, self.items, self.style)


class LocaleFormatter(string.Formatter):
    """`str.format` plus `{n:plural:member|members}`: the form that agrees with `n` in the locale."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def format_field(self, value: Any, format_spec: str) -> str:
        if not format_spec.startswith("plural:"):
            return str(super().format_field(value, format_spec))
        forms = format_spec.removeprefix("plural:").split("|")
        try:
            number = float(str(value).replace("\u202f", "").replace("\u00a0", "").replace(",", "."))
        except ValueError:
            return forms[-1]
        return forms[0] if plural_category(self.locale, number) == "one" else forms[-1]


def _flatten(prefix: str, data: Mapping[str, Any], out: dict[str, str]) -> None:
    for key, value in data.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


class Catalog:
    """Translations per locale, merged from the core's and the cogs' `locales/` folders."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, str]] = {loc: {} for loc in LOCALES}
        self.load_folder(CORE_CATALOGS)

    def load_folder(self, folder: Path, namespace: str = "") -> None:
        """Load `en.toml`, `fr.toml`… from a folder; keys get the optional namespace prefix."""
        for path in sorted(folder.glob("*.toml")):
            locale = path.stem
            with path.open("rb") as fh:
                data = tomllib.load(fh)
            flat: dict[str, str] = {}
            _flatten(namespace, data, flat)
            self.entries.setdefault(locale, {}).update(flat)

    def has(self, key: str, locale: str) -> bool:
        """True when `key` is translated in `locale`."""
        return key in self.entries.get(locale, {})

    def t(self, locale: str | None, key: str, **params: Any) -> str:
        """The text for `key` in `locale` (English, then the key itself, as fallbacks).

        A key written as a table of plural forms (`points = { one = "{count} pt", other = "{count} pts" }`)
        takes the form that fits the `count` parameter in that locale.
        """
        loc = locale if locale in self.entries else DEFAULT_LOCALE
        if "count" in params and f"{key}.other" in self.entries[loc]:
            category = plural_category(loc, params["count"])
            key = f"{key}.{category}" if f"{key}.{category}" in self.entries[loc] else f"{key}.other"
        if any(isinstance(v, Listed) for v in params.values()):
            params = {k: v.render(loc) if isinstance(v, Listed) else v for k, v in params.items()}
        text = self.entries[loc].get(key)
        if text is None:
            text = self.entries[DEFAULT_LOCALE].get(key)
            if text is None:
                log.warning("missing translation %s", key)
                return key
        try:
            return LocaleFormatter(loc).format(text, **params)
        except (KeyError, IndexError, ValueError, AttributeError):
            log.warning("translation %s[%s] does not fit its parameters %s", key, loc, sorted(params))
            return text

    def missing(self) -> dict[str, set[str]]:
        """Keys present in one locale but not in another (for the catalog test)."""
        all_keys = set().union(*(set(e) for e in self.entries.values()))
        return {loc: all_keys - set(e) for loc, e in self.entries.items() if all_keys - set(e)}
