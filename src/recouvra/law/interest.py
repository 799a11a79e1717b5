"""Late-payment interest between professionals and legal interest.

Rules (FACTS.md §1, §2):
- Interest runs from the day after the start event (due date, mise en demeure) up to
  and including `until`: days = (until - start).days. `until` on the start day gives
  no period; `until` before it raises ValueError.
- Simple interest, period by period: the span is split at every 1 January and 1 July
  (rates are semestrial) and at any other rate change (the L313-3 increase).
- Each period is exact (integers over one common denominator, rates up to six
  decimals, never a float); the total is rounded half-up once. Period amounts are
  rounded so that they add up to the total (cumulative rounding): each is within one
  cent of its exact value.
- Day count: actual/365 by default, even in a leap year (the Banque de France's
  answer, FACTS §1.5); "actual/366" divides the days of a leap year by 366.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

from .dates import dates_in_range
from .deadlines import add_months
from .rates import Rate, RateTables, packaged_tables
from .tables import threshold_count

ACTUAL_365 = "actual/365"
ACTUAL_366 = "actual/366"
DAY_COUNTS = (ACTUAL_365, ACTUAL_366)


class ContractualRateTooLow(ValueError):
    """C. com. L441-10 II: the contractual rate is below 3 × the legal interest rate."""

    def __init__(self, rate: Decimal, floor: Rate) -> None:
        self.rate = rate
        self.floor = floor
        super().__init__(
            f"contractual rate {rate} % is below the legal floor of {floor.percent} % "
            f"(3 × the legal interest rate) for {floor.semester}"
        )

    @property
    def message_fr(self) -> str:
        return (
            f"Taux contractuel de {self.rate} % inférieur au plancher légal de "
            f"{self.floor.percent} % (3 fois l'intérêt légal) pour {self.floor.semester} "
            "(C. com. L441-10 II)."
        )


class InterestPeriod(NamedTuple):
    """One rate period of an interest computation (a NamedTuple: cheap to build by the million)."""

    start: date  # first day of interest in this period
    end: date  # last day, inclusive
    days: int
    rate: Decimal  # percent per year
    basis: int  # 365 or 366
    cents: int
    label: str  # what the rate is, in French, for statements
    verified: bool  # False when the rate is marked unverified ("taux à confirmer")
    # C. com. L441-10 II: the contractual rate set aside in this period because it is below
    # 3 × the legal rate; `rate` is then that floor. None: the rate applied is the agreed one.
    refused_rate: Decimal | None = None

    @property
    def at_floor(self) -> bool:
        return self.refused_rate is not None


@dataclass(frozen=True)
class InterestResult:
    principal_cents: int
    start: date  # the start event; interest runs from the next day
    until: date
    day_count: str
    cents: int
    periods: tuple[InterestPeriod, ...]

    @property
    def verified(self) -> bool:
        return all(p.verified for p in self.periods)

    @property
    def days(self) -> int:
        return sum(p.days for p in self.periods)

    @property
    def at_floor(self) -> bool:
        return any(p.at_floor for p in self.periods)


# a day → the rate of its period: percent, French label, verified, contractual rate refused
RatePicker = Callable[[date], tuple[Decimal, str, bool, Decimal | None]]

FLOOR_ARTICLE = "C. com. L441-10 II"


def percent_fr(percent: Decimal) -> str:
    """Decimal("10.500") → "10,5" (French decimal comma, no trailing zeros)."""
    return f"{percent.normalize():f}".replace(".", ",")


def floor_label(contractual_rate: Decimal) -> str:
    """What a period run at the floor instead of the contractual rate says, in French."""
    return (
        f"plancher légal (3 fois l'intérêt légal) appliqué au lieu du taux contractuel de "
        f"{percent_fr(contractual_rate)} % ({FLOOR_ARTICLE})"
    )


@dates_in_range
def late_payment_interest(
    principal_cents: int,
    due_date: date,
    until: date,
    *,
    contractual_rate: Decimal | None = None,
    day_count: str = ACTUAL_365,
    tables: RateTables | None = None,
    apply_floor: bool = False,
) -> InterestResult:
    """B2B penalties (C. com. L441-10 II), due without reminder from the day after the due date.

    Without a contractual rate: the ECB rate in force on the first day of each semester
    + 10 points. A contractual rate is checked against 3 × the legal rate of each
    semester and refused (ContractualRateTooLow) when below it; with `apply_floor`, such
    a semester runs at the floor instead, each of its periods marked with the rate set
    aside (InterestPeriod.refused_rate), so that a statement can still be made and say so.
    """
    tables = tables or packaged_tables()

    def statutory(day: date) -> tuple[Decimal, str, bool, Decimal | None]:
        rate = tables.statutory_penalty_rate(day)
        return rate.percent, "taux BCE + 10 points (C. com. L441-10)", rate.verified, None

    def contractual(day: date) -> tuple[Decimal, str, bool, Decimal | None]:
        assert contractual_rate is not None  # the picker below chooses this one only then
        floor = tables.contractual_floor(day)
        if contractual_rate >= floor.percent:
            return contractual_rate, "taux contractuel", floor.verified, None
        if not apply_floor:
            raise ContractualRateTooLow(contractual_rate, floor)
        # L441-10 II: the rate may not be lower than 3 × the legal rate: the floor applies
        return floor.percent, floor_label(contractual_rate), floor.verified, contractual_rate

    picker = statutory if contractual_rate is None else contractual
    return _accrue(principal_cents, due_date, until, picker, day_count, cuts=())


@dates_in_range
def legal_interest(
    principal_cents: int,
    start: date,
    until: date,
    *,
    creditor_is_consumer: bool,
    judgment_enforceable_on: date | None = None,
    day_count: str = ACTUAL_365,
    tables: RateTables | None = None,
) -> InterestResult:
    """Legal interest (C. civ. 1231-6, from the mise en demeure; CMF L313-2 rates).

    With `judgment_enforceable_on`, the rate is increased by 5 points from the day after
    two months have passed since the decision became enforceable (CMF L313-3).
    """
    tables = tables or packaged_tables()
    majoration_from = None
    if judgment_enforceable_on is not None:
        # CMF L313-3: two months counted by the same day-number rule (CPC 641), then
        # the increase applies from the next day; not a procedural limit, so no
        # weekend or holiday extension.
        majoration_from = add_months(judgment_enforceable_on, 2) + timedelta(days=1)
    points = threshold_count("legal_rate_judgment_majoration_points")

    def legal(day: date) -> tuple[Decimal, str, bool, Decimal | None]:
        rate = tables.legal_rate(day, creditor_is_consumer=creditor_is_consumer)
        label = (
            "intérêt légal ("
            + ("créancier particulier" if creditor_is_consumer else "autres cas")
            + ")"
        )
        if majoration_from is not None and day >= majoration_from:
            majored = label + " majoré de 5 points (CMF L313-3)"
            return rate.percent + points, majored, rate.verified, None
        return rate.percent, label + " (C. civ. 1231-6)", rate.verified, None

    cuts = (majoration_from,) if majoration_from else ()
    return _accrue(principal_cents, start, until, legal, day_count, cuts=cuts)


# Exact arithmetic in integers: rates in millionths of a percent, and every period's
# interest as a numerator over one common denominator valid for both 365 and 366.
RATE_SCALE = 1_000_000
COMMON_DENOMINATOR = 100 * RATE_SCALE * 365 * 366


def _accrue(
    principal_cents: int,
    start: date,
    until: date,
    pick: RatePicker,
    day_count: str,
    *,
    cuts: tuple[date, ...],
) -> InterestResult:
    if day_count not in DAY_COUNTS:
        raise ValueError(f"day_count must be one of {DAY_COUNTS}, not {day_count!r}")
    if not isinstance(principal_cents, int) or principal_cents < 0:
        raise ValueError("principal_cents must be a non-negative int")
    if until < start:
        raise ValueError(f"until ({until}) is before the start ({start})")
    numerator = 0  # the exact interest so far, over COMMON_DENOMINATOR
    rounded_so_far = 0
    periods = []
    memo: dict[tuple[int, bool], tuple[Decimal, str, bool, Decimal | None]] = {}
    for first, last in split_periods(start + timedelta(days=1), until, cuts):
        key = (first.toordinal() if cuts else first.year, first.month <= 6)
        if key not in memo:
            memo[key] = pick(first)
        percent, label, verified, refused = memo[key]
        days = (last - first).days + 1
        basis = 366 if day_count == ACTUAL_366 and _is_leap(first.year) else 365
        numerator += principal_cents * _scaled(percent) * days * (366 if basis == 365 else 365)
        rounded_total = (2 * numerator + COMMON_DENOMINATOR) // (2 * COMMON_DENOMINATOR)
        cents, rounded_so_far = rounded_total - rounded_so_far, rounded_total
        periods.append(
            InterestPeriod(first, last, days, percent, basis, cents, label, verified, refused)
        )
    return InterestResult(principal_cents, start, until, day_count, rounded_so_far, tuple(periods))


@lru_cache(maxsize=1024)
def _scaled(percent: Decimal) -> int:
    """The rate in millionths of a percent, exactly."""
    scaled = percent * RATE_SCALE
    if scaled < 0:
        raise ValueError(f"a rate cannot be negative: {percent}")
    if scaled != scaled.to_integral_value():
        raise ValueError(f"a rate has at most six decimals, not {percent}")
    return int(scaled)


def split_periods(first: date, last: date, cuts: tuple[date, ...] = ()) -> list[tuple[date, date]]:
    """[first, last] cut at every 1 January, 1 July and extra cut date (each starts a period)."""
    if last < first:
        return []
    starts = [first]
    year = first.year
    boundary = date(year, 7, 1) if first.month <= 6 else date(year + 1, 1, 1)
    while boundary <= last:
        starts.append(boundary)
        boundary = (
            date(boundary.year, 7, 1) if boundary.month == 1 else date(boundary.year + 1, 1, 1)
        )
    if cuts:
        starts = sorted(set(starts).union(c for c in cuts if first < c <= last))
    ends = [day - ONE_DAY for day in starts[1:]]
    ends.append(last)
    return list(zip(starts, ends, strict=True))


ONE_DAY = timedelta(days=1)


def round_fraction_half_up(value: Fraction) -> int:
    """Round to the nearest integer, halves away from zero."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    whole, rest = divmod(magnitude.numerator, magnitude.denominator)
    if 2 * rest >= magnitude.denominator:
        whole += 1
    return sign * whole


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
