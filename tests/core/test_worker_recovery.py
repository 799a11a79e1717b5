"""Tasks left running by a worker that is gone are re-queued by the clock, then fail with
the reason once their attempts are spent; a task past its kind's time limit is stopped,
failed with the reason and re-queued if idempotent (core/worker.py)."""

from __future__ import annotations

import os
import subprocess
import time
from datetime import timedelta

from django.core import mail
from django.test import TransactionTestCase, override_settings
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from recouvra import cli
from recouvra.core.models import WorkerHeartbeat
from recouvra.core.tasks import send_email
from recouvra.core.worker import (
    TIME_LIMIT_EXCEEDED,
    WORKER_LOST,
    TaskKind,
    process_identity,
    recover_stale,
    register,
)
from recouvra.dunning.clock import tick
from recouvra.dunning.tasks import deliver_messages_task

runs: list[str] = []


@task()
def slow_task(name: str) -> None:
    runs.append(name)
    time.sleep(60)  # far past its time limit: stopped long before


@task()
def quick_task(name: str) -> None:
    runs.append(name)


register(slow_task, TaskKind(label="Lente", time_limit=1, attempts=2))


def work() -> None:
    cli.main(["worker", "--batch", "--no-startup-delay", "-v", "0"])


def ended_process() -> tuple[int, str]:
    """The pid and identity of a process that has ended (and been reaped)."""
    child = subprocess.Popen(["sleep", "30"])
    identity = process_identity(child.pid)
    child.kill()
    child.wait()
    return child.pid, identity


def claimed_by(result, worker_id: str, attempts: int = 1) -> DBTaskResult:  # noqa: ANN001
    """The task row as a worker leaves it when it dies running it."""
    row = DBTaskResult.objects.get(pk=result.id)
    row.status, row.started_at = "RUNNING", timezone.now() - timedelta(minutes=5)
    row.worker_ids = [f"earlier-{n}" for n in range(attempts - 1)] + [worker_id]
    row.save()
    return row


def heartbeat(worker_id: str, *, pid: int, process: str, silent_for: int = 0) -> None:
    WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        queues="*",
        hostname="ici",
        pid=pid,
        process=process,
        beat_at=timezone.now() - timedelta(seconds=silent_for),
    )


class RecoveryTestCase(TransactionTestCase):
    def test_it_requeues_the_task_of_a_worker_whose_process_ended(self) -> None:
        send_email.enqueue(subject="Bonjour", body="Texte", to=["alice@example.org"])
        row = claimed_by(DBTaskResult.objects.get(), "killed")
        heartbeat("killed", pid=(ended := ended_process())[0], process=ended[1])
        tick()
        row.refresh_from_db()
        self.assertEqual(row.status, "READY")
        self.assertEqual(row.exception_class_path, WORKER_LOST)
        self.assertEqual(row.traceback, f"le processus de fond {ended[0]} s'est arrêté")
        work()  # …and the work resumes
        self.assertEqual([m.subject for m in mail.outbox], ["Bonjour"])

    def test_the_clock_enqueues_a_delivery_again_once_the_dead_workers_pass_is_requeued(
        self,
    ) -> None:
        deliver_messages_task.enqueue()
        row = claimed_by(DBTaskResult.objects.get(), "killed")
        heartbeat("killed", pid=(ended := ended_process())[0], process=ended[1])
        recover_stale()
        row.refresh_from_db()
        self.assertEqual(row.status, "READY")  # the clock counts it as waiting, rightly
        work()
        row.refresh_from_db()
        self.assertEqual((row.status, len(row.worker_ids)), ("SUCCESSFUL", 2))

    def test_a_worker_on_another_machine_is_gone_once_silent_for_the_lease(self) -> None:
        slow_task.enqueue("A")
        slow_task.enqueue("B")
        first, second = DBTaskResult.objects.order_by("enqueued_at")
        claimed_by(first, "silent")
        claimed_by(second, "beating")
        elsewhere = "other-boot:1:4242:100"
        with override_settings(WORKER_LEASE=60):
            heartbeat("silent", pid=4242, process=elsewhere, silent_for=61)
            heartbeat("beating", pid=4242, process=elsewhere, silent_for=30)
            lines = recover_stale()
        self.assertEqual(len(lines), 1)
        self.assertIn("ne donne plus signe de vie depuis 61 s", lines[0])
        statuses = dict(DBTaskResult.objects.values_list("pk", "status"))
        self.assertEqual((statuses[first.pk], statuses[second.pk]), ("READY", "RUNNING"))

    def test_it_leaves_the_task_of_a_live_worker_running(self) -> None:
        send_email.enqueue(subject="A", body="", to=["a@example.org"])
        row = claimed_by(DBTaskResult.objects.get(), "alive")
        heartbeat("alive", pid=os.getpid(), process=process_identity(os.getpid()), silent_for=999)
        self.assertEqual(recover_stale(), [])
        row.refresh_from_db()
        self.assertEqual(row.status, "RUNNING")

    def test_a_task_interrupted_too_often_fails_with_the_reason(self) -> None:
        deliver_messages_task.enqueue()
        row = claimed_by(DBTaskResult.objects.get(), "killed", attempts=3)
        heartbeat("killed", pid=(ended := ended_process())[0], process=ended[1])
        recover_stale()
        row.refresh_from_db()
        self.assertEqual(row.status, "FAILED")
        self.assertIn("abandonnée après 3 tentatives", row.traceback)

    def test_a_task_that_may_have_acted_is_not_run_again_by_itself(self) -> None:
        quick_task.enqueue("non déclarée")  # a kind not declared idempotent
        row = claimed_by(DBTaskResult.objects.get(), "killed")
        with override_settings(WORKER_LEASE=60):
            heartbeat("killed", pid=1, process="", silent_for=61)
            recover_stale()
        row.refresh_from_db()
        self.assertEqual(row.status, "FAILED")
        self.assertIn("non relancée automatiquement", row.traceback)

    def test_the_heartbeat_of_a_worker_is_gone_once_it_stops_cleanly(self) -> None:
        work()
        self.assertFalse(WorkerHeartbeat.objects.exists())


class TimeLimitTestCase(TransactionTestCase):
    def setUp(self) -> None:
        runs.clear()

    def test_a_task_past_its_time_limit_is_stopped_and_requeued_then_fails(self) -> None:
        slow_task.enqueue("lente")
        quick_task.enqueue("rapide")
        work()
        # stopped at its limit, run again (idempotent, 2 attempts), stopped again; the
        # task queued behind it ran all the same
        self.assertEqual(sorted(runs), ["lente", "lente", "rapide"])
        slow = DBTaskResult.objects.get(task_path=slow_task.module_path)
        self.assertEqual(slow.status, "FAILED")
        self.assertEqual(slow.exception_class_path, TIME_LIMIT_EXCEEDED)
        self.assertEqual(
            slow.traceback, "limite de temps dépassée (1 s) ; abandonnée après 2 tentatives"
        )
        self.assertEqual(
            DBTaskResult.objects.get(task_path=quick_task.module_path).status, "SUCCESSFUL"
        )
