"""A contractual rate below 3 × the legal rate (C. com. L441-10 II): the statement runs at
the floor, and says so, instead of refusing the whole claim."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvra.law.interest import ContractualRateTooLow, late_payment_interest
from recouvra.law.rates import packaged_tables
from recouvra.law.statement import (
    StatementClaim,
    StatementPayment,
    refusal_fr,
    statement,
)
from recouvra.law.tables import RateUnavailable

TEN = Decimal("10")
# "ECB + 10" copied into a contract in 2023: below the floor in 2024 (15.21 %, 14.76 %)
CLAIM = StatementClaim("FA-1", 100_000, date(2024, 1, 10), True, contractual_rate=TEN)


def test_it_still_refuses_the_rate_unless_asked_to_apply_the_floor() -> None:
    with pytest.raises(ContractualRateTooLow):
        late_payment_interest(100_000, date(2024, 1, 10), date(2024, 3, 1), contractual_rate=TEN)


def test_it_runs_a_semester_below_the_floor_at_the_floor_marked_with_the_rate_set_aside() -> None:
    floored = late_payment_interest(
        100_000, date(2024, 1, 10), date(2024, 3, 1), contractual_rate=TEN, apply_floor=True
    )
    at_floor = late_payment_interest(
        100_000, date(2024, 1, 10), date(2024, 3, 1), contractual_rate=Decimal("15.21")
    )
    assert floored.cents == at_floor.cents
    period = floored.periods[0]
    assert (period.rate, period.refused_rate, period.at_floor) == (Decimal("15.21"), TEN, True)
    assert "L441-10" in period.label and "10 %" in period.label


def test_it_keeps_the_contractual_rate_in_the_semesters_where_it_is_above_the_floor() -> None:
    result = late_payment_interest(
        100_000,
        date(2024, 12, 1),
        date(2025, 3, 31),
        contractual_rate=Decimal("12"),
        apply_floor=True,
    )
    rates = [(p.rate, p.refused_rate) for p in result.periods]
    assert rates == [(Decimal("14.76"), Decimal("12")), (Decimal("12"), None)]  # floor 11.13


def test_it_gives_a_statement_that_names_the_floor_spans_across_a_payment() -> None:
    payment = StatementPayment("VIR-1", date(2024, 3, 15), 20_000)
    result = statement([CLAIM], [payment], [], as_of=date(2024, 12, 31))
    line = result.lines[0]
    assert all(p.at_floor for p in line.interest_periods)
    assert [(s.start, s.end, s.floor) for s in line.floor_spans] == [
        (date(2024, 1, 11), date(2024, 6, 30), Decimal("15.21")),
        (date(2024, 7, 1), date(2024, 12, 31), Decimal("14.76")),
    ]
    assert result.below_floor == [line]
    assert line.floor_mention_fr == (
        "Taux contractuel de 10 % inférieur au plancher légal de 3 fois le taux de l'intérêt "
        "légal (C. com. L441-10 II) : intérêts calculés au plancher, 15,21 % du 11/01/2024 au "
        "30/06/2024 et 14,76 % du 01/07/2024 au 31/12/2024."
    )


def test_it_stops_at_the_last_known_semester_when_the_floor_itself_is_missing() -> None:
    claim = StatementClaim("FA-2", 100_000, date(2026, 5, 31), True, contractual_rate=TEN)
    line = statement([claim], [], [], as_of=date(2026, 9, 30)).lines[0]
    assert line.interest_until == date(2026, 6, 30)
    assert line.missing_rate is not None and "Paramètres → Taux" in line.missing_rate.message_fr


def test_it_says_why_in_french_whatever_the_refusal() -> None:
    missing = RateUnavailable("taux de l'intérêt légal (autres cas)", "2026-S2")
    assert refusal_fr(missing) == missing.message_fr
    too_low = ContractualRateTooLow(TEN, packaged_tables().contractual_floor(date(2024, 3, 1)))
    assert "L441-10" in refusal_fr(too_low)
    assert refusal_fr(ValueError("a rate cannot be negative: -1")).startswith("Calcul impossible")
