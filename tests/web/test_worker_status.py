"""Paramètres → Tâches de fond: the workers alive, the tasks waiting, running or failed
with their age, the stuck ones highlighted, a failed task re-queued; administrators only,
each organisation seeing its own tasks and the shared ones."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recouvra.core.models import WorkerHeartbeat
from recouvra.dunning.tasks import deliver_messages_task, run_dunning_task

from ..base import RecouvraTestCase

URL = reverse("pages:worker_status")


def set_row(result, **fields) -> DBTaskResult:  # noqa: ANN001, ANN003
    row = DBTaskResult.objects.get(pk=result.id)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


class WorkerStatusTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        now = timezone.now()
        WorkerHeartbeat.objects.create(
            worker_id="gone", queues="default", hostname="serveur-1", pid=4242, process="",
            beat_at=now - timedelta(hours=1),
        )  # fmt: skip
        self.alpha_run = set_row(
            run_dunning_task.enqueue(self.alpha.pk, "2026-12-07"),
            status="RUNNING",
            started_at=now - timedelta(hours=1),
            worker_ids=["gone"],
        )
        self.beta_run = run_dunning_task.enqueue(self.beta.pk, "2026-12-07")
        self.delivery = set_row(
            deliver_messages_task.enqueue(),
            status="FAILED",
            finished_at=now - timedelta(minutes=3),
            worker_ids=["gone"],
            exception_class_path="smtplib.SMTPServerDisconnected",
            traceback="Traceback…\nsmtplib.SMTPServerDisconnected: compta@beta.example",
        )

    def test_an_administrator_sees_workers_and_stuck_and_failed_tasks(self) -> None:
        self.client.force_login(self.alice)
        page = self.client.get(URL)
        self.assertContains(page, "serveur-1:4242")
        self.assertContains(page, "ne donne plus signe de vie")
        self.assertContains(page, '<tr class="stuck" data-testid="task-RUNNING">', html=False)
        self.assertContains(page, "Passage des relances")
        self.assertContains(page, "Envoi des messages")
        # the error of a task shared by every organisation may name another's data
        self.assertContains(page, "SMTPServerDisconnected")
        self.assertNotContains(page, "compta@beta.example")
        requeue = reverse("pages:requeue_task", args=[self.delivery.pk])
        self.assertContains(page, f'action="{requeue}"')
        self.assertContains(self.client.get(reverse("pages:settings")), URL)

    def test_a_failed_idempotent_task_is_requeued(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(reverse("pages:requeue_task", args=[self.delivery.pk]))
        self.assertRedirects(response, URL)
        self.delivery.refresh_from_db()
        self.assertEqual((self.delivery.status, self.delivery.worker_ids), ("READY", []))

    def test_each_organisation_sees_only_its_own_tasks_and_the_shared_ones(self) -> None:
        self.client.force_login(self.charlie)
        page = self.client.get(URL)
        self.assertContains(page, "Envoi des messages")
        self.assertContains(page, "Passage des relances", count=1)  # Beta's, waiting
        self.assertNotContains(page, '<tr class="stuck" data-testid="task-RUNNING">', html=False)
        set_row(self.alpha_run, status="FAILED", finished_at=timezone.now())
        requeue = reverse("pages:requeue_task", args=[self.alpha_run.pk])
        self.assertEqual(self.client.post(requeue).status_code, 404)
        self.alpha_run.refresh_from_db()
        self.assertEqual(self.alpha_run.status, "FAILED")

    def test_only_administrators_see_it(self) -> None:
        self.assertRedirects(self.client.get(URL), f"{reverse('login')}?next={URL}")
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(URL).status_code, 403)
        requeue = reverse("pages:requeue_task", args=[self.delivery.pk])
        self.assertEqual(self.client.post(requeue).status_code, 403)
        self.assertNotContains(self.client.get(reverse("pages:settings")), URL)

    def test_a_page_with_no_worker_says_that_nothing_runs(self) -> None:
        WorkerHeartbeat.objects.all().delete()
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(URL), "Aucun processus de fond ne fonctionne")
