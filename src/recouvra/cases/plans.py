"""Payment plan follow-up.

TODO(merge): a minimal stand-in written on the `sepa` branch, for the contract the SEPA app
relies on (mark_instalment_returned); the `plans` branch owns this module and its version
replaces this one at the merge.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from recouvra.core import audit
from recouvra.core.models import AuditAction
from recouvra.law.money import format_amount

from .models import InstalmentStatus, InteractionKind, PlanInstalment
from .services import add_event


@transaction.atomic
def mark_instalment_returned(instalment: PlanInstalment, *, reason: str, actor: Any = None) -> bool:
    """The instalment's direct debit came back unpaid: RETURNED, on the case timeline.
    False when it was returned already."""
    before = audit.snapshot(instalment)
    moved = (
        PlanInstalment.objects.filter(pk=instalment.pk)
        .exclude(status=InstalmentStatus.RETURNED)
        .update(status=InstalmentStatus.RETURNED, settled_on=None, updated_at=timezone.now())
    )
    if not moved:
        return False
    instalment.status, instalment.settled_on = InstalmentStatus.RETURNED, None
    audit.record(instalment, AuditAction.UPDATE, actor=actor, before=before)
    amount = format_amount(instalment.amount_cents)
    text = (
        f"Échéance n° {instalment.number} du {instalment.due_on:%d/%m/%Y} ({amount}) : "
        f"prélèvement rejeté ({reason})."
    )
    add_event(instalment.plan.case, InteractionKind.PLAN, text, author=actor)
    return True
