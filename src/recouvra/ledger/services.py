"""Claim creation: one claim (a form) or many (an import, the demo), in one home.

A new claim belongs in its debtor's case. Cases sit above the ledger, so the ledger does
not open them itself: `create_claim` sends `claim_created`, which the cases app answers
by filing the claim (cases.apps); bulk callers open the cases first
(cases.services.open_cases) and give each row its case.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from recouvra.core import audit
from recouvra.core.bulk import insert_returning, insert_rows
from recouvra.core.models import AuditAction
from recouvra.core.search import normalize

from .models import Claim

# sent with `claim` and `actor` once a claim created on its own is saved
claim_created = Signal()

# sent with `organization_id` and `claim_ids` (the claims a payment settled) once
# payments are recorded: what was about to be sent for those claims may be moot
payments_applied = Signal()

# sent with `organization_id` and `claim_ids` once payments are reversed (a match undone,
# a payment returned by the bank): those claims owe again, letters not yet sent are re-checked
payments_reversed = Signal()

# the values of a claim created in bulk, in the order create_claims takes them
NEW_CLAIM_FIELDS = (
    "creditor_id",
    "debtor_id",
    "case_id",
    "reference",
    "issue_date",
    "due_date",
    "principal_cents",
    "currency",
    "kind",
    "terms",
    "contractual_rate",
    "status",
    "created_at",
)
_INSERTED_FIELDS = ("organization_id", *NEW_CLAIM_FIELDS, "updated_at", "search_text")


@transaction.atomic
def create_claim(organization_id: int, *, actor: Any = None, **fields: Any) -> Claim:
    """Create one claim, validated, audited, and filed in its debtor's case."""
    claim = Claim(organization_id=organization_id, **fields)
    claim.full_clean()
    claim.save()
    audit.record(claim, AuditAction.CREATE, actor=actor)
    claim_created.send(sender=Claim, claim=claim, actor=actor)
    return claim


def create_claims(
    organization_id: int, rows: Iterable[Sequence[Any]], debtor_names: dict[int, str]
) -> int:
    """Insert many claims at once (rows in the order of NEW_CLAIM_FIELDS, values ready for
    the database and already validated, each with its case); returns how many.

    `debtor_names` (debtor id → name) feeds the search text, normalised once per debtor.
    """
    return insert_rows(Claim, _INSERTED_FIELDS, _claim_values(organization_id, rows, debtor_names))


def create_claims_returning(
    organization_id: int, rows: Iterable[Sequence[Any]], debtor_names: dict[int, str]
) -> list[int]:
    """create_claims, returning the new claims' ids in the order of `rows`."""
    values = _claim_values(organization_id, rows, debtor_names)
    return insert_returning(Claim, _INSERTED_FIELDS, values)


def _claim_values(
    organization_id: int, rows: Iterable[Sequence[Any]], debtor_names: dict[int, str]
) -> Iterable[tuple]:
    names = {pk: normalize(name) for pk, name in debtor_names.items()}
    reference, debtor = NEW_CLAIM_FIELDS.index("reference"), NEW_CLAIM_FIELDS.index("debtor_id")
    created = NEW_CLAIM_FIELDS.index("created_at")  # a new row is updated when created
    return (
        (organization_id, *row, row[created])
        + (f"{normalize(row[reference])} {names[row[debtor]]}",)
        for row in rows
    )
