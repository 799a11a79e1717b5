"""Demo promises and payment plans, made through cases.plans as an agent would, in the past,
with the payments that followed, then decided by the daily jobs of today: in each
organisation a completed plan, plans under way with paid instalments, a plan that lapsed
(an instalment unpaid past the grace: déchéance du terme), promises
kept, broken and pending."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from django.db.models import F

from recouvra.cases import plans
from recouvra.cases.models import Case, CaseStatus, PaymentPlan, Promise
from recouvra.core.models import Organization, Role, User
from recouvra.ledger.models import PaymentMethod
from recouvra.ledger.services import record_payment

MIN_BALANCE = 30_000  # cents


def add_agreements(
    org: Organization, agent: User | None, rng: random.Random, today: date
) -> dict[str, int]:
    """The organisation's agreements, as many stories as it has cases for (the lapsed plan
    first); returns how many plans and promises were made."""
    days = timedelta(days=1)
    stories: list[tuple[str, Callable[[Case], object]]] = [
        ("plan", lambda c: _plan(c, agent, today - 90 * days, 4, today - 80 * days)),
        ("plan", lambda c: _plan(c, agent, today - 70 * days, 8, today)),
        ("promise", lambda c: _promise(c, agent, today - 25 * days, today, 10, paid=False)),
        ("promise", lambda c: _promise(c, agent, today - 20 * days, today, 10, paid=True)),
        ("plan", lambda c: _plan(c, agent, today - 8 * days, 5, today, down=True)),
        ("promise", lambda c: _promise(c, agent, today, today, 7, paid=False)),
    ]
    made = {"plan": 0, "promise": 0}
    cases = _candidates(org, rng)
    # paid off: a consumer's case before any formal notice owes its principal alone (no
    # interest, no fees), which the payments pay to the cent; the case is then closed
    plain = next((c for c in cases[:40] if _owes_principal_only(c, today - 100 * days)), None)
    if plain is not None:
        cases.remove(plain)
        _plan(plain, agent, today - 100 * days, 3, today)
        made["plan"] += 1
    for case, (kind, story) in zip(cases, stories, strict=False):
        story(case)
        made[kind] += 1
    plans.lapse_overdue_plans(org.pk, today)  # its letter: printed from the plan's page
    plans.decide_promises(org.pk, today)
    return {"échéanciers": made["plan"], "promesses": made["promise"]}


def _candidates(org: Organization, rng: random.Random) -> list[Case]:
    """Open cases being worked, with a fair balance, no dispute, no plan yet. (The cases
    the stories put at the payment plan stage pay their story's instalments already.)"""
    stages = [CaseStatus.AMICABLE, CaseStatus.FORMAL_NOTICE, CaseStatus.NEGOTIATION]
    cases = (
        Case.objects.filter(
            organization=org,
            status__in=stages,
            legal_partner__isnull=True,
            disputes__isnull=True,
            paymentplans__isnull=True,
        )
        .with_balance()
        .filter(balance__gte=MIN_BALANCE)
        .select_related("debtor", "creditor", "organization")
        .order_by("pk")
    )
    found = list(cases)
    rng.shuffle(found)
    return found


def _owes_principal_only(case: Case, on: date) -> bool:
    due = plans.balance_due(case, on)
    return due.interest_cents == due.fees_cents == 0 and due.principal_cents == case.balance


def _pay(case: Case, cents: int, on: date) -> None:
    """A payment of at most what the case's claims still owe (the demo keeps no credit)."""
    owed = Case.objects.with_balance().filter(pk=case.pk).values_list("balance", flat=True)
    cents = min(cents, owed.first() or 0)
    if cents <= 0:
        return
    record_payment(
        case.organization_id,
        creditor_id=case.creditor_id,
        debtor_id=case.debtor_id,
        amount_cents=cents,
        received_on=on,
        method=PaymentMethod.TRANSFER,
        reference=f"ECH {case.reference}",
    )


def _plan(
    case: Case,
    agent: User | None,
    agreed_on: date,
    count: int,
    paid_until: date,
    *,
    down: bool = False,
) -> PaymentPlan:
    balance = plans.balance_due(case, agreed_on).total_cents
    plan = plans.record_plan(
        case,
        starts_on=agreed_on + timedelta(days=5),
        count=count,
        down_payment_cents=balance // 5 if down else 0,
        interest_waived=count <= 4,
        notes="Accord téléphonique avec le débiteur.",
        actor=agent,
        today=agreed_on,
    )
    for item in plan.instalments.order_by("due_on", "number"):
        if item.due_on <= paid_until:
            _pay(case, item.amount_cents, item.due_on)
    return plan


def _promise(
    case: Case, agent: User | None, made_on: date, today: date, days: int, *, paid: bool
) -> Promise:
    balance = plans.balance_due(case, made_on).total_cents
    promise = plans.record_promise(
        case,
        amount_cents=max(balance // 3, 100),
        promised_on=made_on + timedelta(days=days),
        actor=agent,
        today=made_on,
    )
    # made that day: the payments from then on count
    Promise.objects.filter(pk=promise.pk).update(created_at=F("created_at") - (today - made_on))
    if paid:
        _pay(case, promise.amount_cents, made_on + timedelta(days=days - 2))
    return promise


def agent_of(users: dict[tuple[str, str], User], org: Organization) -> User | None:
    return users.get((org.name, Role.AGENT))
