"""The packaged rate tables: consistent with FACTS.md, strict about missing or unverified rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recouvra.law.rates import (
    ECB_REFERENCE,
    LEGAL_OTHER,
    RateOverride,
    packaged_tables,
    semester_key,
)
from recouvra.law.tables import RateUnavailable, read_rows

TABLES = packaged_tables()


def test_it_finds_the_statutory_rate_of_each_semester() -> None:
    # FACTS §1.2 key figures
    expected = {
        date(2023, 1, 15): "12.50",
        date(2023, 7, 1): "14.00",
        date(2024, 3, 1): "14.50",
        date(2024, 12, 31): "14.25",
        date(2025, 6, 30): "13.15",
        date(2025, 7, 1): "12.15",
        date(2026, 2, 1): "12.15",
    }
    for day, percent in expected.items():
        assert TABLES.statutory_penalty_rate(day).percent == Decimal(percent), day


def test_the_statutory_rate_is_the_ecb_rate_in_force_on_the_first_day_plus_ten() -> None:
    ecb = [
        (date.fromisoformat(r["date_effective"]), Decimal(r["rate_percent"]))
        for r in read_rows("ecb_main_refinancing_rate")
    ]
    for row in read_rows("late_payment_reference_rate"):
        start = date.fromisoformat(row["semester_start"])
        in_force = [rate for effective, rate in ecb if effective <= start][-1]
        assert Decimal(row["ecb_reference_rate_percent"]) == in_force, row["semester"]
        assert Decimal(row["statutory_penalty_rate_percent"]) == in_force + 10, row["semester"]


def test_the_contractual_floor_is_three_times_the_legal_rate() -> None:
    assert TABLES.contractual_floor(date(2026, 3, 1)).percent == Decimal("7.86")
    assert TABLES.contractual_floor(date(2024, 3, 1)).percent == Decimal("15.21")
    for row in read_rows("late_payment_reference_rate"):
        if row["contractual_floor_percent_3x_legal"]:
            day = date.fromisoformat(row["semester_start"])
            assert TABLES.contractual_floor(day).percent == Decimal(
                row["contractual_floor_percent_3x_legal"]
            )


def test_the_legal_rate_depends_on_the_creditor() -> None:
    assert TABLES.legal_rate(date(2026, 1, 1), creditor_is_consumer=True).percent == Decimal("6.67")
    assert TABLES.legal_rate(date(2026, 6, 30), creditor_is_consumer=False).percent == Decimal(
        "2.62"
    )


def test_a_missing_rate_is_an_error_never_zero() -> None:
    with pytest.raises(RateUnavailable) as caught:
        TABLES.legal_rate(date(2026, 7, 1), creditor_is_consumer=False)
    assert caught.value.reason == "missing"
    assert "2026-S2" in caught.value.message_fr
    with pytest.raises(RateUnavailable):
        TABLES.statutory_penalty_rate(date(2014, 12, 31))


def test_an_unverified_rate_is_refused_unless_the_caller_accepts_it() -> None:
    with pytest.raises(RateUnavailable) as caught:
        TABLES.statutory_penalty_rate(date(2026, 9, 1))
    assert caught.value.reason == "unverified"
    lenient = TABLES.lenient().statutory_penalty_rate(date(2026, 9, 1))
    assert (lenient.percent, lenient.verified) == (Decimal("12.40"), False)


def test_an_override_adds_the_missing_semester() -> None:
    tables = TABLES.with_overrides([RateOverride(LEGAL_OTHER, "2026-S2", Decimal("2.70"))])
    assert tables.legal_rate(date(2026, 8, 1), creditor_is_consumer=False).percent == Decimal(
        "2.70"
    )
    assert tables.contractual_floor(date(2026, 8, 1)).percent == Decimal("8.10")


def test_an_override_confirms_an_unverified_rate() -> None:
    tables = TABLES.with_overrides([RateOverride(ECB_REFERENCE, "2026-S2", Decimal("2.40"))])
    assert tables.statutory_penalty_rate(date(2026, 8, 1)).verified


def test_semester_keys() -> None:
    assert semester_key(date(2026, 6, 30)) == "2026-S1"
    assert semester_key(date(2026, 7, 1)) == "2026-S2"
