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


# The ceiling of any one amount, in cents: 10^12 cents = 10 000 000 000,00 €.
#
# Why this figure: amounts are summed by the database as signed 64-bit integers (SQLite
# raises "integer overflow" past 2^63 − 1 ≈ 9.22 × 10^18; PostgreSQL's bigint arithmetic
# too), and one overflowing sum breaks every page of the tenant that shows a total. With
# each amount at most 10^12 cents, any sum of a tenant's amounts (a balance, an ageing
# bucket, a dashboard total) stays within 64 bits up to 9.2 million rows all at the
# ceiling, far beyond a real tenant (the lettrage benchmark holds 1 million claims); a
# difference of two such sums, or a sum of two columns, stays within range too.
# Ten billion euros is also far above any single invoice, payment or bank movement a
# collection platform handles, so nothing real is refused.
MAX_CENTS = 10**12
_MAX_DIGITS = len(str(MAX_CENTS))  # digits of a whole amount in cents at the ceiling


class AmountError(ValueError):
    """The text is not an amount of money."""


class AmountOutOfRange(AmountError):
    """The amount is readable but above MAX_CENTS (or below −MAX_CENTS)."""

    def __init__(self, text: object = "") -> None:
        self.text = text
        super().__init__(out_of_range_reason())


def out_of_range_reason() -> str:
    """Why an amount is refused, in French (the parsers and the API show it as it is)."""
    return f"montant hors limites : au plus {format_amount(MAX_CENTS)} en valeur absolue"


def check_cents(cents: int) -> int:
    """`cents` itself when within ±MAX_CENTS; AmountOutOfRange otherwise. The one rule that
    forms, models, imports and the API call (see MAX_CENTS for the reasoning)."""
    if not -MAX_CENTS <= cents <= MAX_CENTS:
        raise AmountOutOfRange(cents)
    return cents


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
    if len(raw.split(".")[0].lstrip("0")) > _MAX_DIGITS:
        raise AmountOutOfRange(text)  # refused before a huge number is built
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - the regex already filters
        raise AmountError(f"not an amount: {text!r}") from exc
    cents = value * 100
    if cents != cents.to_integral_value():
        raise AmountError(f"more than two decimals: {text!r}")
    return check_cents(-int(cents) if negative else int(cents))


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
