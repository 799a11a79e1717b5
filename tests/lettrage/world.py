"""A generated world of debtors, invoices and bank credits (payers.py), loaded into a
tenant, and the engine's answers compared with the truth the world carries.

Used by the suite (test_independent.py, small) and by bench/reconcile.py (3,000 debtors,
20,000 invoices, 2,000 credits). Loading goes through bulk inserts: it is a fixture, not
what is measured.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from recouvra.cases.models import Case
from recouvra.core.models import Organization
from recouvra.imports.models import BankAccount, BankLine, ImportBatch, ImportKind
from recouvra.law.money import format_amount
from recouvra.ledger.models import (
    Allocation,
    Claim,
    ClaimKind,
    ClaimStatus,
    Creditor,
    Debtor,
    DebtorKind,
    Payment,
    PaymentMethod,
)
from recouvra.lettrage.models import MatchProposal, ProposalStatus

_INDIVIDUAL = ("M. ", "Mme ", "Monsieur ", "Madame ")


@dataclass
class Loaded:
    """The world in the database: our ids for its keys, and each credit's truth."""

    organization: Organization
    batch: ImportBatch
    debtor_of: dict[str, int]  # world key → Debtor id
    claim_of: dict[str, int]  # world key → Claim id
    truth: dict[int, Any] = field(default_factory=dict)  # BankLine id → the world's Credit


def load(world: Any, organization: Organization, creditor: Creditor) -> Loaded:
    """Debtors, cases, claims (settled ones too, and what was paid on the open ones before)
    and the month's credits as lines of one statement, nothing matched yet."""
    now = timezone.now()
    debtors = Debtor.objects.bulk_create(
        [
            Debtor(
                organization=organization,
                name=d.name[:200],
                iban=d.iban,
                kind=DebtorKind.PERSON if d.name.startswith(_INDIVIDUAL) else DebtorKind.COMPANY,
            )
            for d in world.debtors
        ],
        batch_size=1000,
    )
    debtor_of = {d.key: row.pk for d, row in zip(world.debtors, debtors, strict=True)}
    cases = Case.objects.bulk_create(
        [
            Case(
                organization=organization,
                creditor=creditor,
                debtor_id=debtor_id,
                opened_on=date(2026, 1, 1),
            )
            for debtor_id in debtor_of.values()
        ],
        batch_size=1000,
    )
    case_of = {case.debtor_id: case.pk for case in cases}
    claims = Claim.objects.bulk_create(
        [
            Claim(
                organization=organization,
                creditor=creditor,
                debtor_id=debtor_of[i.debtor],
                case_id=case_of[debtor_of[i.debtor]],
                reference=i.reference,
                issue_date=i.issued_on,
                due_date=i.due_on,
                principal_cents=i.amount_cents,
                kind=ClaimKind.B2B,
                status=ClaimStatus.OPEN if i.open else ClaimStatus.PAID,
                search_text=i.reference.lower(),
            )
            for i in world.invoices
        ],
        batch_size=1000,
    )
    claim_of = {i.key: row.pk for i, row in zip(world.invoices, claims, strict=True)}
    _paid_before(organization, creditor, world.invoices, claim_of, debtor_of)
    batch = ImportBatch.objects.create(
        organization=organization,
        kind=ImportKind.BANK,
        filename="releve-du-mois.xml",
        file="imports/releve-du-mois.xml",
        sha256="1" * 64,
    )
    account = BankAccount.objects.create(organization=organization, identifier="FR76-WORLD")
    lines = BankLine.objects.bulk_create(
        [
            BankLine(
                organization=organization,
                account=account,
                batch=batch,
                booking_date=c.booking_on,
                amount_cents=c.amount_cents,
                label=c.label,
                reference=c.reference[:140],
                end_to_end_id=c.end_to_end_id[:140],
                mandate_reference=c.mandate_reference[:140],
                counterparty_name=c.counterparty_name[:200],
                counterparty_iban=c.counterparty_iban[:34],
                fingerprint=f"world-{n}",
                created_at=now,
            )
            for n, c in enumerate(world.credits)
        ],
        batch_size=1000,
    )
    truth = {line.pk: credit for line, credit in zip(lines, world.credits, strict=True)}
    return Loaded(organization, batch, debtor_of, claim_of, truth)


def _paid_before(
    organization: Organization,
    creditor: Creditor,
    invoices: list[Any],
    claim_of: dict[str, int],
    debtor_of: dict[str, int],
) -> None:
    """What was paid on each invoice before the month: the whole of a settled one, a part
    of an open one."""
    paid = [i for i in invoices if not i.open or i.paid_cents]
    payments = Payment.objects.bulk_create(
        [
            Payment(
                organization=organization,
                creditor=creditor,
                debtor_id=debtor_of[i.debtor],
                amount_cents=i.amount_cents if not i.open else i.paid_cents,
                received_on=i.due_on,
                method=PaymentMethod.TRANSFER,
            )
            for i in paid
        ],
        batch_size=1000,
    )
    Allocation.objects.bulk_create(
        [
            Allocation(
                organization=organization,
                payment=payment,
                claim_id=claim_of[i.key],
                to_principal=payment.amount_cents,
            )
            for payment, i in zip(payments, paid, strict=True)
        ],
        batch_size=1000,
    )


@dataclass
class Figures:
    """How the engine's answers compare with the truth."""

    credits: int = 0
    ours: int = 0  # credits that pay something of ours
    applied: int = 0
    applied_right: int = 0
    waiting: int = 0  # credits of ours not applied: in the queue, or without proposal
    first_right: int = 0  # … whose best proposal is the right one
    not_ours_proposed: int = 0  # credits paying nothing of ours, waiting with a proposal
    wrong: list[tuple[str, str]] = field(default_factory=list)  # (habit, what went wrong)
    by_habit: dict[str, Counter] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.applied_right / self.applied if self.applied else 1.0

    @property
    def recall(self) -> float:
        return self.applied_right / self.ours if self.ours else 1.0

    @property
    def right_first(self) -> float:
        return self.first_right / self.waiting if self.waiting else 1.0

    def summary(self) -> str:
        return (
            f"automatic precision {self.precision:.2%} ({self.applied - self.applied_right} "
            f"wrong of {self.applied:,}), recall {self.recall:.2%} of {self.ours:,}, "
            f"right proposal first {self.right_first:.2%} of {self.waiting:,} waiting"
        )


def measure(loaded: Loaded) -> Figures:
    """Each credit's outcome: applied right or wrong, waiting with the right proposal first."""
    proposals: dict[int, list[tuple[str, int | None, set[int]]]] = {}
    by_pk: dict[int, tuple[str, int | None, set[int]]] = {}
    rows = MatchProposal.objects.filter(bank_line__batch=loaded.batch).order_by("-score", "pk")
    for pk, line_id, status, debtor_id, claim_id in rows.values_list(
        "pk", "bank_line_id", "status", "debtor_id", "claims"
    ):
        if pk not in by_pk:
            by_pk[pk] = (status, debtor_id, set())
            proposals.setdefault(line_id, []).append(by_pk[pk])
        if claim_id is not None:
            by_pk[pk][2].add(claim_id)
    figures = Figures()
    for line_id, credit in loaded.truth.items():
        figures.credits += 1
        expected = _expected(loaded, credit)
        mine = proposals.get(line_id, [])
        applied = [p for p in mine if p[0] == ProposalStatus.APPLIED]
        pending = [p for p in mine if p[0] == ProposalStatus.PENDING]
        outcome = "none"
        if expected is not None:
            figures.ours += 1
        if applied:
            figures.applied += 1
            right = expected is not None and _fits(expected, applied[0])
            figures.applied_right += right
            outcome = "applied_right" if right else "applied_wrong"
            if not right:
                figures.wrong.append((credit.habit, _told(credit)))
        elif expected is not None:
            figures.waiting += 1
            right = bool(pending) and _fits(expected, pending[0])
            figures.first_right += right
            outcome = "first_right" if right else ("first_other" if pending else "none")
        elif pending:
            figures.not_ours_proposed += 1
            outcome = "not_ours_waiting"
        figures.by_habit.setdefault(credit.habit, Counter())[outcome] += 1
    return figures


def _expected(loaded: Loaded, credit: Any) -> tuple[int, frozenset[int]] | None:
    """The debtor and claims a credit pays (no claims: on account, the law allocates)."""
    if not credit.ours or credit.debtor is None:
        return None
    claims = frozenset(loaded.claim_of[key] for key in credit.invoices)
    return loaded.debtor_of[credit.debtor], claims


def _fits(expected: tuple[int, frozenset[int]], proposal: tuple[str, int | None, set[int]]) -> bool:
    debtor_id, claims = expected
    return proposal[1] == debtor_id and (not claims or proposal[2] == claims)


def _told(credit: Any) -> str:
    amount = format_amount(credit.amount_cents)
    return f"{amount} | {credit.label[:70]} | {credit.counterparty_name[:30]}"
