"""The reconciliation queue through its pages: accept, change, reject, undo, and credits
that pay nothing of ours."""

from __future__ import annotations

from datetime import date

from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from recouvra.core import audit
from recouvra.core.models import Role
from recouvra.imports.models import (
    BankAccount,
    BankLine,
    BankLineStatus,
    ImportBatch,
    UnappliedReason,
)
from recouvra.ledger.models import Claim, ClaimStatus, Payment
from recouvra.lettrage.matching import payer_key
from recouvra.lettrage.models import FactKind, MatchProposal, PayerFact, ProposalStatus

from ..base import RecouvraTestCase, make_claim, make_creditor, make_debtor, make_user


class QueueTestCase(RecouvraTestCase):
    """A pending proposal of one credit for Dubois's FA-Q-1; bob (an agent) signed in."""

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


class QueueViewsTestCase(QueueTestCase):
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


def reason(signal: str, detail: str, points: int) -> dict:
    return {"signal": signal, "detail": detail, "points": points}


class QueueDisplayTestCase(QueueTestCase):
    """What the agent weighs: reasons for and against, the second best, a duplicate."""

    def setUp(self) -> None:
        super().setUp()
        self.other = make_debtor(self.alpha, "Menuiserie Durand")
        self.alt_claim = make_claim(self.creditor, self.other, 50_000, reference="FA-ALT-9")
        BankLine.objects.filter(pk=self.line.pk).update(counterparty_iban="FR76300030001111")
        self.proposal.reasons = [
            reason("reference", "Référence FA-Q-1 citée dans le libellé", 60),
            reason("other_payer", "Le payeur ressemble à Menuiserie Durand", -15),
            reason("manual", "Créances choisies par bob", 0),
        ]
        self.proposal.alternatives = [
            {
                "debtor_id": self.other.pk,
                "claim_ids": [self.alt_claim.pk],
                "score": 55,
                "reasons": [reason("name", "Nom du payeur proche de Durand", 35)],
            }
        ]
        self.proposal.save()

    def test_reasons_are_split_for_against_and_notes(self) -> None:
        response = self.client.get(reverse("lettrage:queue"))
        items = response.context["items"]
        self.assertEqual(len(items), 1)
        reasons = items[0].reasons
        self.assertEqual([r["points"] for r in reasons.pros], [60])
        self.assertEqual([r["points"] for r in reasons.cons], [-15])
        self.assertEqual([r["points"] for r in reasons.notes], [0])
        self.assertContains(response, "reasons-against")
        self.assertContains(response, "Le payeur ressemble à Menuiserie Durand")
        self.assertContains(response, "FR76300030001111")
        self.assertNotContains(response, "Doublon probable")

    def test_the_second_best_is_shown_and_can_be_chosen(self) -> None:
        response = self.client.get(reverse("lettrage:queue"))
        self.assertContains(response, "Menuiserie Durand")
        self.assertContains(response, "FA-ALT-9")
        self.assertContains(response, "55 %")
        self.assertContains(response, "Choisir celle-ci")
        url = reverse("lettrage:accept", args=[self.proposal.pk])
        self.client.post(url, {"claims": [self.alt_claim.pk]})
        payment = Payment.objects.get()
        self.assertEqual(payment.debtor, self.other)
        self.assertEqual(
            list(payment.allocations.values_list("claim_id", flat=True)), [self.alt_claim.pk]
        )
        self.proposal.refresh_from_db()
        self.assertEqual(self.proposal.debtor, self.other)

    def test_a_duplicate_is_marked(self) -> None:
        self.proposal.reasons.append(
            reason("duplicate", "Même montant et même référence qu'un paiement reçu le 01/03", -40)
        )
        self.proposal.save()
        response = self.client.get(reverse("lettrage:queue"))
        self.assertContains(response, "Doublon probable")
        self.assertContains(response, 'class="proposal is-duplicate"')

    def test_an_alternative_no_longer_open_is_shown_as_such(self) -> None:
        Claim.objects.filter(pk=self.alt_claim.pk).update(status=ClaimStatus.PAID)
        self.proposal.alternatives[0]["claim_ids"].append(999_999)  # gone
        self.proposal.save()
        response = self.client.get(reverse("lettrage:queue"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "plus ouverte")
        self.assertContains(response, "Créance introuvable")
        second = response.context["items"][0].second
        self.assertEqual(second.open_ids, [])
        # posted anyway, the paid claim is refused and nothing is applied
        url = reverse("lettrage:accept", args=[self.proposal.pk])
        self.client.post(url, {"claims": [self.alt_claim.pk]})
        self.assertFalse(Payment.objects.exists())

    def test_malformed_alternatives_do_not_break_the_page(self) -> None:
        self.proposal.alternatives = ["x", {"debtor_id": None}]
        self.proposal.reasons = [{"detail": "sans points"}, "x"]
        self.proposal.save()
        response = self.client.get(reverse("lettrage:queue"))
        self.assertEqual(response.status_code, 200)

    def test_another_claim_of_the_debtor_is_added_by_its_reference(self) -> None:
        second = make_claim(self.creditor, self.debtor, 20_000, reference="FA-Q-2")
        url = reverse("lettrage:accept", args=[self.proposal.pk])
        self.client.post(url, {"claims": [self.claim.pk], "reference": "fa-q-2"})
        self.proposal.refresh_from_db()
        self.assertEqual(self.proposal.status, ProposalStatus.APPLIED)
        self.assertEqual(
            set(self.proposal.claims.values_list("pk", flat=True)), {self.claim.pk, second.pk}
        )

    def test_a_reference_of_another_debtor_is_refused(self) -> None:
        url = reverse("lettrage:accept", args=[self.proposal.pk])
        response = self.client.post(url, {"reference": "FA-ALT-9"}, follow=True)
        self.assertContains(response, "Référence introuvable")
        self.assertFalse(Payment.objects.exists())

    def test_claims_of_another_organisation_are_refused(self) -> None:
        beta_claim = make_claim(
            make_creditor(self.beta), make_debtor(self.beta), 50_000, reference="FA-BETA"
        )
        url = reverse("lettrage:accept", args=[self.proposal.pk])
        response = self.client.post(url, {"claims": [beta_claim.pk]}, follow=True)
        self.assertContains(response, "Créance introuvable ou déjà soldée.")
        self.assertFalse(Payment.objects.exists())

    def test_the_page_reads_the_same_number_of_queries_for_more_proposals(self) -> None:
        url = reverse("lettrage:queue")
        mark_unapplied_line(self, "u")
        self.client.get(url)  # warm the caches (content types, session)
        with CaptureQueriesContext(connection) as one:
            self.client.get(url)
        for n in range(4):
            debtor = make_debtor(self.alpha, f"Débiteur {n}")
            claim = make_claim(self.creditor, debtor, 10_000 + n)
            alt = make_claim(self.creditor, self.other, 20_000 + n)
            line = BankLine.objects.create(
                organization=self.alpha,
                account=self.line.account,
                batch=self.line.batch,
                booking_date=date(2026, 3, 3),
                amount_cents=10_000 + n,
                fingerprint=f"n{n}",
                status=BankLineStatus.PROPOSED,
            )
            proposal = MatchProposal.objects.create(
                organization=self.alpha,
                bank_line=line,
                debtor=debtor,
                score=60,
                reasons=[reason("amount", "Montant égal", 40)],
                alternatives=[
                    {"debtor_id": self.other.pk, "claim_ids": [alt.pk], "score": 40, "reasons": []}
                ],
            )
            proposal.claims.add(claim)
            mark_unapplied_line(self, f"u{n}")
        with CaptureQueriesContext(connection) as five:
            response = self.client.get(url)
        self.assertEqual(len(response.context["items"]), 5)
        self.assertEqual(len(response.context["unapplied"]), 5)
        self.assertEqual(len(five), len(one), [q["sql"] for q in five.captured_queries])


def mark_unapplied_line(case: QueueTestCase, fingerprint: str) -> BankLine:
    """An unmatched credit the agent says pays nothing of ours, through the page."""
    line = BankLine.objects.create(
        organization=case.alpha,
        account=case.line.account,
        batch=case.line.batch,
        booking_date=date(2026, 3, 4),
        amount_cents=777,
        counterparty_name=f"Payeur {fingerprint}",
        fingerprint=fingerprint,
    )
    case.client.post(reverse("lettrage:unapply", args=[line.pk]), {"reason": "other_company"})
    return line


class UnappliedTestCase(QueueTestCase):
    """ "Ne règle rien chez nous": the line is kept with its reason, and learned."""

    def setUp(self) -> None:
        super().setUp()
        BankLine.objects.filter(pk=self.line.pk).update(
            counterparty_iban="fr76 3000 3000 1111", counterparty_name="SARL Dubois & Fils"
        )

    def unapply(self, line: BankLine | None = None, **data: str):  # noqa: ANN201
        data.setdefault("reason", UnappliedReason.REFUND)
        url = reverse("lettrage:unapply", args=[(line or self.line).pk])
        return self.client.post(url, data, follow=True)

    def test_a_refund_is_kept_unapplied_and_teaches_the_payer(self) -> None:
        response = self.unapply(note="Avoir fournisseur n° 12")
        self.assertContains(response, "Crédit gardé non imputé")
        self.line.refresh_from_db()
        self.assertEqual(self.line.status, BankLineStatus.UNAPPLIED)
        self.assertEqual(self.line.unapplied_reason, UnappliedReason.REFUND)
        self.assertEqual(self.line.unapplied_note, "Avoir fournisseur n° 12")
        self.proposal.refresh_from_db()
        self.assertEqual(self.proposal.status, ProposalStatus.REJECTED)
        self.assertEqual(self.proposal.decided_by, self.bob)
        fact = PayerFact.objects.get()
        self.assertEqual(
            (fact.kind, fact.value, fact.debtor, fact.learned_from, fact.learned_by),
            (FactKind.NOT_OURS, "FR76300030001111", self.debtor, self.proposal, self.bob),
        )
        self.assertIn("Remboursement", fact.detail)
        self.assertIn("02/03/2026", fact.detail)
        self.assertTrue(audit.history(self.line).filter(actor=self.bob).exists())
        self.assertFalse(Payment.objects.exists())
        # the section lists it, with who decided
        self.assertContains(response, "Crédits non imputés")
        self.assertContains(response, "Avoir fournisseur n° 12")
        self.assertContains(response, "Rouvrir")
        self.assertEqual(response.context["unapplied"][0].decision.actor, self.bob)
        self.assertEqual(response.context["items"], [])

    def test_another_company_s_invoice_names_no_debtor(self) -> None:
        self.unapply(reason=UnappliedReason.OTHER_COMPANY)
        fact = PayerFact.objects.get()
        self.assertIsNone(fact.debtor)

    def test_without_an_iban_the_payer_is_known_by_its_name(self) -> None:
        BankLine.objects.filter(pk=self.line.pk).update(counterparty_iban="")
        self.unapply(reason=UnappliedReason.OTHER)
        self.assertEqual(PayerFact.objects.get().value, payer_key("SARL Dubois & Fils"))

    def test_an_unmatched_line_without_proposal_can_be_marked(self) -> None:
        self.client.post(reverse("lettrage:reject", args=[self.proposal.pk]))
        response = self.client.get(reverse("lettrage:queue"))
        self.assertContains(
            response, f'action="{reverse("lettrage:unapply", args=[self.line.pk])}"'
        )
        self.unapply(reason=UnappliedReason.DUPLICATE)
        self.line.refresh_from_db()
        self.assertEqual(self.line.status, BankLineStatus.UNAPPLIED)
        fact = PayerFact.objects.get()
        self.assertEqual((fact.debtor, fact.learned_from), (None, None))

    def test_submitting_twice_changes_nothing_more(self) -> None:
        self.unapply(note="premier")
        self.unapply(reason=UnappliedReason.OTHER, note="second")
        self.line.refresh_from_db()
        self.assertEqual(
            (self.line.unapplied_reason, self.line.unapplied_note),
            (UnappliedReason.REFUND, "premier"),
        )
        self.assertEqual(PayerFact.objects.count(), 1)

    def test_a_removed_fact_stays_removed(self) -> None:
        removed = PayerFact.objects.create(
            organization=self.alpha,
            debtor=self.debtor,
            kind=FactKind.NOT_OURS,
            value="FR76300030001111",
            removed_at=timezone.now(),
        )
        self.unapply()
        self.assertEqual(list(PayerFact.objects.all()), [removed])
        removed.refresh_from_db()
        self.assertIsNotNone(removed.removed_at)

    def test_a_bad_reason_or_a_long_note_is_refused(self) -> None:
        self.unapply(reason="because")
        self.unapply(note="x" * 201)
        self.line.refresh_from_db()
        self.assertEqual(self.line.status, BankLineStatus.PROPOSED)
        self.assertFalse(PayerFact.objects.exists())

    def test_a_matched_line_is_refused_with_a_reason(self) -> None:
        self.client.post(reverse("lettrage:accept", args=[self.proposal.pk]))
        response = self.unapply()
        self.assertContains(response, "déjà lettré")
        self.line.refresh_from_db()
        self.assertEqual(self.line.status, BankLineStatus.MATCHED)

    def test_reopening_sends_the_line_back_and_forgets_what_it_taught(self) -> None:
        self.unapply()
        response = self.client.post(reverse("lettrage:reopen", args=[self.line.pk]), follow=True)
        self.assertContains(response, "Crédit rouvert")
        self.line.refresh_from_db()
        self.assertEqual(
            (self.line.status, self.line.unapplied_reason, self.line.unapplied_note),
            (BankLineStatus.UNMATCHED, "", ""),
        )
        fact = PayerFact.objects.get()
        self.assertEqual(fact.removed_by, self.bob)
        # reopened twice: nothing more
        self.client.post(reverse("lettrage:reopen", args=[self.line.pk]))
        self.line.refresh_from_db()
        self.assertEqual(self.line.status, BankLineStatus.UNMATCHED)

    def test_reopening_keeps_a_fact_another_unapplied_credit_backs(self) -> None:
        self.unapply()
        other = BankLine.objects.create(
            organization=self.alpha,
            account=self.line.account,
            batch=self.line.batch,
            booking_date=date(2026, 3, 9),
            amount_cents=1_000,
            counterparty_iban="FR76300030001111",
            fingerprint="l2",
        )
        self.unapply(other)
        self.assertEqual(PayerFact.objects.count(), 2)  # one about Dubois, one about nobody
        self.client.post(reverse("lettrage:reopen", args=[self.line.pk]))
        self.line.refresh_from_db()
        self.assertEqual(self.line.status, BankLineStatus.UNMATCHED)
        self.assertFalse(PayerFact.objects.filter(removed_at__isnull=False).exists())

    def test_a_stranger_gets_404(self) -> None:
        self.client.force_login(self.charlie)
        for name in ("unapply", "reopen"):
            url = reverse(f"lettrage:{name}", args=[self.line.pk])
            self.assertEqual(self.client.post(url, {"reason": "refund"}).status_code, 404)
        for name in ("accept", "reject"):
            url = reverse(f"lettrage:{name}", args=[self.proposal.pk])
            self.assertEqual(self.client.post(url).status_code, 404)
        self.line.refresh_from_db()
        self.assertEqual(self.line.status, BankLineStatus.PROPOSED)
        response = self.client.get(reverse("lettrage:queue"))
        self.assertNotContains(response, "FA-Q-1")

    def test_a_member_without_write_permission_gets_403(self) -> None:
        collector = make_user("f@example.org", self.alpha, Role.FIELD_COLLECTOR)
        self.client.force_login(collector)
        for name in ("unapply", "reopen"):
            url = reverse(f"lettrage:{name}", args=[self.line.pk])
            self.assertEqual(self.client.post(url, {"reason": "refund"}).status_code, 403)
        response = self.client.get(reverse("lettrage:queue"))
        self.assertNotContains(response, "queue.js")
        self.assertNotContains(response, "Garder non imputé")
