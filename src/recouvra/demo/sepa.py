"""The demo's direct debits: the company sends SEPA direct debits (its ICS and bank account),
three of its debtors pay a plan by direct debit on a signed mandate, two monthly files were
built and collected, and one debit of the second came back unpaid (AM04, insufficient
funds): its payment reversed, its instalment marked returned, a call task for the agent.
The next instalments are scheduled and pre-notified. Everything goes through the services,
with dates counted from today, and the builder's random generator."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from recouvra.cases.models import Case, CaseStatus, PaymentPlan
from recouvra.cases.plans import record_plan
from recouvra.core.models import Organization
from recouvra.imports.records import BankStatement, StatementAccount, StatementLine
from recouvra.law.identifiers import sepa_creditor_id
from recouvra.sepa import services
from recouvra.sepa.models import DirectDebit

from . import fake

PLANS = 3
INSTALMENTS = 4
DEMO_BIC = "CEPAFRPP751"


def add_sepa(org: Organization, rng: random.Random, today: date) -> dict[str, int]:
    """The direct debits of `org` (the company): see the module docstring."""
    org.sepa_creditor_id = sepa_creditor_id("FR", f"{rng.randint(100_000, 999_999)}")
    org.bank_iban = fake.iban(rng)
    org.bank_bic = DEMO_BIC
    org.save(update_fields=["sepa_creditor_id", "bank_iban", "bank_bic"])
    first = today - timedelta(days=35)
    second = first + timedelta(days=30)
    cases = _cases(org)[:PLANS]
    for case in cases:
        _mandate_and_plan(org, case, rng, first)
    for day in (first, second):
        services.schedule_debits(org.pk, day - timedelta(days=20))
        services.prenotify(org.pk, day - timedelta(days=20))
        collection = services.build_collection(org.pk, day)
        services.settle_collection(collection)
    returned = _return_one(org, second)
    done = services.run_daily(org.pk, today)
    return {"mandats": len(cases), "prélèvements rejetés": returned, **done}


def _cases(org: Organization) -> list[Case]:
    """Open cases owing enough for a plan, without a plan yet, the same on every run."""
    with_plan = PaymentPlan.objects.filter(organization=org).values("case")
    candidates = (
        Case.objects.filter(organization=org)
        .exclude(status=CaseStatus.CLOSED)
        .exclude(pk__in=with_plan)
        .with_balance()
        .filter(balance__gte=40_000)
        .select_related("debtor", "creditor")
        .order_by("pk")
    )
    return list(candidates[: PLANS * 4])[::4]


def _mandate_and_plan(org: Organization, case: Case, rng: random.Random, first: date) -> None:
    debtor = case.debtor
    services.create_mandate(
        org.pk,
        debtor=debtor,
        creditor=case.creditor,
        iban=debtor.iban or fake.iban(rng),
        account_holder=debtor.name[:70],
        signed_on=first - timedelta(days=30),
    )
    agreed = first - timedelta(days=30)
    record_plan(case, starts_on=first, count=INSTALMENTS, direct_debit=True, today=agreed)


def _return_one(org: Organization, day: date) -> int:
    """The bank gives back one debit of the `day` file: provision insuffisante (AM04)."""
    debit: Any = (
        DirectDebit.objects.filter(organization=org, collection__collection_on=day)
        .select_related("mandate")
        .order_by("pk")
        .first()
    )
    if debit is None:
        return 0
    line = StatementLine(
        booking_date=day + timedelta(days=3),
        amount_cents=-debit.amount_cents,
        label="IMPAYE PRLV SEPA",
        end_to_end_id=debit.end_to_end_id,
        mandate_reference=debit.mandate.reference,
        return_code="AM04",
        return_reason="PROVISION INSUFFISANTE",
        reversal=True,
    )
    statement = BankStatement(format="camt.054", accounts=[StatementAccount(lines=[line])])
    return len(services.record_returns(org.pk, statement).returned)
