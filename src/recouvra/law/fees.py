"""The fixed recovery indemnity (indemnité forfaitaire pour frais de recouvrement)."""

from __future__ import annotations

from .tables import threshold_cents


def recovery_fees(
    late_invoices: int, *, debtor_is_professional: bool, debtor_in_insolvency: bool = False
) -> int:
    """€40 per invoice paid late by a professional (C. com. L441-10 II, D441-5), in cents.

    Never for a consumer: collection costs without an enforceable title stay with the
    creditor (CPCE L111-8) and no statute makes an exception for consumers. Not due
    either when insolvency proceedings forbid paying the claim (L441-10 II, last sentence).
    """
    if late_invoices < 0:
        raise ValueError("late_invoices cannot be negative")
    if not debtor_is_professional or debtor_in_insolvency:
        return 0
    # D441-5: per invoice, not per reminder and not pro rata
    return late_invoices * threshold_cents("b2b_recovery_indemnity_per_invoice")
