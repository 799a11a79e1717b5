"""The engine computes with dates from 1900 to 2199 and says so, in French, for any other."""

from __future__ import annotations

from datetime import date

import pytest

from recouvra.law import deadlines, prescription
from recouvra.law.dates import DateOutOfRange
from recouvra.law.interest import legal_interest
from recouvra.law.statement import StatementClaim, statement


def test_it_refuses_a_deadline_from_9999_12_31_instead_of_overflowing():
    with pytest.raises(DateOutOfRange) as caught:
        deadlines.deadline(date(9999, 12, 31), days=10)
    assert caught.value.message_fr.startswith("Date hors limites : 31/12/9999")


def test_it_refuses_a_statement_of_a_claim_due_in_year_1():
    claim = StatementClaim(
        ref="FA-1", principal_cents=1000, due_date=date(1, 1, 2), debtor_is_professional=True
    )
    with pytest.raises(DateOutOfRange) as caught:
        statement([claim], [], [], as_of=date(2026, 1, 1))
    assert "02/01/0001" in caught.value.message_fr


def test_it_refuses_interest_until_9999_12_31():
    with pytest.raises(DateOutOfRange):
        legal_interest(1000, date(2025, 1, 1), date(9999, 12, 31), creditor_is_consumer=False)


def test_it_computes_up_to_the_last_day_of_the_range():
    assert prescription.limitation(date(2199, 12, 31), kind="title").ends_on == date(2209, 12, 31)


def test_a_date_out_of_range_is_a_value_error_for_callers_that_catch_those():
    assert issubclass(DateOutOfRange, ValueError)
