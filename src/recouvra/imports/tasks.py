"""Background work for imports (run by `recouvra worker`). Each task is safe to run twice:
the status moves with a conditional update, so a second run finds nothing to do."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def parse_batch_task(batch_id: int) -> None:
    services.parse_batch(batch_id)


@task()
def import_batch_task(batch_id: int) -> None:
    services.import_batch(batch_id)
