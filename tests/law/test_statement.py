"""The décompte: interest per period, fees, payments allocated on their dates, balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recouvra.law.interest import late_payment_interest
from recouvra.law.rates import packaged_tables
from recouvra.law.statement import (
    FORMAL_NOTICE,
    INSOLVENCY_OPENED,
    StatementClaim,
    StatementEvent,
    StatementPayment,
    statement,
)

B2B_A = StatementClaim("FA-1", 100_000, date(2025, 1, 31), debtor_is_professional=True)
B2B_B = StatementClaim("FA-2", 50_000, date(2025, 3, 31), debtor_is_professional=True)
CONSUMER = StatementClaim("C-1", 100_000, date(2025, 1, 31), debtor_is_professional=False)


def test_an_unpaid_b2b_claim_bears_penalties_and_the_forty_euro_fee() -> None:
    result = statement([B2B_A], [], [], as_of=date(2026, 6, 30))
    line = result.lines[0]
    expected = late_payment_interest(100_000, date(2025, 1, 31), date(2026, 6, 30))
    assert line.interest_cents == expected.cents
    assert line.fees_cents == 4_000
    assert result.balance_cents == 100_000 + expected.cents + 4_000


def test_a_consumer_pays_no_fee_and_no_interest_before_the_formal_notice() -> None:
    result = statement([CONSUMER], [], [], as_of=date(2026, 6, 30))
    assert (result.lines[0].interest_cents, result.lines[0].fees_cents) == (0, 0)
    assert result.balance_cents == 100_000


def test_legal_interest_runs_from_the_formal_notice_for_a_consumer() -> None:
    notice = StatementEvent(FORMAL_NOTICE, date(2025, 3, 1))
    line = statement([CONSUMER], [], [notice], as_of=date(2025, 6, 30)).lines[0]
    assert line.basis == "1231-6"
    assert line.interest_periods[0].start == date(2025, 3, 2)
    assert line.interest_periods[0].rate == Decimal("3.71")  # creditor: a company


def test_a_partial_payment_goes_to_fees_and_interest_before_principal() -> None:
    payment = StatementPayment("VIR-1", date(2025, 4, 15), 10_000)
    line = statement([B2B_A], [payment], [], as_of=date(2025, 4, 15)).lines[0]
    applied = line.payments[0]
    assert applied.to_fees == 4_000
    assert applied.to_interest == line.interest_cents  # interest to the payment day
    assert applied.to_principal == 10_000 - 4_000 - line.interest_cents
    assert line.interest_due == 0 and line.fees_due == 0


def test_interest_after_a_payment_runs_on_the_reduced_principal() -> None:
    payment = StatementPayment("VIR-1", date(2025, 4, 15), 60_000)
    line = statement([B2B_A], [payment], [], as_of=date(2025, 6, 30)).lines[0]
    after = [p for p in line.interest_periods if p.start == date(2025, 4, 16)][0]
    expected = late_payment_interest(line.principal_due, date(2025, 4, 15), date(2025, 6, 30))
    assert after.cents == expected.cents


def test_an_undesignated_payment_goes_to_the_oldest_due_claim() -> None:
    payment = StatementPayment("VIR-1", date(2025, 4, 15), 20_000)
    result = statement([B2B_B, B2B_A], [payment], [], as_of=date(2025, 4, 15))
    paid = {line.claim.ref: sum(p.total for p in line.payments) for line in result.lines}
    assert paid == {"FA-1": 20_000, "FA-2": 0}


def test_a_designated_payment_goes_to_the_designated_claim() -> None:
    payment = StatementPayment("VIR-1", date(2025, 4, 15), 20_000, designated_ref="FA-2")
    result = statement([B2B_A, B2B_B], [payment], [], as_of=date(2025, 4, 15))
    assert [line.claim.ref for line in result.lines if line.payments] == ["FA-2"]


def test_an_overpayment_is_kept_as_a_credit() -> None:
    payment = StatementPayment("VIR-1", date(2025, 1, 15), 150_000)  # before the due date
    result = statement([B2B_A], [payment], [], as_of=date(2025, 6, 30))
    assert result.credit_cents == 50_000
    assert result.balance_cents == -50_000
    assert result.lines[0].fees_cents == 0  # paid on time: no indemnity


def test_payments_after_the_statement_date_are_ignored() -> None:
    payment = StatementPayment("VIR-1", date(2025, 7, 1), 150_000)
    result = statement([B2B_A], [payment], [], as_of=date(2025, 6, 30))
    assert result.paid_cents == 0


def test_insolvency_stops_interest_and_the_fee() -> None:
    opened = StatementEvent(INSOLVENCY_OPENED, date(2025, 1, 15))
    line = statement([B2B_A], [], [opened], as_of=date(2026, 6, 30)).lines[0]
    assert (line.interest_cents, line.fees_cents) == (0, 0)


def test_a_missing_rate_stops_interest_at_the_last_known_period() -> None:
    lenient = packaged_tables(allow_unverified=True)
    notice = StatementEvent(FORMAL_NOTICE, date(2025, 3, 1))
    result = statement([CONSUMER], [], [notice], as_of=date(2026, 11, 25), tables=lenient)
    line = result.lines[0]
    assert line.interest_until == date(2026, 6, 30)
    assert line.missing_rate is not None and "2026-S2" in line.missing_rate.message_fr
    assert not result.verified


def test_an_unverified_rate_is_flagged_when_the_caller_accepts_it() -> None:
    lenient = packaged_tables(allow_unverified=True)
    result = statement([B2B_A], [], [], as_of=date(2026, 11, 25), tables=lenient)
    assert result.lines[0].interest_periods[-1].verified is False
    assert result.missing_rates == [] and not result.verified


def test_it_refuses_duplicate_references_and_unknown_events() -> None:
    with pytest.raises(ValueError):
        statement([B2B_A, B2B_A], [], [], as_of=date(2025, 6, 30))
    with pytest.raises(ValueError):
        statement(
            [B2B_A], [], [StatementEvent("phone_call", date(2025, 3, 1))], as_of=date(2025, 6, 30)
        )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=200_000), min_size=1, max_size=4),
    st.lists(
        st.tuples(st.dates(date(2024, 1, 1), date(2026, 6, 30)), st.integers(1, 300_000)),
        max_size=5,
    ),
)
def test_every_payment_cent_is_accounted_for(principals: list[int], payments: list) -> None:
    claims = [
        StatementClaim(f"FA-{i}", cents, date(2024, 1 + i, 15), debtor_is_professional=True)
        for i, cents in enumerate(principals)
    ]
    paid = [StatementPayment(f"P{i}", day, cents) for i, (day, cents) in enumerate(payments)]
    result = statement(claims, paid, [], as_of=date(2026, 6, 30))
    assert result.paid_cents + result.credit_cents == sum(cents for _, cents in payments)
    for line in result.lines:
        assert line.principal_due >= 0 and line.interest_due >= 0 and line.fees_due >= 0
    owed = result.principal_cents + result.interest_cents + result.fees_cents
    assert result.balance_cents == owed - result.paid_cents - result.credit_cents


def test_the_fee_depends_on_the_due_date_not_on_later_payments() -> None:
    claim = StatementClaim("FA-9", 100_000, date(2025, 3, 31), debtor_is_professional=True)
    opened = StatementEvent(INSOLVENCY_OPENED, date(2025, 6, 1))
    alone = statement([claim], [], [opened], as_of=date(2025, 9, 30)).lines[0]
    paid = StatementPayment("P", date(2025, 5, 1), 1_000)
    with_payment = statement([claim], [paid], [opened], as_of=date(2025, 9, 30)).lines[0]
    assert alone.fees_cents == with_payment.fees_cents == 4_000
    assert alone.interest_until == date(2025, 5, 31)  # the opening day bears no interest
