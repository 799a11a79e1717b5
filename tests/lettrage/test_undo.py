"""Undoing a wrong automatic match restores everything it changed, and dunning follows:
a message of a case paid up is not sent, and comes back when the payment is undone."""

from __future__ import annotations

from datetime import timedelta

from recouvra.cases.models import Case, Interaction
from recouvra.dunning import delivery
from recouvra.dunning.models import Message, MessageStatus
from recouvra.dunning.payments import PAID_UP
from recouvra.imports.models import BankLine, BankLineStatus
from recouvra.ledger.models import Allocation, Claim, Payment
from recouvra.lettrage.facts import UNDONE
from recouvra.lettrage.models import FactKind, MatchProposal, PayerFact, ProposalStatus
from recouvra.lettrage.reconcile import reverse_match

from ..base import make_claim, make_creditor
from ..dunning.base import DUE, at, make_scenario
from .test_reconcile import PAYER_IBAN, ReconcileTestCase

MANDATE = "RUM-DUBOIS-0001"
FIRST = DUE + timedelta(days=6)  # the scenario's first e-mail is due


class UndoTestCase(ReconcileTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.other_creditor = make_creditor(self.alpha, "Eau du Ponant")
        self.paid = [
            self.claim(100_000, "FA-2026-0001"),
            self.claim(50_000, "FA-2026-0002"),
        ]
        # the debtor's case with another creditor: untouched
        self.elsewhere = make_claim(self.other_creditor, self.debtor, 70_000, reference="EP-1")
        # an earlier payment from the same IBAN, matched by an agent: the IBAN fact it
        # backs survives the undo
        self.earlier = self.claim(30_000, "FA-2026-0000")
        self.line(30_000, "VIR FA-2026-0000", counterparty_iban=PAYER_IBAN)
        (earlier,) = self.propose(threshold=90)
        self.assertEqual(earlier.status, ProposalStatus.APPLIED)

    def snapshot(self) -> dict:
        claims = Claim.objects.with_balance().order_by("pk")
        return {
            "claims": list(claims.values_list("reference", "status", "balance")),
            "cases": list(Case.objects.order_by("pk").values_list("pk", "status")),
            "lines": list(BankLine.objects.order_by("pk").values_list("pk", "status")),
            "facts": sorted(
                PayerFact.objects.filter(removed_at__isnull=True).values_list("kind", "value")
            ),
        }

    def test_undoing_an_automatic_match_restores_everything(self) -> None:
        before = self.snapshot()
        line = self.line(
            150_000,
            "PRLV SEPA FA-2026-0001 FA-2026-0002",
            counterparty_iban=PAYER_IBAN,
            mandate_reference=MANDATE,
        )
        (proposal,) = self.propose(threshold=90)
        self.assertEqual(proposal.status, ProposalStatus.APPLIED)
        during = self.snapshot()
        self.assertNotEqual(during["claims"], before["claims"])
        self.assertIn((FactKind.MANDATE, MANDATE), during["facts"])

        reverse_match(proposal, actor=self.alice)

        after = self.snapshot()
        line_status = dict(after.pop("lines"))[line.pk]
        self.assertEqual(line_status, BankLineStatus.UNMATCHED)
        self.assertEqual({**after, "lines": before["lines"]}, before)  # claims, cases, facts
        # the allocations stay, for the record, and no longer count
        self.assertEqual(Allocation.objects.filter(payment=proposal.payment).count(), 2)
        self.assertIsNotNone(Payment.objects.get(pk=proposal.payment_id).reversed_at)
        # each case touched says so on its timeline
        case = self.paid[0].case
        correction = Interaction.objects.filter(case=case, text__startswith="Lettrage annulé")
        self.assertEqual(correction.count(), 1)
        self.assertIn("FA-2026-0001, FA-2026-0002", correction.get().text)
        self.assertFalse(
            Interaction.objects.filter(
                case=self.elsewhere.case, text__startswith="Lettrage annulé"
            ).exists()
        )
        # the mandate only this match taught is taken back, by the system, saying why
        mandate = PayerFact.objects.get(kind=FactKind.MANDATE)
        self.assertEqual((mandate.removed_by, mandate.detail), (None, UNDONE))
        self.assertIsNotNone(mandate.removed_at)
        # the line may be matched again, never to the same claims
        undone = {claim.pk for claim in self.paid}
        (again,) = self.propose(threshold=0)
        self.assertEqual(again.bank_line_id, line.pk)
        self.assertNotEqual(set(again.claims.values_list("pk", flat=True)), undone)

    def test_undoing_twice_changes_nothing_more(self) -> None:
        self.line(100_000, "VIR FA-2026-0001", counterparty_iban=PAYER_IBAN)
        (proposal,) = self.propose(threshold=90)
        reverse_match(proposal, actor=self.alice)
        events = Interaction.objects.count()
        reverse_match(MatchProposal.objects.get(pk=proposal.pk), actor=self.bob)
        self.assertEqual(Interaction.objects.count(), events)


class DunningFollowsTestCase(ReconcileTestCase):
    """Through the real dunning run, preparation and delivery."""

    def setUp(self) -> None:
        super().setUp()
        make_scenario(self.alpha)
        self.debtor.email = "compta@dubois.example"
        self.debtor.save()
        self.invoice = self.claim(125_000, "FA-2026-0042")
        from recouvra.dunning.engine import run_dunning

        run_dunning(self.alpha.pk, today=FIRST, now=at(FIRST, 8))
        self.assertEqual(delivery.prepare_due(at(FIRST, 8)), 1)
        self.message = Message.objects.get()
        self.first_text = self.message.body_text
        self.assertIn("FA-2026-0042", self.first_text)

    def refresh(self) -> Message:
        self.message.refresh_from_db()
        return self.message

    def test_a_case_paid_up_is_not_dunned_and_comes_back_when_the_payment_is_undone(
        self,
    ) -> None:
        self.line(125_000, "VIR FA-2026-0042", booking_date=FIRST)
        (proposal,) = self.propose(threshold=90)
        self.assertEqual(proposal.status, ProposalStatus.APPLIED)
        message = self.refresh()
        self.assertEqual((message.status, message.last_error), (MessageStatus.CANCELLED, PAID_UP))
        self.assertTrue(
            Interaction.objects.filter(
                case=self.invoice.case, text__contains="annulée avant l'envoi"
            ).exists()
        )
        outcomes = delivery.deliver_due(at(FIRST, 9))
        self.assertEqual(outcomes[MessageStatus.SENT], 0)

        reverse_match(proposal, actor=self.alice)
        message = self.refresh()
        self.assertEqual(message.status, MessageStatus.QUEUED)
        self.assertEqual((message.body_text, message.envelope.name), ("", ""))
        self.assertEqual(delivery.prepare_due(at(FIRST, 10)), 1)
        self.assertEqual(self.refresh().body_text, self.first_text)

    def test_a_partial_payment_makes_the_message_state_the_new_figures(self) -> None:
        self.line(25_000, "VIR ACOMPTE FA-2026-0042", booking_date=FIRST)
        (proposal,) = self.propose()
        from recouvra.lettrage.reconcile import apply_proposal

        apply_proposal(proposal, actor=self.bob)
        message = self.refresh()
        self.assertEqual((message.status, message.body_text), (MessageStatus.QUEUED, ""))
        self.assertEqual(delivery.prepare_due(at(FIRST, 10)), 1)
        body = self.refresh().body_text
        self.assertNotEqual(body, self.first_text)  # 250 € less to pay
        self.assertIn("1\u202f0", body)

        reverse_match(proposal, actor=self.alice)
        self.assertEqual(self.refresh().body_text, "")
        self.assertEqual(delivery.prepare_due(at(FIRST, 11)), 1)
        self.assertEqual(self.refresh().body_text, self.first_text)

    def test_a_message_sent_already_is_left_as_sent(self) -> None:
        Message.objects.filter(pk=self.message.pk).update(status=MessageStatus.SENT)
        self.line(125_000, "VIR FA-2026-0042", booking_date=FIRST)
        (proposal,) = self.propose(threshold=90)
        reverse_match(proposal, actor=self.alice)
        message = self.refresh()
        self.assertEqual((message.status, message.body_text), (MessageStatus.SENT, self.first_text))
