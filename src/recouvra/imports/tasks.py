"""Background work for imports (run by `recouvra worker`, on their own queue so that a big
file never delays the sending of messages). Each task is safe to run twice: the status
moves with a conditional update, so a second run finds nothing to do; one interrupted
(worker killed, time limit) puts its batch back first (services.stopped), so that the
run that follows finds it waiting."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_tasks import task

from recouvra.core.worker import TaskKind, register

from . import services

QUEUE = "imports"


@task(queue_name=QUEUE)
def parse_batch_task(batch_id: int) -> None:
    services.parse_batch(batch_id)


@task(queue_name=QUEUE)
def import_batch_task(batch_id: int) -> None:
    services.import_batch(batch_id)


def _organization(args: list) -> int | None:
    from .models import ImportBatch

    return ImportBatch.objects.filter(pk=args[0]).values_list("organization_id", flat=True).first()


def _page(args: list) -> str:
    from django.urls import reverse

    return reverse("imports:batch", args=[args[0]])


def _stopped(args: list, reason: str, again: bool) -> None:
    services.stopped(args[0], reason, again)


# one automatic retry: a second time-out would most likely follow the first
BATCH = {"organization": _organization, "on_stopped": _stopped, "url": _page, "attempts": 2}
register(
    parse_batch_task, TaskKind(label=_("Lecture d'un fichier importé"), time_limit=600, **BATCH)
)
register(import_batch_task, TaskKind(label=_("Import d'un fichier"), time_limit=1800, **BATCH))
