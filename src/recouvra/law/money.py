"""Money as integer cents: parsing French and ISO notations, formatting for display.

No float ever holds an amount. Parsing goes through Decimal and refuses anything
that is not a whole number of cents.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

NBSP = "\u00a0"  # between the number and the currency sign
NNBSP = "\u202f"  # French thousands separator (CLDR)
CURRENCY_SIGNS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_AMOUNT = re.compile(r"^[+-]?\d+(\.\d+)?$")


class AmountError(ValueError):
    """The text is not an amount of money."""


def parse_amount(text: str) -> int:
    """Return the cents of an amount written "1 234,56", "1234.56", "-12,00" or "12,00-"."""
    raw = _SPACES.sub("", str(text)).replace("€", "")
    if not raw:
        raise AmountError("empty amount")
    negative = raw.startswith("-") or raw.endswith("-")
    raw = raw.strip("+-")
    if "," in raw and "." in raw:
        # the right-most separator is the decimal one: "1.234,56" or "1,234.56"
        if raw.rfind(",") > raw.rfind("."):
            raw = raw.replace(".", "").replace(",", ".")
        else:
            raw = raw.replace(",", "")
    else:
        raw = raw.replace(",", ".")
    if not _AMOUNT.match(raw):
        raise AmountError(f"not an amount: {text!r}")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - the regex already filters
        raise AmountError(f"not an amount: {text!r}") from exc
    cents = value * 100
    if cents != cents.to_integral_value():
        raise AmountError(f"more than two decimals: {text!r}")
    return -int(cents) if negative else int(cents)


def round_half_up(value: Decimal) -> int:
    """Round a Decimal number of cents to whole cents, half away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_amount(cents: int, currency: str = "EUR") -> str:
    """French display: 125000 → "1 250,00 €" (narrow no-break spaces as in CLDR)."""
    if not isinstance(cents, int):
        raise TypeError(f"cents must be an int, not {type(cents).__name__}")
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    grouped = f"{units:,}".replace(",", NNBSP)
    symbol = CURRENCY_SIGNS.get(currency, currency)
    return f"{sign}{grouped},{rest:02d}{NBSP}{symbol}"


def format_plain(cents: int) -> str:
    """Amount for a form input: 125000 → "1250,00"."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{units},{rest:02d}"
