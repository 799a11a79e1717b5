"""A CFONB 120 bank statement to try imports and lettrage on the demo data.

It pays some of Batimat's open claims the way real customers do: the invoice number in
the label and the exact amount (matched automatically; some by SEPA direct debit, whose
mandate lettrage then learns for the debtor), a partial payment citing the invoice, a
payment without any reference, and a transfer from a stranger (left alone).
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from pathlib import Path

from django.utils import timezone

from recouvra.imports.parsers.cfonb_writer import cfonb_amount, cfonb_record
from recouvra.ledger.models import Claim


def _ascii(text: str) -> str:
    """Banks write CFONB in plain ASCII capitals: "Épicerie" → "EPICERIE"."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()


def demo_statement(org_name: str, on: date | None = None) -> str:
    """The statement text (CRLF records) for the open claims of that organisation."""
    on = on or timezone.localdate() - timedelta(days=1)
    day = f"{on:%d%m%y}"
    candidates = (
        Claim.objects.filter(organization__name=org_name, due_date__lt=on)
        .open()
        .with_balance()
        .filter(balance__gt=10_000)
        .select_related("debtor")
        .order_by("-due_date", "pk")[:400]
    )
    claims, debtors = [], set()
    for claim in candidates:  # one invoice per customer, the most recent ones
        if claim.debtor_id not in debtors and len(claims) < 12:
            debtors.add(claim.debtor_id)
            claims.append(claim)
    common = {3: "30004", 12: "00821", 17: "EUR", 20: "2", 22: "00012345601"}
    credits = []
    for n, claim in enumerate(claims):
        mandate = ""
        if n % 4 == 3:  # a partial payment citing the invoice
            cents, label = claim.balance // 2, f"VIR ACOMPTE {claim.reference}"
        elif n % 8 == 2:  # the payer's name, no reference, part of what he owes: an agent checks
            cents, label = claim.balance // 3, f"VIR {claim.debtor.name}"
        elif n % 8 == 6:  # the payer's name, no reference, and the exact amount: applied
            cents, label = claim.balance, f"VIR {claim.debtor.name}"
        elif n % 4 == 0:  # a direct debit of the invoice: its mandate is learnt
            cents, label = claim.balance, f"PRLV SEPA {claim.reference}"
            mandate = f"RUM-BATIMAT-{claim.debtor_id:06d}"
        else:
            cents, label = claim.balance, f"VIR SEPA REGLT {claim.reference}"
        payer = _ascii(claim.debtor.name)[:70]
        credits.append((cents, _ascii(label)[:31], payer, mandate))
    credits.append((12_345, "VIR INCONNU REMBT TROP PERCU", "SOCIETE INCONNUE", ""))
    records = [cfonb_record({1: "01", **common, 35: day, 91: cfonb_amount(0)})]
    for n, (cents, label, payer, mandate) in enumerate(credits):
        records.append(
            cfonb_record(
                {
                    1: "04",
                    **common,
                    8: "0512",
                    33: "05",
                    35: day,
                    43: day,
                    49: label,
                    82: f"{n + 1:07d}",
                    91: cfonb_amount(cents),
                }
            )
        )
        records.append(cfonb_record({1: "05", **common, 8: "0512", 46: "NPY", 49: payer}))
        if mandate:
            records.append(cfonb_record({1: "05", **common, 8: "0512", 46: "RUM", 49: mandate}))
    total = sum(cents for cents, *_rest in credits)
    records.append(cfonb_record({1: "07", **common, 35: day, 91: cfonb_amount(total)}))
    return "\r\n".join(records) + "\r\n"


def write_demo_statement(path: Path, org_name: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(demo_statement(org_name), encoding="ascii")
    return path
