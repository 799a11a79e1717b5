"""Parsed claims go into the ledger: upsert by (creditor, reference), errors kept per row."""

from __future__ import annotations

from datetime import date

from django.core.files.base import ContentFile

from recouvra.cases.models import Case, Interaction
from recouvra.imports.ledger_import import import_claims
from recouvra.imports.models import ImportBatch, ImportKind
from recouvra.imports.records import LedgerClaim, RowError
from recouvra.ledger.models import Claim, Debtor

from ..base import RecouvraTestCase


def row(ref: str, cents: int = 120_000, **extra) -> LedgerClaim:  # noqa: ANN003
    data = {
        "issue_date": date(2026, 9, 1),
        "due_date": date(2026, 10, 1),
        "debtor_name": "Menuiserie Dubois",
        "debtor_siren": "542051180",
        "line_no": 2,
    }
    data.update(extra)
    return LedgerClaim(reference=ref, amount_cents=cents, **data)


class LedgerImportTestCase(RecouvraTestCase):
    def batch(self) -> ImportBatch:
        return ImportBatch.objects.create(
            organization=self.alpha,
            kind=ImportKind.LEDGER,
            filename="balance.csv",
            file=ContentFile(b"x", name="balance.csv"),
            sha256="0" * 64,
            creditor=self.creditor,
            uploaded_by=self.alice,
        )

    def test_it_creates_claims_and_joins_the_debtors_case(self) -> None:
        batch = import_claims(self.batch(), [row("FA-1"), row("FA-2", 30_000)])
        self.assertEqual((batch.rows_created, batch.rows_invalid), (2, 0))
        claims = Claim.objects.filter(creditor=self.creditor)
        self.assertEqual(claims.count(), 2)
        self.assertEqual({c.debtor_id for c in claims}, {self.debtor.pk})  # matched by SIREN
        self.assertEqual(Case.objects.count(), 1)
        self.assertIn("2 créance(s) ajoutée(s)", Interaction.objects.get(kind="claim").text)

    def test_importing_the_same_rows_again_changes_nothing(self) -> None:
        import_claims(self.batch(), [row("FA-1"), row("FA-2")])
        again = import_claims(self.batch(), [row("FA-1"), row("FA-2")])
        self.assertEqual((again.rows_created, again.rows_updated, again.rows_unchanged), (0, 0, 2))
        self.assertEqual(Claim.objects.count(), 2)

    def test_an_amended_invoice_is_updated_and_recorded_on_its_case(self) -> None:
        import_claims(self.batch(), [row("FA-1", 120_000)])
        again = import_claims(self.batch(), [row("FA-1", 150_000)])
        self.assertEqual(again.rows_updated, 1)
        self.assertEqual(Claim.objects.get(reference="FA-1").principal_cents, 150_000)
        event = Interaction.objects.filter(text__contains="modifiée").get()
        self.assertIn("1\u202f200,00\u00a0€ → 1\u202f500,00\u00a0€", event.text)

    def test_bad_rows_are_listed_and_the_others_imported(self) -> None:
        rows = [
            row("FA-1"),
            row("", line_no=3),
            row("FA-3", -500, line_no=4),
            row("FA-1", line_no=5),
        ]
        batch = import_claims(self.batch(), rows, [RowError(6, "amount", "montant illisible")])
        self.assertEqual((batch.rows_created, batch.rows_invalid), (1, 4))
        errors = list(batch.row_errors.values_list("line", "field"))
        self.assertEqual(
            errors, [(3, "reference"), (4, "amount_cents"), (5, "reference"), (6, "amount")]
        )

    def test_a_new_debtor_is_created_once_for_all_its_rows(self) -> None:
        rows = [
            row("FA-1", debtor_siren="", debtor_name="Boulangerie Émile"),
            row("FA-2", debtor_siren="", debtor_name="BOULANGERIE EMILE"),
        ]
        import_claims(self.batch(), rows)
        self.assertEqual(Debtor.objects.filter(name__icontains="boulangerie").count(), 1)

    def test_a_missing_due_date_takes_the_legal_thirty_days(self) -> None:
        import_claims(self.batch(), [row("FA-1", due_date=None)])
        self.assertEqual(Claim.objects.get().due_date, date(2026, 10, 1))
