"""Claims join their case; balances and ageing are computed in the database."""

from __future__ import annotations

from datetime import date

from recouvra.cases.models import Case, CaseStatus, InteractionKind
from recouvra.ledger.models import Claim, Debtor

from ..base import RecouvraTestCase, make_claim, make_creditor, make_payment

TODAY = date(2026, 6, 30)


class CaseOpeningTestCase(RecouvraTestCase):
    def test_it_opens_a_case_for_the_first_claim(self) -> None:
        claim = make_claim(self.creditor, self.debtor)
        self.assertEqual(claim.case.debtor, self.debtor)
        self.assertEqual(claim.case.creditor, self.creditor)
        self.assertTrue(claim.case.reference.startswith("D-"))

    def test_it_joins_the_open_case_for_the_next_claims(self) -> None:
        first = make_claim(self.creditor, self.debtor)
        second = make_claim(self.creditor, self.debtor)
        self.assertEqual(first.case_id, second.case_id)
        self.assertEqual(Case.objects.count(), 1)

    def test_it_opens_a_new_case_once_the_old_one_is_closed(self) -> None:
        first = make_claim(self.creditor, self.debtor)
        Case.objects.filter(pk=first.case_id).update(status=CaseStatus.CLOSED)
        second = make_claim(self.creditor, self.debtor)
        self.assertNotEqual(first.case_id, second.case_id)

    def test_it_opens_one_case_per_creditor(self) -> None:
        other = make_creditor(self.alpha, "Énergie Sud")
        first = make_claim(self.creditor, self.debtor)
        second = make_claim(other, self.debtor)
        self.assertNotEqual(first.case_id, second.case_id)

    def test_it_puts_the_claim_on_the_case_timeline(self) -> None:
        claim = make_claim(self.creditor, self.debtor, 125_000, reference="FA-77")
        entry = claim.case.interactions.get(kind=InteractionKind.CLAIM)
        self.assertIn("FA-77", entry.text)
        self.assertIn("1\u202f250,00\u00a0€", entry.text)


class BalanceTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.a = make_claim(self.creditor, self.debtor, 100_000, due_date=date(2026, 2, 4))
        self.b = make_claim(
            self.creditor,
            self.debtor,
            40_000,
            issue_date=date(2026, 6, 1),
            due_date=date(2026, 7, 31),
        )
        make_payment(self.a, 30_000)
        make_payment(self.a, 5_000)

    def test_a_claim_balance_subtracts_allocated_principal(self) -> None:
        claim = Claim.objects.with_balance().get(pk=self.a.pk)
        self.assertEqual((claim.paid, claim.balance), (35_000, 65_000))
        self.assertEqual(self.a.balance_cents(), 65_000)

    def test_a_debtor_balance_sums_open_claims_and_splits_overdue(self) -> None:
        debtor = Debtor.objects.with_balance(TODAY).get(pk=self.debtor.pk)
        self.assertEqual(debtor.balance, 105_000)
        self.assertEqual(debtor.overdue, 65_000)

    def test_a_paid_claim_no_longer_counts(self) -> None:
        Claim.objects.filter(pk=self.b.pk).update(status="paid")
        debtor = Debtor.objects.with_balance(TODAY).get(pk=self.debtor.pk)
        self.assertEqual(debtor.balance, 65_000)

    def test_a_case_balance_sums_its_claims(self) -> None:
        case = Case.objects.with_balance().get(pk=self.a.case_id)
        self.assertEqual(case.balance, 105_000)

    def test_a_creditor_ageing_puts_each_balance_in_its_bucket(self) -> None:
        ageing = Claim.objects.filter(creditor=self.creditor).ageing(TODAY)
        self.assertEqual(ageing["not_due"], 40_000)
        self.assertEqual(ageing["d91_180"], 65_000)  # due 4 Feb, 146 days late
        self.assertEqual(sum(ageing.values()), 105_000)

    def test_a_debtor_without_claims_has_a_zero_balance(self) -> None:
        other = Debtor.objects.create(organization=self.alpha, kind="person", name="Jean Petit")
        self.assertEqual(Debtor.objects.with_balance(TODAY).get(pk=other.pk).balance, 0)
