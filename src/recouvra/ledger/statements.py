"""Statements of account (décomptes) for claims in the database, computed by recouvra.law."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from recouvra.law import statement as law
from recouvra.law.rates import RateTables
from recouvra.lawdesk.rates import rate_tables

from .models import Allocation, ClaimKind


def statement_for(
    claims: Sequence, as_of: date, *, tables: RateTables | None = None
) -> law.Statement:
    """The décompte of these claims (one debtor, one creditor) on `as_of`.

    A payment recorded against exactly one claim counts as the debtor's designation of
    that claim (C. civ. 1342-10, first sentence); otherwise the legal order applies.
    """
    claims = list(claims)
    return law.statement(
        [_claim(c) for c in claims],
        _payments(claims),
        _events(claims),
        as_of=as_of,
        tables=tables or rate_tables(),
    )


def _claim(claim) -> law.StatementClaim:  # noqa: ANN001
    return law.StatementClaim(
        ref=claim.reference,
        principal_cents=claim.principal_cents,
        due_date=claim.due_date,
        issue_date=claim.issue_date,
        debtor_is_professional=claim.kind == ClaimKind.B2B,
        contractual_rate=claim.contractual_rate,
        currency=claim.currency,
    )


def _payments(claims: Sequence) -> list[law.StatementPayment]:
    """Each payment with the part of it recorded against these claims."""
    refs = {c.pk: c.reference for c in claims}
    grouped: dict[int, dict] = {}
    allocations = Allocation.objects.filter(
        claim_id__in=refs, payment__reversed_at__isnull=True
    ).select_related("payment")
    for a in allocations.order_by("payment__received_on", "payment_id"):
        entry = grouped.setdefault(a.payment_id, {"payment": a.payment, "cents": 0, "refs": set()})
        entry["cents"] += a.total_cents
        entry["refs"].add(refs[a.claim_id])
    return [
        law.StatementPayment(
            ref=e["payment"].reference or f"P{e['payment'].pk}",
            received_on=e["payment"].received_on,
            amount_cents=e["cents"],
            designated_ref=next(iter(e["refs"])) if len(e["refs"]) == 1 else None,
        )
        for e in grouped.values()
    ]


def _events(claims: Sequence) -> list[law.StatementEvent]:
    from recouvra.cases.models import Case

    events = []
    for case in Case.objects.filter(pk__in={c.case_id for c in claims if c.case_id}):
        for kind, day in (
            (law.FORMAL_NOTICE, case.formal_notice_on),
            (law.JUDGMENT_ENFORCEABLE, case.judgment_enforceable_on),
            (law.INSOLVENCY_OPENED, case.insolvency_opened_on),
        ):
            if day:
                claim_refs = [c.reference for c in claims if c.case_id == case.pk]
                events.extend(law.StatementEvent(kind, day, ref) for ref in claim_refs)
    return events
