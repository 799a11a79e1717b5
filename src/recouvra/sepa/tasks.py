"""The daily steps of the direct debits, run by `recouvra worker`: each organisation that
has an ICS gets its debits scheduled and pre-notified once a day, after the hour of the
daily dunning run (the clock asks each minute: core.worker.register_periodic)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from recouvra.core.models import Organization
from recouvra.core.worker import TaskKind, register

from . import services


@task()
def sepa_daily_task(organization_id: int, day: str) -> dict[str, int]:
    return services.run_daily(organization_id, date.fromisoformat(day))


def check_daily(now: datetime | None = None) -> list[str]:
    """Queue the day's steps of each organisation with an ICS, unless queued already that
    day (a task row stays once done: it counts)."""
    local = timezone.localtime(now or timezone.now())
    if local.hour < settings.DUNNING_RUN_HOUR:
        return []
    day = local.date().isoformat()
    queued = DBTaskResult.objects.filter(task_path=sepa_daily_task.module_path)
    seen = {
        tuple(result.args_kwargs.get("args") or ())
        for result in queued.filter(enqueued_at__gte=local - timedelta(days=2))
    }
    enqueued = []
    orgs = Organization.objects.exclude(sepa_creditor_id="").values_list("pk", flat=True)
    for org_id in orgs:
        if (org_id, day) not in seen:
            sepa_daily_task.enqueue(org_id, day)
            enqueued.append(f"sepa {org_id} {day}")
    return enqueued


register(sepa_daily_task, TaskKind(label=_("Prélèvements SEPA du jour"), time_limit=600))
