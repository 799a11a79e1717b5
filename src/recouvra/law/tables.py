"""The packaged rate and threshold tables (law/data/*.csv), read once.

Adding next semester's rate is one line in the CSV. A row whose `notes` column starts
with "unverified" is flagged: callers decide whether such a figure may be used
(see rates.RateTables.allow_unverified).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources


class RateUnavailable(LookupError):
    """A rate, scale or amount the law requires is not in the tables for that date."""

    def __init__(self, what: str, on: date | str, *, reason: str = "missing") -> None:
        self.what = what
        self.on = on
        self.reason = reason  # "missing" or "unverified"
        label = "is not in the tables" if reason == "missing" else "is marked unverified"
        super().__init__(f"{what} for {on} {label}")

    @property
    def message_fr(self) -> str:
        """What to tell a French user, and where to fix it."""
        if self.reason == "unverified":
            return f"{self.what} pour {self.on} : valeur à confirmer (Paramètres → Taux)."
        return f"{self.what} pour {self.on} : à saisir dans Paramètres → Taux."


def read_rows(name: str) -> list[dict[str, str]]:
    """Rows of law/data/<name>.csv as dicts of stripped strings."""
    text = resources.files("recouvra.law").joinpath("data", f"{name}.csv").read_text("utf-8")
    return [
        {k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(text.splitlines())
    ]


def is_unverified(row: dict[str, str]) -> bool:
    return row.get("notes", "").lower().startswith("unverified")


def euros_to_cents(text: str) -> int:
    """ "646.52" → 64652, exactly (Decimal, never float)."""
    cents = Decimal(text) * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"amount with more than two decimals: {text!r}")
    return int(cents)


@dataclass(frozen=True)
class Threshold:
    name: str
    cents: int | None
    article: str


@cache
def thresholds() -> dict[str, Threshold]:
    """Fixed amounts and delays from thresholds.csv (amounts in cents; counts as given)."""
    result = {}
    for row in read_rows("thresholds"):
        amount = row["amount_eur"]
        result[row["name"]] = Threshold(
            row["name"], euros_to_cents(amount) if amount else None, row["article"]
        )
    return result


def threshold_cents(name: str) -> int:
    value = thresholds()[name].cents
    if value is None:
        raise RateUnavailable(name, "any date")
    return value


def threshold_count(name: str) -> int:
    """A threshold that is a number of days, months or years (stored in the amount column)."""
    return threshold_cents(name) // 100
