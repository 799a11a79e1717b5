"""Imports through the API: upload → the worker reads → preview → confirm → the worker
imports; rejected rows, column mapping, isolation, scopes and limits.

The tasks run in the test's process (django-tasks' ImmediateBackend) when the transaction
that queued them commits, through the same `enqueue` as in production."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.test.client import MULTIPART_CONTENT

from recouvra.api.models import Scope
from recouvra.core.models import AuditAction, AuditEvent
from recouvra.imports.models import BankLine, ImportBatch, ImportStatus
from recouvra.ledger.models import Claim

from ..base import make_creditor
from .base import ApiTestCase

DATA = Path(__file__).resolve().parent.parent / "data"
LEDGER = (DATA / "ledger" / "open_items_utf8_semicolon.csv").read_bytes()
CFONB = (DATA / "bank" / "cfonb_small.txt").read_bytes()
ODD_COLUMNS = "Pièce;Tiers;Quand;Somme\nX-1;Menuiserie Dubois;01/09/2026;120,00\n".encode()

IMMEDIATE = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "imports"],
    }
}


@override_settings(TASKS=IMMEDIATE)
class ImportsApiTestCase(ApiTestCase):
    def upload(
        self,
        content: bytes = LEDGER,
        name: str = "balance.csv",
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> Any:
        data = {"file": SimpleUploadedFile(name, content), **fields}
        with self.captureOnCommitCallbacks(execute=True):  # the worker reads it
            return self.call(
                "POST", "imports", data, key=key, headers=headers, content_type=MULTIPART_CONTENT
            )

    def confirm(self, batch_id: int, body: dict | None = None, **kwargs: Any) -> Any:
        with self.captureOnCommitCallbacks(execute=True):  # the worker imports it
            return self.post(f"imports/{batch_id}/confirm", body or {}, **kwargs)

    def batch(self, batch_id: int) -> dict:
        response = self.get(f"imports/{batch_id}")
        self.assertEqual(response.status_code, 200)
        return response.json()


class UploadFlowTestCase(ImportsApiTestCase):
    def test_a_ledger_goes_through_preview_then_import(self) -> None:
        response = self.upload(creditor=self.creditor.pk)
        self.assertEqual(response.status_code, 201, response.content[:500])
        batch_id = response.json()["id"]
        self.assertIsNone(response.json()["kind"])  # told by the content, once read
        self.assertEqual(response["Location"], f"/api/v1/imports/{batch_id}")
        read = self.batch(batch_id)
        self.assertEqual(
            (read["status"], read["kind"], read["format"]), ("preview", "ledger", "csv")
        )
        self.assertEqual(read["waiting_for"], "confirmation")
        self.assertEqual((read["preview"]["claims"], read["preview"]["total_cents"]), (4, 458_456))
        self.assertEqual(read["preview"]["errors"][0]["line"], 6)  # the unreadable amount
        self.assertEqual(self.confirm(batch_id).status_code, 202)
        done = self.batch(batch_id)
        self.assertEqual(done["status"], "done")
        self.assertEqual(
            done["counts"], {"total": 4, "created": 3, "updated": 0, "unchanged": 0, "invalid": 2}
        )
        self.assertIsNone(done["waiting_for"])
        claim = Claim.objects.get(reference="F2024-001")
        self.assertEqual((claim.principal_cents, claim.creditor), (123_456, self.creditor))

    def test_the_rejected_rows_are_listed_with_line_field_and_reason(self) -> None:
        batch_id = self.upload(creditor=self.creditor.pk).json()["id"]
        self.confirm(batch_id)
        rows = self.get(f"imports/{batch_id}/errors").json()["results"]
        self.assertEqual([row["line"] for row in rows], [6, 8])
        self.assertEqual(rows[0]["field"], "amount_cents")
        self.assertEqual(rows[0]["field_label"], "Montant dû")
        self.assertIn("12,3,4", rows[0]["message"])

    def test_the_rejected_rows_are_paginated(self) -> None:
        batch_id = self.upload(creditor=self.creditor.pk).json()["id"]
        self.confirm(batch_id)
        first = self.get(f"imports/{batch_id}/errors?page_size=1").json()
        self.assertEqual([row["line"] for row in first["results"]], [6])
        second = self.get(first["next"].removeprefix("http://testserver")).json()
        self.assertEqual([row["line"] for row in second["results"]], [8])
        self.assertIsNone(second["next"])

    def test_invoices_wait_for_their_creditor(self) -> None:
        batch_id = self.upload().json()["id"]
        self.assertEqual(self.batch(batch_id)["waiting_for"], "creditor")
        self.assertProblem(self.confirm(batch_id), 400, "creditor")
        stranger = make_creditor(self.beta, "Créancier de Beta")
        self.assertProblem(self.confirm(batch_id, {"creditor": stranger.pk}), 400, "creditor")
        self.assertEqual(self.confirm(batch_id, {"creditor": self.creditor.pk}).status_code, 202)
        self.assertEqual(self.batch(batch_id)["creditor"], self.creditor.pk)
        self.assertEqual(Claim.objects.filter(creditor=self.creditor).count(), 3)

    def test_a_batch_confirmed_twice_is_imported_once(self) -> None:
        batch_id = self.upload(creditor=self.creditor.pk).json()["id"]
        self.assertEqual(self.confirm(batch_id).status_code, 202)
        self.assertProblem(self.confirm(batch_id), 409)
        self.assertEqual(Claim.objects.count(), 3)

    def test_a_bank_statement_is_imported_as_bank_lines(self) -> None:
        batch_id = self.upload(CFONB, "releve.cfo").json()["id"]
        read = self.batch(batch_id)
        self.assertEqual((read["kind"], read["waiting_for"]), ("bank", "confirmation"))
        self.assertEqual(read["preview"]["bank_lines"], 3)
        self.confirm(batch_id)
        self.assertEqual(self.batch(batch_id)["status"], "done")
        self.assertEqual(BankLine.objects.filter(batch_id=batch_id).count(), 3)

    def test_an_unreadable_file_fails_with_its_reason(self) -> None:
        batch_id = self.upload(b"%PDF-1.4 not really a pdf", "facture.pdf").json()["id"]
        read = self.batch(batch_id)
        self.assertEqual(read["status"], "failed")
        self.assertIn("facture.pdf", read["message"])

    def test_the_upload_is_audited_with_the_key_as_actor(self) -> None:
        batch_id = self.upload(creditor=self.creditor.pk).json()["id"]
        self.confirm(batch_id)
        events = AuditEvent.objects.filter(object_id=str(batch_id), object_repr="balance.csv")
        robot = self.api_key_row(self.key).user
        self.assertEqual(
            {(event.action, event.actor_id) for event in events},
            {(AuditAction.CREATE, robot.pk), (AuditAction.UPDATE, robot.pk)},
        )

    def test_the_list_filters_by_status(self) -> None:
        done = self.upload(creditor=self.creditor.pk).json()["id"]
        self.confirm(done)
        waiting = self.upload(CFONB, "releve.cfo").json()["id"]
        ids = [b["id"] for b in self.get("imports?status=preview").json()["results"]]
        self.assertEqual(ids, [waiting])
        ids = [b["id"] for b in self.get("imports?status=done").json()["results"]]
        self.assertEqual(ids, [done])

    def test_the_same_idempotency_key_uploads_once(self) -> None:
        headers = {"Idempotency-Key": "envoi-1"}
        first = self.upload(creditor=self.creditor.pk, headers=headers)
        again = self.upload(creditor=self.creditor.pk, headers=headers)
        self.assertEqual(again.json()["id"], first.json()["id"])
        self.assertEqual(again["Idempotent-Replayed"], "true")
        self.assertEqual(ImportBatch.objects.count(), 1)


class MappingTestCase(ImportsApiTestCase):
    MAPPING = {
        "Pièce": "reference",
        "Tiers": "debtor_name",
        "Quand": "issue_date",
        "Somme": "amount_cents",
    }

    def map_columns(self, batch_id: int, mapping: dict) -> Any:
        with self.captureOnCommitCallbacks(execute=True):  # the worker reads it again
            return self.post(f"imports/{batch_id}/mapping", {"mapping": mapping})

    def test_unknown_columns_are_mapped_then_imported(self) -> None:
        batch_id = self.upload(ODD_COLUMNS, "export.csv", creditor=self.creditor.pk).json()["id"]
        read = self.batch(batch_id)
        self.assertEqual(read["waiting_for"], "mapping")
        self.assertEqual(read["preview"]["columns"]["headers"], list(self.MAPPING))
        self.assertEqual(self.map_columns(batch_id, self.MAPPING).status_code, 202)
        read = self.batch(batch_id)
        self.assertEqual((read["waiting_for"], read["preview"]["claims"]), ("confirmation", 1))
        self.confirm(batch_id)
        self.assertEqual(Claim.objects.get().reference, "X-1")

    def test_a_mapping_without_the_amount_is_refused(self) -> None:
        batch_id = self.upload(ODD_COLUMNS, "export.csv").json()["id"]
        mapping = {"Pièce": "reference", "Tiers": "debtor_name"}
        problem = self.assertProblem(self.map_columns(batch_id, mapping), 400, "mapping")
        self.assertIn("Montant", problem["errors"][0]["message"])
        self.assertEqual(ImportBatch.objects.get().status, ImportStatus.PREVIEW)

    def test_a_column_not_in_the_file_or_an_unknown_field_is_refused(self) -> None:
        batch_id = self.upload(ODD_COLUMNS, "export.csv").json()["id"]
        self.assertProblem(
            self.map_columns(batch_id, {**self.MAPPING, "Ailleurs": "currency"}),
            400,
            "mapping.Ailleurs",
        )
        self.assertProblem(
            self.map_columns(batch_id, {**self.MAPPING, "Tiers": "nom"}), 400, "mapping.Tiers"
        )

    def test_a_batch_already_imported_takes_no_mapping(self) -> None:
        batch_id = self.upload(creditor=self.creditor.pk).json()["id"]
        self.confirm(batch_id)
        mapping = {"N° facture": "reference", "Reste dû": "amount_cents"}
        self.assertProblem(self.map_columns(batch_id, mapping), 409)


class RetryTestCase(ImportsApiTestCase):
    def test_an_interrupted_batch_is_relaunched_and_another_is_not(self) -> None:
        batch_id = self.upload(creditor=self.creditor.pk).json()["id"]
        self.assertProblem(self.post(f"imports/{batch_id}/retry", {}), 409)
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportStatus.FAILED, resume_status=ImportStatus.QUEUED
        )
        self.assertEqual(self.batch(batch_id)["waiting_for"], "retry")
        with self.captureOnCommitCallbacks(execute=True):
            response = self.post(f"imports/{batch_id}/retry")  # no body at all
        self.assertEqual(response.status_code, 202)
        self.assertEqual(self.batch(batch_id)["status"], "preview")


class IsolationAndScopesTestCase(ImportsApiTestCase):
    def test_another_organisation_sees_nothing_of_the_batch(self) -> None:
        batch_id = self.upload(creditor=self.creditor.pk).json()["id"]
        other = self.charlie_key
        self.assertProblem(self.get(f"imports/{batch_id}", key=other), 404)
        self.assertProblem(self.get(f"imports/{batch_id}/errors", key=other), 404)
        self.assertProblem(self.confirm(batch_id, key=other), 404)
        self.assertProblem(self.post(f"imports/{batch_id}/retry", key=other), 404)
        self.assertEqual(self.get("imports", key=other).json()["results"], [])
        self.assertEqual(ImportBatch.objects.get().status, ImportStatus.PREVIEW)

    def test_a_creditor_of_another_organisation_cannot_be_named(self) -> None:
        stranger = make_creditor(self.beta, "Créancier de Beta")
        self.assertProblem(self.upload(creditor=stranger.pk), 400, "creditor")
        self.assertFalse(ImportBatch.objects.exists())

    def test_a_read_key_cannot_upload_nor_confirm(self) -> None:
        batch_id = self.upload(creditor=self.creditor.pk).json()["id"]
        reader = self.key_with([Scope.READ, Scope.WRITE], name="lecture et écriture")
        self.assertProblem(self.upload(key=reader), 403)
        self.assertProblem(self.confirm(batch_id, key=reader), 403)
        self.assertEqual(self.get(f"imports/{batch_id}", key=reader).status_code, 200)
        self.assertEqual(ImportBatch.objects.count(), 1)

    def test_a_key_restricted_to_a_mandant_only_reads(self) -> None:
        mandant = self.key_with([Scope.READ, Scope.IMPORTS], name="mandant", mandant=self.creditor)
        self.assertProblem(self.upload(key=mandant, creditor=self.creditor.pk), 403)
        batch_id = self.upload(creditor=self.creditor.pk).json()["id"]
        self.assertEqual(self.get(f"imports/{batch_id}", key=mandant).status_code, 200)
        other = make_creditor(self.alpha, "Autre mandant")
        hidden = self.upload(creditor=other.pk).json()["id"]
        self.assertProblem(self.get(f"imports/{hidden}", key=mandant), 404)


class UploadLimitsTestCase(ImportsApiTestCase):
    @override_settings(UPLOAD_MAX_BYTES=100)
    def test_a_file_over_the_upload_limit_is_refused(self) -> None:
        problem = self.assertProblem(self.upload(creditor=self.creditor.pk), 400, "file")
        self.assertIn("Fichier trop volumineux", problem["errors"][0]["message"])
        self.assertFalse(ImportBatch.objects.exists())

    @override_settings(UPLOAD_MAX_BYTES=100)
    def test_a_body_far_over_the_limit_is_refused_unread(self) -> None:
        self.assertProblem(self.upload(b"x" * 100_000, "gros.csv"), 413)
        self.assertFalse(ImportBatch.objects.exists())

    def test_an_empty_or_missing_file_is_refused(self) -> None:
        self.assertProblem(self.upload(b"", "vide.csv"), 400, "file")
        response = self.call(
            "POST", "imports", {"creditor": self.creditor.pk}, content_type=MULTIPART_CONTENT
        )
        self.assertProblem(response, 400, "file")

    def test_an_unknown_field_is_refused(self) -> None:
        self.assertProblem(self.upload(mandant="oui"), 400, "mandant")

    def test_a_json_body_is_not_an_upload(self) -> None:
        self.assertProblem(self.post("imports", {"file": "balance.csv"}), 415)
