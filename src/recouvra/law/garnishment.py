"""What a garnishment may take: wages (quotité saisissable) and bank balances.

Wages — Code du travail R3252-2 to R3252-5:

- the base is the net remuneration, annualised (monthly net x 12);
- R3252-2: a fraction applies bracket by bracket (1/20, 1/10, 1/5, 1/4, 1/3, 2/3, then
  everything), brackets (from, to] in annual euros, set each year by decree
  (garnishment_scale.csv);
- R3252-3: every threshold is raised by a yearly amount per dependant, on proof
  (garnishment_dependant_increment.csv);
- R3252-5: whatever the scale gives, the debtor keeps at least the RSA for one person
  (the same figure as the bank balance floor below).

So: seizable = min(scale(12 x net) / 12, net - RSA), never negative, computed exactly
(Fraction) and rounded half-up once, to the cent. Example 2026, EUR 1,800 net, no
dependant: 224 + 425 + 854 + 1,057.50 + 1,413.33 + 86.67 = 4,060.50 a year, / 12 =
EUR 338.38 a month.

Which RSA: the one in force on `on` when given (the day the deduction is made, e.g. the
pay date). Without `on`, the latest amount taking effect on or before 31 December of
`year`: the RSA only goes up, so this is the highest floor of the year and the result
never exceeds what may lawfully be taken in any month of that year.

Bank accounts — CPCE L162-2 and R162-2: the bank must leave available, without any
request, a solde bancaire insaisissable equal to the RSA for one person
(bank_balance_floor.csv, one row per revaluation).

Unverified rows (notes starting with "unverified") are missing data (FACTS.md) and raise
RateUnavailable(reason="unverified") unless the caller passes allow_unverified=True;
`floor_row` returns the row with its `verified` flag for screens that show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cache

from .tables import RateUnavailable, euros_to_cents, is_unverified, read_rows

MONTHS_PER_YEAR = 12
_FLOOR_LABEL = "solde bancaire insaisissable (RSA personne seule)"
_SCALE_LABEL = "barème de la quotité saisissable"
_INCREMENT_LABEL = "majoration par personne à charge"


@dataclass(frozen=True)
class Bracket:
    """One bracket of the R3252-2 scale: annual cents up to `upper_cents` (None = no top)."""

    upper_cents: int | None  # before the per-dependant increase of R3252-3
    fraction: Fraction


@dataclass(frozen=True)
class Scale:
    """The wage garnishment scale of one year."""

    year: int
    brackets: tuple[Bracket, ...]
    verified: bool
    source: str


@dataclass(frozen=True)
class BalanceFloor:
    """A row of bank_balance_floor.csv, for callers that display it."""

    cents: int
    effective_on: date
    verified: bool
    source: str
    notes: str


# ---------------------------------------------------------------- tables


@cache
def _scales() -> dict[int, Scale]:
    by_year: dict[int, list[dict[str, str]]] = {}
    for row in read_rows("garnishment_scale"):
        by_year.setdefault(int(row["year"]), []).append(row)
    return {year: _scale(year, rows) for year, rows in by_year.items()}


def _scale(year: int, rows: list[dict[str, str]]) -> Scale:
    brackets = []
    previous_upper: int | None = 0
    for row in sorted(rows, key=lambda r: euros_to_cents(r["annual_income_from"])):
        lower = euros_to_cents(row["annual_income_from"])
        if lower != previous_upper:
            raise ValueError(f"garnishment_scale.csv {year}: brackets are not contiguous")
        upper = euros_to_cents(row["annual_income_to"]) if row["annual_income_to"] else None
        brackets.append(Bracket(upper, Fraction(row["fraction_seizable"])))
        previous_upper = upper
    if previous_upper is not None:
        raise ValueError(f"garnishment_scale.csv {year}: the last bracket must be open-ended")
    return Scale(
        year=year,
        brackets=tuple(brackets),
        verified=not any(is_unverified(row) for row in rows),
        source=rows[0]["source"],
    )


@cache
def _increments() -> dict[int, tuple[int, bool]]:
    return {
        int(row["year"]): (
            euros_to_cents(row["increment_per_dependant_eur_per_year"]),
            not is_unverified(row),
        )
        for row in read_rows("garnishment_dependant_increment")
    }


@cache
def _floor_rows() -> tuple[BalanceFloor, ...]:
    rows = [
        BalanceFloor(
            cents=euros_to_cents(row["amount_eur"]),
            effective_on=date.fromisoformat(row["date_effective"]),
            verified=not is_unverified(row),
            source=row["source"],
            notes=row["notes"],
        )
        for row in read_rows("bank_balance_floor")
    ]
    return tuple(sorted(rows, key=lambda r: r.effective_on))


def garnishment_scale(year: int, *, allow_unverified: bool = False) -> Scale:
    """The R3252-2 scale decreed for `year`; RateUnavailable when the year is not known."""
    scale = _scales().get(year)
    if scale is None:
        raise RateUnavailable(_SCALE_LABEL, str(year))
    if not scale.verified and not allow_unverified:
        raise RateUnavailable(_SCALE_LABEL, str(year), reason="unverified")
    return scale


def dependant_increment(year: int, *, allow_unverified: bool = False) -> int:
    """R3252-3: annual cents added to every threshold per dependant in `year`."""
    found = _increments().get(year)
    if found is None:
        raise RateUnavailable(_INCREMENT_LABEL, str(year))
    cents, verified = found
    if not verified and not allow_unverified:
        raise RateUnavailable(_INCREMENT_LABEL, str(year), reason="unverified")
    return cents


# ---------------------------------------------------------------- bank balance floor


def floor_row(on: date) -> BalanceFloor:
    """The solde bancaire insaisissable row in force on `on`, verified or not (for display)."""
    in_force = [row for row in _floor_rows() if row.effective_on <= on]
    if not in_force:
        raise RateUnavailable(_FLOOR_LABEL, on)
    return in_force[-1]


def bank_balance_floor(on: date, *, allow_unverified: bool = False) -> int:
    """CPCE L162-2, R162-2: cents a bank leaves to a natural person on `on` (RSA one person)."""
    row = floor_row(on)
    if not row.verified and not allow_unverified:
        raise RateUnavailable(_FLOOR_LABEL, on, reason="unverified")
    return row.cents


# ---------------------------------------------------------------- wages


def annual_seizable(
    annual_net_cents: int, *, year: int, dependants: int = 0, allow_unverified: bool = False
) -> Fraction:
    """R3252-2/R3252-3: the exact seizable part (cents a year) of an annual net income."""
    _check_amount(annual_net_cents)
    _check_dependants(dependants)
    scale = garnishment_scale(year, allow_unverified=allow_unverified)
    # R3252-3: every threshold is raised by the increment for each dependant
    raise_by = (
        dependants * dependant_increment(year, allow_unverified=allow_unverified)
        if dependants
        else 0
    )
    total = Fraction(0)
    lower = 0
    for bracket in scale.brackets:
        upper = None if bracket.upper_cents is None else bracket.upper_cents + raise_by
        top = annual_net_cents if upper is None else min(annual_net_cents, upper)
        if top <= lower:
            break
        # R3252-2: the bracket's fraction applies to the part of income within (lower, upper]
        total += (top - lower) * bracket.fraction
        if upper is None:
            break
        lower = upper
    return total


def seizable_wage(
    monthly_net_cents: int,
    *,
    year: int,
    dependants: int = 0,
    on: date | None = None,
    allow_unverified: bool = False,
) -> int:
    """Cents that may be deducted from one month's net wage (C. trav. R3252-2 to R3252-5).

    `on`: the day whose RSA applies (must fall in `year`); default: the latest RSA taking
    effect in or before `year` (see the module docstring).
    """
    _check_amount(monthly_net_cents)
    if on is not None and on.year != year:
        raise ValueError(f"on={on} is not in year {year}")
    # R3252-2: the scale applies to the annualised net remuneration
    annual = annual_seizable(
        monthly_net_cents * MONTHS_PER_YEAR,
        year=year,
        dependants=dependants,
        allow_unverified=allow_unverified,
    )
    by_scale = annual / MONTHS_PER_YEAR
    rsa_day = on if on is not None else date(year, 12, 31)
    floor = bank_balance_floor(rsa_day, allow_unverified=allow_unverified)
    # R3252-5: the debtor always keeps at least the RSA for one person
    above_floor = monthly_net_cents - floor
    return round_half_up(max(Fraction(0), min(by_scale, Fraction(above_floor))))


def round_half_up(value: Fraction) -> int:
    """Round an exact number of cents to whole cents, half away from zero."""
    magnitude = abs(value) + Fraction(1, 2)
    cents = magnitude.numerator // magnitude.denominator
    return cents if value >= 0 else -cents


def _check_amount(cents: int) -> None:
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"an amount must be an int number of cents, not {type(cents).__name__}")
    if cents < 0:
        raise ValueError(f"a net remuneration cannot be negative: {cents}")


def _check_dependants(dependants: int) -> None:
    if isinstance(dependants, bool) or not isinstance(dependants, int) or dependants < 0:
        raise ValueError(f"dependants must be a whole number >= 0, not {dependants!r}")
