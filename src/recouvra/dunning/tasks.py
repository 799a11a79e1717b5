"""Background work of dunning (run by `recouvra worker`, enqueued by the clock). Each is
safe to run again after an interruption: the run's unique constraint (a step once per
case) and its single transaction, the outbox's conditional moves, the bounces' conditional
moves (a notice read twice changes nothing)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from recouvra.cases.queue import rank_cases
from recouvra.cases.services import settle_due_promises
from recouvra.core.worker import TaskKind, register

from . import delivery, engine
from .delivery_reports import read_notices


@task()
def run_dunning_task(organization_id: int, day: str) -> int:
    """The day's check of the promises (kept or broken once their date is past), the work
    queues ranked for the day, then the run. All are safe to run again: a promise moves out
    of pending once, ranking twice gives the same order."""
    today = date.fromisoformat(day)
    settle_due_promises(organization_id, today)
    rank_cases(organization_id, today)
    run = engine.run_dunning(organization_id, today=today)
    return run.steps_run


@task()
def deliver_messages_task() -> dict[str, int]:
    return dict(delivery.deliver_due())


@task()
def read_bounces_task() -> dict[str, int]:
    """The notices returned to BOUNCE_MAILDIR (each read once: moved to cur/)."""
    recorded, unread = read_notices(Path(settings.BOUNCE_MAILDIR), say=lambda line: None)
    return {"recorded": recorded, "unread": unread}


def _organization(args: list) -> int | None:
    return args[0] if args else None


register(
    run_dunning_task,
    TaskKind(label=_("Passage des relances"), time_limit=1800, organization=_organization),
)
# a pass sends at most delivery.BATCH messages, each committed as it goes
register(deliver_messages_task, TaskKind(label=_("Envoi des messages"), time_limit=900))
register(read_bounces_task, TaskKind(label=_("Lecture des retours d'e-mails"), time_limit=300))
