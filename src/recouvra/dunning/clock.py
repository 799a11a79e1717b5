"""The clock: each minute, enqueue the work that has come due (`recouvra clock`).

- The daily dunning run of each organisation, once its hour (DUNNING_RUN_HOUR, Paris
  time) has come, if none ran that day: after downtime, the next tick catches up.
- A delivery pass when messages are waiting (or held ones are to be tried again) and no
  pass is already queued.
- Reading the bounces returned to BOUNCE_MAILDIR, when it is set and has new mail.
- The checks the apps above registered (core.worker.register_periodic), e.g. the webhooks'
  delivery passes.

First, it re-queues the tasks left running by a worker that is gone (core/worker.py):
without that, such a task would count as waiting for ever, and nothing of its kind
would be enqueued again.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from recouvra.core.models import Organization
from recouvra.core.worker import recover_stale, run_periodic

from .delivery import SENT_BY_TASK
from .delivery_reports import has_new_notices
from .models import DunningRun, Message, MessageStatus
from .tasks import deliver_messages_task, read_bounces_task, run_dunning_task

WAITING = (TaskResultStatus.READY, TaskResultStatus.RUNNING)


def tick(now: datetime | None = None) -> list[str]:
    """Enqueue what is due at `now`; returns what was enqueued (for the log)."""
    recover_stale()  # by the real time: it is about processes, not business days
    now = now or timezone.now()
    local = timezone.localtime(now)
    enqueued = []
    if local.hour >= settings.DUNNING_RUN_HOUR:
        day = local.date()
        done = set(DunningRun.objects.filter(run_on=day).values_list("organization_id", flat=True))
        for org_id in Organization.objects.values_list("pk", flat=True):
            if org_id not in done and not _waiting(run_dunning_task, [org_id, day.isoformat()]):
                run_dunning_task.enqueue(org_id, day.isoformat())
                enqueued.append(f"dunning run {org_id} {day}")
    due = Message.objects.filter(
        # a held message whose time to try again has come: the pass releases it
        status__in=(MessageStatus.QUEUED, MessageStatus.HELD),
        channel__in=SENT_BY_TASK,
        next_attempt_at__lte=now,
    )
    if due.exists() and not _waiting(deliver_messages_task, []):
        deliver_messages_task.enqueue()
        enqueued.append("delivery")
    maildir = settings.BOUNCE_MAILDIR
    if maildir and has_new_notices(Path(maildir)) and not _waiting(read_bounces_task, []):
        read_bounces_task.enqueue()
        enqueued.append("bounces")
    return enqueued + run_periodic(now)


def _waiting(task, args: list) -> bool:  # noqa: ANN001
    found = DBTaskResult.objects.filter(task_path=task.module_path, status__in=WAITING)
    return any(result.args_kwargs.get("args") == args for result in found)
