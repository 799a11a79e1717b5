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

from recouvra.cases.models import PaymentPlan
from recouvra.cases.plans import decide_promises, lapse_overdue_plans
from recouvra.core.worker import TaskKind, register
from recouvra.letters.content import FiguresUnavailable
from recouvra.letters.views import lapse_letter_pdf

from . import delivery, engine
from .delivery_reports import read_notices
from .models import Channel
from .outbox import queue_message


@task()
def run_dunning_task(organization_id: int, day: str) -> int:
    """The day's decision of the promises (kept or broken) and of the plans (an instalment
    unpaid past the grace: the plan lapses, its letter is e-mailed), then the run. All safe
    to run again: a promise moves out of pending once, a plan lapses once, a letter is
    queued once (its key)."""
    today = date.fromisoformat(day)
    decide_promises(organization_id, today)
    for plan in lapse_overdue_plans(organization_id, today):
        send_lapse_letter(plan)
    run = engine.run_dunning(organization_id, today=today)
    return run.steps_run


def send_lapse_letter(plan: PaymentPlan) -> bool:
    """E-mail the lapse letter of `plan` to its debtor, if the debtor has an e-mail and the
    figures can be stated (else the agent prints it from the plan's page)."""
    email = plan.case.debtor.email
    if not email:
        return False
    try:
        pdf = lapse_letter_pdf(plan)
    except FiguresUnavailable:
        return False
    queue_message(
        plan.case,
        channel=Channel.EMAIL,
        recipient=email,
        key=f"plan-lapse-{plan.pk}",
        subject="Déchéance du terme de votre échéancier",
        text=(
            "Bonjour,\n\nUne échéance de votre échéancier n'a pas été réglée : il a pris fin "
            "et le solde restant dû est exigible. Vous trouverez le courrier ci-joint.\n\n"
            "Cordialement"
        ),
        attachment=(f"decheance-{plan.pk}.pdf", pdf),
    )
    return True


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
