"""Background work of dunning (run by `recouvra worker`, enqueued by the clock). Both
tasks are safe to run twice: the run's unique constraint, the outbox's conditional moves."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from . import delivery, engine


@task()
def run_dunning_task(organization_id: int, day: str) -> int:
    run = engine.run_dunning(organization_id, today=date.fromisoformat(day))
    return run.steps_run


@task()
def deliver_messages_task() -> dict[str, int]:
    return dict(delivery.deliver_due())
