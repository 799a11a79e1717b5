"""What each event says: `{"type", "timestamp", "data"}`, data with the field names of the
REST API's resources (the models' names, a related object by its id), amounts in integer
cents with their currency, dates and times in ISO 8601 (times in Paris time, as the API).

Events about many rows at once (the payments and proposals of a lettrage run) carry a list,
PER_EVENT rows at most per event: a run of 100,000 lines makes 200 events, not 100,000.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from recouvra.core.bulk import batches
from recouvra.ledger.models import Allocation, Claim, Payment
from recouvra.lettrage.models import MatchProposal

PER_EVENT = 500  # rows of a list event


def iso(value: datetime | date | None) -> str | None:
    """As the REST API writes them: a time in Paris time (Z if UTC), a date as it is."""
    if value is None:
        return None
    if isinstance(value, datetime):
        text = timezone.localtime(value).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return value.isoformat()


def envelope(event_type: str, data: dict[str, Any], now: datetime) -> str:
    """The body, as signed and sent: compact JSON, UTF-8 characters as they are."""
    document = {"type": event_type, "timestamp": iso(now), "data": data}
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


# -- payments ------------------------------------------------------------------------------

PAYMENT_FIELDS = ("id", "creditor_id", "debtor_id", "amount_cents", "currency", "received_on")
PAYMENT_FIELDS += ("method", "reference", "label", "reversed_at", "created_at")


def payments(payment_ids: Sequence[int], per_event: int = PER_EVENT) -> Iterator[dict[str, Any]]:
    """`{"payments": [...]}` for each PER_EVENT of these payments, each with its
    allocations (C. civ. 1342-10: fees, interest, then principal)."""
    for chunk in batches(sorted(set(payment_ids)), per_event):
        shares: dict[int, list[dict[str, Any]]] = {}
        for row in (
            Allocation.objects.filter(payment_id__in=chunk)
            .order_by("payment_id", "pk")
            .values("pk", "payment_id", "claim_id", "to_fees", "to_interest", "to_principal")
        ):
            shares.setdefault(row["payment_id"], []).append(
                {
                    "id": row["pk"],
                    "claim": row["claim_id"],
                    "to_fees": row["to_fees"],
                    "to_interest": row["to_interest"],
                    "to_principal": row["to_principal"],
                }
            )
        rows = Payment.objects.filter(pk__in=chunk).order_by("pk").values_list(*PAYMENT_FIELDS)
        found = [_payment(dict(zip(PAYMENT_FIELDS, row, strict=True)), shares) for row in rows]
        if found:
            yield {"payments": found}


def _payment(row: dict[str, Any], shares: dict[int, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "creditor": row["creditor_id"],
        "debtor": row["debtor_id"],
        "amount_cents": row["amount_cents"],
        "currency": row["currency"],
        "received_on": iso(row["received_on"]),
        "method": row["method"],
        "reference": row["reference"],
        "label": row["label"],
        "reversed_at": iso(row["reversed_at"]),
        "created_at": iso(row["created_at"]),
        "allocations": shares.get(row["id"], []),
    }


# -- lettrage ------------------------------------------------------------------------------


def proposals(proposal_ids: Sequence[int], per_event: int = PER_EVENT) -> Iterator[dict[str, Any]]:
    """`{"proposals": [...]}` for each PER_EVENT of these proposals: the bank line (its
    amount, date and label) and the claims proposed for it, with the score."""
    through = MatchProposal.claims.through
    for chunk in batches(list(proposal_ids), per_event):
        claims: dict[int, list[int]] = {}
        for proposal_id, claim_id in (
            through.objects.filter(matchproposal_id__in=chunk)
            .order_by("matchproposal_id", "claim_id")
            .values_list("matchproposal_id", "claim_id")
        ):
            claims.setdefault(proposal_id, []).append(claim_id)
        rows = (
            MatchProposal.objects.filter(pk__in=chunk)
            .order_by("pk")
            .values(
                "pk",
                "status",
                "score",
                "debtor_id",
                "bank_line_id",
                "bank_line__amount_cents",
                "bank_line__currency",
                "bank_line__booking_date",
                "bank_line__label",
                "created_at",
            )
        )
        found = [
            {
                "id": row["pk"],
                "status": row["status"],
                "score": row["score"],
                "debtor": row["debtor_id"],
                "claims": claims.get(row["pk"], []),
                "bank_line": row["bank_line_id"],
                "amount_cents": row["bank_line__amount_cents"],
                "currency": row["bank_line__currency"],
                "booking_date": iso(row["bank_line__booking_date"]),
                "label": row["bank_line__label"][:200],
                "created_at": iso(row["created_at"]),
            }
            for row in rows
        ]
        if found:
            yield {"proposals": found}


# -- one row each --------------------------------------------------------------------------


def case_stage(case: Any, old: str, new: str, now: datetime) -> dict[str, Any]:
    return {
        "id": case.pk,
        "reference": case.reference,
        "debtor": case.debtor_id,
        "creditor": case.creditor_id,
        "status": new,
        "previous_status": old,
        "changed_at": iso(now),
    }


def promise(promise: Any) -> dict[str, Any]:
    case = promise.case
    return {
        "id": promise.pk,
        "case": promise.case_id,
        "debtor": case.debtor_id,
        "creditor": case.creditor_id,
        "amount_cents": promise.amount_cents,
        "currency": _case_currency(promise.case_id),
        "promised_on": iso(promise.promised_on),
        "status": promise.status,
        "created_at": iso(promise.created_at),
    }


def _case_currency(case_id: int) -> str:
    """A promise is in its case's currency (its claims'); EUR for a case without claims."""
    found = Claim.objects.filter(case_id=case_id).values_list("currency", flat=True).first()
    return found or "EUR"


def message(message: Any) -> dict[str, Any]:
    return {
        "id": message.pk,
        "case": message.case_id,
        "channel": message.channel,
        "status": message.status,
        "recipient": message.recipient,
        "subject": message.subject,
        "reason": message.last_error,
        "sent_at": iso(message.sent_at),
        "bounced_at": iso(message.updated_at),
    }


def import_batch(batch: Any) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "kind": batch.kind,
        "format": batch.format,
        "filename": batch.filename,
        "status": batch.status,
        "creditor": batch.creditor_id,
        "rows_total": batch.rows_total,
        "rows_created": batch.rows_created,
        "rows_updated": batch.rows_updated,
        "rows_unchanged": batch.rows_unchanged,
        "rows_invalid": batch.rows_invalid,
        "message": batch.message,
        "created_at": iso(batch.created_at),
        "finished_at": iso(batch.finished_at),
    }


def test(endpoint: Any) -> dict[str, Any]:
    return {"endpoint": endpoint.pk, "message": "Message de test envoyé depuis recouvra."}
