"""Case operations that touch several models."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from recouvra.core import audit
from recouvra.core.bulk import insert_rows
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


EVENT_FIELDS = ("organization_id", "created_at", "updated_at", "case_id", "kind", "channel")
EVENT_FIELDS += ("direction", "author_id", "occurred_at", "text", "attachment")


def add_events(
    organization_id: int,
    entries: Iterable[tuple[int, str]],
    kind: str,
    *,
    author_id: int | None = None,
) -> int:
    """add_event for many cases at once (case id, text), in one executemany: for imports
    and lettrage runs that touch thousands of cases."""
    now = timezone.now()
    rows = (
        (organization_id, now, now, case_id, kind, "", Direction.INTERNAL, author_id, now)
        + (text, "")
        for case_id, text in entries
    )
    return insert_rows(Interaction, EVENT_FIELDS, rows)
