"""The agency's books in the demo: "a month of remittances" at Cabinet Alpha Recouvrement.

A mandate per mandant; the payments of last month and of this month entered in the trust
account (the mandants were told: the notices of this month wait in their space); last
month's remittance run done (statements, invoices, the pain.001 file). Sums nearing their
limit: the energy supplier agreed to a ten-day delay, so this month's first collections
are due soon.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from recouvra.agency.models import Mandate, Notice
from recouvra.agency.services import enter_collections, run_remittances, save_mandate
from recouvra.core.models import Organization
from recouvra.ledger.models import Creditor, Payment

from . import fake
from .organisations import ENERGY, SOFTWARE, TELECOM

# mandant → (commission in basis points, fixed fee per case in cents, delay in days)
TERMS = {
    TELECOM: (1200, None, None),
    ENERGY: (1000, 1_500, 10),
    SOFTWARE: (1500, None, None),
}


def add_books(agency: Organization, rng: random.Random, today: date, admin: Any) -> dict[str, int]:
    """Mandates, the collections of last month and this month, last month's run."""
    agency.bank_iban = fake.iban(rng)
    agency.bank_bic = "AGRIFRPP"
    agency.save(update_fields=["bank_iban", "bank_bic"])
    signed = today.replace(day=1) - timedelta(days=700)
    mandants = Creditor.objects.filter(organization=agency, is_mandant=True).order_by("name")
    for n, creditor in enumerate(mandants):
        rate, fee, delay = TERMS.get(creditor.name, (1200, None, None))
        save_mandate(
            Mandate(
                organization=agency,
                creditor=creditor,
                reference=f"MAN-{signed.year}-{n + 1:03d}",
                signed_on=signed,
                starts_on=signed + timedelta(days=1),
                commission_rate=rate,
                fee_per_case_cents=fee,
                remittance_days=delay,
                scope="Recouvrement amiable des factures impayées (B2B et particuliers).",
            ),
            actor=admin,
        )
    last_month_end = today.replace(day=1) - timedelta(days=1)
    since = last_month_end.replace(day=1)
    payments = Payment.objects.filter(
        organization=agency, received_on__gte=since, received_on__lte=today, reversed_at=None
    ).values_list("pk", flat=True)
    entered = enter_collections(agency.pk, list(payments), told=Notice.PORTAL)
    result = run_remittances(agency.pk, last_month_end, admin)
    return {
        "encaissements au compte de tiers": len(entered),
        "reversements": len(result.remittances),
    }
