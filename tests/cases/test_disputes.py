"""Disputes: opened with an amount, documents, an owner and a date; the case waits at the
DISPUTED stage and dunning pauses; resolved each way with its effect on the ledger and
the stage."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recouvra.cases import disputes
from recouvra.cases.models import (
    Case,
    CaseStatus,
    Dispute,
    DisputeDocument,
    DisputeOutcome,
    Interaction,
)
from recouvra.cases.services import change_stage
from recouvra.dunning.models import StepRun
from recouvra.ledger.models import Claim, ClaimStatus

from ..base import make_claim, make_creditor, make_debtor
from ..dunning.base import DUE, DunningTestCase

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def pdf(name: str = "bon-livraison.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class DisputeServiceTestCase(DunningTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.claim = make_claim(self.creditor, self.debtor, 100_000, reference="FA-L1")
        self.second = make_claim(
            self.creditor, self.debtor, 50_000, reference="FA-L2", due_date=DUE + timedelta(5)
        )
        self.case = self.claim.case
        change_stage(self.case, CaseStatus.FORMAL_NOTICE)

    def balance(self, claim: Claim) -> int:
        return Claim.objects.with_balance().get(pk=claim.pk).balance

    def open(self, **extra) -> Dispute:  # noqa: ANN003
        extra.setdefault("reason", "Livraison incomplète")
        return disputes.open_dispute(self.case, actor=self.bob, **extra)

    def test_opening_moves_the_case_to_disputed_with_documents(self) -> None:
        dispute = self.open(
            claim=self.claim,
            disputed_cents=30_000,
            owner=self.bob,
            due_on=date.today() + timedelta(days=15),
            documents=[(pdf(), "Bon de livraison")],
        )
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.DISPUTED)
        self.assertEqual(dispute.documents.get().title, "Bon de livraison")
        entry = Interaction.objects.filter(case=self.case, kind="dispute").get()
        self.assertIn("Créance FA-L1 contestée (300,00", entry.text)

    def test_the_disputed_amount_is_at_most_the_balance(self) -> None:
        with self.assertRaises(ValidationError) as refused:
            self.open(claim=self.claim, disputed_cents=100_001)
        self.assertIn("disputed_cents", refused.exception.message_dict)
        with self.assertRaises(ValidationError):
            self.open(disputed_cents=0)
        self.assertFalse(Dispute.objects.exists())
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.FORMAL_NOTICE)  # nothing half-saved

    def test_a_document_of_the_wrong_kind_saves_nothing(self) -> None:
        fake = SimpleUploadedFile("photo.pdf", b"MZ\x00\x00 not a pdf")
        with self.assertRaises(ValidationError):
            self.open(documents=[(fake, "")])
        self.assertFalse(Dispute.objects.exists())
        self.assertFalse(DisputeDocument.objects.exists())

    def test_a_credit_note_reduces_the_principal_and_restores_the_stage(self) -> None:
        dispute = self.open(claim=self.claim, disputed_cents=30_000)
        done = disputes.resolve_dispute(
            dispute, outcome=DisputeOutcome.CREDIT_NOTE, amount_cents=30_000, actor=self.alice
        )
        self.assertTrue(done)
        self.claim.refresh_from_db()
        self.assertEqual(self.claim.principal_cents, 70_000)
        self.assertEqual(self.balance(self.claim), 70_000)
        self.assertEqual(self.balance(self.second), 50_000)
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.FORMAL_NOTICE)
        dispute.refresh_from_db()
        self.assertEqual((dispute.outcome, dispute.resolved_cents), ("credit_note", 30_000))
        text = Interaction.objects.filter(case=self.case, kind="dispute").first().text
        self.assertIn("avoir de 300,00", text)
        self.assertIn("FA-L1 : principal 1\u202f000,00\u00a0€ → 700,00\u00a0€", text)
        self.assertFalse(disputes.resolve_dispute(dispute, outcome="withdrawn"))

    def test_a_credit_note_for_the_whole_claim_settles_it(self) -> None:
        dispute = self.open(claim=self.second)
        disputes.resolve_dispute(dispute, outcome="credit_note", amount_cents=50_000)
        self.second.refresh_from_db()
        self.assertEqual(self.second.status, ClaimStatus.PAID)

    def test_a_write_off_on_the_whole_case_takes_the_latest_claim_first(self) -> None:
        dispute = self.open()
        disputes.resolve_dispute(dispute, outcome="write_off", amount_cents=60_000)
        self.second.refresh_from_db()
        self.claim.refresh_from_db()
        self.assertEqual(self.second.status, ClaimStatus.WRITTEN_OFF)
        self.assertEqual(self.second.principal_cents, 0)
        self.assertEqual(self.claim.principal_cents, 90_000)

    def test_the_amount_cannot_exceed_what_is_due(self) -> None:
        dispute = self.open(claim=self.second)
        with self.assertRaises(ValidationError) as refused:
            disputes.resolve_dispute(dispute, outcome="credit_note", amount_cents=50_001)
        self.assertIn("amount_cents", refused.exception.message_dict)
        with self.assertRaises(ValidationError):
            disputes.resolve_dispute(dispute, outcome="credit_note")
        dispute.refresh_from_db()
        self.assertIsNone(dispute.closed_on)
        self.assertEqual(Claim.objects.get(pk=self.second.pk).principal_cents, 50_000)

    def test_a_rejection_needs_its_explanation_and_changes_no_amount(self) -> None:
        dispute = self.open()
        with self.assertRaises(ValidationError) as refused:
            disputes.resolve_dispute(dispute, outcome="rejected", resolution=" ")
        self.assertIn("resolution", refused.exception.message_dict)
        disputes.resolve_dispute(
            dispute, outcome="rejected", resolution="Bon de livraison signé sans réserve."
        )
        self.assertEqual(self.balance(self.claim) + self.balance(self.second), 150_000)
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.FORMAL_NOTICE)

    def test_the_case_stays_disputed_while_another_dispute_is_open(self) -> None:
        first, second = self.open(), self.open(reason="Prix contesté")
        disputes.resolve_dispute(first, outcome="withdrawn")
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.DISPUTED)
        disputes.resolve_dispute(second, outcome="withdrawn")
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.FORMAL_NOTICE)

    def test_dunning_pauses_while_the_dispute_is_open_and_resumes_after(self) -> None:
        Case.objects.filter(pk=self.case.pk).update(status=CaseStatus.AMICABLE)
        self.case.refresh_from_db()
        dispute = self.open()
        self.run_on(DUE + timedelta(days=6))
        self.assertFalse(StepRun.objects.filter(case=self.case).exists())
        disputes.resolve_dispute(dispute, outcome="withdrawn")
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.AMICABLE)
        self.run_on(DUE + timedelta(days=7))
        self.assertTrue(StepRun.objects.filter(case=self.case).exists())


class DisputePagesTestCase(DunningTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.claim = make_claim(self.creditor, self.debtor, 100_000, reference="FA-P1")
        self.case = self.claim.case
        self.client.force_login(self.bob)

    def test_open_from_the_case_page_panel(self) -> None:
        url = reverse("cases:dispute_new", args=[self.case.pk])
        panel = self.client.get(url, headers={"HX-Request": "true"})
        self.assertContains(panel, "Ouvrir le litige")
        data = {
            "claim": self.claim.pk,
            "reason": "Marchandise abîmée",
            "disputed_cents": "2 000,00",
            "owner": self.bob.pk,
            "due_on": (date.today() + timedelta(days=10)).isoformat(),
            "document": pdf(),
            "document_title": "Photo",
        }
        refused = self.client.post(url, data, headers={"HX-Request": "true"})
        self.assertContains(refused, "dépasse le reste dû")
        self.assertFalse(Dispute.objects.exists())
        data["disputed_cents"] = "200,00"
        data["document"] = pdf()
        response = self.client.post(url, data, headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response["HX-Redirect"], self.case.get_absolute_url())
        dispute = Dispute.objects.get()
        self.assertEqual((dispute.disputed_cents, dispute.owner), (20_000, self.bob))
        page = self.client.get(reverse("cases:dispute", args=[dispute.pk]))
        self.assertContains(page, "Marchandise abîmée")
        document = dispute.documents.get()
        download = self.client.get(reverse("cases:dispute_document", args=[document.pk]))
        self.assertEqual(b"".join(download.streaming_content), PDF)

    def test_the_list_shows_the_overdue_first(self) -> None:
        later = disputes.open_dispute(
            self.case, reason="Plus tard", due_on=date.today() + timedelta(days=20)
        )
        other = make_claim(self.creditor, make_debtor(self.alpha, "Autre SARL"), 10_000).case
        late = disputes.open_dispute(
            other, reason="En retard", due_on=date.today() - timedelta(days=2), owner=self.bob
        )
        html = self.client.get(reverse("cases:disputes")).content.decode()
        self.assertLess(html.index("En retard"), html.index("Plus tard"))
        self.assertIn("en retard", html)
        mine = self.client.get(reverse("cases:disputes"), {"mes": "1"})
        self.assertContains(mine, late.reason)
        self.assertNotContains(mine, later.reason)

    def test_resolve_by_rejection_gives_the_letter(self) -> None:
        dispute = disputes.open_dispute(self.case, reason="Jamais reçu")
        url = reverse("cases:dispute_resolve", args=[dispute.pk])
        refused = self.client.post(url, {"outcome": "rejected", "resolution": ""})
        self.assertContains(refused, "Expliquez au débiteur", status_code=400)
        response = self.client.post(
            url, {"outcome": "rejected", "resolution": "Livraison signée le 3 février."}
        )
        self.assertRedirects(response, reverse("cases:dispute", args=[dispute.pk]))
        page = self.client.get(reverse("cases:dispute", args=[dispute.pk]))
        self.assertContains(page, reverse("letters:dispute_letter", args=[dispute.pk]))
        letter = self.client.get(reverse("letters:dispute_letter", args=[dispute.pk]))
        self.assertEqual(letter["Content-Type"], "application/pdf")
        self.assertTrue(letter.content.startswith(b"%PDF"))

    def test_no_letter_for_a_dispute_not_rejected(self) -> None:
        dispute = disputes.open_dispute(self.case, reason="Jamais reçu")
        response = self.client.get(reverse("letters:dispute_letter", args=[dispute.pk]))
        self.assertEqual(response.status_code, 404)

    def test_resolve_by_credit_note_through_the_page(self) -> None:
        dispute = disputes.open_dispute(self.case, reason="Remise oubliée", claim=self.claim)
        url = reverse("cases:dispute_resolve", args=[dispute.pk])
        self.client.post(url, {"outcome": "credit_note", "amount_cents": "150,00"})
        self.assertEqual(Claim.objects.get(pk=self.claim.pk).principal_cents, 85_000)
        self.assertEqual(Case.objects.get(pk=self.case.pk).status, CaseStatus.AMICABLE)

    def test_a_mandant_and_charlie_cannot_resolve(self) -> None:
        dispute = disputes.open_dispute(self.case, reason="Jamais reçu")
        self.client.force_login(self.charlie)
        url = reverse("cases:dispute_resolve", args=[dispute.pk])
        self.assertEqual(self.client.post(url, {"outcome": "withdrawn"}).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("cases:dispute", args=[dispute.pk])).status_code, 404
        )
        self.assertIsNone(Dispute.objects.get(pk=dispute.pk).closed_on)

    def test_the_case_of_another_creditor_is_not_offered(self) -> None:
        other = make_creditor(self.alpha, "Énergie Sud")
        claim = make_claim(other, self.debtor, 10_000)
        panel = self.client.get(reverse("cases:dispute_new", args=[self.case.pk]))
        self.assertNotContains(panel, claim.reference)
