"""Case operations that touch several models."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from recouvra.core import audit
from recouvra.core.models import AuditAction

from .models import Case, CaseStatus, Direction, Interaction, InteractionKind


def open_or_join_case(debtor: Any, creditor: Any, *, actor: Any = None) -> Case:
    """The open case of this debtor for this creditor, created if there is none."""
    lookup = {"organization_id": debtor.organization_id, "debtor": debtor, "creditor": creditor}
    case = Case.objects.filter(**lookup).exclude(status=CaseStatus.CLOSED).first()
    if case is not None:
        return case
    try:
        with transaction.atomic():
            case = Case.objects.create(**lookup)
    except IntegrityError:  # another request opened it first (partial unique constraint)
        return Case.objects.filter(**lookup).exclude(status=CaseStatus.CLOSED).get()
    audit.record(case, AuditAction.CREATE, actor=actor)
    add_event(case, InteractionKind.SYSTEM, "Dossier ouvert.", author=actor)
    return case


def add_event(
    case: Case,
    kind: str,
    text: str,
    *,
    author: Any = None,
    channel: str = "",
    direction: str = Direction.INTERNAL,
) -> Interaction:
    """Append an entry to the case timeline."""
    return Interaction.objects.create(
        organization_id=case.organization_id,
        case=case,
        kind=kind,
        channel=channel,
        direction=direction,
        author=author if getattr(author, "is_authenticated", False) else None,
        text=text,
    )
