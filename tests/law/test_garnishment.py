"""Wage garnishment scale (C. trav. R3252-2 to R3252-5) and bank balance floor (CPCE L162-2)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvra.law.garnishment import (
    annual_seizable,
    bank_balance_floor,
    floor_row,
    garnishment_scale,
    round_half_up,
    seizable_wage,
)
from recouvra.law.tables import RateUnavailable

EARLY_2026 = date(2026, 3, 1)  # RSA 646.52 (verified) still in force


def euros(value: Fraction | int) -> Fraction:
    return Fraction(value) * 100


# ---------------------------------------------------------------- the scale


def test_the_facts_example_2026_1800_euros() -> None:
    # FACTS §7.3: 224 + 425 + 854 + 1,057.50 + 1,413.33 + 86.67 = 4,060.50 a year
    assert annual_seizable(2_160_000, year=2026) == euros(Fraction("4060.50"))
    assert seizable_wage(180_000, year=2026, on=EARLY_2026) == 33_838
    assert seizable_wage(180_000, year=2026, allow_unverified=True) == 33_838


@pytest.mark.parametrize(
    ("year", "expected_annual"),
    [
        # 2025: 4440/20 + 4220/10 + 4230/5 + 4200/4 + 4210/3 + 300 x 2/3
        (2025, Fraction(4440, 20) + 422 + 846 + 1050 + Fraction(4210, 3) + 200),
        # 2024: 4370/20 + 4150/10 + 4170/5 + 4130/4 + 4150/3 + 630 x 2/3
        (2024, Fraction(4370, 20) + 415 + 834 + Fraction(4130, 4) + Fraction(4150, 3) + 420),
    ],
)
def test_it_uses_the_scale_of_the_year(year, expected_annual) -> None:
    assert annual_seizable(2_160_000, year=year) == euros(expected_annual)
    assert seizable_wage(180_000, year=year) == round_half_up(euros(expected_annual) / 12)


def test_bracket_boundaries_are_included_in_the_lower_bracket() -> None:
    # brackets are (from, to]: 4,480 is still at 1/20, the next cent at 1/10
    assert annual_seizable(448_000, year=2026) == 22_400
    assert annual_seizable(448_001, year=2026) == 22_400 + Fraction(1, 10)
    assert annual_seizable(873_000, year=2026) == 22_400 + 42_500
    assert annual_seizable(873_001, year=2026) == 22_400 + 42_500 + Fraction(1, 5)
    top = annual_seizable(2_581_000, year=2026)
    assert top == euros(
        224 + 425 + 854 + Fraction(4230, 4) + Fraction(4240, 3) + Fraction(4340 * 2, 3)
    )
    # above the last threshold everything is seizable
    assert annual_seizable(2_581_100, year=2026) == top + 100


def test_dependants_raise_every_threshold() -> None:
    # 2026: + 1,740 per dependant; 2 dependants: first threshold 4,480 + 3,480 = 7,960
    assert annual_seizable(796_000, year=2026, dependants=2) == 39_800
    assert annual_seizable(796_001, year=2026, dependants=2) == 39_800 + Fraction(1, 10)
    # 1 dependant, 21,600 a year: 6220/20 + 4250/10 + 4270/5 + 4230/4 + 2630/3
    expected = Fraction(6220, 20) + 425 + 854 + Fraction(4230, 4) + Fraction(2630, 3)
    assert annual_seizable(2_160_000, year=2026, dependants=1) == euros(expected)
    assert seizable_wage(180_000, year=2026, dependants=1, on=EARLY_2026) == 29_368


def test_the_rsa_floor_binds_for_a_low_wage() -> None:
    # 680 net: scale 49.33 but 680 - 646.52 = 33.48
    assert seizable_wage(68_000, year=2026, on=date(2026, 1, 15)) == 3_348
    # 700 net: scale 51.33 < 700 - 646.52 = 53.48 until March...
    assert seizable_wage(70_000, year=2026, on=date(2026, 2, 1)) == 5_133
    # ...but 700 - 652.33 (unverified, from 1 Apr 2026) = 47.67 binds
    assert seizable_wage(70_000, year=2026, on=date(2026, 4, 1), allow_unverified=True) == 4_767
    assert seizable_wage(70_000, year=2026, allow_unverified=True) == 4_767


def test_nothing_is_seizable_below_the_floor() -> None:
    assert seizable_wage(60_000, year=2025) == 0
    assert seizable_wage(64_652, year=2025) == 0
    assert seizable_wage(0, year=2025) == 0


def test_the_default_rsa_is_the_last_one_of_the_year() -> None:
    # 2025: the 1 Apr 2025 amount (646.52), not the 635.71 of January
    assert seizable_wage(68_000, year=2025) == 68_000 - 64_652
    # before 1 Apr 2025: 680 - 635.71 = 44.29 (the scale gives 49.50)
    assert seizable_wage(68_000, year=2025, on=date(2025, 3, 31)) == 68_000 - 63_571
    assert round_half_up(annual_seizable(816_000, year=2025) / 12) == 4_950


def test_the_unverified_2026_rsa_is_missing_data_by_default() -> None:
    with pytest.raises(RateUnavailable) as raised:
        seizable_wage(180_000, year=2026)
    assert raised.value.reason == "unverified"
    with pytest.raises(RateUnavailable):
        seizable_wage(180_000, year=2026, on=date(2026, 4, 1))


def test_a_year_without_a_scale_is_unavailable() -> None:
    for year in (2023, 2027):
        with pytest.raises(RateUnavailable) as raised:
            seizable_wage(180_000, year=year, allow_unverified=True)
        assert raised.value.reason == "missing"
    with pytest.raises(RateUnavailable):
        garnishment_scale(2019)


def test_it_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="negative"):
        seizable_wage(-1, year=2025)
    with pytest.raises(TypeError):
        seizable_wage(1800.0, year=2025)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        seizable_wage(180_000, year=2025, dependants=-1)
    with pytest.raises(ValueError, match="not in year"):
        seizable_wage(180_000, year=2025, on=date(2026, 1, 1))


def test_round_half_up_on_fractions() -> None:
    assert round_half_up(Fraction(1, 2)) == 1
    assert round_half_up(Fraction(3, 2)) == 2
    assert round_half_up(Fraction(-1, 2)) == -1
    assert round_half_up(Fraction(4999, 10000)) == 0
    assert round_half_up(Fraction(406050, 12)) == 33838


# ---------------------------------------------------------------- bank balance floor


@pytest.mark.parametrize(
    ("on", "cents"),
    [
        (date(2023, 4, 1), 60_775),
        (date(2024, 3, 31), 60_775),
        (date(2024, 4, 1), 63_571),
        (date(2025, 3, 31), 63_571),
        (date(2025, 4, 1), 64_652),
        (date(2026, 3, 31), 64_652),
    ],
)
def test_the_bank_balance_floor_in_force(on, cents) -> None:
    assert bank_balance_floor(on) == cents


def test_the_unverified_2026_floor_is_refused_unless_allowed() -> None:
    with pytest.raises(RateUnavailable) as raised:
        bank_balance_floor(date(2026, 4, 1))
    assert raised.value.reason == "unverified"
    assert bank_balance_floor(date(2026, 4, 1), allow_unverified=True) == 65_233
    row = floor_row(date(2026, 6, 30))
    assert (row.cents, row.effective_on, row.verified) == (65_233, date(2026, 4, 1), False)
    assert "L162-2" in row.source
    assert row.notes.startswith("unverified")
    assert floor_row(date(2025, 6, 30)).verified is True


def test_the_recalled_2019_to_2022_floors_are_unverified_too() -> None:
    with pytest.raises(RateUnavailable):
        bank_balance_floor(date(2020, 6, 1))
    # the July 2022 revaluation is sourced
    assert bank_balance_floor(date(2022, 12, 31)) == 59_854


def test_a_date_before_the_first_floor_is_unavailable() -> None:
    with pytest.raises(RateUnavailable) as raised:
        floor_row(date(2017, 3, 31))
    assert raised.value.reason == "missing"
    assert bank_balance_floor(date(2017, 4, 1)) == 53_678


# ---------------------------------------------------------------- properties

WAGES = st.integers(min_value=0, max_value=2_000_000)
YEARS = st.sampled_from([2024, 2025])
DEPENDANTS = st.integers(min_value=0, max_value=6)


@given(WAGES, WAGES, YEARS, DEPENDANTS)
def test_it_is_monotone_in_the_wage(a, b, year, dependants) -> None:
    low, high = sorted((a, b))
    assert seizable_wage(low, year=year, dependants=dependants) <= seizable_wage(
        high, year=year, dependants=dependants
    )


@given(WAGES, YEARS, DEPENDANTS)
def test_the_debtor_keeps_the_floor_and_it_is_never_negative(wage, year, dependants) -> None:
    floor = bank_balance_floor(date(year, 12, 31))
    seized = seizable_wage(wage, year=year, dependants=dependants)
    assert 0 <= seized <= max(0, wage - floor)
    assert seized <= round_half_up(annual_seizable(wage * 12, year=year) / 12)


@given(WAGES, YEARS, DEPENDANTS)
def test_dependants_never_increase_the_seizable_part(wage, year, dependants) -> None:
    assert seizable_wage(wage, year=year, dependants=dependants + 1) <= seizable_wage(
        wage, year=year, dependants=dependants
    )


@given(st.integers(min_value=0, max_value=10_000_000), st.integers(min_value=0, max_value=6))
def test_the_scale_grows_no_faster_than_income(annual, dependants) -> None:
    # every fraction is at most 1: one more cent of income, at most one more cent seized
    step = annual_seizable(annual + 1, year=2026, dependants=dependants) - annual_seizable(
        annual, year=2026, dependants=dependants
    )
    assert 0 < step <= 1
