"""Claim creation: one claim (a form) or many (an import, the demo), in one home.

A new claim belongs in its debtor's case. Cases sit above the ledger, so the ledger does
not open them itself: `create_claim` sends `claim_created`, which the cases app answers
by filing the claim (cases.apps); bulk callers open the cases first
(cases.services.open_cases) and give each row its case.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvra.core import audit
from recouvra.core.bulk import insert_rows, update_ids
from recouvra.core.models import AuditAction
from recouvra.core.search import normalize
from recouvra.law.allocation import Debt, allocate_payment

from .models import (
    OPEN_STATUSES,
    Allocation,
    Claim,
    ClaimStatus,
    Contact,
    Debtor,
    Payment,
    ReceiptCounter,
)

# sent with `claim` and `actor` once a claim created on its own is saved
claim_created = Signal()

# sent with `organization_id`, `claim_ids` (the claims the payments went to) and
# `payment_ids` (the payments recorded) once payments are recorded, in their transaction:
# what was about to be sent for those claims may be moot (dunning), the organisation's
# systems are told (webhooks: payment.received). Whoever records a payment sends it.
payments_applied = Signal()

# sent with `organization_id`, `claim_ids` and `payment_ids` (the payments now reversed)
# once payments are reversed (a match undone, a payment returned by the bank), in their
# transaction: those claims owe again, letters not yet sent are re-checked (dunning), the
# organisation's systems are told (webhooks: payment.reversed)
payments_reversed = Signal()

# sent with `payment`, `shares` (AppliedShare of each claim it paid), `credit` (the cents
# it paid beyond every claim: the debtor's credit) and `actor` once a payment recorded on
# its own (record_payment) is allocated: the cases app tells it on their timelines
payment_recorded = Signal()

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


@transaction.atomic
def add_contact(
    debtor: Debtor, *, kind: str, value: str, label: str = "", actor: Any = None
) -> Contact:
    """Add an email, phone number or address to a debtor (its page, the API), audited."""
    contact = Contact(
        organization_id=debtor.organization_id, debtor=debtor, kind=kind, label=label, value=value
    )
    contact.full_clean()
    contact.save()
    audit.record(contact, AuditAction.CREATE, actor=actor)
    return contact


def create_claims(
    organization_id: int, rows: Iterable[Sequence[Any]], debtor_names: dict[int, str]
) -> int:
    """Insert many claims at once (rows in the order of NEW_CLAIM_FIELDS, values ready for
    the database and already validated, each with its case); returns how many.

    `debtor_names` (debtor id → name) feeds the search text, normalised once per debtor.
    """
    return insert_rows(Claim, _INSERTED_FIELDS, _claim_values(organization_id, rows, debtor_names))


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


@dataclass(frozen=True)
class AppliedShare:
    """The part of a payment one claim received."""

    claim_id: int
    reference: str
    case_id: int | None
    to_fees: int
    to_interest: int
    to_principal: int

    @property
    def total(self) -> int:
        return self.to_fees + self.to_interest + self.to_principal


@transaction.atomic
def record_payment(
    organization_id: int,
    *,
    creditor_id: int,
    debtor_id: int,
    amount_cents: int,
    received_on: date,
    method: str,
    currency: str = "EUR",
    reference: str = "",
    label: str = "",
    designated_claim_id: int | None = None,
    collected_by_id: int | None = None,
    actor: Any = None,
) -> Payment:
    """Record a payment from `debtor_id` to `creditor_id` and allocate it to the debtor's
    open claims of that creditor in that currency, as the law says (C. civ. 1342-10,
    recouvra.law.allocation): the claim the debtor designated first, then the claims due
    on `received_on` before the others, the highest contractual rate first, then the
    oldest. What exceeds every claim stays unallocated: the debtor's credit. Claims paid
    off become paid; the audit log, the case timelines (payment_recorded) and dunning
    (payments_applied) are told."""
    claims = _open_claims(organization_id, creditor_id, debtor_id, currency)
    by_ref = {str(claim.pk): claim for claim in claims if claim.balance > 0}
    designated = str(designated_claim_id) if designated_claim_id is not None else None
    if designated is not None and designated not in by_ref:
        raise ValidationError(
            {"claim": _("Cette créance n'est pas une créance ouverte de ce débiteur.")}
        )
    debts = [
        Debt(
            ref=ref,
            principal_cents=claim.balance,
            due_date=claim.due_date,
            rate=claim.contractual_rate or Decimal(0),
        )
        for ref, claim in by_ref.items()
    ]
    split = allocate_payment(amount_cents, debts, designated_ref=designated, paid_on=received_on)
    payment = Payment.objects.create(
        organization_id=organization_id,
        creditor_id=creditor_id,
        debtor_id=debtor_id,
        amount_cents=amount_cents,
        currency=currency,
        received_on=received_on,
        method=method,
        reference=reference,
        label=label,
        collected_by_id=collected_by_id,
    )
    shares = [
        AppliedShare(
            int(part.debt_ref),
            by_ref[part.debt_ref].reference,
            by_ref[part.debt_ref].case_id,
            part.to_fees,
            part.to_interest,
            part.to_principal,
        )
        for part in split
        if part.debt_ref is not None
    ]
    Allocation.objects.bulk_create(
        Allocation(
            organization_id=organization_id,
            payment=payment,
            claim_id=share.claim_id,
            to_fees=share.to_fees,
            to_interest=share.to_interest,
            to_principal=share.to_principal,
        )
        for share in shares
    )
    settled = [s.claim_id for s in shares if by_ref[str(s.claim_id)].balance <= s.to_principal]
    paid = {"status": ClaimStatus.PAID, "updated_at": timezone.now()}
    update_ids(Claim, settled, paid, among={"status": OPEN_STATUSES})
    audit.record(payment, AuditAction.CREATE, actor=actor)
    credit = sum(part.to_credit for part in split if part.debt_ref is None)
    payment_recorded.send(Payment, payment=payment, shares=shares, credit=credit, actor=actor)
    touched = [share.claim_id for share in shares]
    payments_applied.send(
        Payment, organization_id=organization_id, claim_ids=touched, payment_ids=[payment.pk]
    )
    return payment


def _open_claims(
    organization_id: int, creditor_id: int, debtor_id: int, currency: str
) -> list[Claim]:
    """The open claims a payment may pay, with their balance, locked (PostgreSQL) so that
    two payments recorded at once do not both pay the same cents."""
    claims = Claim.objects.filter(
        organization_id=organization_id,
        creditor_id=creditor_id,
        debtor_id=debtor_id,
        currency=currency,
        status__in=OPEN_STATUSES,
    ).order_by("due_date", "pk")
    if connection.features.has_select_for_update:
        list(claims.select_for_update().values_list("pk"))
    return list(claims.with_balance())


def settle_amended(claim_ids: Sequence[int]) -> None:
    """After principals were amended: a paid claim that owes again is open again, an open
    claim that owes nothing any more is paid."""
    now = timezone.now()
    owing, settled = [], []
    for chunk in _chunks(claim_ids):
        rows = Claim.objects.filter(pk__in=chunk).with_balance()
        for pk, state, balance in rows.values_list("pk", "status", "balance"):
            if state == ClaimStatus.PAID and balance > 0:
                owing.append(pk)
            elif state == ClaimStatus.OPEN and balance <= 0:
                settled.append(pk)
    update_ids(
        Claim,
        owing,
        {"status": ClaimStatus.OPEN, "updated_at": now},
        among={"status": [ClaimStatus.PAID]},
    )
    update_ids(
        Claim,
        settled,
        {"status": ClaimStatus.PAID, "updated_at": now},
        among={"status": [ClaimStatus.OPEN]},
    )


def _chunks(ids: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    return (ids[start : start + size] for start in range(0, len(ids), size))


RECEIPT_PREFIX = "Q"


@transaction.atomic
def number_receipt(payment: Payment) -> str:
    """The payment's receipt number (quittance, CPCE R124-6), Q-2026-000042: given once, kept
    for good. The year's counter is taken under a row lock, so that two receipts issued at
    the same moment never share a number, and a number is never given twice."""
    if payment.receipt_number:
        return payment.receipt_number
    locked = Payment.objects.select_for_update().only("receipt_number").get(pk=payment.pk)
    if locked.receipt_number:  # another request numbered it meanwhile
        payment.receipt_number = locked.receipt_number
        return payment.receipt_number
    year = timezone.localdate().year
    ReceiptCounter.objects.get_or_create(organization_id=payment.organization_id, year=year)
    counter = ReceiptCounter.objects.select_for_update().get(
        organization_id=payment.organization_id, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    number = f"{RECEIPT_PREFIX}-{year}-{counter.last:06d}"
    Payment.objects.filter(pk=payment.pk).update(receipt_number=number, updated_at=timezone.now())
    payment.receipt_number = number
    return number


@transaction.atomic
def reverse_payment(payment: Payment, *, reason: str, actor: Any = None) -> list[Claim]:
    """Undo a payment, the one home for it (a match undone, a direct debit returned by the
    debtor's bank): the payment stays, marked reversed, and no longer counts; the claims it
    had settled are open again; the audit log and the lower apps' listeners are told
    (payments_reversed, with `reason`). Returns the claims it had paid (with their case),
    for the caller to tell on the timelines in its own words; [] when it was reversed
    already (nothing changes the second time)."""
    now = timezone.now()
    before = audit.snapshot(payment)
    moved = Payment.objects.filter(pk=payment.pk, reversed_at__isnull=True).update(
        reversed_at=now, updated_at=now
    )
    if not moved:
        return []
    payment.reversed_at = now
    claims = list(
        Claim.objects.filter(allocations__payment=payment).distinct().select_related("case")
    )
    # the claims this payment had settled owe something again: open them again
    reopened = Claim.objects.filter(
        pk__in=[c.pk for c in claims], status=ClaimStatus.PAID
    ).with_balance()
    reopened_ids = list(reopened.filter(balance__gt=0).values_list("pk", flat=True))
    Claim.objects.filter(pk__in=reopened_ids).update(status=ClaimStatus.OPEN, updated_at=now)
    audit.record(payment, AuditAction.UPDATE, actor=actor, before=before)
    payments_reversed.send(
        Payment,
        organization_id=payment.organization_id,
        claim_ids=[claim.pk for claim in claims],
        payment_ids=[payment.pk],
        reason=reason,
    )
    return claims
