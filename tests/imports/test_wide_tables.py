"""Spreadsheets and CSV are read row by row with bounded memory, whatever their shape: a
value past MAX_COLUMNS is refused with the file, the line and the column."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from openpyxl.styles import Font

from recouvra.imports import services
from recouvra.imports.models import ImportBatch, ImportStatus
from recouvra.imports.parsers.fec import parse_fec
from recouvra.imports.parsers.ledger_csv import parse_ledger_xlsx, read_table
from recouvra.imports.parsers.tabular import MAX_COLUMNS
from recouvra.imports.records import ParseError

from ..base import RecouvraTestCase

DATA = Path(__file__).resolve().parents[1] / "data" / "ledger"
ROWS = 20_000
MEMORY_BOUND = 50 * 1024 * 1024  # bytes: generous; the padded sheet took gigabytes


def workbook(rows: int, last_column_cell: Callable) -> bytes:  # noqa: ANN001
    """A ledger of `rows` invoices; `last_column_cell(sheet, row)` touches column XFD."""
    book = Workbook()
    sheet = book.active
    sheet.append(["N° facture", "Client", "Date facture", "Montant"])
    for row in range(2, rows + 2):
        sheet.append([f"FA-{row}", "Menuiserie Dubois", "01/09/2026", 10])
        last_column_cell(sheet, row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def styled_empty_xfd(sheet, row: int) -> None:  # noqa: ANN001
    sheet[f"XFD{row}"].font = Font(bold=True)  # written as <c r="XFD…" s="1"/>, no value


def peak_memory(work: Callable) -> int:  # noqa: ANN001
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_sheet_padded_to_column_xfd_is_read_in_bounded_memory() -> None:
    data = workbook(ROWS, styled_empty_xfd)
    found: list = []
    peak = peak_memory(lambda: found.append(parse_ledger_xlsx(data, filename="large.xlsx")))
    assert len(found[0].claims) == ROWS
    assert peak < MEMORY_BOUND


def test_a_value_in_column_xfd_is_refused_with_its_line_and_column() -> None:
    book = Workbook()
    book.active.append(["N° facture", "Montant"])
    book.active["XFD1"] = "oups"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ParseError) as caught:
        read_table(buffer.getvalue(), "balance.xlsx")
    error = caught.value
    assert (error.file, error.line, error.field) == ("balance.xlsx", 1, "XFD")
    assert "trop de colonnes" in error.reason and f"au plus {MAX_COLUMNS}" in error.reason


def test_a_csv_line_with_a_million_values_is_refused() -> None:
    data = ("N° facture;Montant;" + "x;" * 1_000_000 + "\nFA-1;12,00\n").encode()
    with pytest.raises(ParseError) as caught:
        read_table(data, "large.csv")
    assert (caught.value.file, caught.value.line) == ("large.csv", 1)
    assert "trop de colonnes" in caught.value.reason


class WideCsvUploadTestCase(RecouvraTestCase):
    def upload(self, content: bytes) -> int:
        member = self.alice.memberships.get()
        upload = SimpleUploadedFile("large.csv", content)
        batch = services.create_batch(member, upload, creditor=self.creditor, actor=self.alice)
        services.parse_batch(batch.pk)
        return batch.pk

    def test_a_million_trailing_separators_leave_a_mapping_page_of_two_columns(self) -> None:
        pk = self.upload(("Doc;Somme" + ";" * 1_000_000 + "\nX;1\n").encode())
        self.client.force_login(self.alice)
        response = self.client.get(reverse("imports:batch", args=[pk]))
        batch = response.context["batch"]
        self.assertEqual(batch.status, ImportStatus.PREVIEW)
        self.assertEqual(batch.preview["columns"]["headers"], ["Doc", "Somme"])
        self.assertEqual(len(response.context["mapping_form"].fields), 2)

    def test_a_million_values_on_a_line_fail_the_batch_with_a_clear_message(self) -> None:
        pk = self.upload(("N° facture;Montant;" + "x;" * 1_000_000 + "\nFA-1;12,00\n").encode())
        batch = ImportBatch.objects.get(pk=pk)
        self.assertEqual(batch.status, ImportStatus.FAILED)
        self.assertIn("large.csv", batch.message)
        self.assertIn("trop de colonnes", batch.message)


def test_a_fec_header_with_a_million_columns_is_refused() -> None:
    lines = (DATA / "fec_small.txt").read_bytes().split(b"\n")
    data = b"\n".join([lines[0] + b"\tx" * 1_000_000, *lines[1:]])
    with pytest.raises(ParseError) as caught:
        parse_fec(data, filename="fec.txt")
    assert (caught.value.file, caught.value.line) == ("fec.txt", 1)
    assert "trop de colonnes" in caught.value.reason
