"""The demo's field collection: the agency's collector (terrain@alpha-recouvrement.demo) has
visits planned today across a few postcodes, and one visit already done today with a cash
payment and its numbered receipt ("a field visit with a receipt")."""

from __future__ import annotations

import random
from datetime import date

from recouvra.cases.models import Case, CaseStatus, TaskKind
from recouvra.cases.services import create_task
from recouvra.core.models import Organization, Role, User
from recouvra.field.services import Outcome, record_visit, take_payment
from recouvra.ledger.models import PaymentMethod

VISITS = 6  # planned today, the one done included
POSTCODES = 3  # spread over so many postcodes at least, when the data allows


def add_field_round(org: Organization, rng: random.Random, today: date) -> dict[str, int]:
    """Plan today's round for the organisation's field collector, and do its first visit."""
    collector = User.objects.filter(
        memberships__organization=org, memberships__role=Role.FIELD_COLLECTOR
    ).first()
    if collector is None:
        return {"visites": 0}
    cases = _cases_to_visit(org, rng)
    tasks = [
        create_task(
            case,
            kind=TaskKind.VISIT,
            title="Visite au domicile du débiteur",
            due_on=today,
            assigned_to=collector,
        )
        for case in cases
    ]
    if tasks:
        first = tasks[0]
        balance = next(c.balance for c in cases if c.pk == first.case_id)
        amount = max(min(balance, rng.choice((5_000, 8_000, 12_000, 15_000))), 1)
        take_payment(first, amount_cents=amount, method=PaymentMethod.CASH, actor=collector)
        note = "Règlement en espèces remis sur place, quittance délivrée."
        record_visit(first, outcome=Outcome.PAID, note=note, actor=collector)
    return {"visites": len(tasks)}


def _cases_to_visit(org: Organization, rng: random.Random) -> list[Case]:
    """Open amicable cases with a balance and a street address, a few postcodes covered."""
    candidates = list(
        Case.objects.filter(
            organization=org, status__in=[CaseStatus.AMICABLE, CaseStatus.FORMAL_NOTICE]
        )
        .exclude(debtor__address_line1="")
        .exclude(debtor__postal_code="")
        .with_balance()
        .filter(balance__gt=0)
        .select_related("debtor")
        .order_by("pk")[:300]
    )
    rng.shuffle(candidates)
    chosen: list[Case] = []
    postcodes: set[str] = set()
    for case in candidates:  # first one per postcode, then any
        if case.debtor.postal_code not in postcodes and len(postcodes) < POSTCODES:
            postcodes.add(case.debtor.postal_code)
            chosen.append(case)
    for case in candidates:
        if len(chosen) >= VISITS:
            break
        if case not in chosen:
            chosen.append(case)
    return chosen[:VISITS]
