"""Late-payment and legal interest: periods, day counts, rounding, errors."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvra.law.interest import (
    ACTUAL_366,
    ContractualRateTooLow,
    late_payment_interest,
    legal_interest,
    round_fraction_half_up,
    split_periods,
)
from recouvra.law.rates import packaged_tables
from recouvra.law.tables import RateUnavailable


def test_the_facts_example_at_365_and_366() -> None:
    # FACTS §1.5: €5,000 at 14.50 % for 30 days in 2024 → €59.59 (365) vs €59.43 (366)
    due, until = date(2023, 12, 31), date(2024, 1, 30)
    assert late_payment_interest(500_000, due, until).cents == 5959
    assert late_payment_interest(500_000, due, until, day_count=ACTUAL_366).cents == 5943


def test_it_runs_from_the_day_after_the_due_date_to_until_inclusive() -> None:
    result = late_payment_interest(100_000, date(2025, 3, 10), date(2025, 3, 20))
    assert result.days == 10
    assert result.periods[0].start == date(2025, 3, 11)
    assert result.periods[0].end == date(2025, 3, 20)


def test_it_splits_at_each_semester_with_its_own_rate() -> None:
    result = late_payment_interest(1_000_000, date(2025, 3, 10), date(2026, 6, 30))
    assert [(p.start, p.end, p.rate) for p in result.periods] == [
        (date(2025, 3, 11), date(2025, 6, 30), Decimal("13.15")),
        (date(2025, 7, 1), date(2025, 12, 31), Decimal("12.15")),
        (date(2026, 1, 1), date(2026, 6, 30), Decimal("12.15")),
    ]
    assert [p.days for p in result.periods] == [112, 184, 181]
    assert result.cents == sum(p.cents for p in result.periods)


def test_a_contractual_rate_below_three_times_the_legal_rate_is_refused() -> None:
    with pytest.raises(ContractualRateTooLow) as caught:
        late_payment_interest(
            100_000, date(2026, 1, 10), date(2026, 3, 1), contractual_rate=Decimal("7.5")
        )
    assert caught.value.floor.percent == Decimal("7.86")


def test_ecb_plus_ten_copied_into_a_contract_was_below_the_2024_floor() -> None:
    # FACTS §1.2 trap: in 2024-S1 the floor (15.21) was above ECB + 10 (14.50)
    with pytest.raises(ContractualRateTooLow):
        late_payment_interest(
            100_000, date(2024, 1, 10), date(2024, 3, 1), contractual_rate=Decimal("14.50")
        )


def test_a_valid_contractual_rate_is_used() -> None:
    result = late_payment_interest(
        100_000, date(2026, 1, 10), date(2026, 2, 9), contractual_rate=Decimal("10")
    )
    assert result.periods[0].rate == Decimal("10")
    assert result.cents == round_fraction_half_up(Fraction(100_000) * Fraction(10, 100) * 30 / 365)


def test_a_date_outside_the_tables_is_an_error() -> None:
    with pytest.raises(RateUnavailable):
        late_payment_interest(100_000, date(2014, 12, 1), date(2015, 2, 1))


def test_an_unverified_rate_is_used_only_when_allowed_and_then_flagged() -> None:
    with pytest.raises(RateUnavailable):
        late_payment_interest(100_000, date(2026, 6, 1), date(2026, 9, 1))
    result = late_payment_interest(
        100_000, date(2026, 6, 1), date(2026, 9, 1), tables=packaged_tables(allow_unverified=True)
    )
    assert [p.verified for p in result.periods] == [True, False]
    assert not result.verified


def test_legal_interest_uses_the_creditor_category() -> None:
    start, until = date(2025, 12, 31), date(2026, 6, 30)
    professional = legal_interest(1_000_000, start, until, creditor_is_consumer=False)
    private = legal_interest(1_000_000, start, until, creditor_is_consumer=True)
    assert professional.periods[0].rate == Decimal("2.62")
    assert private.periods[0].rate == Decimal("6.67")


def test_legal_interest_is_increased_five_points_two_months_after_enforceability() -> None:
    # CMF L313-3: enforceable 10 March → increase from 11 May
    result = legal_interest(
        1_000_000,
        date(2025, 1, 10),
        date(2025, 6, 30),
        creditor_is_consumer=False,
        judgment_enforceable_on=date(2025, 3, 10),
    )
    assert [(p.start, p.rate) for p in result.periods] == [
        (date(2025, 1, 11), Decimal("3.71")),
        (date(2025, 5, 11), Decimal("8.71")),
    ]


def test_the_2026_s2_legal_rate_is_missing() -> None:
    with pytest.raises(RateUnavailable) as caught:
        legal_interest(
            100_000,
            date(2026, 6, 1),
            date(2026, 8, 1),
            creditor_is_consumer=True,
            tables=packaged_tables(allow_unverified=True),
        )
    assert caught.value.reason == "missing"


def test_nothing_accrues_before_the_day_after_the_start() -> None:
    result = late_payment_interest(100_000, date(2025, 3, 10), date(2025, 3, 10))
    assert (result.cents, result.periods) == (0, ())


def test_it_refuses_a_float_principal() -> None:
    with pytest.raises(ValueError):
        late_payment_interest(1000.0, date(2025, 3, 10), date(2025, 4, 10))  # type: ignore[arg-type]


def test_rounding_is_half_up() -> None:
    assert round_fraction_half_up(Fraction(5, 2)) == 3
    assert round_fraction_half_up(Fraction(-5, 2)) == -3
    assert round_fraction_half_up(Fraction(249, 100)) == 2


days_2015_2026 = st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 6, 29))


@given(
    st.integers(min_value=0, max_value=10**10),
    days_2015_2026,
    st.integers(min_value=0, max_value=3000),
)
def test_periods_always_add_up_to_the_total(principal: int, due: date, length: int) -> None:
    until = min(due + timedelta(days=length), date(2026, 6, 30))
    result = late_payment_interest(principal, due, until)
    assert sum(p.cents for p in result.periods) == result.cents
    assert sum(p.days for p in result.periods) == max((until - due).days, 0)
    exact = sum(
        Fraction(principal) * Fraction(p.rate) / 100 * p.days / p.basis for p in result.periods
    )
    assert result.cents == round_fraction_half_up(exact)
    for period in result.periods:
        assert (
            abs(
                period.cents
                - Fraction(principal) * Fraction(period.rate) / 100 * period.days / period.basis
            )
            <= 1
        )


@given(days_2015_2026, st.integers(min_value=1, max_value=2000))
def test_periods_never_straddle_a_semester(first: date, length: int) -> None:
    for start, end in split_periods(first, first + timedelta(days=length)):
        assert (start.month <= 6) == (end.month <= 6) and start.year == end.year


@given(
    st.integers(min_value=0, max_value=10**9),
    st.dates(date(2015, 1, 1), date(2026, 6, 1)),
    st.integers(min_value=0, max_value=1500),
    st.integers(min_value=0, max_value=1500),
)
def test_interest_is_additive_before_rounding(
    principal: int, a: date, left: int, right: int
) -> None:
    # interest over [a, c] = interest over [a, b] + [b+1, c], exactly, before rounding
    b = min(a + timedelta(days=left), date(2026, 6, 30))
    c = min(b + timedelta(days=right), date(2026, 6, 30))

    def exact(result) -> Fraction:  # noqa: ANN001
        return sum(
            (
                Fraction(principal) * Fraction(p.rate) / 100 * p.days / p.basis
                for p in result.periods
            ),
            Fraction(0),
        )

    whole = exact(late_payment_interest(principal, a, c))
    parts = exact(late_payment_interest(principal, a, b)) + exact(
        late_payment_interest(principal, b, c)
    )
    assert whole == parts


@given(
    st.integers(min_value=0, max_value=10**9),
    st.dates(date(2015, 1, 1), date(2026, 6, 1)),
    st.integers(min_value=0, max_value=2000),
    st.integers(min_value=0, max_value=400),
)
def test_a_later_until_never_lowers_interest(
    principal: int, due: date, length: int, more: int
) -> None:
    until = min(due + timedelta(days=length), date(2026, 6, 30))
    later = min(until + timedelta(days=more), date(2026, 6, 30))
    assert (
        late_payment_interest(principal, due, later).cents
        >= late_payment_interest(principal, due, until).cents
    )


def test_until_before_the_start_is_an_error() -> None:
    with pytest.raises(ValueError, match="before the start"):
        late_payment_interest(100_000, date(2025, 3, 10), date(2025, 3, 1))


def test_a_negative_rate_is_an_error() -> None:
    with pytest.raises(ValueError):
        late_payment_interest(
            100_000, date(2026, 1, 10), date(2026, 3, 1), contractual_rate=Decimal("-1")
        )
