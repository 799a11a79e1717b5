"""Bank lines that are no payment: a statement imported twice, a zero, a debit, a credit
given back by the bank. None is ever matched as a payment; a return reverses its credit."""

from __future__ import annotations

from datetime import date

from recouvra.cases.models import Interaction
from recouvra.imports.bank_import import import_statement
from recouvra.imports.models import BankLine, BankLineStatus, ImportBatch, ImportKind
from recouvra.imports.records import BankStatement, StatementAccount, StatementLine
from recouvra.ledger.models import Claim, ClaimStatus, Payment
from recouvra.lettrage.models import MatchProposal, ProposalStatus
from recouvra.lettrage.reconcile import propose_for_batch, settle_returns

from .test_reconcile import PAYER_IBAN, ReconcileTestCase

MANDATE = "RUM-DUBOIS-0001"


def move(day: int, cents: int, label: str, **extra) -> StatementLine:  # noqa: ANN003
    return StatementLine(booking_date=date(2026, 3, day), amount_cents=cents, label=label, **extra)


class HostileLinesTestCase(ReconcileTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.invoice = self.claim(125_000, "FA-2026-0042")

    def imported(self, *lines: StatementLine) -> ImportBatch:
        """A statement imported as the upload does it, then matched (its signal's receiver)."""
        batch = ImportBatch.objects.create(
            organization=self.alpha,
            kind=ImportKind.BANK,
            filename="releve.xml",
            file="imports/releve.xml",
            sha256="1" * 64,
            uploaded_by=self.alice,
        )
        account = StatementAccount(lines=list(lines), iban="FR7630006000011234567890189")
        import_statement(batch, BankStatement(format="camt.053", accounts=[account]))
        propose_for_batch(ImportBatch, batch)
        return batch

    def paid(self) -> tuple[str, int]:
        claim = Claim.objects.with_balance().get(pk=self.invoice.pk)
        return claim.status, claim.balance

    def test_a_statement_imported_twice_adds_no_line_and_no_proposal(self) -> None:
        lines = [
            move(2, 125_000, "VIR FA-2026-0042", end_to_end_id="E2E-1"),
            move(3, 40_000, "VIR ACOMPTE"),
        ]
        self.imported(*lines)
        counts = (BankLine.objects.count(), MatchProposal.objects.count(), Payment.objects.count())
        again = self.imported(*lines)
        self.assertEqual(again.rows_created, 0)
        self.assertEqual(
            (BankLine.objects.count(), MatchProposal.objects.count(), Payment.objects.count()),
            counts,
        )

    def test_a_zero_a_debit_and_a_negative_credit_are_never_payments(self) -> None:
        self.imported(
            move(2, 0, "VIR FA-2026-0042"),
            move(3, -125_000, "VIR FA-2026-0042 MENUISERIE DUBOIS"),
        )
        self.line(0, "FACTURE FA-2026-0042")
        self.line(-125_000, "FACTURE FA-2026-0042", counterparty_name="MENUISERIE DUBOIS")
        self.assertEqual(self.propose(threshold=0), [])
        self.assertFalse(Payment.objects.exists())
        self.assertEqual(self.paid(), (ClaimStatus.OPEN, 125_000))

    def test_a_returned_transfer_reverses_the_match_of_its_credit(self) -> None:
        self.imported(move(2, 125_000, "VIR FA-2026-0042", end_to_end_id="E2E-1"))
        credit = BankLine.objects.get()
        proposal = credit.proposals.get()
        self.assertEqual((proposal.status, self.paid()), ("applied", (ClaimStatus.PAID, 0)))

        self.imported(move(5, -125_000, "RETOUR VIR MENUISERIE DUBOIS", end_to_end_id="E2E-1"))

        proposal.refresh_from_db()
        self.assertEqual(proposal.status, ProposalStatus.REVERSED)
        self.assertEqual(self.paid(), (ClaimStatus.OPEN, 125_000))
        returned = BankLine.objects.get(amount_cents__lt=0)
        credit.refresh_from_db()
        self.assertEqual(
            (returned.status, credit.status), (BankLineStatus.MATCHED, BankLineStatus.IGNORED)
        )
        self.assertIn("Rejet du paiement de 1\u202f250,00", returned.unapplied_note)
        self.assertIn("lettrage annulé", returned.unapplied_note)
        self.assertTrue(
            Interaction.objects.filter(
                case=self.invoice.case, text__startswith="Lettrage annulé par le système (rejet"
            ).exists()
        )
        # the credit given back is never matched again, the return never matched at all
        self.assertEqual(self.propose(threshold=0), [])
        self.assertEqual(MatchProposal.objects.count(), 1)

    def test_a_rejected_direct_debit_is_found_by_its_mandate_and_amount(self) -> None:
        self.line(
            125_000,
            "PRLV SEPA FA-2026-0042",
            mandate_reference=MANDATE,
            counterparty_iban=PAYER_IBAN,
        )
        (proposal,) = self.propose(threshold=90)
        other = self.line(-40_000, "PRLV SEPA", mandate_reference=MANDATE)  # not that amount
        rejected = self.line(
            -125_000,
            "PRLV SEPA MENUISERIE DUBOIS",
            mandate_reference=MANDATE,
            booking_date=date(2026, 3, 9),
            status=BankLineStatus.IGNORED,  # as the import stores a debit
        )
        self.assertEqual(settle_returns(self.alpha.pk), 1)
        proposal.refresh_from_db()
        rejected.refresh_from_db()
        other.refresh_from_db()
        self.assertEqual(proposal.status, ProposalStatus.REVERSED)
        self.assertEqual(rejected.status, BankLineStatus.MATCHED)
        self.assertEqual((other.status, other.unapplied_note), (BankLineStatus.UNMATCHED, ""))
        self.assertEqual(self.paid(), (ClaimStatus.OPEN, 125_000))
        self.assertEqual(settle_returns(self.alpha.pk), 0)  # looked at once

    def test_a_return_of_a_credit_not_matched_yet_sets_both_aside(self) -> None:
        self.imported(
            move(2, 125_000, "VIR FA-2026-0042", end_to_end_id="E2E-9"),
            move(4, -125_000, "VIR RETOURNE", end_to_end_id="E2E-9"),
        )
        self.assertFalse(Payment.objects.exists())
        statuses = dict(BankLine.objects.values_list("amount_cents", "status"))
        self.assertEqual(
            statuses, {125_000: BankLineStatus.IGNORED, -125_000: BankLineStatus.MATCHED}
        )
        self.assertEqual(self.paid(), (ClaimStatus.OPEN, 125_000))

    def test_a_return_with_no_credit_to_give_back_is_set_aside_with_a_note(self) -> None:
        self.imported(move(4, -30_000, "REJET VIR SEPA INCONNU"))
        line = BankLine.objects.get()
        self.assertEqual(line.status, BankLineStatus.IGNORED)
        self.assertIn("aucun paiement reçu ne correspond", line.unapplied_note)
        self.assertFalse(MatchProposal.objects.exists())

    def test_an_ordinary_debit_is_left_alone(self) -> None:
        self.imported(move(4, -4_990, "PRLV SEPA EDF", mandate_reference="EDF-1"))
        line = BankLine.objects.get()
        self.assertEqual((line.status, line.unapplied_note), (BankLineStatus.IGNORED, ""))
