"""The demo's case work: assignment rules in both organisations, the work queues ranked,
and a few disputes (one open, one resolved by a credit note, one rejected with its letter)
through the services the pages use."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from recouvra.cases import disputes, queue
from recouvra.cases.models import AssignmentRule, Case, CaseStatus, Dispute, DisputeOutcome
from recouvra.core.models import Organization, Role, User
from recouvra.ledger.models import OPEN_STATUSES, Claim

from .organisations import TELECOM

# the agency: big Télécom files to its administrator, the rest of the Lyon area (69) to its
# agent; the company: Lyon to its agent, everything else to its administrator
REASONS = (
    "Marchandise livrée incomplète : deux palettes manquantes selon le client.",
    "Le client conteste le prix : remise de 5 % promise par le commercial.",
    "Facture jamais reçue selon le débiteur.",
)


def add_workbench(builder: Any) -> dict[str, int]:
    """Rules, ranked queues and disputes for the company and the agency of `builder`."""
    rules = disputed = 0
    for org in (builder.company, builder.agency):
        admin = builder.users[(org.name, Role.ADMIN.value)]
        agent = builder.users[(org.name, Role.AGENT.value)]
        rules += _rules(org, admin, agent, builder.creditors)
        queue.assign_new_cases(org.pk, _unassigned(org))
        disputed += _disputes(org, admin, agent, builder.rng, builder.today)
        queue.rank_cases(org.pk, builder.today)
    return {"règles d'attribution": rules, "litiges": disputed}


def _rules(org: Organization, admin: User, agent: User, creditors: dict[str, Any]) -> int:
    if org.is_agency:
        telecom = creditors[TELECOM]
        specs = [
            {"creditor": telecom, "min_cents": 500_000, "assign_to": admin},
            {"postcode_prefix": "69", "assign_to": agent},
            {"assign_to": agent},
        ]
    else:
        specs = [{"postcode_prefix": "69", "assign_to": agent}, {"assign_to": admin}]
    for position, spec in enumerate(specs, start=1):
        AssignmentRule.objects.create(organization=org, position=position, **spec)
    return len(specs)


def _unassigned(org: Organization) -> list[int]:
    cases = Case.objects.filter(organization=org, assigned_to__isnull=True).active()
    return list(cases.values_list("pk", flat=True))


def _disputes(org: Organization, admin: User, agent: User, rng: random.Random, today: date) -> int:
    """Three disputes on amicable cases picked by the seed: open, credit note, rejected."""
    owed = (
        Claim.objects.filter(organization=org, status__in=OPEN_STATUSES, case__isnull=False)
        .with_balance()
        .filter(balance__gte=20_000, case__status=CaseStatus.AMICABLE)
        .order_by("case_id", "id")
    )
    claims: dict[int, Claim] = {}
    for claim in owed[:400]:
        claims.setdefault(claim.case_id, claim)
    if len(claims) < 3:
        return 0
    picked = rng.sample(sorted(claims), 3)
    cases = {case.pk: case for case in Case.objects.filter(pk__in=picked)}
    made = []
    for n, case_id in enumerate(picked):
        claim = claims[case_id]
        made.append(
            disputes.open_dispute(
                cases[case_id],
                claim=claim,
                reason=REASONS[n],
                disputed_cents=claim.balance // 4 * 2 or None,
                owner=agent if n == 0 else admin,
                due_on=today + timedelta(days=(-3, 10, 20)[n]),
                actor=agent,
            )
        )
    credit_note = made[1]
    disputes.resolve_dispute(
        credit_note,
        outcome=DisputeOutcome.CREDIT_NOTE,
        amount_cents=credit_note.disputed_cents // 2 or 100,
        resolution="Remise commerciale accordée par avoir.",
        actor=admin,
    )
    disputes.resolve_dispute(
        made[2],
        outcome=DisputeOutcome.REJECTED,
        resolution="La facture a été envoyée le jour de la livraison, avec le bon signé.",
        actor=admin,
    )
    return Dispute.objects.filter(organization=org).count()
