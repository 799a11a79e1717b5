"""An imported amount past the ceiling (recouvra.law.money.MAX_CENTS), or a date outside
the range of recouvra.law.dates, is a row error with file, line, field and reason; the rest
of the file imports and the batch finishes."""

from __future__ import annotations

import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from recouvra.imports import services
from recouvra.imports.models import ImportBatch, ImportStatus
from recouvra.imports.parsers.detect import parse_file
from recouvra.imports.parsers.ledger_csv import parse_ledger_xlsx
from recouvra.ledger.models import Claim

from ..base import SIREN_DEBTOR, RecouvraTestCase
from .test_cfonb120 import _balance, _movement

CSV = (
    "N° facture;Client;SIREN;Date facture;Échéance;Montant\n"
    f"FA-001;Menuiserie Dubois;{SIREN_DEBTOR};01/09/2026;01/10/2026;1 234,56\n"
    f"FA-002;Menuiserie Dubois;{SIREN_DEBTOR};05/09/2026;05/10/2026;92 233 720 368 547 758,07\n"
    f"FA-003;Menuiserie Dubois;{SIREN_DEBTOR};07/09/2026;07/10/2026;99,00\n"
).encode()


class OutOfRangeImportTestCase(RecouvraTestCase):
    def upload(self, content: bytes, name: str) -> ImportBatch:
        member = self.alice.memberships.get()
        upload = SimpleUploadedFile(name, content)
        return services.create_batch(member, upload, creditor=self.creditor, actor=self.alice)

    def test_a_csv_row_over_the_ceiling_is_rejected_and_the_rest_imports(self) -> None:
        batch = self.upload(CSV, "balance.csv")
        services.parse_batch(batch.pk)
        batch.refresh_from_db()
        (error,) = batch.preview["errors"]
        self.assertEqual((error["line"], error["field"]), (3, "amount_cents"))
        self.assertIn("montant hors limites", error["reason"])
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.TO_IMPORT)
        services.import_batch(batch.pk)
        batch.refresh_from_db()
        self.assertEqual((batch.status, batch.rows_created, batch.rows_invalid), ("done", 2, 1))
        self.assertEqual(Claim.objects.count(), 2)

    def test_an_xlsx_number_cell_of_1e300_is_a_row_error(self) -> None:
        book = Workbook()
        sheet = book.active
        sheet.append(["N° facture", "Client", "Date facture", "Montant"])
        sheet.append(["FA-001", "Dubois", "01/09/2026", 1e300])
        sheet.append(["FA-002", "Dubois", "01/09/2026", 12.5])
        data = io.BytesIO()
        book.save(data)
        ledger = parse_ledger_xlsx(data.getvalue(), filename="balance.xlsx")
        (error,) = ledger.errors
        self.assertEqual((error.file, error.line, error.field), ("balance.xlsx", 2, "amount_cents"))
        self.assertIn("montant hors limites", error.reason)
        self.assertEqual([c.amount_cents for c in ledger.claims], [1250])

    def test_a_bank_movement_over_the_ceiling_is_a_row_error(self) -> None:
        huge = 10**13 - 1  # the most a CFONB amount field holds: 99 999 999 999,99 €
        records = [
            _balance("01", 0),
            _movement(huge, "VIR ENORME"),
            _movement(10_000, "VIR NORMAL"),
            _balance("07", huge + 10_000),
        ]
        data = ("\r\n".join(records) + "\r\n").encode()
        statement = parse_file(data, filename="releve.txt")
        (error,) = statement.errors
        self.assertEqual((error.file, error.line, error.field), ("releve.txt", 2, "amount"))
        self.assertIn("montant hors limites", error.reason)
        self.assertEqual([line.amount_cents for line in statement.accounts[0].lines], [10_000])

    def test_a_csv_due_date_in_year_1_is_a_row_error(self) -> None:
        csv = CSV.replace(b"92 233 720 368 547 758,07", b"10,00").replace(
            b"05/10/2026", b"02/01/0001"
        )
        ledger = parse_file(csv, filename="balance.csv")
        (error,) = ledger.errors
        self.assertEqual((error.file, error.line, error.field), ("balance.csv", 3, "due_date"))
        self.assertIn("date hors limites", error.reason)
        self.assertEqual([c.reference for c in ledger.claims], ["FA-001", "FA-003"])

    def test_an_xlsx_date_of_9999_12_31_is_a_row_error(self) -> None:
        book = Workbook()
        sheet = book.active
        sheet.append(["N° facture", "Client", "Date facture", "Échéance", "Montant"])
        sheet.append(["FA-001", "Dubois", date(2026, 9, 1), date(9999, 12, 31), 12.5])
        sheet.append(["FA-002", "Dubois", date(2026, 9, 1), date(2026, 10, 1), 12.5])
        data = io.BytesIO()
        book.save(data)
        ledger = parse_ledger_xlsx(data.getvalue(), filename="balance.xlsx")
        (error,) = ledger.errors
        self.assertEqual((error.line, error.field), (2, "due_date"))
        self.assertEqual([c.reference for c in ledger.claims], ["FA-002"])
