"""A deterministic French demo dataset: a company, an agency, ~500 debtors, ~5,000 claims.

Every random choice comes from one `random.Random(seed)`: names, identifiers, amounts
and date offsets are the same on every run with the same seed; dates are counted back
from today so that the ageing report always looks alive. Amounts are integer cents.
The builder plans the whole dataset in memory (organisations, ledger, stories), then
writes it in bulk; the dunning scenarios come last (demo.dunning).
"""

from __future__ import annotations

import random
import time as clock
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from recouvra.cases.models import Case, Interaction
from recouvra.cases.services import number_new_cases
from recouvra.core.models import Membership, Organization, Role, User
from recouvra.ledger.models import Allocation, Claim, Contact, Creditor, Debtor, Payment
from recouvra.ledger.services import NEW_CLAIM_FIELDS, create_claims

from .agency import add_books
from .agreements import add_agreements, agent_of
from .dunning import add_scenarios
from .field import add_field_round
from .ledger import LedgerPart, old_contracts
from .organisations import (
    AGENCY_NAME,
    DEFAULT_SEED,
    DEMO_ORG_NAMES,
    DEMO_USERS,
    OrganisationsPart,
)
from .plans import CasePlan, Event, Segment, rate_risks
from .sepa import add_sepa
from .stories import StoriesPart
from .workbench import add_workbench

BATCH = 500


class DemoBuilder(OrganisationsPart, LedgerPart, StoriesPart):
    """Plans the whole dataset in memory, then writes it with bulk_create."""

    def __init__(self, seed: int = DEFAULT_SEED, scale: float = 1.0) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        self.tz = timezone.get_default_timezone()
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.sirens: set[str] = set()
        self.events: list[Interaction] = []
        self.payments: list[Payment] = []
        self.allocations: list[Allocation] = []
        self.contacts: list[Contact] = []
        self.remaining: dict[int, int] = {}  # id(claim) → principal still due
        self._pending: list[Event] = []  # the timeline of the case being planned
        self.old_contracts: set[int] = set()  # plans whose contract has the old terms

    def build(self) -> dict[str, int]:
        with transaction.atomic():
            self._organizations()
            self._users()
            debtors = self._debtors()
            plans = self._cases(debtors)
            self.old_contracts = old_contracts(plans)
            for plan in plans:
                self._plan_claims(plan)
            self._number_claims(plans)
            for plan in plans:
                self._plan_activity(plan)
            self._write(debtors, plans)
            _renew_statistics()
            scenarios = [add_scenarios(org) for org in (self.company, self.agency)]
            field_round = add_field_round(self.agency, self.rng, self.today)
            agreements = [
                add_agreements(org, agent_of(self.users, org), self.rng, self.today)
                for org in (self.company, self.agency)
            ]
            direct_debits = add_sepa(self.company, self.rng, self.today)
            work = add_workbench(self)
            admin = self.users[(AGENCY_NAME, Role.ADMIN.value)]
            books = add_books(self.agency, self.rng, self.today, admin)
        return {
            "organisations": 2,
            "créanciers": len(self.creditors),
            "utilisateurs": len(self.users),
            "débiteurs": len(debtors),
            "dossiers": len(plans),
            "créances": sum(len(p.claims) for p in plans),
            "paiements": len(self.payments),
            "imputations": len(self.allocations),
            "échanges": len(self.events),
            "scénarios de relance": sum(found["scénarios"] for found in scenarios),
            "visites terrain": field_round["visites"],
            "échéanciers": sum(found["échéanciers"] for found in agreements),
            "promesses": sum(found["promesses"] for found in agreements),
            **work,
            "mandats SEPA": direct_debits["mandats"],
            **books,
        }

    def _at(self, day: date, hour: int = 9) -> datetime:
        return datetime.combine(day, time(hour, 0), tzinfo=self.tz)

    def _count(self, n: int) -> int:
        return max(3, round(n * self.scale))

    def _random_day(self, low: date, high: date) -> date:
        return low + timedelta(days=self.rng.randint(0, max((high - low).days, 0)))

    def _clamp(self, day: date, low: date, high: date) -> date:
        return min(max(day, low), high)

    def _write(self, debtors: list[tuple[Debtor, Segment]], plans: list[CasePlan]) -> None:
        first_issue: dict[int, date] = {}
        for plan in plans:
            start = min(c.issue_date for c in plan.claims)
            key = id(plan.debtor)
            first_issue[key] = min(first_issue.get(key, start), start)
        for debtor, _segment in debtors:
            debtor.created_at = self._at(first_issue.get(id(debtor), self.today), 8)
        rate_risks(plans)
        Debtor.objects.bulk_create([d for d, _s in debtors], batch_size=BATCH)
        Contact.objects.bulk_create(self.contacts, batch_size=BATCH)
        cases = [p.case for p in plans]
        Case.objects.bulk_create(cases, batch_size=BATCH)
        for org in (self.company, self.agency):
            number_new_cases(org.pk)
            self._create_claims(
                org, [c for p in plans for c in p.claims if p.case.organization is org]
            )
        Payment.objects.bulk_create(self.payments, batch_size=BATCH)
        Allocation.objects.bulk_create(self.allocations, batch_size=BATCH)
        Interaction.objects.bulk_create(self.events, batch_size=BATCH)

    def _create_claims(self, org: Organization, claims: list[Claim]) -> None:
        """The planned claims, through the ledger's bulk service; their ids read back."""
        rows = [tuple(_value(c, name) for name in NEW_CLAIM_FIELDS) for c in claims]
        names = {c.debtor.pk: c.debtor.name for c in claims}
        create_claims(org.pk, rows, names)
        ids = Claim.objects.filter(organization=org).values_list("creditor_id", "reference", "id")
        by_reference = {(creditor, reference): pk for creditor, reference, pk in ids}
        for claim in claims:
            claim.pk = by_reference[(claim.creditor_id, claim.reference)]
            claim._state.adding = False


def _renew_statistics() -> None:
    """PostgreSQL plans the queries of the demo's stories (balances, ranking) on tables it
    has just seen filled: without statistics it guessed them empty and scanned the
    payments once per claim (seconds per query). SQLite's planner needs none."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Debtor, Case, Claim, Payment, Allocation, Interaction):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _value(claim: Claim, name: str) -> object:
    """A field of a planned claim; its related rows were saved after it was made, so the
    ids come from them."""
    if name.endswith("_id"):
        return getattr(claim, name.removesuffix("_id")).pk
    return getattr(claim, name)


def build_demo(seed: int = DEFAULT_SEED, scale: float = 1.0) -> dict[str, int]:
    """Create the demo organisations and their data; returns counts and the time taken."""
    started = clock.perf_counter()
    counts = DemoBuilder(seed=seed, scale=scale).build()
    counts["durée_ms"] = round((clock.perf_counter() - started) * 1000)
    return counts


def delete_demo() -> None:
    """Delete the demo organisations, everything they hold, and the demo users."""
    with transaction.atomic():
        org_ids = list(
            Organization.objects.filter(name__in=DEMO_ORG_NAMES).values_list("pk", flat=True)
        )
        in_orgs = {"organization_id__in": org_ids}
        # children before parents: most foreign keys are PROTECT
        from recouvra.agency.models import (
            CommissionInvoice,
            Remittance,
            TransferBatch,
            TrustEntry,
        )
        from recouvra.agency.models import Mandate as AgencyMandate
        from recouvra.cases.models import (
            AssignmentRule,
            Dispute,
            DisputeDocument,
            PaymentPlan,
            PlanInstalment,
            Promise,
            Task,
        )
        from recouvra.dunning.models import (
            Assignment,
            DunningRun,
            Message,
            Scenario,
            Step,
            StepRun,
            Template,
        )
        from recouvra.imports.models import (
            BankAccount,
            BankLine,
            ColumnMapping,
            ImportBatch,
        )
        from recouvra.lettrage.models import MatchProposal, PayerFact
        from recouvra.sepa.models import Collection, DirectDebit, Mandate

        for model in (
            DirectDebit,
            Collection,
            CommissionInvoice,
            TrustEntry,
            Remittance,
            TransferBatch,
            AgencyMandate,
            Mandate,
            Message,
            StepRun,
            DunningRun,
            Assignment,
            Step,
            Scenario,
            Template,
            Task,
            DisputeDocument,
            Dispute,
            AssignmentRule,
            Promise,
            PlanInstalment,
            PaymentPlan,
            PayerFact,
            MatchProposal,
            Allocation,
            Payment,
            BankLine,
            BankAccount,
            ImportBatch,
            ColumnMapping,
            Interaction,
            Claim,
            Case,
            Contact,
            Debtor,
        ):
            model.objects.filter(**in_orgs).delete()
        Membership.objects.filter(**in_orgs).delete()
        from recouvra.api.models import ApiKey

        for key in ApiKey.objects.filter(**in_orgs):  # its user goes with it
            key.user.delete()
        Creditor.objects.filter(**in_orgs).delete()
        Organization.objects.filter(pk__in=org_ids).delete()
        User.objects.filter(email__in=[u["email"] for u in DEMO_USERS]).delete()
