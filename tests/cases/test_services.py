"""One home for each write: case references, opening cases (one and many), stage changes,
claims (one and many) and the audit log's bulk form."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone, translation

from recouvra.cases.models import Case, CaseStatus, Interaction, InteractionKind
from recouvra.cases.services import change_stage, open_cases, open_or_join_case
from recouvra.core import audit
from recouvra.core.models import AuditAction, AuditEvent
from recouvra.ledger.models import Claim, ClaimKind, Payment
from recouvra.ledger.services import create_claims

from ..base import RecouvraTestCase, make_claim, make_debtor


class CaseServicesTestCase(RecouvraTestCase):
    def test_it_numbers_a_case_from_its_id(self) -> None:
        case = open_or_join_case(self.debtor, self.creditor)
        self.assertEqual(case.reference, f"D-{case.pk:06d}")

    def test_it_opens_many_cases_with_the_same_references_and_timeline(self) -> None:
        other = make_debtor(self.alpha, "Boulangerie Martin")
        existing = open_or_join_case(self.debtor, self.creditor)
        cases = open_cases(self.alpha.pk, self.creditor.pk, {self.debtor.pk, other.pk})
        self.assertEqual(cases[self.debtor.pk], existing.pk)
        new = Case.objects.get(pk=cases[other.pk])
        self.assertEqual(new.reference, f"D-{new.pk:06d}")
        opened = Interaction.objects.filter(case=new, kind=InteractionKind.SYSTEM)
        self.assertEqual([i.text for i in opened], ["Dossier ouvert."])

    def test_a_stage_change_is_recorded_once_with_its_labels(self) -> None:
        case = make_claim(self.creditor, self.debtor).case
        self.assertTrue(change_stage(case, CaseStatus.FORMAL_NOTICE, actor=self.alice))
        self.assertFalse(change_stage(case, CaseStatus.FORMAL_NOTICE, actor=self.alice))
        texts = case.interactions.filter(kind=InteractionKind.STATUS).values_list("text")
        self.assertEqual(list(texts), [("Étape : Relance amiable → Mise en demeure.",)])
        self.assertEqual(audit.history(case).filter(action=AuditAction.UPDATE).count(), 1)

    def test_the_timeline_says_it_in_french_whatever_the_readers_language(self) -> None:
        case = make_claim(self.creditor, self.debtor).case
        with translation.override("en"):
            change_stage(case, CaseStatus.LEGAL)
        text = case.interactions.get(kind=InteractionKind.STATUS).text
        self.assertEqual(text, "Étape : Relance amiable → Contentieux.")

    def test_closing_a_case_dates_it(self) -> None:
        case = make_claim(self.creditor, self.debtor).case
        change_stage(case, CaseStatus.CLOSED)
        case.refresh_from_db()
        self.assertIsNotNone(case.closed_on)

    def test_the_case_form_moves_the_stage_through_the_service(self) -> None:
        case = make_claim(self.creditor, self.debtor).case
        self.client.force_login(self.alice)
        url = reverse("cases:case_edit", args=[case.pk])
        self.client.post(url, {"status": CaseStatus.NEGOTIATION})
        status = case.interactions.get(kind=InteractionKind.STATUS)
        self.assertEqual(status.text, "Étape : Relance amiable → Négociation.")
        self.assertEqual(status.author, self.alice)


class ClaimServicesTestCase(RecouvraTestCase):
    def test_a_claim_created_alone_joins_its_case_with_a_timeline_entry(self) -> None:
        claim = make_claim(self.creditor, self.debtor, 125_000, reference="FA-1")
        added = claim.case.interactions.get(kind=InteractionKind.CLAIM)
        self.assertEqual(
            added.text,
            "Créance FA-1 ajoutée au dossier (1\u202f250,00\xa0€, échéance 04/02/2026).",
        )

    def test_claims_created_in_bulk_are_searchable_and_open(self) -> None:
        case = open_or_join_case(self.debtor, self.creditor)
        row = (self.creditor.pk, self.debtor.pk, case.pk, "FA-BULK-1", date(2026, 1, 5))
        row += (date(2026, 2, 4), 10_000, "EUR", ClaimKind.B2B, "", None, "open", timezone.now())
        self.assertEqual(create_claims(self.alpha.pk, [row], {self.debtor.pk: "Dubois"}), 1)
        claim = Claim.objects.get(reference="FA-BULK-1")
        self.assertEqual((claim.case_id, claim.status), (case.pk, "open"))
        self.assertEqual(claim.search_text, "fa-bulk-1 dubois")


class AuditBulkTestCase(RecouvraTestCase):
    def test_bulk_creation_events_read_like_single_ones(self) -> None:
        values = {"organization_id": self.alpha.pk, "amount_cents": 500, "method": "transfer"}
        written = audit.record_created(Payment, [(41, "P41", values)], actor_id=self.alice.pk)
        self.assertEqual(written, 1)
        event = AuditEvent.objects.get(object_id="41")
        self.assertEqual((event.action, event.object_repr), (AuditAction.CREATE, "P41"))
        self.assertEqual(event.changes["amount_cents"], 500)
        self.assertEqual(event.changes["id"], 41)
