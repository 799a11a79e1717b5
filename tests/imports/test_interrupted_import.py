"""An import whose worker was killed (its transaction rolled back) does not stay
"importing" for ever: it is retried by itself, a bounded number of times, then fails with
the reason, and its page offers to relaunch it."""

from __future__ import annotations

import subprocess

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TransactionTestCase
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recouvra import cli
from recouvra.core.models import Role, WorkerHeartbeat
from recouvra.core.worker import process_identity
from recouvra.dunning.clock import tick
from recouvra.imports.models import ImportBatch, ImportStatus
from recouvra.imports.tasks import import_batch_task
from recouvra.ledger.models import Claim

from ..base import SIREN_ALPHA, SIREN_DEBTOR, make_creditor, make_org, make_user

CSV = (
    "N° facture;Client;SIREN;Date facture;Échéance;Montant\n"
    f"FA-2026-001;Menuiserie Dubois;{SIREN_DEBTOR};01/09/2026;01/10/2026;1 234,56\n"
    f"FA-2026-002;Menuiserie Dubois;{SIREN_DEBTOR};05/09/2026;05/10/2026;99,00\n"
).encode()


def run_worker() -> None:
    cli.main(["worker", "--batch", "--no-startup-delay", "-v", "0"])


def kill_during_import(batch: ImportBatch, attempts: int = 1) -> None:
    """What a worker killed while importing leaves: the batch claimed (IMPORTING, the
    claim committed, the import rolled back) and its task RUNNING, its process gone."""
    child = subprocess.Popen(["sleep", "30"])
    identity = process_identity(child.pid)
    child.kill()
    child.wait()
    WorkerHeartbeat.objects.create(
        worker_id="killed", queues="imports", hostname="ici", pid=child.pid, process=identity
    )
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.IMPORTING, progress=5)
    row = DBTaskResult.objects.get(task_path=import_batch_task.module_path, status="READY")
    row.status, row.started_at = "RUNNING", timezone.now()
    row.worker_ids = [f"earlier-{n}" for n in range(attempts - 1)] + ["killed"]
    row.save()


class InterruptedImportTestCase(TransactionTestCase):
    def setUp(self) -> None:
        self.org = make_org("Alpha Recouvrement", siren=SIREN_ALPHA)
        self.alice = make_user("alice@example.org", self.org)
        self.creditor = make_creditor(self.org, "Télécom Ouest")
        self.client.force_login(self.alice)
        upload = SimpleUploadedFile("balance.csv", CSV, content_type="text/csv")
        self.client.post(reverse("imports:home"), {"file": upload, "creditor": self.creditor.pk})
        run_worker()
        self.batch = ImportBatch.objects.get()
        self.client.post(
            reverse("imports:confirm", args=[self.batch.pk]), {"creditor": self.creditor.pk}
        )

    def test_it_is_retried_by_itself_after_its_worker_was_killed(self) -> None:
        kill_during_import(self.batch)
        tick()
        self.batch.refresh_from_db()
        self.assertEqual(self.batch.status, ImportStatus.TO_IMPORT)
        self.assertIn("nouvel essai automatique", self.batch.message)
        run_worker()
        self.batch.refresh_from_db()
        self.assertEqual((self.batch.status, self.batch.rows_created), (ImportStatus.DONE, 2))
        self.assertEqual(Claim.objects.count(), 2)

    def test_it_fails_with_the_reason_and_a_retry_button_once_its_attempts_are_spent(
        self,
    ) -> None:
        kill_during_import(self.batch, attempts=2)
        tick()
        self.batch.refresh_from_db()
        self.assertEqual(self.batch.status, ImportStatus.FAILED)
        self.assertIn("s'est arrêté", self.batch.message)
        page = self.client.get(self.batch.get_absolute_url())
        retry = reverse("imports:retry", args=[self.batch.pk])
        self.assertContains(page, f'action="{retry}"')
        self.assertRedirects(self.client.post(retry), self.batch.get_absolute_url())
        run_worker()
        self.batch.refresh_from_db()
        self.assertEqual((self.batch.status, self.batch.rows_created), (ImportStatus.DONE, 2))
        self.assertFalse(self.batch.can_retry)

    def test_only_members_who_may_write_relaunch_it(self) -> None:
        kill_during_import(self.batch, attempts=2)
        tick()
        mandant = make_user("mandant@example.org", self.org, Role.MANDANT, creditor=self.creditor)
        self.client.force_login(mandant)
        retry = reverse("imports:retry", args=[self.batch.pk])
        self.assertNotContains(self.client.get(self.batch.get_absolute_url()), retry)
        self.assertEqual(self.client.post(retry).status_code, 403)
        self.batch.refresh_from_db()
        self.assertEqual(self.batch.status, ImportStatus.FAILED)

    def test_an_import_of_another_organisation_cannot_be_relaunched(self) -> None:
        kill_during_import(self.batch, attempts=2)
        tick()
        beta = make_org("Beta Distribution", siren="552100554")
        charlie = make_user("charlie@example.org", beta)
        self.client.force_login(charlie)
        retry = reverse("imports:retry", args=[self.batch.pk])
        self.assertEqual(self.client.post(retry).status_code, 404)
