"""Payment plans: a schedule pays the balance to the cent, whatever the terms."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvra.law.dates import DateOutOfRange
from recouvra.law.instalments import (
    MAX_INSTALMENTS,
    Frequency,
    PlanError,
    Terms,
    beyond_court_grace,
    due_date,
    schedule,
)


def amounts(terms: Terms) -> list[int]:
    return [i.amount_cents for i in schedule(terms)]


def test_a_balance_in_equal_monthly_instalments_the_odd_cents_first() -> None:
    plan = schedule(Terms(balance_cents=100_001, first_on=date(2027, 1, 31), count=3))
    assert [i.amount_cents for i in plan] == [33_334, 33_334, 33_333]
    assert [i.due_on for i in plan] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]
    assert [i.number for i in plan] == [1, 2, 3]


def test_by_amount_the_last_instalment_is_what_is_left() -> None:
    terms = Terms(balance_cents=125_000, first_on=date(2027, 1, 5), amount_cents=50_000)
    assert amounts(terms) == [50_000, 50_000, 25_000]


def test_a_down_payment_falls_on_the_first_date_and_the_instalments_follow() -> None:
    terms = Terms(
        balance_cents=100_000, first_on=date(2027, 1, 5), count=2, down_payment_cents=20_000
    )
    plan = schedule(terms)
    assert [(i.number, i.due_on, i.amount_cents) for i in plan] == [
        (0, date(2027, 1, 5), 20_000),
        (1, date(2027, 2, 5), 40_000),
        (2, date(2027, 3, 5), 40_000),
    ]
    assert plan[0].is_down_payment


def test_a_temporary_reduction_lowers_the_first_instalments() -> None:
    terms = Terms(
        balance_cents=120_000,
        first_on=date(2027, 1, 5),
        frequency=Frequency.QUARTERLY,
        count=5,
        reduced_count=2,
        reduced_amount_cents=10_000,
    )
    plan = schedule(terms)
    assert [i.amount_cents for i in plan] == [10_000, 10_000, 33_334, 33_333, 33_333]
    assert [i.reduced for i in plan] == [True, True, False, False, False]
    assert plan[-1].due_on == date(2028, 1, 5)


def test_weekly_instalments() -> None:
    plan = schedule(Terms(balance_cents=300, first_on=date(2027, 1, 1), count=3,
                          frequency=Frequency.WEEKLY))  # fmt: skip
    assert [i.due_on for i in plan] == [date(2027, 1, 1), date(2027, 1, 8), date(2027, 1, 15)]


@pytest.mark.parametrize(
    ("terms", "says"),
    [
        (Terms(balance_cents=0, first_on=date(2027, 1, 1), count=2), "positif"),
        (Terms(balance_cents=100, first_on=date(2027, 1, 1)), "soit le nombre"),
        (Terms(balance_cents=100, first_on=date(2027, 1, 1), count=2, amount_cents=5), "soit"),
        (Terms(balance_cents=100, first_on=date(2027, 1, 1), count=101), "au moins 1 centime"),
        (Terms(balance_cents=100, first_on=date(2027, 1, 1), count=0), "de 1 à"),
        (Terms(balance_cents=100, first_on=date(2027, 1, 1), count=2, down_payment_cents=100),
         "acompte"),
        (Terms(balance_cents=100, first_on=date(2027, 1, 1), count=3, reduced_count=2,
               reduced_amount_cents=50), "tout le solde"),
        (Terms(balance_cents=100, first_on=date(2027, 1, 1), count=2, reduced_count=2,
               reduced_amount_cents=10), "au moins une échéance"),
        (Terms(balance_cents=100_000, first_on=date(2027, 1, 1), amount_cents=100),
         f"Au plus {MAX_INSTALMENTS}"),
    ],
)  # fmt: skip
def test_terms_that_cannot_make_a_plan_are_refused_in_french(terms: Terms, says: str) -> None:
    with pytest.raises(PlanError, match=says):
        schedule(terms)


def test_a_plan_leaving_the_calendar_is_refused() -> None:
    with pytest.raises(DateOutOfRange):
        schedule(Terms(balance_cents=1_000, first_on=date(2199, 6, 1), count=12))
    with pytest.raises(DateOutOfRange):
        due_date(date(2199, 12, 1), Frequency.QUARTERLY, 1)
    with pytest.raises(DateOutOfRange):
        due_date(date(2190, 1, 1), Frequency.QUARTERLY, 10**6)
    assert due_date(date(2199, 1, 31), Frequency.QUARTERLY, 1) == date(2199, 4, 30)


def test_a_plan_longer_than_two_years_is_beyond_a_court_granted_grace() -> None:
    two_years = schedule(Terms(balance_cents=2_500, first_on=date(2027, 1, 31), count=25))
    assert two_years[-1].due_on == date(2029, 1, 31)
    assert not beyond_court_grace(two_years)
    longer = schedule(Terms(balance_cents=2_600, first_on=date(2027, 1, 31), count=26))
    assert beyond_court_grace(longer)


terms_strategy = st.builds(
    lambda balance, first_on, frequency, by_count, n, amount, down, reduced: (
        balance, first_on, frequency, by_count, n, amount, down, reduced
    ),
    st.integers(1, 10**12),
    st.dates(date(2000, 1, 1), date(2100, 12, 31)),
    st.sampled_from(list(Frequency)),
    st.booleans(),
    st.integers(1, 60),
    st.integers(1, 10**12),
    st.floats(0, 0.9),
    st.tuples(st.integers(0, 6), st.floats(0.01, 0.5)),
)  # fmt: skip


@given(terms_strategy)
def test_any_plan_pays_the_balance_to_the_cent(drawn: tuple) -> None:
    balance, first_on, frequency, by_count, n, amount, down_share, (reduced_n, reduced_share) = (
        drawn
    )
    down = int(balance * down_share) if balance > 1 else 0
    down = min(down, balance - 1)
    rest = balance - down
    usual = -(-rest // n)  # the size of a usual instalment when split in n
    reduced_amount = int(usual * reduced_share) if reduced_n else 0
    if reduced_amount == 0:
        reduced_n = 0
    terms = Terms(
        balance_cents=balance,
        first_on=first_on,
        frequency=frequency,
        count=n + reduced_n if by_count else None,
        amount_cents=None if by_count else max(amount, reduced_amount + 1),
        down_payment_cents=down,
        reduced_count=reduced_n,
        reduced_amount_cents=reduced_amount,
    )
    try:
        plan = schedule(terms)
    except PlanError:
        return  # refused terms are tested above; accepted ones must hold below
    assert sum(i.amount_cents for i in plan) == balance
    assert all(i.amount_cents >= 1 for i in plan)
    assert [i.due_on for i in plan] == sorted({i.due_on for i in plan})
    assert plan[0].due_on == first_on
    if by_count:
        usual_ones = [i.amount_cents for i in plan if not i.reduced and not i.is_down_payment]
        assert max(usual_ones) - min(usual_ones) <= 1
        assert len(plan) == n + reduced_n + (1 if down else 0)
