"""Lettrage: bank credits matched to open claims, applied above the threshold, undoable."""

from __future__ import annotations

import gc
from datetime import date
from itertools import count
from unittest import mock

from django.db import connection
from django.test import override_settings

from recouvra.cases.models import Interaction, InteractionKind
from recouvra.core.models import AuditAction, AuditEvent
from recouvra.imports.models import (
    BankAccount,
    BankLine,
    BankLineStatus,
    ImportBatch,
    ImportKind,
)
from recouvra.ledger.models import Allocation, Claim, ClaimStatus, Payment
from recouvra.lettrage import reconcile
from recouvra.lettrage.models import MatchProposal, ProposalStatus
from recouvra.lettrage.reconcile import (
    apply_proposal,
    change_proposal,
    propose_matches,
    reject_proposal,
    reverse_match,
)

from ..base import RecouvraTestCase, make_claim, make_creditor, make_debtor

PAYER_IBAN = "FR1420041010050500013M02606"
WAIT = 101  # an auto threshold no proposal reaches: everything waits for an agent
_fingerprints = count(1)


class ReconcileTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.batch = ImportBatch.objects.create(
            organization=self.alpha,
            kind=ImportKind.BANK,
            filename="releve.xml",
            file="imports/releve.xml",
            sha256="0" * 64,
        )
        self.account = BankAccount.objects.create(organization=self.alpha, identifier="FR76-A")

    def line(self, cents: int, label: str = "", **extra) -> BankLine:  # noqa: ANN003
        extra.setdefault("booking_date", date(2026, 3, 2))
        return BankLine.objects.create(
            organization=self.alpha,
            account=self.account,
            batch=self.batch,
            amount_cents=cents,
            label=label,
            fingerprint=str(next(_fingerprints)),
            **extra,
        )

    def claim(self, cents: int = 125_000, reference: str | None = None, **extra) -> Claim:  # noqa: ANN003
        return make_claim(
            self.creditor, extra.pop("debtor", self.debtor), cents, reference=reference, **extra
        )

    def propose(self, threshold: int | None = WAIT) -> list[MatchProposal]:
        ids = propose_matches(self.alpha.pk, auto_threshold=threshold)
        found = MatchProposal.objects.in_bulk(ids)
        return [found[pk] for pk in ids]

    def proposed(self, line: BankLine) -> set[str]:
        proposal = MatchProposal.objects.get(bank_line=line, status__in=["pending", "applied"])
        return set(proposal.claims.values_list("reference", flat=True))

    def signals(self, line: BankLine) -> set[str]:
        proposal = MatchProposal.objects.get(bank_line=line, status__in=["pending", "applied"])
        return {r["signal"] for r in proposal.reasons}


class ReferenceTestCase(ReconcileTestCase):
    def test_it_finds_a_reference_however_it_is_written(self) -> None:
        self.claim(reference="FA-2026-0042")
        self.claim(reference="FA-2026-0043")
        labels = [
            "VIR SEPA SCI LES PINS FA 2026 0042",
            "REGLEMENT FACTURE N° 2026/0042",
            "fact.2026-0042 merci",
            "/INV/FA20260042/",
        ]
        lines = [self.line(10_000, label) for label in labels]
        self.propose()
        for line in lines:
            with self.subTest(line.label):
                self.assertEqual(self.proposed(line), {"FA-2026-0042"})

    def test_it_tolerates_one_typo_in_a_long_reference(self) -> None:
        self.claim(reference="FA-2026-004217")
        line = self.line(10_000, "VIR FACTURE FA2026004218")
        self.propose()
        self.assertEqual(self.proposed(line), {"FA-2026-004217"})
        self.assertIn("reference_typo", self.signals(line))

    def test_it_does_not_guess_a_typo_in_a_short_reference(self) -> None:
        self.claim(reference="1234")
        self.line(10_000, "VIR FACTURE 1235")
        self.assertEqual(self.propose(), [])

    def test_it_finds_the_reference_in_the_end_to_end_id(self) -> None:
        self.claim(reference="FA-2026-0077")
        line = self.line(10_000, "VIREMENT RECU", end_to_end_id="FA2026-0077")
        self.propose()
        self.assertEqual(self.proposed(line), {"FA-2026-0077"})


class SignalsTestCase(ReconcileTestCase):
    def test_it_recognises_an_iban_seen_on_an_earlier_match(self) -> None:
        self.claim(125_000, "FA-2026-0101")
        self.claim(40_000, "FA-2026-0102")
        self.line(125_000, "FA 2026 0101", counterparty_iban=PAYER_IBAN)
        self.propose(threshold=90)  # reference + amount: applied, the IBAN is learnt
        later = self.line(40_000, "VIREMENT", counterparty_iban=PAYER_IBAN)
        self.propose()
        self.assertEqual(self.proposed(later), {"FA-2026-0102"})
        self.assertIn("iban_seen", self.signals(later))

    def test_it_recognises_the_debtors_own_iban_and_the_amount_of_one_invoice(self) -> None:
        self.debtor.iban = PAYER_IBAN
        self.debtor.save()
        self.claim(100_000, "FA-1")
        self.claim(250_000, "FA-2")
        line = self.line(250_000, "VIREMENT", counterparty_iban=PAYER_IBAN)
        self.propose()
        self.assertEqual(self.proposed(line), {"FA-2"})
        self.assertEqual(self.signals(line), {"iban", "amount_exact"})

    def test_it_finds_a_combination_of_two_invoices(self) -> None:
        self.debtor.iban = PAYER_IBAN
        self.debtor.save()
        self.claim(100_000, "FA-1")
        self.claim(250_000, "FA-2")
        self.claim(400_000, "FA-3")
        line = self.line(350_000, "VIREMENT", counterparty_iban=PAYER_IBAN)
        self.propose()
        self.assertEqual(self.proposed(line), {"FA-1", "FA-2"})

    def test_it_identifies_the_debtor_by_a_similar_name(self) -> None:
        self.claim(100_000, "FA-1")
        make_debtor(self.alpha, "Boulangerie Emile")
        line = self.line(100_000, "VIR SEPA", counterparty_name="DUBOIS MENUISERIE SARL")
        self.propose()
        self.assertEqual(self.proposed(line), {"FA-1"})
        self.assertEqual(self.signals(line), {"name", "amount_exact"})

    def test_it_allocates_a_partial_payment_to_the_oldest_claims(self) -> None:
        self.debtor.iban = PAYER_IBAN
        self.debtor.save()
        self.claim(100_000, "FA-3", issue_date=date(2026, 1, 1), due_date=date(2026, 3, 1))
        self.claim(100_000, "FA-1", issue_date=date(2026, 1, 1), due_date=date(2026, 1, 1))
        self.claim(100_000, "FA-2", issue_date=date(2026, 1, 1), due_date=date(2026, 2, 1))
        line = self.line(150_000, "VIREMENT", counterparty_iban=PAYER_IBAN)
        (proposal,) = self.propose()
        self.assertEqual(self.proposed(line), {"FA-1", "FA-2"})
        apply_proposal(proposal, actor=self.alice)
        paid = dict(Allocation.objects.values_list("claim__reference", "to_principal"))
        self.assertEqual(paid, {"FA-1": 100_000, "FA-2": 50_000})

    def test_it_leaves_alone_a_line_it_cannot_explain(self) -> None:
        self.claim(100_000, "FA-1")
        line = self.line(77_700, "VIR SEPA INCONNU")
        self.assertEqual(self.propose(), [])
        line.refresh_from_db()
        self.assertEqual(line.status, BankLineStatus.UNMATCHED)


class AutomaticTestCase(ReconcileTestCase):
    def test_it_applies_a_sure_match_at_once(self) -> None:
        claim = self.claim(125_000, "FA-2026-0042")
        line = self.line(125_000, "VIR MENUISERIE DUBOIS FACTURE FA-2026-0042", reference="R1")
        (proposal,) = self.propose(threshold=90)
        self.assertEqual((proposal.status, proposal.score), (ProposalStatus.APPLIED, 100))
        payment = Payment.objects.get()
        self.assertEqual((payment.amount_cents, payment.received_on), (125_000, date(2026, 3, 2)))
        self.assertEqual(
            list(payment.allocations.values_list("claim", "to_principal")), [(claim.pk, 125_000)]
        )
        line.refresh_from_db()
        claim.refresh_from_db()
        self.assertEqual((line.status, claim.status), (BankLineStatus.MATCHED, ClaimStatus.PAID))
        event = Interaction.objects.get(kind=InteractionKind.PAYMENT)
        self.assertIn("FA-2026-0042", event.text)
        self.assertIn("lettrage automatique", event.text)
        self.assertTrue(
            AuditEvent.objects.filter(object_id=str(payment.pk), action=AuditAction.CREATE).exists()
        )

    def test_a_match_below_the_threshold_waits_for_an_agent(self) -> None:
        self.claim(125_000, "FA-2026-0042")
        line = self.line(50_000, "FACTURE FA-2026-0042")  # partial: the agent decides
        (proposal,) = self.propose(threshold=90)
        line.refresh_from_db()
        self.assertEqual(
            (proposal.status, line.status), (ProposalStatus.PENDING, BankLineStatus.PROPOSED)
        )
        self.assertFalse(Payment.objects.exists())

    def test_the_debtors_very_name_and_the_balance_of_one_invoice_apply(self) -> None:
        self.claim(100_000, "FA-1")
        self.claim(40_000, "FA-2")
        line = self.line(40_000, "VIR SEPA", counterparty_name="SARL MENUISERIE DUBOIS")
        (proposal,) = self.propose(threshold=90)
        self.assertEqual((proposal.status, self.proposed(line)), (ProposalStatus.APPLIED, {"FA-2"}))

    def test_a_name_with_one_letter_wrong_and_the_amount_is_proposed_not_applied(self) -> None:
        # "DUMONTS MENUISERIE" may be Dumont Menuiserie, or another firm of a like name
        self.claim(40_000, "FA-2")
        line = self.line(40_000, "VIR SEPA", counterparty_name="MENUISERIE DUBOAS")
        (proposal,) = self.propose(threshold=90)
        self.assertEqual((proposal.status, self.proposed(line)), (ProposalStatus.PENDING, {"FA-2"}))
        self.assertIn("à une lettre près", " ".join(r["detail"] for r in proposal.reasons))

    def test_a_name_with_two_words_wrong_and_the_amount_wait_for_an_agent(self) -> None:
        self.claim(40_000, "FA-2")
        line = self.line(40_000, "VIR SEPA", counterparty_name="MENUISERUE DUBOAS")
        (proposal,) = self.propose(threshold=90)
        self.assertEqual((proposal.status, self.proposed(line)), (ProposalStatus.PENDING, {"FA-2"}))

    def test_a_run_leaves_the_cycle_collector_on(self) -> None:
        self.claim(125_000, "FA-1001")
        self.line(125_000, "FACTURE FA-1001")
        self.propose(threshold=90)
        self.assertTrue(gc.isenabled())

    def test_a_run_on_sqlite_widens_the_page_cache_then_restores_it(self) -> None:
        if connection.vendor != "sqlite":
            self.skipTest("SQLite's page cache")

        def cache_size() -> int:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                return cursor.fetchone()[0]

        seen: list[int] = []
        open_claims = reconcile._open_claims

        def spy(organization_id: int) -> list:
            seen.append(cache_size())
            return open_claims(organization_id)

        self.claim(125_000, "FA-1001")
        self.line(125_000, "FACTURE FA-1001")
        before = cache_size()
        with (
            override_settings(RECONCILE_SQLITE_CACHE_MB=3),
            mock.patch.object(reconcile, "_open_claims", spy),
        ):
            self.propose(threshold=90)
        self.assertEqual((seen, cache_size()), ([-3 * 1024], before))
        self.assertEqual(Payment.objects.count(), 1)

    def test_running_twice_proposes_and_pays_nothing_more(self) -> None:
        self.claim(125_000, "FA-1001")
        self.claim(80_000, "FA-1002")
        self.line(125_000, "FACTURE FA-1001")
        self.line(30_000, "FACTURE FA-1002")
        self.propose(threshold=90)
        self.assertEqual(self.propose(threshold=90), [])
        self.assertEqual((MatchProposal.objects.count(), Payment.objects.count()), (2, 1))

    def test_a_monthly_transfer_without_references_is_no_duplicate(self) -> None:
        self.claim(30_000, "FA-1001")
        self.claim(30_000, "FA-1002", due_date=date(2026, 3, 20))
        iban = {"counterparty_iban": PAYER_IBAN}
        self.line(30_000, "VIREMENT MENSUEL", counterparty_name="MENUISERIE DUBOIS", **iban)
        self.propose(threshold=90)
        later = self.line(
            30_000,
            "VIREMENT MENSUEL",
            counterparty_name="MENUISERIE DUBOIS",
            booking_date=date(2026, 4, 2),
            **iban,
        )
        self.propose(threshold=90)
        self.assertNotIn("duplicate", self.signals(later))

    def test_two_payments_of_one_invoice_are_not_both_applied_to_it(self) -> None:
        self.claim(125_000, "FA-1001")
        self.line(125_000, "FACTURE FA-1001")
        self.line(125_000, "FACTURE FA-1001", booking_date=date(2026, 3, 3))
        self.propose(threshold=90)
        self.assertEqual(Payment.objects.count(), 1)
        # the second copy waits, marked as a duplicate of the first
        waiting = MatchProposal.objects.get(status="pending")
        self.assertEqual(waiting.bank_line.status, BankLineStatus.PROPOSED)
        self.assertIn("duplicate", [r["signal"] for r in waiting.reasons])
        self.assertEqual(list(waiting.claims.all()), [])


class DecisionsTestCase(ReconcileTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.invoice = self.claim(125_000, "FA-2026-0042")
        self.line_ = self.line(100_000, "FACTURE FA-2026-0042")
        (self.proposal,) = self.propose()

    def balance(self) -> int:
        return Claim.objects.with_balance().get(pk=self.invoice.pk).balance

    def test_applying_twice_records_one_payment(self) -> None:
        first = apply_proposal(self.proposal, actor=self.bob)
        again = apply_proposal(MatchProposal.objects.get(pk=self.proposal.pk), actor=self.alice)
        self.assertEqual((first.pk, Payment.objects.count()), (again.pk, 1))
        self.assertIn("lettré par bob", Interaction.objects.get(kind="payment").text)

    def test_rejecting_puts_the_line_back_and_forgets_those_claims(self) -> None:
        reject_proposal(self.proposal, actor=self.bob)
        self.line_.refresh_from_db()
        self.assertEqual(self.line_.status, BankLineStatus.UNMATCHED)
        self.assertEqual(self.propose(), [])

    def test_rejecting_still_lets_other_claims_be_proposed(self) -> None:
        self.debtor.iban = PAYER_IBAN
        self.debtor.save()
        BankLine.objects.filter(pk=self.line_.pk).update(counterparty_iban=PAYER_IBAN)
        other = self.claim(100_000, "FA-2026-0050")
        reject_proposal(self.proposal, actor=self.bob)
        (again,) = self.propose()
        self.assertEqual(list(again.claims.all()), [other])

    def test_changing_the_claims_applies_the_agents_choice(self) -> None:
        other = self.claim(100_000, "FA-2026-0099")
        payment = change_proposal(self.proposal, [other], actor=self.bob)
        self.assertEqual(list(payment.allocations.values_list("claim", flat=True)), [other.pk])
        other.refresh_from_db()
        self.assertEqual(other.status, ClaimStatus.PAID)

    def test_reversing_restores_the_balance_and_keeps_the_payment(self) -> None:
        BankLine.objects.filter(pk=self.line_.pk).update(amount_cents=125_000)
        self.line_.refresh_from_db()
        payment = apply_proposal(self.proposal, actor=self.bob)
        self.assertEqual(self.balance(), 0)
        reverse_match(self.proposal, actor=self.alice)
        payment.refresh_from_db()
        self.invoice.refresh_from_db()
        self.assertEqual((self.balance(), self.invoice.status), (125_000, ClaimStatus.OPEN))
        self.assertIsNotNone(payment.reversed_at)
        self.assertTrue(Interaction.objects.filter(text__startswith="Lettrage annulé").exists())
        self.assertTrue(
            AuditEvent.objects.filter(object_id=str(payment.pk), action="update").exists()
        )

    def test_a_reversed_payment_no_longer_counts_when_the_claim_is_paid_again(self) -> None:
        BankLine.objects.filter(pk=self.line_.pk).update(amount_cents=125_000)
        apply_proposal(self.proposal, actor=self.bob)
        reverse_match(self.proposal, actor=self.alice)
        again = self.line(125_000, f"FACTURE {self.invoice.reference}", reference="R2")
        (proposal,) = self.propose(threshold=90)
        self.assertEqual((proposal.bank_line_id, proposal.status), (again.pk, "applied"))
        self.assertEqual(proposal.payment.allocations.get().to_principal, 125_000)
        self.invoice.refresh_from_db()
        self.assertEqual((self.balance(), self.invoice.status), (0, ClaimStatus.PAID))

    def test_a_reversed_match_is_not_proposed_again(self) -> None:
        apply_proposal(self.proposal, actor=self.bob)
        reverse_match(self.proposal, actor=self.alice)
        self.assertEqual(self.propose(threshold=0), [])
        self.assertEqual(Payment.objects.count(), 1)


class TenantTestCase(ReconcileTestCase):
    def test_another_tenants_claims_are_never_candidates(self) -> None:
        creditor = make_creditor(self.beta, "Télécom Ouest")
        debtor = make_debtor(self.beta, "Menuiserie Dubois", iban=PAYER_IBAN)
        make_claim(creditor, debtor, 125_000, reference="FA-2026-0042")
        line = self.line(125_000, "MENUISERIE DUBOIS FA-2026-0042", counterparty_iban=PAYER_IBAN)
        self.assertEqual(self.propose(threshold=0), [])
        line.refresh_from_db()
        self.assertEqual(line.status, BankLineStatus.UNMATCHED)

    def test_it_only_reads_the_lines_of_its_own_tenant(self) -> None:
        self.claim(125_000, "FA-2026-0042")
        self.line(125_000, "FA-2026-0042")
        self.assertEqual(propose_matches(self.beta.pk, BankLine.objects.all()), [])
