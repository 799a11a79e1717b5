"""Upload → worker parses → preview → confirm → worker imports; through the real views."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TransactionTestCase, override_settings
from django.urls import reverse

from recouvra import cli
from recouvra.imports.models import ImportBatch, ImportStatus
from recouvra.ledger.models import Claim

from ..base import SIREN_ALPHA, SIREN_DEBTOR, make_creditor, make_org, make_user

CSV = (
    "Balance clients au 30/09/2026\n"
    "N° facture;Client;SIREN;Date facture;Échéance;Montant\n"
    f"FA-2026-001;Menuiserie Dubois;{SIREN_DEBTOR};01/09/2026;01/10/2026;1 234,56\n"
    f"FA-2026-002;Menuiserie Dubois;{SIREN_DEBTOR};05/09/2026;05/10/2026;99,00\n"
    "FA-2026-003;Garage Lefèvre;;07/09/2026;07/10/2026;douze euros\n"
).encode()


def run_worker() -> None:
    cli.main(["worker", "--batch", "--no-startup-delay", "-v", "0"])


class UploadFlowTestCase(TransactionTestCase):
    """TransactionTestCase: the worker commits and closes connections like in production."""

    def setUp(self) -> None:
        self.org = make_org("Alpha Recouvrement", siren=SIREN_ALPHA)
        self.alice = make_user("alice@example.org", self.org)
        self.creditor = make_creditor(self.org, "Télécom Ouest")
        self.client.force_login(self.alice)

    def upload(self, content: bytes = CSV, name: str = "balance.csv"):  # noqa: ANN201
        upload = SimpleUploadedFile(name, content, content_type="text/csv")
        return self.client.post(
            reverse("imports:home"), {"file": upload, "creditor": self.creditor.pk}
        )

    def test_a_csv_goes_through_preview_then_import(self) -> None:
        response = self.upload()
        batch = ImportBatch.objects.get()
        self.assertRedirects(response, batch.get_absolute_url())
        run_worker()
        batch.refresh_from_db()
        self.assertEqual((batch.status, batch.format), (ImportStatus.PREVIEW, "csv"))
        page = self.client.get(batch.get_absolute_url())
        self.assertContains(page, "FA-2026-001")
        self.assertContains(page, "montant")  # the unreadable amount is listed before import
        self.client.post(
            reverse("imports:confirm", args=[batch.pk]), {"creditor": self.creditor.pk}
        )
        run_worker()
        batch.refresh_from_db()
        self.assertEqual((batch.status, batch.rows_created, batch.rows_invalid), ("done", 2, 1))
        self.assertEqual(Claim.objects.get(reference="FA-2026-001").principal_cents, 123_456)

    def test_the_same_file_twice_changes_nothing(self) -> None:
        for _ in range(2):
            self.upload()
            run_worker()
            batch = ImportBatch.objects.latest("pk")
            self.client.post(
                reverse("imports:confirm", args=[batch.pk]), {"creditor": self.creditor.pk}
            )
            run_worker()
        batch.refresh_from_db()
        self.assertEqual((batch.rows_created, batch.rows_unchanged), (0, 2))
        self.assertEqual(Claim.objects.count(), 2)

    def test_rejected_rows_download_as_csv(self) -> None:
        self.upload()
        run_worker()
        batch = ImportBatch.objects.get()
        self.client.post(
            reverse("imports:confirm", args=[batch.pk]), {"creditor": self.creditor.pk}
        )
        run_worker()
        response = self.client.get(reverse("imports:errors_csv", args=[batch.pk]))
        text = response.content.decode("utf-8-sig")
        self.assertIn("balance.csv;5;", text)

    def test_an_unreadable_file_fails_with_a_clear_message(self) -> None:
        self.upload(b"%PDF-1.4 not really a pdf", "facture.pdf")
        run_worker()
        batch = ImportBatch.objects.get()
        self.assertEqual(batch.status, ImportStatus.FAILED)
        self.assertIn("facture.pdf", batch.message)

    @override_settings(UPLOAD_MAX_BYTES=10)
    def test_an_oversized_upload_is_refused(self) -> None:
        response = self.upload()
        self.assertContains(response, "Fichier trop volumineux", status_code=400)
        self.assertFalse(ImportBatch.objects.exists())

    def test_unknown_columns_are_mapped_by_hand(self) -> None:
        odd = "Pièce;Tiers;Quand;Somme\nX-1;Menuiserie Dubois;01/09/2026;120,00\n".encode()
        self.upload(odd, "export.csv")
        run_worker()
        batch = ImportBatch.objects.get()
        self.assertEqual(batch.status, ImportStatus.PREVIEW)
        self.assertContains(self.client.get(batch.get_absolute_url()), "colonnes non reconnues")
        mapping = {
            "col_0": "reference",
            "col_1": "debtor_name",
            "col_2": "issue_date",
            "col_3": "amount_cents",
        }
        self.client.post(reverse("imports:remap", args=[batch.pk]), mapping)
        run_worker()
        batch.refresh_from_db()
        self.assertEqual(batch.preview["claims"], 1)
        self.client.post(
            reverse("imports:confirm", args=[batch.pk]), {"creditor": self.creditor.pk}
        )
        run_worker()
        self.assertEqual(Claim.objects.get().reference, "X-1")

    def test_a_mapping_is_kept_for_the_next_file_of_the_same_source(self) -> None:
        odd = "Pièce;Tiers;Quand;Somme\nX-1;Menuiserie Dubois;01/09/2026;120,00\n".encode()
        self.upload(odd, "export-septembre.csv")
        run_worker()
        first = ImportBatch.objects.get()
        mapping = {
            "col_0": "reference",
            "col_1": "debtor_name",
            "col_2": "issue_date",
            "col_3": "amount_cents",
        }
        self.client.post(reverse("imports:remap", args=[first.pk]), mapping)
        run_worker()
        october = "Pièce;Tiers;Quand;Somme\nX-2;Garage Lefèvre;01/10/2026;80,00\n".encode()
        self.upload(october, "export-octobre.csv")
        run_worker()
        second = ImportBatch.objects.latest("pk")
        self.assertEqual(second.status, ImportStatus.PREVIEW)
        self.assertEqual(second.preview["claims"], 1)
        self.assertEqual(second.preview["rows"][0]["reference"], "X-2")
