"""The demo ledger: each creditor's debtors, their invoices and contract terms."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from recouvra.cases.models import CaseStatus
from recouvra.core.models import Organization
from recouvra.law.identifiers import french_vat_from_siren
from recouvra.ledger.models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    Contact,
    ContactKind,
    Debtor,
    DebtorKind,
    PaymentMethod,
)

from . import fake
from .fake import (
    ADDRESS_COMPLEMENTS,
    BUILDING_SUFFIXES,
    BUILDING_TRADES,
    BUSINESS_PARKS,
    FIRST_NAMES,
    FRANCE,
    LAST_NAMES,
    LEGAL_FORM_WEIGHTS,
    LEGAL_FORMS,
    PERSON_MAIL_DOMAINS,
    RHONE_ALPES,
    SME_TRADES,
)
from .organisations import COMPANY_NAME, ENERGY, SOFTWARE, TELECOM
from .plans import STAGE_AGE, STAGE_NEWER_PAID, STAGE_STOP, CasePlan, Segment

HISTORY_DAYS = 1095  # about three years of invoices

BATIMAT = Segment(
    creditor=COMPANY_NAME,
    prefix="FA",
    debtors=200,
    person_percent=15,
    b2b_median=2_400_00,
    b2c_median=900_00,
    sigma_milli=1100,
    places=RHONE_ALPES,
    trades=BUILDING_TRADES,
    company_weight=(4, 40),
    person_weight=(1, 4),
    b2b_days=(30, 45, 60),
    b2c_days=(30,),
    methods=(
        (PaymentMethod.TRANSFER, 60),
        (PaymentMethod.CHEQUE, 30),
        (PaymentMethod.CARD, 10),
    ),
)
TELCORIA = Segment(
    creditor=TELECOM,
    prefix="TLC",
    debtors=120,
    person_percent=90,
    b2b_median=450_00,
    b2c_median=95_00,
    sigma_milli=600,
    places=FRANCE,
    trades=SME_TRADES,
    company_weight=(3, 10),
    person_weight=(2, 8),
    b2b_days=(30,),
    b2c_days=(30,),
    methods=(
        (PaymentMethod.DIRECT_DEBIT, 45),
        (PaymentMethod.CARD, 35),
        (PaymentMethod.TRANSFER, 12),
        (PaymentMethod.CHEQUE, 8),
    ),
)
ENERGIE = Segment(
    creditor=ENERGY,
    prefix="ENR",
    debtors=100,
    person_percent=70,
    b2b_median=1_800_00,
    b2c_median=260_00,
    sigma_milli=800,
    places=RHONE_ALPES + FRANCE,
    trades=SME_TRADES,
    company_weight=(3, 14),
    person_weight=(2, 6),
    b2b_days=(30, 45),
    b2c_days=(30,),
    methods=(
        (PaymentMethod.DIRECT_DEBIT, 40),
        (PaymentMethod.TRANSFER, 25),
        (PaymentMethod.CHEQUE, 20),
        (PaymentMethod.CARD, 15),
    ),
)
KALIPSO = Segment(
    creditor=SOFTWARE,
    prefix="LOG",
    debtors=80,
    person_percent=0,
    b2b_median=3_200_00,
    b2c_median=3_200_00,
    sigma_milli=900,
    places=FRANCE,
    trades=SME_TRADES,
    company_weight=(2, 12),
    person_weight=(1, 1),
    b2b_days=(30, 45, 60),
    b2c_days=(30,),
    methods=((PaymentMethod.TRANSFER, 85), (PaymentMethod.CARD, 15)),
)
AGENCY_SEGMENTS = (TELCORIA, ENERGIE, KALIPSO)


# Old terms of sale kept by a few customers: a rate below 3 × the legal rate (C. com.
# L441-10 II) in every semester since 2023, so their statements run at the legal floor,
# and stop where a legal rate is missing from the tables (2026-S2). The demo keeps such
# hard claims on purpose: every page and letter must stand them.
OLD_CONTRACT_RATE = Decimal("5.000")
OLD_CONTRACT_STAGES = (CaseStatus.ENFORCEMENT, CaseStatus.LEGAL, CaseStatus.PAYMENT_PLAN)


def old_contracts(plans: list[CasePlan]) -> set[int]:
    """One long-unpaid company case per organisation, if any (ids of the plans): its
    debtor's contract has the old terms. Chosen without drawing from the random stream,
    so the rest of the demo stays as it was."""
    chosen: dict[int, CasePlan] = {}
    for stage in OLD_CONTRACT_STAGES:  # the longest unpaid first
        for plan in plans:
            org = id(plan.case.organization)
            if org not in chosen and plan.stage == stage and plan.debtor.kind == DebtorKind.COMPANY:
                chosen[org] = plan
    return {id(plan) for plan in chosen.values()}


class LedgerPart:
    """The DemoBuilder's debtors and claims."""

    def _debtors(self) -> list[tuple[Debtor, Segment]]:
        out: list[tuple[Debtor, Segment]] = []
        names: dict[int, set[str]] = defaultdict(set)
        for segment in (BATIMAT, *AGENCY_SEGMENTS):
            org = self.company if segment is BATIMAT else self.agency
            for _i in range(self._count(segment.debtors)):
                is_person = self.rng.randint(1, 100) <= segment.person_percent
                make = self._person if is_person else self._company
                debtor = make(org, segment, names[org.pk])
                debtor.refresh_search_text()
                out.append((debtor, segment))
        return out

    def _unique(self, make: Any, taken: set[str]) -> Any:
        while True:
            result = make()
            if result[0] not in taken:
                taken.add(result[0])
                return result

    def _person(self, org: Organization, segment: Segment, taken: set[str]) -> Debtor:
        rng = self.rng

        def make() -> tuple[str, str, str]:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            return f"{first} {last}", first, last

        name, first, last = self._unique(make, taken)
        city, postal_code = rng.choice(segment.places)
        number = rng.choice(("", "", "", str(rng.randint(1, 99))))
        email = f"{fake.slug(first)}.{fake.slug(last)}{number}@{rng.choice(PERSON_MAIL_DOMAINS)}"
        debtor = Debtor(
            organization=org,
            kind=DebtorKind.PERSON,
            name=name,
            address_line1=fake.street(rng),
            address_line2=rng.choices(ADDRESS_COMPLEMENTS, weights=(85, 5, 5, 5))[0],
            postal_code=postal_code,
            city=city,
            email=email if rng.randint(1, 100) <= 85 else "",
            mobile=fake.mobile(rng) if rng.randint(1, 100) <= 90 else "",
            phone=fake.phone(rng, postal_code) if rng.randint(1, 100) <= 30 else "",
            iban=fake.iban(rng) if rng.randint(1, 100) <= 55 else "",
            created_at=self._at(self.today - timedelta(days=HISTORY_DAYS + 30)),
        )
        if rng.randint(1, 100) <= 20:
            self.contacts.append(
                Contact(
                    organization=org,
                    debtor=debtor,
                    kind=ContactKind.PHONE,
                    label="Téléphone professionnel",
                    value=fake.phone(rng, postal_code),
                )
            )
        return debtor

    def _company(self, org: Organization, segment: Segment, taken: set[str]) -> Debtor:
        rng = self.rng

        def make() -> tuple[str, str, str]:
            last = rng.choice(LAST_NAMES)
            form = rng.choices(LEGAL_FORMS, weights=LEGAL_FORM_WEIGHTS)[0]
            pattern = rng.randint(1, 10)
            if segment.trades is BUILDING_TRADES and pattern <= 3:
                core = f"{last} {rng.choice(BUILDING_SUFFIXES)}"
            elif pattern == 4:
                core = f"Établissements {last}"
            elif pattern == 5:
                core = f"{last} & {rng.choice(LAST_NAMES)}"
            else:
                core = f"{rng.choice(segment.trades)} {last}"
            name = f"{core} {form}" if form else core
            return name, core, last

        name, core, last = self._unique(make, taken)
        city, postal_code = rng.choice(segment.places)
        siren = fake.siren(rng, self.sirens)
        domain = f"{fake.slug(core)}.example"
        in_park = rng.randint(1, 100) <= 35
        debtor = Debtor(
            organization=org,
            kind=DebtorKind.COMPANY,
            name=name,
            siren=siren,
            siret=fake.siret(rng, siren),
            vat_number=french_vat_from_siren(siren),
            address_line1=fake.street(rng),
            address_line2=rng.choice(BUSINESS_PARKS) if in_park else "",
            postal_code=postal_code,
            city=city,
            email=f"{rng.choice(('contact', 'compta', 'comptabilite', 'facturation'))}@{domain}",
            phone=fake.phone(rng, postal_code),
            mobile=fake.mobile(rng) if rng.randint(1, 100) <= 40 else "",
            iban=fake.iban(rng) if rng.randint(1, 100) <= 35 else "",
            created_at=self._at(self.today - timedelta(days=HISTORY_DAYS + 30)),
        )
        if rng.randint(1, 100) <= 45:
            manager = f"{rng.choice(FIRST_NAMES)} {last}"
            since = self.today.year - rng.randint(3, 15)
            debtor.notes = f"Gérant : {manager}. Client depuis {since}."
        if rng.randint(1, 100) <= 30:
            self.contacts.append(
                Contact(
                    organization=org,
                    debtor=debtor,
                    kind=ContactKind.EMAIL,
                    label="Service comptabilité",
                    value=f"comptabilite@{domain}",
                )
            )
        return debtor

    def _new_claim(self, plan: CasePlan, issue: date, days: int) -> Claim:
        segment, debtor = plan.segment, plan.debtor
        is_person = debtor.kind == DebtorKind.PERSON
        median = segment.b2c_median if is_person else segment.b2b_median
        claim = Claim(
            organization=plan.case.organization,
            creditor=plan.case.creditor,
            debtor=debtor,
            case=plan.case,
            issue_date=issue,
            due_date=issue + timedelta(days=days),
            principal_cents=fake.lognormal_cents(self.rng, median, segment.sigma_milli),
            kind=ClaimKind.B2C if is_person else ClaimKind.B2B,
            status=ClaimStatus.OPEN,
            created_at=self._at(issue, 18),
        )
        claim.terms, claim.contractual_rate = self._terms(plan, days)
        self.remaining[id(claim)] = claim.principal_cents
        return claim

    def _terms(self, plan: CasePlan, days: int) -> tuple[str, Decimal | None]:
        """The payment terms of the debtor's contract: the same for all its claims."""
        contract = random.Random(f"{plan.debtor.name}/{plan.segment.creditor}")
        roll = contract.randint(1, 100)
        if roll <= 8:
            return "", None  # old invoices imported without their terms
        is_person = plan.debtor.kind == DebtorKind.PERSON
        fee = " Indemnité forfaitaire pour frais de recouvrement : 40 €."
        creditor = plan.segment.creditor
        if id(plan) in self.old_contracts:
            return (
                f"Paiement à {days} jours date de facture. Pénalités de retard au taux annuel "
                f"de {fake.rate_text(OLD_CONTRACT_RATE)} % (conditions générales de 2019)." + fee,
                OLD_CONTRACT_RATE,
            )
        if is_person and creditor == TELECOM:
            return (
                "Facture payable au plus tard à la date d'échéance indiquée. Après mise en "
                "demeure, les sommes dues portent intérêts au taux légal (conditions générales "
                "d'abonnement, article 9).",
                None,
            )
        if is_person and creditor == ENERGY:
            return (
                f"Facture payable sous {days} jours. En cas de retard, pénalités égales à "
                "1,5 fois le taux d'intérêt légal (conditions générales de vente, article 12).",
                None,
            )
        if is_person:
            return (
                f"Facture payable à {days} jours. En cas de retard, intérêts au taux légal "
                "à compter de la mise en demeure.",
                None,
            )
        if creditor == SOFTWARE and roll <= 70:
            return (
                f"Abonnement payable à {days} jours date de facture. Pénalités de retard : taux "
                "de refinancement de la BCE majoré de 10 points." + fee,
                None,
            )
        if roll <= 40:
            rate = contract.choice((Decimal("10.000"), Decimal("12.000"), Decimal("10.500")))
            return (
                f"Paiement à {days} jours date de facture. Pénalités de retard au taux annuel "
                f"de {fake.rate_text(rate)} %." + fee,
                rate,
            )
        return (
            f"Paiement à {days} jours date de facture. Pénalités de retard : 3 fois le taux "
            "d'intérêt légal." + fee,
            None,
        )

    def _days(self, plan: CasePlan) -> int:
        if plan.debtor.kind == DebtorKind.PERSON:
            return self.rng.choice(plan.segment.b2c_days)
        return self.rng.choice(plan.segment.b2b_days)

    def _plan_claims(self, plan: CasePlan) -> None:
        rng, today = self.rng, self.today
        count = plan.weight
        start = today - timedelta(days=HISTORY_DAYS)
        if plan.stage == CaseStatus.CLOSED:
            target = today - timedelta(days=rng.randint(5, 700))
            for _i in range(count):
                days = self._days(plan)
                issue = self._random_day(start, target - timedelta(days=days + 10))
                claim = self._new_claim(plan, issue, days)
                pay = claim.due_date + timedelta(days=rng.randint(-10, 60))
                pay = self._clamp(pay, issue + timedelta(days=1), target)
                plan.full_payment_day[len(plan.claims)] = pay
                plan.claims.append(claim)
            last = max(plan.full_payment_day.values())
            plan.closed_on = min(today, last + timedelta(days=rng.randint(0, 10)))
            return

        age = rng.randint(*STAGE_AGE[plan.stage])
        days = self._days(plan)
        anchor_due = today - timedelta(days=age)
        anchor_issue = anchor_due - timedelta(days=days)
        plan.anchor_due = anchor_due
        anchor = self._new_claim(plan, anchor_issue, days)
        plan.claims.append(anchor)
        if plan.stage == CaseStatus.DISPUTED:
            anchor.status = ClaimStatus.DISPUTED

        newest = today - timedelta(days=1)
        if plan.stage in STAGE_STOP:
            newest = min(newest, anchor_issue + timedelta(days=STAGE_STOP[plan.stage]))
        if plan.debtor.kind == DebtorKind.PERSON:
            newest = min(newest, anchor_issue + timedelta(days=120))
        history = (count - 1) * rng.randint(0, 40) // 100
        newer_paid = STAGE_NEWER_PAID.get(plan.stage, 5)
        for i in range(count - 1):
            days = self._days(plan)
            if i < history and anchor_issue - start > timedelta(days=days + 30):
                # settled long ago, before the trouble started
                issue = self._random_day(start, anchor_issue - timedelta(days=days + 20))
                claim = self._new_claim(plan, issue, days)
                pay = claim.due_date + timedelta(days=rng.randint(-10, 40))
                pay = self._clamp(pay, issue + timedelta(days=1), anchor_due)
                plan.full_payment_day[len(plan.claims)] = pay
            else:
                # most of them already overdue, a few not due yet
                latest = newest
                if rng.randint(1, 100) <= 75:
                    latest = min(newest, today - timedelta(days=days + 1))
                issue = self._random_day(anchor_issue, latest)
                claim = self._new_claim(plan, issue, days)
                overdue = claim.due_date < today
                if overdue and rng.randint(1, 100) <= newer_paid:
                    pay = claim.due_date + timedelta(days=rng.randint(0, 30))
                    pay = self._clamp(pay, issue + timedelta(days=1), today)
                    plan.full_payment_day[len(plan.claims)] = pay
                elif overdue and (
                    (plan.stage == CaseStatus.DISPUTED and rng.randint(1, 100) <= 30)
                    or rng.randint(1, 100) <= 2
                ):
                    claim.status = ClaimStatus.DISPUTED
            plan.claims.append(claim)

    def _number_claims(self, plans: list[CasePlan]) -> None:
        """Invoice numbers per creditor and year, in issue order, with gaps."""
        by_creditor: dict[str, list[Claim]] = defaultdict(list)
        for plan in plans:
            by_creditor[plan.segment.creditor].extend(plan.claims)
        prefixes = {s.creditor: s.prefix for s in (BATIMAT, *AGENCY_SEGMENTS)}
        for creditor in sorted(by_creditor):
            claims = by_creditor[creditor]
            claims.sort(key=lambda c: (c.issue_date, c.principal_cents, c.debtor.name))
            counters: dict[int, int] = {}
            for claim in claims:
                year = claim.issue_date.year
                counters[year] = counters.get(year, self.rng.randint(10, 400)) + self.rng.randint(
                    1, 25
                )
                claim.reference = f"{prefixes[creditor]}-{year}-{counters[year]:06d}"
                claim.refresh_search_text()
