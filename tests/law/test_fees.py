from __future__ import annotations

import pytest

from recouvra.law.fees import recovery_fees


def test_it_charges_forty_euros_per_late_invoice_to_a_professional() -> None:
    assert recovery_fees(3, debtor_is_professional=True) == 12_000


def test_it_never_charges_a_consumer() -> None:
    assert recovery_fees(3, debtor_is_professional=False) == 0


def test_it_charges_nothing_in_insolvency_proceedings() -> None:
    assert recovery_fees(2, debtor_is_professional=True, debtor_in_insolvency=True) == 0


def test_it_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError):
        recovery_fees(-1, debtor_is_professional=True)
