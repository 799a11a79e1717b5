"""Background work of dunning (run by `recouvra worker`, enqueued by the clock). Both
first two are safe to run twice: the run's unique constraint, the outbox's conditional moves."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.conf import settings
from django_tasks import task

from . import delivery, engine, reports


@task()
def run_dunning_task(organization_id: int, day: str) -> int:
    run = engine.run_dunning(organization_id, today=date.fromisoformat(day))
    return run.steps_run


@task()
def deliver_messages_task() -> dict[str, int]:
    return dict(delivery.deliver_due())


@task()
def read_bounces_task() -> dict[str, int]:
    """The notices returned to BOUNCE_MAILDIR (each read once: moved to cur/)."""
    recorded, unread = reports.read_notices(Path(settings.BOUNCE_MAILDIR), say=lambda line: None)
    return {"recorded": recorded, "unread": unread}
