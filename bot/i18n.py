"""Locale catalogs: every user-facing string, in French and English at least."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger("engagebot.i18n")

LOCALES = ("en", "fr")
DEFAULT_LOCALE = "en"
CORE_CATALOGS = Path(__file__).parent / "locales"


def plural_category(locale: str, count: float) -> str:
    """The CLDR plural category of a count: French says "1 point" and "0 point", English "0 points"."""
    if locale == "fr":
        return "one" if 0 <= count < 2 else "other"
    return "one" if count == 1 else "other"


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
        text = self.entries[loc].get(key)
        if text is None:
            text = self.entries[DEFAULT_LOCALE].get(key)
            if text is None:
                log.warning("missing translation %s", key)
                return key
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            log.warning("translation %s[%s] does not fit its parameters %s", key, loc, sorted(params))
            return text

    def missing(self) -> dict[str, set[str]]:
        """Keys present in one locale but not in another (for the catalog test)."""
        all_keys = set().union(*(set(e) for e in self.entries.values()))
        return {loc: all_keys - set(e) for loc, e in self.entries.items() if all_keys - set(e)}
