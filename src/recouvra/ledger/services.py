"""Ledger operations that touch several models: a new claim opens or joins its case."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from recouvra.cases.models import InteractionKind
from recouvra.cases.services import add_event, open_or_join_case
from recouvra.core import audit
from recouvra.core.models import AuditAction
from recouvra.law.money import format_amount

from .models import Claim


@transaction.atomic
def attach_claim_to_case(claim: Claim, *, actor: Any = None) -> Claim:
    """Put a newly created claim in its debtor's open case for this creditor."""
    case = open_or_join_case(claim.debtor, claim.creditor, actor=actor)
    claim.case = case
    Claim.objects.filter(pk=claim.pk).update(case=case)
    amount = format_amount(claim.principal_cents, claim.currency)
    add_event(
        case,
        InteractionKind.CLAIM,
        f"Créance {claim.reference} ajoutée au dossier ({amount}, échéance "
        f"{claim.due_date:%d/%m/%Y}).",
        author=actor,
    )
    return claim


@transaction.atomic
def create_claim(organization_id: int, *, actor: Any = None, **fields: Any) -> Claim:
    claim = Claim(organization_id=organization_id, **fields)
    claim.full_clean()
    claim.save()
    audit.record(claim, AuditAction.CREATE, actor=actor)
    return attach_claim_to_case(claim, actor=actor)
