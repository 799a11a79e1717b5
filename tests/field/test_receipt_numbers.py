"""Receipt numbers (CPCE R124-6): unique, without gaps, and a payment keeps its first one,
even when many are issued at the same moment."""

from __future__ import annotations

import threading
import unittest
from datetime import date

from django.db import connection
from django.test import TransactionTestCase
from django.utils import timezone

from recouvra.core.models import OrganizationKind
from recouvra.ledger.models import Payment
from recouvra.ledger.services import number_receipt

from ..base import SIREN_BETA, make_claim, make_creditor, make_debtor, make_org, make_payment

THREADS = 8


def numbers_of(payments: list[Payment]) -> list[str]:
    return [p.receipt_number for p in Payment.objects.filter(pk__in=[p.pk for p in payments])]


def expected(count: int) -> list[str]:
    year = timezone.localdate().year
    return [f"Q-{year}-{n:06d}" for n in range(1, count + 1)]


class SequentialNumbersTests(TransactionTestCase):
    def setUp(self) -> None:
        self.org = make_org("Alpha Recouvrement")
        claim = make_claim(make_creditor(self.org), make_debtor(self.org), 1_000_000)
        self.payments = [make_payment(claim, 100, date(2026, 3, n + 1)) for n in range(5)]

    def test_numbers_follow_each_other_and_a_payment_keeps_its_own(self) -> None:
        first = [number_receipt(p) for p in self.payments]
        again = [number_receipt(Payment.objects.get(pk=p.pk)) for p in self.payments]
        self.assertEqual(first, expected(5))
        self.assertEqual(again, first)
        self.assertEqual(sorted(numbers_of(self.payments)), expected(5))

    def test_each_organisation_counts_its_own(self) -> None:
        beta = make_org("Beta", OrganizationKind.COMPANY, SIREN_BETA)
        theirs = make_payment(make_claim(make_creditor(beta), make_debtor(beta), 5_000), 100)
        number_receipt(self.payments[0])
        self.assertEqual(number_receipt(theirs), expected(1)[0])


# SQLite takes one writer at a time (the whole database is locked): threads numbering at
# once would only wait for each other, which proves nothing about the row locks that
# number_receipt relies on. The race is proven on PostgreSQL; SQLite runs the sequential
# tests above.
@unittest.skipIf(connection.vendor == "sqlite", "SQLite serialises writers: no race to prove")
class ConcurrentNumbersTests(TransactionTestCase):
    def setUp(self) -> None:
        org = make_org("Alpha Recouvrement")
        claim = make_claim(make_creditor(org), make_debtor(org), 1_000_000)
        self.payments = [make_payment(claim, 100 + n) for n in range(THREADS)]

    def test_numbers_issued_at_once_are_unique_gapless_and_kept(self) -> None:
        shared = self.payments[0]
        # 8 threads number 8 payments, and 2 more number the first one again
        targets = [p.pk for p in self.payments] + [shared.pk, shared.pk]
        barrier = threading.Barrier(len(targets))
        results: dict[int, list[str]] = {}
        errors: list[BaseException] = []
        lock = threading.Lock()

        def issue(index: int, pk: int) -> None:
            try:
                payment = Payment.objects.get(pk=pk)
                barrier.wait(timeout=30)
                number = number_receipt(payment)
                with lock:
                    results.setdefault(pk, []).append(number)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=issue, args=(i, pk)) for i, pk in enumerate(targets)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertEqual(errors, [])
        self.assertEqual(len(set(results[shared.pk])), 1)  # the same number all three times
        stored = numbers_of(self.payments)
        self.assertEqual(sorted(stored), expected(THREADS))  # unique and without a gap
        self.assertEqual(Payment.objects.get(pk=shared.pk).receipt_number, results[shared.pk][0])


@unittest.skipIf(connection.vendor == "sqlite", "SQLite serialises writers: no race to prove")
class ConcurrentFieldPaymentsTests(TransactionTestCase):
    def test_two_payments_taken_at_once_never_exceed_the_balance(self) -> None:
        from django.core.exceptions import ValidationError

        from recouvra.cases.models import Task, TaskKind
        from recouvra.core.models import Role
        from recouvra.field.services import take_payment

        from ..base import make_user

        org = make_org("Alpha Recouvrement")
        collector = make_user("dora@example.org", org, Role.FIELD_COLLECTOR)
        case = make_claim(make_creditor(org), make_debtor(org), 125_000).case
        task = Task.objects.create(
            organization=org, case=case, kind=TaskKind.VISIT, title="Visite",
            due_on=timezone.localdate(), assigned_to=collector,
        )  # fmt: skip
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def pay() -> None:
            try:
                barrier.wait(timeout=30)
                take_payment(task, amount_cents=80_000, method="cash", actor=collector)
                outcomes.append("paid")
            except ValidationError:
                outcomes.append("refused")
            finally:
                connection.close()

        threads = [threading.Thread(target=pay) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertEqual(sorted(outcomes), ["paid", "refused"])
        self.assertEqual(Payment.objects.count(), 1)
