"""The case page's quick actions, as services (the pages, the API and the demo call them):
a call logged with its outcome and next step, the next action, a correction of an entry,
a visit for a field collector, the escalation to the legal stage."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recouvra.core import audit
from recouvra.core.models import AuditAction, Role, User

from .models import Case, CaseStatus, Direction, Interaction, InteractionKind, Task, TaskKind
from .services import _rank, add_event, change_stage, create_task, record_interaction


class CallOutcome(models.TextChoices):
    REACHED = "reached", gettext_lazy("Joint")
    NO_ANSWER = "no_answer", gettext_lazy("Pas de réponse")
    VOICEMAIL = "voicemail", gettext_lazy("Message laissé")
    WRONG_NUMBER = "wrong_number", gettext_lazy("Faux numéro")
    PROMISE = "promise", gettext_lazy("Promesse de paiement")
    REFUSAL = "refusal", gettext_lazy("Refus de payer")
    DISPUTE = "dispute", gettext_lazy("Conteste la dette")
    CALLBACK = "callback", gettext_lazy("À rappeler")


# the timeline is kept in French whatever the reader's language
OUTCOME_FR = {
    CallOutcome.REACHED: "joint",
    CallOutcome.NO_ANSWER: "pas de réponse",
    CallOutcome.VOICEMAIL: "message laissé",
    CallOutcome.WRONG_NUMBER: "faux numéro",
    CallOutcome.PROMISE: "promesse de paiement",
    CallOutcome.REFUSAL: "refus de payer",
    CallOutcome.DISPUTE: "conteste la dette",
    CallOutcome.CALLBACK: "à rappeler",
}
ESCALATED_FROM = (
    CaseStatus.AMICABLE,
    CaseStatus.FORMAL_NOTICE,
    CaseStatus.NEGOTIATION,
    CaseStatus.PAYMENT_PLAN,
    CaseStatus.DISPUTED,
)


@transaction.atomic
def set_next_action(case: Case, *, text: str, on: date | None, actor: Any = None) -> bool:
    """The case's next action (what and when), audited; False when nothing changed."""
    text = text.strip()[:200]
    if (case.next_action, case.next_action_on) == (text, on):
        return False
    before = audit.snapshot(case)
    case.next_action, case.next_action_on = text, on
    Case.objects.filter(pk=case.pk).update(
        next_action=text, next_action_on=on, updated_at=timezone.now()
    )
    audit.record(case, AuditAction.UPDATE, actor=actor, before=before)
    return True


@transaction.atomic
def log_call(
    case: Case,
    *,
    outcome: str,
    text: str = "",
    direction: str = Direction.OUTBOUND,
    next_action: str = "",
    next_action_on: date | None = None,
    actor: Any = None,
) -> Interaction:
    """A call on the timeline with its outcome; its next step becomes the case's next
    action and, when dated, a call to make that day (for the case's agent, else the
    caller)."""
    if outcome not in CallOutcome.values:
        raise ValidationError({"outcome": _("Issue d'appel inconnue.")})
    line = f"Appel — {OUTCOME_FR[CallOutcome(outcome)]}"
    if text.strip():
        line += f" : {text.strip()}"
    if next_action.strip() or next_action_on:
        step = next_action.strip() or "rappeler"
        line += f"\nSuite : {step}" + (f" le {next_action_on:%d/%m/%Y}" if next_action_on else "")
    call = record_interaction(
        case, kind=InteractionKind.CALL, text=line, direction=direction, actor=actor
    )
    if next_action.strip() or next_action_on:
        set_next_action(
            case, text=next_action.strip() or "Rappeler", on=next_action_on, actor=actor
        )
    if next_action_on:
        who = case.assigned_to if case.assigned_to_id else _authenticated(actor)
        create_task(
            case,
            kind=TaskKind.CALL,
            title=(next_action.strip() or "Rappeler le débiteur")[:200],
            due_on=next_action_on,
            assigned_to=who,
            actor=actor,
        )
        _rank(case)
    return call


def _authenticated(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def correct_interaction(original: Interaction, *, text: str, actor: Any = None) -> Interaction:
    """A correction of a timeline entry: a new entry saying which one it corrects (nothing
    on the timeline is changed nor deleted)."""
    if not text.strip():
        raise ValidationError({"text": _("Écrivez la correction.")})
    when = timezone.localtime(original.occurred_at)
    head = f"Correction de l'échange du {when:%d/%m/%Y à %H:%M} ({original.get_kind_display()})"
    return record_interaction(
        original.case,
        kind=InteractionKind.NOTE,
        text=f"{head} : {text.strip()}",
        direction=Direction.INTERNAL,
        actor=actor,
    )


def field_collectors(organization_id: int) -> models.QuerySet[User]:
    """The organisation's active field collectors (who a visit may be given to)."""
    return User.objects.filter(
        memberships__organization_id=organization_id,
        memberships__role=Role.FIELD_COLLECTOR,
        memberships__is_active=True,
    ).distinct()


@transaction.atomic
def request_visit(
    case: Case, *, collector: Any, on: date, note: str = "", actor: Any = None
) -> Task:
    """A visit to the debtor for a field collector of the organisation, on a date: a VISIT
    task, and a line on the timeline."""
    if not field_collectors(case.organization_id).filter(pk=collector.pk).exists():
        raise ValidationError(
            {"collector": _("Ce n'est pas un agent de terrain de l'organisation.")}
        )
    if on < timezone.localdate():
        raise ValidationError({"on": _("La date de visite est passée.")})
    title = (note.strip() or f"Visite chez {case.debtor}")[:200]
    task = create_task(
        case, kind=TaskKind.VISIT, title=title, due_on=on, assigned_to=collector, actor=actor
    )
    text = f"Visite terrain demandée à {collector} pour le {on:%d/%m/%Y}"
    add_event(
        case,
        InteractionKind.VISIT,
        text + (f" : {note.strip()}" if note.strip() else "."),
        author=actor,
    )
    return task


@transaction.atomic
def escalate(case: Case, *, reason: str, actor: Any = None) -> bool:
    """The case to the legal stage (contentieux), with the reason on the timeline."""
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez pourquoi le dossier passe au contentieux.")})
    if case.status not in ESCALATED_FROM:
        raise ValidationError(
            _("Ce dossier est à l'étape « %(stage)s » : il ne passe pas au contentieux.")
            % {"stage": case.get_status_display()}
        )
    moved = change_stage(case, CaseStatus.LEGAL, actor=actor)
    add_event(
        case, InteractionKind.STATUS, f"Passage au contentieux : {reason.strip()}", author=actor
    )
    return moved
