"""Allocation of payments: C. civ. 1342-10 between debts, 1343-1 within a debt."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvra.law.allocation import Allocation, Debt, allocate_payment

PAID_ON = date(2025, 6, 30)


def refs(allocations: list[Allocation]) -> list[str | None]:
    return [a.debt_ref for a in allocations]


# --- within one debt: C. civ. 1343-1 and the costs convention -------------------------


def test_interest_is_paid_before_principal() -> None:
    [alloc] = allocate_payment(1_500, [Debt("F1", principal_cents=10_000, interest_cents=1_000)])
    assert alloc == Allocation("F1", to_interest=1_000, to_principal=500)


def test_fees_come_first_by_default() -> None:
    debt = Debt("F1", principal_cents=10_000, interest_cents=1_000, fees_cents=4_000)
    [alloc] = allocate_payment(4_500, [debt])
    assert alloc == Allocation("F1", to_fees=4_000, to_interest=500)


def test_a_custom_order_is_followed() -> None:
    debt = Debt("F1", principal_cents=10_000, interest_cents=1_000, fees_cents=4_000)
    [alloc] = allocate_payment(4_500, [debt], order=("interest", "principal", "fees"))
    assert alloc == Allocation("F1", to_interest=1_000, to_principal=3_500)


@pytest.mark.parametrize(
    "order",
    [("fees", "interest"), ("fees", "fees", "principal"), ("fees", "interest", "capital"), ()],
)
def test_the_order_must_be_a_permutation_of_the_three_parts(order: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="permutation"):
        allocate_payment(100, [Debt("F1", 100)], order=order)


# --- between debts: C. civ. 1342-10 ----------------------------------------------------


def test_the_designated_debt_is_paid_first_and_the_rest_follows_the_rules() -> None:
    debts = [
        Debt("A", 1_000, due_date=date(2025, 1, 1), rate=Decimal("12")),
        Debt("B", 1_000, due_date=date(2025, 2, 1), rate=Decimal("3")),
    ]
    result = allocate_payment(1_500, debts, designated_ref="B")
    assert result == [Allocation("B", to_principal=1_000), Allocation("A", to_principal=500)]


def test_a_designated_debt_with_nothing_outstanding_is_skipped() -> None:
    debts = [Debt("A", 0), Debt("B", 1_000)]
    assert allocate_payment(400, debts, designated_ref="A") == [Allocation("B", to_principal=400)]


def test_due_debts_are_paid_before_debts_not_yet_due() -> None:
    debts = [
        Debt("LATER", 1_000, due_date=date(2025, 9, 1), rate=Decimal("20")),
        Debt("DUE", 1_000, due_date=date(2025, 6, 30), rate=Decimal("0")),
    ]
    result = allocate_payment(1_200, debts, paid_on=PAID_ON)
    assert result == [Allocation("DUE", to_principal=1_000), Allocation("LATER", to_principal=200)]


def test_without_a_payment_date_every_debt_is_due() -> None:
    debts = [
        Debt("LATER", 1_000, due_date=date(2099, 1, 1), rate=Decimal("20")),
        Debt("DUE", 1_000, due_date=date(2025, 1, 1), rate=Decimal("0")),
    ]
    assert refs(allocate_payment(500, debts)) == ["LATER"]


def test_a_debt_without_due_date_is_due() -> None:
    debts = [
        Debt("LATER", 1_000, due_date=date(2025, 9, 1), rate=Decimal("20")),
        Debt("ON_DEMAND", 1_000),
    ]
    assert refs(allocate_payment(500, debts, paid_on=PAID_ON)) == ["ON_DEMAND"]


def test_the_debt_with_the_highest_rate_is_paid_first() -> None:
    debts = [
        Debt("OLD_CHEAP", 1_000, due_date=date(2024, 1, 1), rate=Decimal("3.15")),
        Debt("RECENT_DEAR", 1_000, due_date=date(2025, 5, 1), rate=Decimal("12.15")),
    ]
    assert refs(allocate_payment(700, debts, paid_on=PAID_ON)) == ["RECENT_DEAR"]


def test_at_equal_rate_the_oldest_is_paid_first() -> None:
    debts = [
        Debt("RECENT", 1_000, due_date=date(2025, 5, 1), rate=Decimal("10")),
        Debt("OLD", 1_000, due_date=date(2024, 1, 1), rate=Decimal("10")),
    ]
    result = allocate_payment(1_300, debts, paid_on=PAID_ON)
    assert result == [Allocation("OLD", to_principal=1_000), Allocation("RECENT", to_principal=300)]


def test_at_equal_rate_a_dated_debt_comes_before_an_undated_one() -> None:
    debts = [Debt("UNDATED", 1_000), Debt("DATED", 1_000, due_date=date(2025, 1, 1))]
    assert refs(allocate_payment(500, debts, paid_on=PAID_ON)) == ["DATED"]


def test_everything_equal_the_payment_is_shared_pro_rata() -> None:
    due = date(2025, 1, 1)
    debts = [Debt("A", 3_000, due_date=due), Debt("B", 1_000, due_date=due)]
    result = allocate_payment(2_000, debts, paid_on=PAID_ON)
    assert result == [Allocation("A", to_principal=1_500), Allocation("B", to_principal=500)]


def test_pro_rata_rounding_adds_up_to_the_cent_and_is_broken_by_ref() -> None:
    debts = [Debt("C", 5_000), Debt("A", 5_000), Debt("B", 5_000)]
    result = allocate_payment(100, debts)
    assert [(a.debt_ref, a.total) for a in result] == [("A", 34), ("B", 33), ("C", 33)]


def test_pro_rata_uses_outstanding_totals_then_the_order_within_each_debt() -> None:
    debts = [Debt("A", 900, interest_cents=100), Debt("B", 3_000)]
    result = allocate_payment(1_000, debts)
    assert result == [
        Allocation("A", to_interest=100, to_principal=150),
        Allocation("B", to_principal=750),
    ]


def test_a_zero_pro_rata_share_is_not_returned() -> None:
    debts = [Debt("A", 1_000_000), Debt("B", 1)]
    assert allocate_payment(10, debts) == [Allocation("A", to_principal=10)]


def test_an_overpayment_becomes_a_credit() -> None:
    debts = [Debt("A", 1_000, interest_cents=50), Debt("B", 0)]
    result = allocate_payment(2_000, debts)
    assert result == [
        Allocation("A", to_interest=50, to_principal=1_000),
        Allocation(None, to_credit=950),
    ]


def test_a_payment_without_debts_is_all_credit_and_zero_is_nothing() -> None:
    assert allocate_payment(500, []) == [Allocation(None, to_credit=500)]
    assert allocate_payment(0, [Debt("A", 1_000)]) == []


def test_allocation_total_adds_every_part() -> None:
    assert Allocation("A", 1, 2, 3, 4).total == 10


# --- invalid input -----------------------------------------------------------------------


def test_a_negative_payment_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        allocate_payment(-1, [Debt("A", 100)])


@pytest.mark.parametrize("field", ["principal_cents", "interest_cents", "fees_cents"])
def test_negative_debt_parts_are_refused(field: str) -> None:
    kwargs = {"principal_cents": 100, field: -1}
    with pytest.raises(ValueError, match=field):
        Debt("A", **kwargs)


def test_duplicate_refs_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        allocate_payment(100, [Debt("A", 100), Debt("A", 200)])


def test_an_unknown_designated_debt_is_refused() -> None:
    with pytest.raises(ValueError, match="Z"):
        allocate_payment(100, [Debt("A", 100)], designated_ref="Z")


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        allocate_payment(10.5, [Debt("A", 100)])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Debt("A", 100, rate=0.1)  # type: ignore[arg-type]


# --- properties ------------------------------------------------------------------------

BASE_DATE = date(2025, 1, 1)

debt_lists = st.lists(
    st.builds(
        Debt,
        ref=st.text(alphabet="ABCDEFGH", min_size=1, max_size=2),
        principal_cents=st.integers(0, 100_000),
        interest_cents=st.integers(0, 10_000),
        fees_cents=st.integers(0, 5_000),
        due_date=st.none() | st.integers(0, 60).map(lambda d: BASE_DATE + timedelta(days=d)),
        rate=st.sampled_from([Decimal(0), Decimal("3.15"), Decimal("12.15")]),
    ),
    max_size=6,
    unique_by=lambda d: d.ref,
)
payment_dates = st.none() | st.integers(0, 60).map(lambda d: BASE_DATE + timedelta(days=d))
orders = st.permutations(["fees", "interest", "principal"]).map(tuple)


@given(st.integers(0, 500_000), debt_lists, payment_dates, orders)
def test_parts_add_up_and_never_exceed_what_was_owed(amount, debts, paid_on, order) -> None:
    result = allocate_payment(amount, debts, paid_on=paid_on, order=order)
    assert sum(a.total for a in result) == amount
    assert all(a.total > 0 for a in result)
    by_ref = {d.ref: d for d in debts}
    for alloc in result:
        if alloc.debt_ref is None:
            continue
        debt = by_ref[alloc.debt_ref]
        assert 0 <= alloc.to_fees <= debt.fees_cents
        assert 0 <= alloc.to_interest <= debt.interest_cents
        assert 0 <= alloc.to_principal <= debt.principal_cents
        assert alloc.to_credit == 0
    assert len({a.debt_ref for a in result}) == len(result)


@given(st.integers(0, 500_000), debt_lists, payment_dates)
def test_credit_appears_only_when_everything_is_paid(amount, debts, paid_on) -> None:
    result = allocate_payment(amount, debts, paid_on=paid_on)
    owed = sum(d.outstanding_cents for d in debts)
    credits = [a for a in result if a.debt_ref is None]
    if amount > owed:
        assert credits == [Allocation(None, to_credit=amount - owed)]
        assert result[-1] is credits[0]
        assert sum(a.total for a in result[:-1]) == owed
    else:
        assert credits == []


@given(st.integers(0, 500_000), debt_lists, payment_dates, st.randoms(use_true_random=False))
def test_the_input_order_of_debts_does_not_matter(amount, debts, paid_on, rnd) -> None:
    shuffled = list(debts)
    rnd.shuffle(shuffled)
    assert allocate_payment(amount, shuffled, paid_on=paid_on) == allocate_payment(
        amount, debts, paid_on=paid_on
    )


@given(st.integers(1, 500_000), debt_lists, payment_dates, st.data())
def test_the_designated_debt_is_served_first(amount, debts, paid_on, data) -> None:
    owing = [d for d in debts if d.outstanding_cents]
    if not owing:
        return
    chosen = data.draw(st.sampled_from(owing))
    result = allocate_payment(amount, debts, designated_ref=chosen.ref, paid_on=paid_on)
    assert result[0].debt_ref == chosen.ref
    assert result[0].total == min(amount, chosen.outstanding_cents)


def _rank(debt: Debt, paid_on: date | None) -> tuple:
    due = paid_on is None or debt.due_date is None or debt.due_date <= paid_on
    return (not due, -debt.rate, debt.due_date is None, debt.due_date or date.min)


@given(st.integers(0, 500_000), debt_lists, payment_dates)
def test_a_debt_gets_something_only_once_every_better_ranked_debt_is_paid(
    amount, debts, paid_on
) -> None:
    paid = {a.debt_ref: a.total for a in allocate_payment(amount, debts, paid_on=paid_on)}
    for debt in debts:
        if not paid.get(debt.ref):
            continue
        for better in debts:
            if _rank(better, paid_on) < _rank(debt, paid_on):
                assert paid.get(better.ref, 0) == better.outstanding_cents
