"""Semestrial rates: the B2B late-payment rate (ECB + 10 points) and the legal interest rate.

Sources: late_payment_reference_rate.csv (only its column ecb_reference_rate_percent,
the ECB main refinancing rate in force on the first day of each semester; the statutory
rate and the 3× floor are derived here, not read) and legal_interest_rate.csv (taux de
l'intérêt légal, two categories). Rates entered in the app are laid over them with
`RateTables.with_overrides`. A rate missing from the tables raises RateUnavailable,
never a silent 0.

Unverified rows (FACTS.md marks them so) are refused, RateUnavailable with reason
"unverified", unless the caller opts in with `allow_unverified=True` or
`RateTables.lenient()`; the figures that then depend on them carry `verified=False` so
that screens and letters can say "taux à confirmer".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cache

from .tables import RateUnavailable, is_unverified, read_rows, threshold_count

ECB_REFERENCE = "ecb_reference"
LEGAL_CONSUMER = "legal_consumer"  # creditor is a natural person acting privately
LEGAL_OTHER = "legal_other"  # every other creditor
KINDS = (ECB_REFERENCE, LEGAL_CONSUMER, LEGAL_OTHER)

KIND_LABELS = {
    ECB_REFERENCE: "taux de refinancement BCE au 1er jour du semestre",
    LEGAL_CONSUMER: "taux de l'intérêt légal (créancier particulier)",
    LEGAL_OTHER: "taux de l'intérêt légal (autres cas)",
}


def semester_key(day: date) -> str:
    return f"{day.year}-S{1 if day.month <= 6 else 2}"


def semester_bounds(day: date) -> tuple[date, date]:
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 6, 30)
    return date(day.year, 7, 1), date(day.year, 12, 31)


@dataclass(frozen=True)
class Rate:
    """One rate (percent per year) for one semester, and where it comes from."""

    kind: str
    semester: str
    percent: Decimal
    verified: bool
    source: str


@dataclass(frozen=True)
class RateOverride:
    """A rate entered in the app (Paramètres → Taux) that adds to or corrects the CSV."""

    kind: str
    semester: str
    percent: Decimal
    verified: bool = True
    source: str = ""


def _csv_rates() -> dict[tuple[str, str], Rate | None]:
    rates: dict[tuple[str, str], Rate | None] = {}
    for row in read_rows("late_payment_reference_rate"):
        rates[(ECB_REFERENCE, row["semester"])] = _rate(
            ECB_REFERENCE, row, row["ecb_reference_rate_percent"], row["source"]
        )
    for row in read_rows("legal_interest_rate"):
        source = row["arrete"] or row["source"]
        for kind, column in (
            (LEGAL_CONSUMER, "rate_creditor_natural_person_non_professional_percent"),
            (LEGAL_OTHER, "rate_other_cases_percent"),
        ):
            rates[(kind, row["semester"])] = _rate(kind, row, row[column], source)
    return rates


def _rate(kind: str, row: dict[str, str], value: str, source: str) -> Rate | None:
    if not value:
        return None  # a row without a value: the rate is known to be missing
    return Rate(kind, row["semester"], Decimal(value), not is_unverified(row), source)


class RateTables:
    """The rates in force, from the packaged CSVs plus any overrides entered in the app."""

    def __init__(
        self,
        rates: dict[tuple[str, str], Rate | None],
        *,
        allow_unverified: bool = False,
    ) -> None:
        self._rates = rates
        self.allow_unverified = allow_unverified
        self._derived: dict[tuple[str, str], Rate] = {}  # statutory and floor per semester

    @classmethod
    def packaged(cls, *, allow_unverified: bool = False) -> RateTables:
        return cls(_packaged_rates(), allow_unverified=allow_unverified)

    def with_overrides(self, overrides: Iterable[RateOverride]) -> RateTables:
        rates = dict(self._rates)
        for o in overrides:
            if o.kind not in KINDS:
                raise ValueError(f"unknown rate kind {o.kind!r}")
            rates[(o.kind, o.semester)] = Rate(
                o.kind,
                o.semester,
                Decimal(o.percent),
                o.verified,
                o.source or "saisi dans recouvra",
            )
        return RateTables(rates, allow_unverified=self.allow_unverified)

    def lenient(self) -> RateTables:
        """The same tables, using unverified rows (flagged) instead of refusing them."""
        return RateTables(self._rates, allow_unverified=True)

    def rate(self, kind: str, day: date) -> Rate:
        semester = semester_key(day)
        found = self._rates.get((kind, semester))
        if found is None:
            raise RateUnavailable(KIND_LABELS[kind], semester)
        if not found.verified and not self.allow_unverified:
            raise RateUnavailable(KIND_LABELS[kind], semester, reason="unverified")
        return found

    def statutory_penalty_rate(self, day: date) -> Rate:
        """C. com. L441-10 II: the ECB rate in force on 1 Jan (S1) or 1 Jul (S2) + 10 points."""
        key = ("statutory_penalty", semester_key(day))
        if key not in self._derived:
            ecb = self.rate(ECB_REFERENCE, day)
            margin = threshold_count("b2b_statutory_penalty_margin_points")
            self._derived[key] = replace(
                ecb, kind="statutory_penalty", percent=ecb.percent + margin
            )
        return self._derived[key]

    def legal_rate(self, day: date, *, creditor_is_consumer: bool) -> Rate:
        """CMF L313-2: the creditor's category decides (natural person or other cases)."""
        return self.rate(LEGAL_CONSUMER if creditor_is_consumer else LEGAL_OTHER, day)

    def contractual_floor(self, day: date) -> Rate:
        """C. com. L441-10 II: a contractual rate may not be below 3 × the legal rate."""
        key = ("contractual_floor", semester_key(day))
        if key not in self._derived:
            legal = self.rate(LEGAL_OTHER, day)
            multiplier = threshold_count("b2b_contractual_rate_floor_multiplier")
            self._derived[key] = replace(
                legal, kind="contractual_floor", percent=legal.percent * multiplier
            )
        return self._derived[key]

    def known_semesters(self, kind: str) -> list[str]:
        return sorted(s for (k, s), rate in self._rates.items() if k == kind and rate)


@cache
def _packaged_rates() -> dict[tuple[str, str], Rate | None]:
    return _csv_rates()


def packaged_tables(*, allow_unverified: bool = False) -> RateTables:
    return RateTables.packaged(allow_unverified=allow_unverified)
