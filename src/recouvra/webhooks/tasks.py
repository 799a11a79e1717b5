"""Background work of the webhooks (run by `recouvra worker`). A pass is safe to run again
after an interruption: an event is claimed with a lease before it is sent, and one left
claimed by a killed worker is sent by a later pass once the lease has lapsed."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from recouvra.core.worker import TaskKind, register

from . import delivery


@task()
def deliver_webhooks_task() -> dict[str, int]:
    outcomes = delivery.deliver_due()
    if sum(outcomes.values()) >= delivery.BATCH:  # more may be waiting: another pass
        enqueue_delivery()
    return dict(outcomes)


def enqueue_delivery() -> bool:
    """Queue a pass unless one is waiting already (one running may have read the outbox
    before the newest events: it does not count)."""
    waiting = DBTaskResult.objects.filter(
        task_path=deliver_webhooks_task.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        return False
    deliver_webhooks_task.enqueue()
    return True


def check_due(now: datetime | None = None) -> list[str]:
    """The clock's check (core.worker.register_periodic): a pass when events are due,
    among them those a killed worker left claimed."""
    if delivery.due(now or timezone.now()).exists() and enqueue_delivery():
        return ["webhooks"]
    return []


# a pass sends delivery.BATCH events at most, THREADS at a time, each within 10 s
register(deliver_webhooks_task, TaskKind(label=_("Envoi des webhooks"), time_limit=600))
