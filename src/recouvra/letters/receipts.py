"""A payment's receipt (quittance, CPCE R124-6): its number given on first issue, its PDF."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from recouvra.core import audit
from recouvra.core.models import AuditAction
from recouvra.ledger.models import Payment
from recouvra.ledger.services import number_receipt

from .content import receipt_data
from .typeset import letter_pdf


@transaction.atomic
def issue_receipt(payment: Payment, *, actor: Any = None) -> str:
    """The payment's receipt number, given (and audited) the first time it is asked for."""
    if payment.receipt_number:
        return payment.receipt_number
    before = audit.snapshot(payment)
    number = number_receipt(payment)
    if before.get("receipt_number") != number:
        audit.record(payment, AuditAction.UPDATE, actor=actor, before=before)
    return number


def receipt_pdf(payment: Payment) -> bytes:
    """The receipt as PDF (the payment numbered already: issue_receipt)."""
    return letter_pdf(receipt_data(payment))


def receipt_filename(payment: Payment) -> str:
    return f"quittance-{payment.receipt_number or payment.pk}.pdf"
