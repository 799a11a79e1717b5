"""Lettrage: propose matches between bank credits and open claims; apply, reject, undo.

propose_matches() runs the engine (matching.py) over a tenant's unmatched credit lines
and stores one MatchProposal per line it can explain, with its score and reasons; a
proposal at or above RECONCILE_AUTO_THRESHOLD is applied at once. Applying creates the
Payment and its Allocations (split by law, C. civ. 1342-10), marks the line matched and
the settled claims paid, and writes the case timeline and the audit log. Nothing is ever
deleted: a rejected proposal stays (and its claims are not proposed again for that
line), an undone match keeps its payment, marked reversed.

What a match teaches (the payer's IBAN, mandate, name) is kept as PayerFacts (facts.py),
read back by the next runs (_history) and taken back when the match is undone. A debit
that gives a credit back (a returned transfer, a rejected direct debit) is never a
payment: it undoes the match of that credit (settle_returns), before any credit is matched.

Every decision is a conditional UPDATE (STYLE 2.4): of two clicks, two workers or a
retried task, only the one that moves the proposal out of its state goes on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.dispatch import Signal
from django.utils import timezone

from recouvra.cases.models import InteractionKind
from recouvra.cases.services import add_event, add_events
from recouvra.core import audit
from recouvra.core.bulk import among, batches, insert_returning, insert_rows, update_ids
from recouvra.core.models import AuditAction
from recouvra.imports.models import BankLine, BankLineStatus, ImportBatch
from recouvra.law.allocation import Allocation as Share
from recouvra.law.money import format_amount
from recouvra.ledger.models import (
    OPEN_STATUSES,
    Allocation,
    Claim,
    ClaimStatus,
    Debtor,
    Payment,
    PaymentMethod,
)
from recouvra.ledger.services import payments_applied, reverse_payment

from .decide import Decision, Job, decisions, payers_aside
from .facts import Learnt, forget_match, learn_from_answer, learn_from_matches
from .matching import (
    AUTOMATIC,
    LINE_FIELDS,
    NOT_PROVIDED,
    History,
    Line,
    Matcher,
    OpenClaim,
    allocation_plan,
    by_direct_debit,
    compact_iban,
    customer_numbers,
    designated_claim,
    payer_key,
    payer_name,
    payment_events,
    payment_reference,
    reason,
    remittance_key,
)
from .models import FactKind, MatchProposal, PayerFact, ProposalStatus
from .remittance import NameIndex

LOCKED_FIELDS = ("pk", "reference", "debtor_id", "creditor_id", "principal_cents", "due_date")
LOCKED_FIELDS += ("currency", "case_id", "status")
Through = MatchProposal.claims.through
ALLOCATION_FIELDS = (
    "organization_id",
    "created_at",
    "updated_at",
    "payment_id",
    "claim_id",
    "to_fees",
    "to_interest",
    "to_principal",
)
PAYMENT_FIELDS = (
    "organization_id",
    "created_at",
    "updated_at",
    "creditor_id",
    "debtor_id",
    "amount_cents",
    "currency",
    "received_on",
    "method",
    "reference",
    "label",
)
PROPOSAL_FIELDS = (
    "organization_id",
    "created_at",
    "updated_at",
    "bank_line_id",
    "debtor_id",
    "score",
    "reasons",
    "alternatives",
    "status",
    "payment_id",
    "decided_at",
)


# sent with `organization_id` and `proposal_ids` (the proposals left waiting for a decision,
# in booking order; those applied at once are payments, told by payments_applied) at the
# end of a run that made some, in its transaction: once per run, however many lines
proposals_made = Signal()


class ReconcileError(ValueError):
    """The proposal cannot be acted on: already decided, or claims that do not fit."""


def propose_for_batch(sender: Any, batch: ImportBatch, **_: Any) -> None:
    """imports.services.statement_imported's receiver: match the statement's new lines."""
    propose_matches(batch.organization_id, batch.bank_lines.all(), actor=batch.uploaded_by)


def propose_matches(
    organization_id: int,
    lines: QuerySet[BankLine] | None = None,
    *,
    auto_threshold: int | None = None,
    actor: Any = None,
) -> list[int]:
    """Propose a match for each unmatched credit line (all of them, or of `lines`).

    Returns the ids of the proposals created, in booking order; those scoring
    `auto_threshold` or more (default: settings.RECONCILE_AUTO_THRESHOLD) are already
    applied. Lines are taken in booking order, and a match applied during the run lowers
    its claims' balances for the next lines, so two payments of one invoice are not both
    applied to it.
    """
    if auto_threshold is None:
        auto_threshold = settings.RECONCILE_AUTO_THRESHOLD
    with transaction.atomic(), _without_cycle_collection(), _roomy_sqlite_cache():
        settle_returns(organization_id, lines)  # a credit given back is no payment
        todo = _lines_to_match(organization_id, lines)
        if not todo:
            return []
        debtors = _debtors(organization_id)
        names = _name_index(debtors)
        with payers_aside(names, todo) as payers:  # read while the claims load
            claims = _open_claims(organization_id)
            history = _history(organization_id, todo)
            matcher = Matcher(claims, debtors, history, names, _closed_references(organization_id))
            matcher.know_payers(todo, payers())
        known = _Known(claims) if _one_writer() else None
        del claims
        excluded = _excluded_claim_sets([line.pk for line in todo])
        created: list[int] = []
        waiting: list[int] = []
        for chunk in decisions(Job(matcher, todo, excluded, auto_threshold)):
            # the sure matches first: their payments exist when their proposals are stored
            sure = [decision for decision in chunk if decision.sure]
            matches = [_Match(todo[decision.position], decision) for decision in sure]
            payments = _apply(organization_id, matches, actor=actor, run=True, known=known)
            payment_of = {d.position: p for d, p in zip(sure, payments, strict=True)}
            ids = _create_proposals(organization_id, todo, chunk, payment_of)
            created += ids
            waiting += [pk for d, pk in zip(chunk, ids, strict=True) if not d.sure]
            learnt = zip(chunk, ids, strict=True)
            learn_from_matches(
                organization_id,
                (Learnt(todo[d.position], d.debtor_id, pk) for d, pk in learnt if d.sure),
            )
        if waiting:
            proposals_made.send(
                MatchProposal, organization_id=organization_id, proposal_ids=waiting
            )
        return created


def _one_writer() -> bool:
    """SQLite lets one transaction write at a time, and this one took the lock when it
    began (IMMEDIATE; in DEFERRED mode its first write would fail if another had written
    since it read): the balances the run loaded stay true until it commits."""
    return connection.vendor == "sqlite"


class _Known:
    """The open claims a run loaded, by id, when nobody else can pay them meanwhile
    (_one_writer): a match is then applied with the engine's split, without reading its
    claims again. Only their fixed fields are read here: the engine lowers the balances."""

    def __init__(self, claims: Iterable[OpenClaim]) -> None:
        self._by_id = {claim.id: claim for claim in claims}

    def claims(self, matches: Sequence[_Match]) -> dict[int, _Locked] | None:
        """The claims of `matches` as the engine saw them before the first of them, or None
        when a match has no split of the engine's (the database must be read)."""
        found: dict[int, _Locked] = {}
        for match in matches:
            if not isinstance(match.claims, Decision) or match.claims.split is None:
                return None
            for claim_id, balance in match.claims.split[0].items():
                if claim_id not in found:
                    claim = replace(self._by_id[claim_id], balance=balance)
                    found[claim_id] = _Locked(claim, ClaimStatus.OPEN)
        return found


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """A run holds up to a million claims in memory: Python's cycle collector would walk
    them again and again as the run allocates (a quarter of a run of 20,000 lines), for
    cycles it does not make. Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _roomy_sqlite_cache() -> Iterator[None]:
    """SQLite: a page cache the size of what a run writes (RECONCILE_SQLITE_CACHE_MB).

    A run writes all its payments, allocations, proposals and events in one transaction;
    when they outgrow the page cache, SQLite writes dirty pages to the WAL mid-run, and
    reads them back (a quarter of the storing time for 100,000 lines). The cache is
    allocated as pages are used, and shrinks back after the run.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{settings.RECONCILE_SQLITE_CACHE_MB * 1024:d}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before):d}")


def apply_proposal(proposal: MatchProposal, *, actor: Any = None) -> Payment:
    """Record the payment of a pending proposal; applying it again returns the same one."""
    with transaction.atomic():
        now = timezone.now()
        won = MatchProposal.objects.filter(pk=proposal.pk, status=ProposalStatus.PENDING).update(
            status=ProposalStatus.APPLIED, decided_by=_user(actor), decided_at=now, updated_at=now
        )
        current = MatchProposal.objects.select_related("bank_line", "payment", "debtor").get(
            pk=proposal.pk
        )
        if won != 1:
            if current.status == ProposalStatus.APPLIED and current.payment is not None:
                return current.payment  # a double click, a retried task: already done
            raise ReconcileError(
                f"Cette proposition est « {current.get_status_display()} » : "
                "elle ne peut plus être appliquée."
            )
        claim_ids = set(current.claims.values_list("pk", flat=True))
        match = [_Match(Line.of(current.bank_line), claim_ids)]
        (payment_id,) = _apply(current.organization_id, match, actor=actor)
        MatchProposal.objects.filter(pk=current.pk).update(payment_id=payment_id)
        payment = Payment.objects.get(pk=payment_id)
        learn_from_answer(current, actor)
    proposal.status, proposal.payment = ProposalStatus.APPLIED, payment
    return payment


def reject_proposal(proposal: MatchProposal, *, actor: Any) -> None:
    """The agent says no: the line goes back to the queue; these claims are not proposed
    for it again (the engine skips a claim set already rejected for the line)."""
    with transaction.atomic():
        now = timezone.now()
        before = audit.snapshot(MatchProposal.objects.get(pk=proposal.pk))
        won = MatchProposal.objects.filter(pk=proposal.pk, status=ProposalStatus.PENDING).update(
            status=ProposalStatus.REJECTED, decided_by=_user(actor), decided_at=now, updated_at=now
        )
        if won != 1:
            if before["status"] == ProposalStatus.REJECTED:
                return
            raise ReconcileError("Seule une proposition en attente peut être rejetée.")
        BankLine.objects.filter(pk=proposal.bank_line_id, status=BankLineStatus.PROPOSED).update(
            status=BankLineStatus.UNMATCHED, updated_at=now
        )
        current = MatchProposal.objects.get(pk=proposal.pk)
        audit.record(current, AuditAction.UPDATE, actor=actor, before=before)
    proposal.status = ProposalStatus.REJECTED


def change_proposal(proposal: MatchProposal, claims: Iterable[Claim], *, actor: Any) -> Payment:
    """Replace the proposed claims by the ones the agent chose, then apply."""
    chosen = list(claims)
    with transaction.atomic():
        current = (
            MatchProposal.objects.select_for_update()
            .select_related("bank_line")
            .get(pk=proposal.pk)
        )
        applied = current.status == ProposalStatus.APPLIED and current.payment_id is not None
        if applied and set(current.claims.values_list("pk", flat=True)) == {c.pk for c in chosen}:
            return current.payment  # the same choice, submitted twice
        if current.status != ProposalStatus.PENDING:
            raise ReconcileError("Seule une proposition en attente peut être modifiée.")
        _check_choice(current, chosen)
        current.claims.set(chosen)
        current.debtor_id = chosen[0].debtor_id
        refs = ", ".join(c.reference for c in chosen)
        detail = f"Créances choisies par {_name(actor)} : {refs}"
        current.reasons = [reason("manual", detail, 0), *current.reasons]
        current.save(update_fields=["debtor", "reasons", "updated_at"])
        payment = apply_proposal(current, actor=actor)
    proposal.status, proposal.payment = ProposalStatus.APPLIED, payment
    return payment


def reverse_match(proposal: MatchProposal, *, actor: Any, detail: str = "") -> None:
    """Undo an applied match, all that it changed: the payment stays, marked reversed, and
    no longer counts; the claims it settled are open again; each case's timeline says so;
    the line waits to be matched again (never to the same claims); the facts only this
    match taught are taken back; and what dunning had not sent yet is checked again
    (payments_reversed). `detail` says why, when it is not an agent's choice ("rejet
    bancaire")."""
    with transaction.atomic():
        now = timezone.now()
        won = MatchProposal.objects.filter(pk=proposal.pk, status=ProposalStatus.APPLIED).update(
            status=ProposalStatus.REVERSED, updated_at=now
        )
        current = MatchProposal.objects.select_related("payment", "bank_line").get(pk=proposal.pk)
        if won != 1:
            if current.status == ProposalStatus.REVERSED:
                return
            raise ReconcileError("Seul un lettrage appliqué peut être annulé.")
        payment = current.payment
        BankLine.objects.filter(pk=current.bank_line_id, status=BankLineStatus.MATCHED).update(
            status=BankLineStatus.UNMATCHED, updated_at=now
        )
        why = f" ({detail})" if detail else ""
        claims = reverse_payment(payment, reason=detail or "lettrage annulé", actor=actor)
        for case in {c.case for c in claims if c.case is not None}:
            refs = ", ".join(c.reference for c in claims if c.case_id == case.pk)
            text = (
                f"Lettrage annulé par {_name(actor)}{why} : le paiement de "
                f"{format_amount(payment.amount_cents, payment.currency)} reçu le "
                f"{payment.received_on:%d/%m/%Y}{_ref(payment.reference)} ne compte plus "
                f"pour {refs}."
            )
            add_event(case, InteractionKind.PAYMENT, text, author=actor)
        forget_match(current)
    proposal.status = ProposalStatus.REVERSED


RETURN_WORDS = ("RETOUR", "REJET")  # "VIR RETOURNE", "REJET PRLV": a credit given back
REJECTED_BY_BANK = "rejet bancaire"


@dataclass
class _Return:
    """A debit that gives back an earlier credit, and that credit once found."""

    line: Line
    original: Line | None = None


def settle_returns(organization_id: int, lines: QuerySet[BankLine] | None = None) -> int:
    """Returned transfers and rejected direct debits (R-transactions): a debit with the
    end-to-end id of an earlier credit, or its mandate and amount, or a label that says
    RETOUR/REJET. The credit it gives back paid nothing: its match is undone
    (reverse_match, "rejet bancaire") and its line set aside, or, not matched yet, it is
    set aside at once; the debit is marked matched to it. A return whose credit is not
    found is set aside with a note. Returns how many credits were given back."""
    scope = BankLine.objects.all() if lines is None else lines
    credits = BankLine.objects.filter(organization_id=organization_id, amount_cents__gt=0)
    same_id = credits.filter(end_to_end_id=OuterRef("end_to_end_id"))
    same_mandate = credits.filter(
        mandate_reference=OuterRef("mandate_reference"), amount_cents=-OuterRef("amount_cents")
    )
    labelled = Q()
    for word in RETURN_WORDS:
        labelled |= Q(label__icontains=word)
    with_id = ~Q(end_to_end_id="") & ~Q(end_to_end_id__iexact=NOT_PROVIDED)
    returns = scope.filter(
        labelled | (with_id & Exists(same_id)) | (~Q(mandate_reference="") & Exists(same_mandate)),
        organization_id=organization_id,
        amount_cents__lt=0,
        status__in=(BankLineStatus.UNMATCHED, BankLineStatus.IGNORED),
        unapplied_note="",  # a return looked at already has its note
    ).order_by("booking_date", "pk")
    found = [_Return(Line(*row)) for row in returns.values_list(*LINE_FIELDS)]
    if not found:
        return 0
    _find_originals(organization_id, found)
    given_back = 0
    for chunk in batches(found):
        given_back += _give_back(organization_id, chunk)
    return given_back


def _find_originals(organization_id: int, returns: Sequence[_Return]) -> None:
    """Each return's credit: the latest one booked on or before it with its end-to-end
    id, else with its mandate and amount, matched or still waiting; each credit once."""
    waiting = (BankLineStatus.MATCHED, BankLineStatus.UNMATCHED, BankLineStatus.PROPOSED)
    credits = BankLine.objects.filter(
        organization_id=organization_id, amount_cents__gt=0, status__in=waiting
    ).order_by()
    by_id: dict[str, list[Line]] = {}
    by_mandate: dict[str, list[Line]] = {}
    wanted = {
        "end_to_end_id": {r.line.end_to_end_id for r in returns} - {"", NOT_PROVIDED},
        "mandate_reference": {r.line.mandate_reference for r in returns} - {""},
    }
    for name, values in wanted.items():
        into = by_id if name == "end_to_end_id" else by_mandate
        for chunk in batches(sorted(values)):
            for row in among(credits, name, chunk).values_list(*LINE_FIELDS):
                credit = Line(*row)
                into.setdefault(getattr(credit, name), []).append(credit)
    used: set[int] = set()
    for found in returns:
        line = found.line
        candidates = [
            *by_id.get(line.end_to_end_id, ()),
            *(
                c
                for c in by_mandate.get(line.mandate_reference, ())
                if c.amount_cents == -line.amount_cents
            ),
        ]
        earlier = [c for c in candidates if c.booking_date <= line.booking_date]
        earlier.sort(key=lambda c: (c.booking_date, c.pk), reverse=True)
        found.original = next((c for c in earlier if c.pk not in used), None)
        if found.original is not None:
            used.add(found.original.pk)


def _give_back(organization_id: int, returns: Sequence[_Return]) -> int:
    now = timezone.now()
    originals = [r.original.pk for r in returns if r.original is not None]
    applied = {
        p.bank_line_id: p
        for p in MatchProposal.objects.filter(
            bank_line_id__in=originals, status=ProposalStatus.APPLIED
        )
    }
    for found in returns:
        line, original = found.line, found.original
        if original is None:
            note = "Retour ou rejet bancaire : aucun paiement reçu ne correspond."
            BankLine.objects.filter(pk=line.pk).update(
                status=BankLineStatus.IGNORED, unapplied_note=note, updated_at=now
            )
            continue
        proposal = applied.get(original.pk)
        if proposal is not None:
            reverse_match(proposal, actor=None, detail=REJECTED_BY_BANK)
        MatchProposal.objects.filter(
            bank_line_id=original.pk, status=ProposalStatus.PENDING
        ).update(status=ProposalStatus.REJECTED, decided_at=now, updated_at=now)
        money = format_amount(original.amount_cents, original.currency)
        BankLine.objects.filter(pk=original.pk).update(
            status=BankLineStatus.IGNORED,
            unapplied_note=f"Rendu par la banque le {line.booking_date:%d/%m/%Y}."[:200],
            updated_at=now,
        )
        undone = " : lettrage annulé" if proposal is not None else ""
        note = f"Rejet du paiement de {money} reçu le {original.booking_date:%d/%m/%Y}"
        note += f"{_ref(payment_reference(original))}{undone}."
        BankLine.objects.filter(pk=line.pk).update(
            status=BankLineStatus.MATCHED, unapplied_note=note[:200], updated_at=now
        )
    return len(originals)


def build_matcher(
    organization_id: int, lines: Sequence[Line], claims: Sequence[OpenClaim] | None = None
) -> Matcher:
    """The engine loaded with the tenant's open claims (or `claims`, loaded already),
    debtors and matching history."""
    if claims is None:
        claims = _open_claims(organization_id)
    debtors = _debtors(organization_id)
    history = _history(organization_id, lines)
    closed = _closed_references(organization_id)
    return Matcher(claims, debtors, history, _name_index(debtors), closed)


def _debtors(organization_id: int) -> dict[int, tuple[str, str]]:
    """The debtors with open claims: id → (name, IBAN)."""
    owing = Claim.objects.filter(debtor=OuterRef("pk")).open()
    rows = Debtor.objects.filter(Exists(owing), organization_id=organization_id)
    return {pk: (name, iban) for pk, name, iban in rows.values_list("pk", "name", "iban")}


def _name_index(debtors: dict[int, tuple[str, str]]) -> NameIndex:
    return NameIndex({debtor_id: name for debtor_id, (name, _iban) in debtors.items()})


def _open_claims(organization_id: int) -> list[OpenClaim]:
    """The open claims with something left to pay.

    A million claims are read in one plain scan, and what was paid on them in a second
    query (grouped): a balance subquery per claim costs twice as much. Due dates come as
    text, each parsed once (a ledger has a few hundred distinct ones).
    """
    paid = dict(
        Allocation.objects.filter(
            organization_id=organization_id,
            claim__status__in=OPEN_STATUSES,
            payment__reversed_at__isnull=True,
        )
        .values("claim_id")
        .annotate(total=Sum("to_principal"))
        .values_list("claim_id", "total")
    )
    rows = (
        Claim.objects.filter(organization_id=organization_id)
        .open()
        .annotate(due=Cast("due_date", CharField()))
        .order_by("pk")  # by due date would cost a sort: each debtor's claims are sorted
        .values_list(
            "pk",
            "reference",
            "debtor_id",
            "creditor_id",
            "principal_cents",
            "due",
            "currency",
            "case_id",
        )
    )
    dates: dict[str, date] = {}
    claims = []
    for pk, reference, debtor_id, creditor_id, principal, due, currency, case_id in rows.iterator(
        chunk_size=10_000
    ):
        balance = principal - paid.get(pk, 0)
        if balance > 0:
            due_date = dates.get(due) or dates.setdefault(due, date.fromisoformat(due[:10]))
            claims.append(
                OpenClaim(
                    pk, reference, debtor_id, creditor_id, balance, due_date, currency, case_id
                )
            )
    return claims


def _closed_references(organization_id: int) -> list[str]:
    """The references of the tenant's settled claims: a payer who cites one again pays
    nothing open (a duplicate, or an invoice paid already)."""
    closed = Claim.objects.filter(organization_id=organization_id).exclude(status__in=OPEN_STATUSES)
    return list(closed.values_list("reference", flat=True).iterator(chunk_size=10_000))


def _lines_to_match(organization_id: int, lines: QuerySet[BankLine] | None) -> list[Line]:
    queryset = BankLine.objects.all() if lines is None else lines
    todo = queryset.filter(
        organization_id=organization_id, status=BankLineStatus.UNMATCHED, amount_cents__gt=0
    )
    # PostgreSQL: a concurrent run skips the lines this one holds, so no line gets two
    # proposals; SQLite's IMMEDIATE transactions already run one writer at a time.
    todo = todo.select_for_update(skip_locked=True).order_by("booking_date", "pk")
    return [Line(*row) for row in todo.values_list(*LINE_FIELDS)]


def _history(organization_id: int, lines: Sequence[Line]) -> History:
    """What earlier decisions taught about the payers of `lines`: the facts learnt (IBANs,
    mandates, names; removed ones left out), the end-to-end ids of matched lines, the
    payers that paid nothing of ours, and the credits already received."""
    history = History()
    facts = PayerFact.objects.filter(organization_id=organization_id, removed_at__isnull=True)
    ibans = {compact_iban(line.counterparty_iban) for line in lines}
    names = {payer_key(payer_name(line)) for line in lines}
    wanted = {
        FactKind.IBAN: ibans,
        FactKind.MANDATE: {line.mandate_reference.strip() for line in lines},
        FactKind.NAME: names,
        FactKind.REFERENCE_HABIT: {n for line in lines for n in customer_numbers(line.label)},
    }
    learnt: dict[str, dict[str, set[int]]] = {}
    for kind, values in wanted.items():
        seen = learnt.setdefault(kind, {})
        of_kind = facts.filter(kind=kind, debtor__isnull=False).order_by()
        for chunk in batches(sorted(values - {""})):
            for value, debtor_id in among(of_kind, "value", chunk).values_list("value", "debtor"):
                seen.setdefault(value, set()).add(debtor_id)
    history.ibans, history.names = learnt[FactKind.IBAN], learnt[FactKind.NAME]
    history.habits = learnt[FactKind.REFERENCE_HABIT]
    # a mandate shared by two debtors proves nothing
    mandates = learnt[FactKind.MANDATE]
    history.mandates = {value: next(iter(ds)) for value, ds in mandates.items() if len(ds) == 1}
    history.end_to_end = _end_to_end_seen(organization_id, lines)
    not_ours = facts.filter(kind=FactKind.NOT_OURS).order_by()
    for chunk in batches(sorted((ibans | names) - {""})):
        history.not_ours.update(among(not_ours, "value", chunk).values_list("value", "detail"))
    history.paid = _paid_before(organization_id, lines)
    return history


def _end_to_end_seen(organization_id: int, lines: Sequence[Line]) -> dict[str, int]:
    """The end-to-end ids of `lines` seen on matched lines, each of one debtor only."""
    # an applied proposal's line is matched (undoing a match reverses the proposal)
    matched = BankLine.objects.filter(
        organization_id=organization_id, proposals__status=ProposalStatus.APPLIED
    ).order_by()
    values = {line.end_to_end_id.strip() for line in lines} - {"", NOT_PROVIDED}
    seen: dict[str, set[int]] = {}
    for chunk in batches(sorted(values)):
        rows = among(matched, "end_to_end_id", chunk)
        for value, debtor_id in rows.values_list("end_to_end_id", "proposals__debtor_id"):
            seen.setdefault(value, set()).add(debtor_id)
    return {value: next(iter(ds)) for value, ds in seen.items() if len(ds) == 1}


def _paid_before(organization_id: int, lines: Sequence[Line]) -> dict[tuple[int, str], str]:
    """The credits matched already that look like one of `lines` (same amount, same
    label and reference): (amount, remittance_key) → when, from whom, on which claims.
    Two queries per chunk of amounts: the matched lines, then their claims."""
    keys = {(line.amount_cents, key) for line in lines if (key := remittance_key(line))}
    matched = BankLine.objects.filter(
        organization_id=organization_id, status=BankLineStatus.MATCHED, amount_cents__gt=0
    ).order_by("booking_date", "pk")
    paid: dict[tuple[int, str], str] = {}
    for chunk in batches(sorted({amount for amount, _key in keys})):
        earlier: dict[int, tuple[tuple[int, str], Line]] = {}  # the first of each key
        taken: set[tuple[int, str]] = set()
        for row in among(matched, "amount_cents", chunk).values_list(*LINE_FIELDS):
            line = Line(*row)
            key = (line.amount_cents, remittance_key(line))
            if key in keys and key not in taken:
                taken.add(key)
                earlier[line.pk] = (key, line)
        refs: dict[int, list[str]] = {}
        for ids in batches(sorted(earlier)):
            rows = Through.objects.filter(
                matchproposal__bank_line_id__in=ids,
                matchproposal__status=ProposalStatus.APPLIED,
            ).values_list("matchproposal__bank_line_id", "claim__reference")
            for line_id, reference in rows:
                refs.setdefault(line_id, []).append(reference)
        for line_id, (key, line) in earlier.items():
            on = ", ".join(sorted(refs.get(line_id, []))) or "—"
            paid[key] = (
                f"déjà reçu le {line.booking_date:%d/%m/%Y} de {payer_name(line).strip()}, "
                f"lettré sur {on}"
            )
    return paid


def _excluded_claim_sets(line_ids: Sequence[int]) -> dict[int, set[frozenset[int]]]:
    """Per line, the claim sets of its rejected or undone proposals: never proposed again."""
    sets: dict[tuple[int, int], set[int]] = {}
    undone = (ProposalStatus.REJECTED, ProposalStatus.REVERSED)
    for chunk in batches(line_ids):
        rows = Through.objects.filter(
            matchproposal__bank_line_id__in=chunk, matchproposal__status__in=undone
        ).values_list("matchproposal__bank_line_id", "matchproposal_id", "claim_id")
        for line_id, proposal_id, claim_id in rows:
            sets.setdefault((line_id, proposal_id), set()).add(claim_id)
    excluded: dict[int, set[frozenset[int]]] = {}
    for (line_id, _proposal_id), claim_ids in sets.items():
        excluded.setdefault(line_id, set()).add(frozenset(claim_ids))
    return excluded


def _create_proposals(
    organization_id: int,
    lines: Sequence[Line],
    chosen: Sequence[Decision],
    payments: dict[int, int],
) -> list[int]:
    """Store the proposals (those whose line index is in `payments`, already applied)."""
    now = timezone.now()
    applied, pending = ProposalStatus.APPLIED, ProposalStatus.PENDING
    ids = insert_returning(
        MatchProposal,
        PROPOSAL_FIELDS,
        (
            (organization_id, now, now, lines[d.position].pk, d.debtor_id, d.score, d.reasons)
            + (d.alternatives,)
            + (
                (applied, payments[d.position], now)
                if d.position in payments
                else (pending, None, None)
            )
            for d in chosen
        ),
    )
    insert_rows(
        Through,
        ("matchproposal_id", "claim_id"),
        (
            (proposal_id, claim_id)
            for proposal_id, decision in zip(ids, chosen, strict=True)
            for claim_id in decision.claim_ids
        ),
    )
    waiting = [lines[d.position] for d in chosen if d.position not in payments]
    update_ids(
        BankLine,
        [line.pk for line in waiting],
        {"status": BankLineStatus.PROPOSED, "updated_at": now},
    )
    for line in waiting:
        line.status = BankLineStatus.PROPOSED
    return ids


@dataclass
class _Match:
    """A line and the claims it pays: the engine's decision (with its split), or ids."""

    line: Line
    claims: Decision | Iterable[int]

    @property
    def claim_ids(self) -> Iterable[int]:
        return self.claims.claim_ids if isinstance(self.claims, Decision) else self.claims


def _apply(
    organization_id: int,
    matches: Sequence[_Match],
    *,
    actor: Any,
    run: bool = False,
    known: _Known | None = None,
) -> list[int]:
    """Record the payment of each match; returns the payment ids (the caller links its
    proposal). The matches of a run are automatic; the others an agent's.

    In bulk: a few queries per 500 matches. Balances are read after locking the claims
    (PostgreSQL), in a statement of their own, so that they include what a concurrent
    match committed while we waited; where nobody else writes (_Known), the engine's.
    """
    if not matches:
        return []
    rows = known.claims(matches) if known is not None else None
    if rows is None:
        wanted = sorted({claim_id for match in matches for claim_id in match.claim_ids})
        rows = _locked_claims(organization_id, wanted)
    plans = [_plan(match, rows) for match in matches]
    now = timezone.now()
    payments = [_payment_row(organization_id, plan, now) for plan in plans]
    payment_ids = insert_returning(Payment, PAYMENT_FIELDS, payments)
    insert_rows(
        Allocation,
        ALLOCATION_FIELDS,
        (
            (organization_id, now, now, payment_id, claim.id)
            + (share.to_fees, share.to_interest, share.to_principal)
            for plan, payment_id in zip(plans, payment_ids, strict=True)
            for claim, share in plan.shares
        ),
    )
    _mark_lines_matched([plan.line for plan in plans], now)
    settled = [claim.id for plan in plans for claim, _s in plan.shares if claim.balance <= 0]
    paid = {"status": ClaimStatus.PAID, "updated_at": now}
    update_ids(Claim, settled, paid, among={"status": OPEN_STATUSES})
    touched = sorted({claim.id for plan in plans for claim, _s in plan.shares})
    payments_applied.send(
        Payment, organization_id=organization_id, claim_ids=touched, payment_ids=payment_ids
    )
    author = getattr(_user(actor), "pk", None)
    how = AUTOMATIC if run else f"lettré par {_name(actor)}"
    events = (
        event
        for plan in plans
        for event in (
            plan.events
            if plan.events is not None
            else payment_events(plan.line, plan.shares, plan.credit, how)
        )
    )
    add_events(organization_id, events, InteractionKind.PAYMENT, author_id=author)
    _audit_created(
        [(payment_id, row) for payment_id, row in zip(payment_ids, payments, strict=True)], author
    )
    return payment_ids


@dataclass
class _Plan:
    line: Line
    shares: list[tuple[OpenClaim, Share]]
    credit: int  # what exceeds the claims: a credit of the debtor
    first: OpenClaim  # the oldest claim: its creditor and debtor are the payment's
    events: list[tuple[int, str]] | None = None  # the timeline entries, if the engine's


def _plan(match: _Match, rows: dict[int, _Locked]) -> _Plan:
    """The payment of one match and its split by law; the claims' balances drop with it,
    so that a claim paid by an earlier match of the same call is seen as paid."""
    line = match.line
    claims = _open_claims_of(match.claim_ids, rows)
    split = _split_as_settled(match, claims)
    events = None
    if split is not None:
        shares, credit = split
        events = match.claims.events if isinstance(match.claims, Decision) else None
    else:
        designated = designated_claim(line, claims)
        shares, credit = allocation_plan(line.amount_cents, claims, line.booking_date, designated)
    for claim, share in shares:
        claim.balance -= share.to_principal
    return _Plan(line, shares, credit, claims[0], events)


def _split_as_settled(
    match: _Match, claims: list[OpenClaim]
) -> tuple[list[tuple[OpenClaim, Share]], int] | None:
    """The engine's split of the payment when it settled the match, if the claims still
    owe what the engine then saw (nothing was paid on them meanwhile)."""
    decision = match.claims
    if not isinstance(decision, Decision) or decision.split is None:
        return None
    owed, shares, credit = decision.split
    if {c.id: c.balance for c in claims} != owed:
        return None
    by_id = {c.id: c for c in claims}
    return [
        (by_id[claim_id], Share(str(claim_id), fees, interest, principal))
        for claim_id, fees, interest, principal in shares
    ], credit


@dataclass(slots=True)
class _Locked:
    """A claim as read after locking it: what it owes now, and its status."""

    claim: OpenClaim
    status: str


def _locked_claims(organization_id: int, ids: Sequence[int]) -> dict[int, _Locked]:
    """The claims by id with their balance, case and status, locked for this transaction
    (PostgreSQL; SQLite has one writer at a time already)."""
    found: dict[int, _Locked] = {}
    claims = Claim.objects.filter(organization_id=organization_id)
    for chunk in batches(ids):
        if connection.features.has_select_for_update:
            list(claims.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk"))
        paid = dict(
            Allocation.objects.filter(claim_id__in=chunk, payment__reversed_at__isnull=True)
            .values("claim_id")
            .annotate(total=Sum("to_principal"))
            .values_list("claim_id", "total")
        )
        for (
            pk,
            reference,
            debtor_id,
            creditor_id,
            principal,
            due,
            currency,
            case_id,
            status,
        ) in claims.filter(pk__in=chunk).values_list(*LOCKED_FIELDS):
            balance = principal - paid.get(pk, 0)
            claim = OpenClaim(
                pk, reference, debtor_id, creditor_id, balance, due, currency, case_id
            )
            found[pk] = _Locked(claim, status)
    return found


def _open_claims_of(ids: Iterable[int], rows: dict[int, _Locked]) -> list[OpenClaim]:
    claims = [rows[i].claim for i in ids if i in rows and rows[i].status in OPEN_STATUSES]
    if not claims:
        raise ReconcileError(
            "Les créances de cette proposition ne sont plus ouvertes : choisissez-en d'autres."
        )
    if len({(c.creditor_id, c.debtor_id, c.currency) for c in claims}) > 1:
        raise ReconcileError("Un paiement ne peut régler que les créances d'un seul dossier.")
    return sorted(claims, key=lambda c: (c.due_date, c.id))


def _how_paid(line: Line) -> tuple[str, str]:
    """The payment's method and reference, as the bank line tells them."""
    method = PaymentMethod.DIRECT_DEBIT if by_direct_debit(line) else PaymentMethod.TRANSFER
    return method, payment_reference(line)


def _payment_row(organization_id: int, plan: _Plan, now: datetime) -> tuple:
    line = plan.line
    method, reference = _how_paid(line)
    return (organization_id, now, now, plan.first.creditor_id, plan.first.debtor_id) + (
        line.amount_cents,
        line.currency,
        line.booking_date,
        method,
        reference,
        line.label[:200],
    )


def _mark_lines_matched(lines: Sequence[Line], now: datetime) -> None:
    matched = {"status": BankLineStatus.MATCHED, "updated_at": now}
    waiting = {"status": (BankLineStatus.UNMATCHED, BankLineStatus.PROPOSED)}
    done = update_ids(BankLine, [line.pk for line in lines], matched, among=waiting)
    if done != len(lines):  # another proposal of the line was applied meanwhile
        raise ReconcileError("Cette ligne de relevé est déjà lettrée.")
    for line in lines:
        line.status = BankLineStatus.MATCHED


def _audit_created(payments: Sequence[tuple[int, tuple]], actor_id: int | None) -> None:
    """The audit log's creation events of many new payments (id, PAYMENT_FIELDS row)."""
    methods = dict(PaymentMethod.choices)
    created = []
    for payment_id, row in payments:
        values = {**dict(zip(PAYMENT_FIELDS, row, strict=True)), "reversed_at": None}
        received_on, reference = values["received_on"], values["reference"]
        label = f"{received_on:%d/%m/%Y} {reference or methods[values['method']]}"
        created.append((payment_id, label, values))
    audit.record_created(Payment, created, actor_id=actor_id)


def _check_choice(proposal: MatchProposal, claims: Sequence[Claim]) -> None:
    if not claims:
        raise ReconcileError("Choisissez au moins une créance.")
    if any(c.organization_id != proposal.organization_id for c in claims):
        raise ReconcileError("Créance introuvable.")
    if any(c.status not in OPEN_STATUSES for c in claims):
        raise ReconcileError("Une des créances choisies n'est plus ouverte.")
    if len({(c.creditor_id, c.debtor_id) for c in claims}) > 1:
        raise ReconcileError("Un paiement ne peut régler que les créances d'un seul dossier.")
    if any(c.currency != proposal.bank_line.currency for c in claims):
        raise ReconcileError("La devise des créances diffère de celle du paiement.")


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _name(actor: Any) -> str:
    return str(actor) if _user(actor) is not None else "le système"


def _ref(reference: str) -> str:
    return f", réf. {reference}" if reference else ""
