"""The reconciliation queue through its pages: accept, reject, undo."""

from __future__ import annotations

from datetime import date

from django.core.files.base import ContentFile
from django.urls import reverse

from recouvra.imports.models import (
    BankAccount,
    BankLine,
    BankLineStatus,
    ImportBatch,
)
from recouvra.ledger.models import Claim, Payment
from recouvra.lettrage.models import MatchProposal, ProposalStatus

from ..base import RecouvraTestCase, make_claim


class QueueViewsTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.claim = make_claim(self.creditor, self.debtor, 50_000, reference="FA-Q-1")
        batch = ImportBatch.objects.create(
            organization=self.alpha,
            filename="releve.cfo",
            file=ContentFile(b"x", name="releve.cfo"),
            sha256="1" * 64,
        )
        account = BankAccount.objects.create(organization=self.alpha, identifier="FR76ALPHA")
        self.line = BankLine.objects.create(
            organization=self.alpha,
            account=account,
            batch=batch,
            booking_date=date(2026, 3, 2),
            amount_cents=50_000,
            label="VIR DUBOIS FA Q 1",
            fingerprint="l1",
            status=BankLineStatus.PROPOSED,
        )
        self.proposal = MatchProposal.objects.create(
            organization=self.alpha, bank_line=self.line, debtor=self.debtor, score=70
        )
        self.proposal.claims.add(self.claim)
        self.client.force_login(self.bob)

    def test_the_queue_lists_pending_proposals(self) -> None:
        response = self.client.get(reverse("lettrage:queue"))
        self.assertContains(response, "FA-Q-1")
        self.assertContains(response, "70 %")

    def test_accepting_creates_the_payment_and_settles_the_claim(self) -> None:
        self.client.post(reverse("lettrage:accept", args=[self.proposal.pk]))
        self.proposal.refresh_from_db()
        self.assertEqual(self.proposal.status, ProposalStatus.APPLIED)
        self.assertEqual(Claim.objects.with_balance().get(pk=self.claim.pk).balance, 0)

    def test_accepting_twice_pays_once_and_says_why(self) -> None:
        url = reverse("lettrage:accept", args=[self.proposal.pk])
        self.client.post(url)
        response = self.client.post(url, follow=True)
        self.assertEqual(Payment.objects.count(), 1)
        self.assertEqual(response.status_code, 200)

    def test_rejecting_sends_the_line_back_to_the_queue(self) -> None:
        self.client.post(reverse("lettrage:reject", args=[self.proposal.pk]))
        self.line.refresh_from_db()
        self.assertEqual(self.line.status, BankLineStatus.UNMATCHED)

    def test_undoing_keeps_the_payment_marked_reversed(self) -> None:
        self.client.post(reverse("lettrage:accept", args=[self.proposal.pk]))
        self.client.post(reverse("lettrage:reverse", args=[self.proposal.pk]))
        payment = Payment.objects.get()
        self.assertIsNotNone(payment.reversed_at)
        self.assertEqual(Claim.objects.with_balance().get(pk=self.claim.pk).balance, 50_000)

    def test_a_mandant_cannot_decide(self) -> None:
        from ..base import make_user

        mandant = make_user("m@example.org", self.alpha, "mandant", creditor=self.creditor)
        self.client.force_login(mandant)
        response = self.client.post(reverse("lettrage:accept", args=[self.proposal.pk]))
        self.assertEqual(response.status_code, 403)
