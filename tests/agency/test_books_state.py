"""The books as a state machine (hypothesis): payments collected and reversed, adjustments,
remittance runs, in any order. After every step, per mandant and in total:
held = collected − reversals + adjustments − commission − VAT − remitted, what is held is
what a plain model of the books expects, and no sum is ever remitted twice."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Sum
from django.test import TransactionTestCase
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from recouvra.agency.models import EntryKind, Remittance, TrustEntry
from recouvra.agency.services import adjust, balances, half_up, run_remittances
from recouvra.core.models import Organization, OrganizationKind
from recouvra.ledger.services import payments_reversed

from ..base import make_claim, make_creditor, make_debtor
from .base import MANDANT_IBAN, OTHER_IBAN, START, TRUST_IBAN, make_mandate, pay

RATES = [(1200, 2000), (1337, 550), (999, 2000)]  # commission, VAT (basis points)
IBANS = [MANDANT_IBAN, OTHER_IBAN, MANDANT_IBAN]


class Books(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        org = Organization.objects.create(
            name="Cabinet Hypothèse",
            kind=OrganizationKind.AGENCY,
            siren="732829320",
            bank_iban=TRUST_IBAN,
        )
        self.org = org
        self.mandants = []
        for n, (rate, vat) in enumerate(RATES):
            creditor = make_creditor(org, f"Mandant {n}", iban=IBANS[n])
            make_mandate(creditor, rate, vat_rate=vat, reference=f"M-{n}")
            debtor = make_debtor(org, f"Débiteur {n}")
            make_claim(creditor, debtor, 10**11)
            self.mandants.append((creditor, debtor, rate))
        self.payments: list[tuple[int, int, int]] = []  # (mandant, payment id, cents)
        self.reversed: set[int] = set()
        self.expected_in = Counter()  # collected − reversed + adjusted, per mandant

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @initialize()
    def nothing(self) -> None:
        pass

    @rule(
        mandant=st.integers(0, len(RATES) - 1),
        cents=st.integers(1, 10**7),
        day=st.integers(0, 150),
    )
    def collect(self, mandant: int, cents: int, day: int) -> None:
        creditor, debtor, _rate = self.mandants[mandant]
        payment = pay(creditor, debtor, cents, START + timedelta(days=day))
        self.payments.append((mandant, payment.pk, cents))
        self.expected_in[mandant] += cents

    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        open_ = [p for p in self.payments if p[1] not in self.reversed]
        if not open_:
            return
        mandant, payment_id, cents = data.draw(st.sampled_from(open_))
        payments_reversed.send(
            None, organization_id=self.org.pk, claim_ids=[], payment_ids=[payment_id]
        )
        self.reversed.add(payment_id)
        self.expected_in[mandant] -= cents

    @rule(mandant=st.integers(0, len(RATES) - 1), cents=st.integers(-(10**6), 10**6))
    def adjust_books(self, mandant: int, cents: int) -> None:
        if cents == 0:
            return
        creditor, _debtor, _rate = self.mandants[mandant]
        adjust(creditor, amount_cents=cents, on=START + timedelta(days=30), text="Correction")
        self.expected_in[mandant] += cents

    @rule(end=st.sampled_from([date(2026, 1, 31), date(2026, 3, 31), date(2026, 6, 30), None]))
    def run(self, end: date | None) -> None:
        result = run_remittances(self.org.pk, end or timezone.localdate(), documents=False)
        assert result.errors == []
        for remittance in result.remittances:
            assert remittance.remitted_cents > 0
            entries = TrustEntry.objects.filter(remittance=remittance)
            commission = sum(
                half_up(amount, remittance.mandate.commission_rate)
                for amount in entries.filter(
                    kind__in=[EntryKind.COLLECTED, EntryKind.REVERSAL]
                ).values_list("amount_cents", flat=True)
            )
            assert remittance.commission_cents == commission
            assert remittance.vat_cents == half_up(commission, remittance.mandate.vat_rate)

    @invariant()
    def the_books_balance(self) -> None:
        per, total = balances(TrustEntry.objects.filter(organization=self.org))
        for each in [*per, total]:
            assert each.held == (
                each.collected
                - each.reversed
                + each.adjusted
                - each.commission
                - each.vat
                - each.remitted
            ), each
            assert each.reconciles
        by_creditor = {b.creditor_id: b for b in per}
        for n, (creditor, _debtor, _rate) in enumerate(self.mandants):
            book = by_creditor.get(creditor.pk)
            received = book.collected - book.reversed + book.adjusted if book else 0
            assert received == self.expected_in[n]
            kept = (book.commission + book.vat + book.remitted) if book else 0
            assert book is None or book.held == received - kept

    @invariant()
    def nothing_is_remitted_twice(self) -> None:
        entries = TrustEntry.objects.filter(organization=self.org)
        collected = entries.filter(kind=EntryKind.COLLECTED)
        assert collected.count() == len(self.payments)  # one entry per payment
        reversals = entries.filter(kind=EntryKind.REVERSAL)
        assert reversals.count() == len(self.reversed)  # one per reversed payment
        remitted = entries.filter(kind=EntryKind.REMITTED)
        per_remittance = Counter(remitted.values_list("remittance_id", flat=True))
        assert all(count == 1 for count in per_remittance.values())
        remittances = Remittance.objects.filter(organization=self.org)
        assert remittances.count() == len(per_remittance)
        settled = collected.filter(remittance__isnull=False).aggregate(s=Sum("amount_cents"))
        assert (settled["s"] or 0) == (remittances.aggregate(s=Sum("collected_cents"))["s"] or 0)


class BooksStateTestCase(TransactionTestCase):
    def test_the_books_hold_whatever_happens(self) -> None:
        run_state_machine_as_test(
            Books,
            settings=settings(
                max_examples=25,
                stateful_step_count=12,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
