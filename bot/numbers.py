"""Numbers as each locale writes them (Babel/CLDR): `4,07` and `43 %` in French, `4.07` and `43%` in English."""

from __future__ import annotations

from babel.numbers import format_decimal, format_percent


def decimal(value: float, locale: str, digits: int = 1) -> str:
    """A number with at most `digits` decimals (`4,1` / `4.1`; `12` stays `12`)."""
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return str(format_decimal(value, format=pattern, locale=locale))


def fixed(value: float, locale: str, digits: int = 2) -> str:
    """A number with exactly `digits` decimals (`4,07 / 5`)."""
    return str(format_decimal(value, format="#,##0." + "0" * digits, locale=locale))


def signed(value: float, locale: str, digits: int = 2) -> str:
    """A signed number (`+0,12`, `-3`)."""
    text = fixed(abs(value), locale, digits) if digits else decimal(abs(value), locale, 0)
    return ("-" if value < 0 else "+") + text


def percent(rate: float, locale: str) -> str:
    """A share in [0, 1] as a whole percentage (`43 %` with a narrow no-break space in French, `43%` in English)."""
    return str(format_percent(rate, locale=locale))
