"""What lettrage learns from decisions, kept as facts an agent can read and remove.

A match applied (by the engine or an agent) teaches that the payer's IBAN and mandate
belong to its debtor; an agent's answer also teaches the payer's name as the bank
writes it, when it is not the debtor's own name (the engine recognises that already),
and the customer number the payer writes ("CLIENT 21342"), his way of naming himself.
Each fact is a PayerFact row with a French sentence saying where it comes from; the
next runs read them (reconcile._history). A removed fact keeps its row, so the same
answer never teaches it again (the unique constraint covers removed rows).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db.models import Q
from django.utils import timezone

from recouvra.core import audit
from recouvra.core.bulk import batches
from recouvra.core.models import AuditAction
from recouvra.law.money import format_amount

from .matching import AUTOMATIC, Line, by_direct_debit, compact_iban, customer_numbers, payer_key
from .models import FactKind, MatchProposal, PayerFact, ProposalStatus
from .remittance import NameIndex

UNDONE = "retiré : lettrage annulé"  # the detail of a fact its only match took back
LEARNT_KINDS = (FactKind.IBAN, FactKind.MANDATE, FactKind.NAME, FactKind.REFERENCE_HABIT)


class Learnt(NamedTuple):
    """A match applied: its line, its debtor, and its proposal (the fact's source)."""

    line: Line
    debtor_id: int
    proposal_id: int | None


def learn_from_matches(organization_id: int, matches: Iterable[Learnt]) -> None:
    """The IBAN and mandate of each match applied by a run, learnt for its debtor.

    One INSERT per chunk, the facts known already (removed ones included) left as
    they are."""
    for chunk in batches(matches):
        facts: dict[tuple[int, str, str], PayerFact] = {}  # the first match of the chunk
        for match in chunk:
            for kind, value in _identifiers(match.line):
                key = (match.debtor_id, kind, value)
                if key not in facts:
                    facts[key] = PayerFact(
                        organization_id=organization_id,
                        debtor_id=match.debtor_id,
                        kind=kind,
                        value=value,
                        detail=_detail(kind, value, match.line, AUTOMATIC),
                        learned_from_id=match.proposal_id,
                    )
        PayerFact.objects.bulk_create(facts.values(), ignore_conflicts=True)


def learn_from_answer(proposal: MatchProposal, actor: Any) -> list[PayerFact]:
    """What an agent's match teaches: the payer's IBAN, mandate and, unless the engine
    reads it already as the debtor's own, the payer's name. Returns the facts learnt."""
    line = Line.of(proposal.bank_line)
    debtor = proposal.debtor
    if debtor is None:
        return []
    user = actor if getattr(actor, "is_authenticated", False) else None
    how = f"lettré par {user}" if user is not None else "lettré par le système"
    found = list(_identifiers(line))
    name = line.counterparty_name.strip()
    if name and not NameIndex({debtor.pk: debtor.name}).similar(name):
        found.append((FactKind.NAME, payer_key(name)[:200]))
    found += [(FactKind.REFERENCE_HABIT, number) for number in customer_numbers(line.label)]
    learnt = []
    for kind, value in found:
        if not value:
            continue
        defaults = {"detail": _detail(kind, value, line, how), "learned_by": user}
        fact, created = PayerFact.objects.get_or_create(
            organization_id=proposal.organization_id,
            debtor=debtor,
            kind=kind,
            value=value,
            defaults={**defaults, "learned_from": proposal},
        )
        if created:
            audit.record(fact, AuditAction.CREATE, actor=user)
            learnt.append(fact)
        elif _taken_back(fact) and _revive(fact, proposal, defaults, user):
            learnt.append(fact)
    return learnt


def remove_fact(fact: PayerFact, actor: Any, *, detail: str = "") -> bool:
    """Stop using a fact (kept, marked removed: the same answer will not teach it again).
    Returns False when it was removed already."""
    before = audit.snapshot(fact)
    now = timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    changes: dict[str, Any] = {"removed_at": now, "removed_by": user, "updated_at": now}
    if detail:
        changes["detail"] = detail
    won = PayerFact.objects.filter(pk=fact.pk, removed_at__isnull=True).update(**changes)
    if not won:
        return False
    fact.refresh_from_db()
    audit.record(fact, AuditAction.UPDATE, actor=user, before=before)
    return True


def forget_match(proposal: MatchProposal) -> int:
    """An undone match takes back the facts it taught, unless another applied match of
    the same debtor shows them too. Returns how many facts were removed."""
    line = proposal.bank_line
    others = MatchProposal.objects.filter(
        organization_id=proposal.organization_id,
        debtor_id=proposal.debtor_id,
        status=ProposalStatus.APPLIED,
    ).exclude(pk=proposal.pk)
    backed_by = {
        FactKind.IBAN: lambda v: Q(bank_line__counterparty_iban__in=[v, line.counterparty_iban]),
        FactKind.MANDATE: lambda v: Q(bank_line__mandate_reference__in=[v, line.mandate_reference]),
        FactKind.NAME: lambda v: Q(bank_line__counterparty_name=line.counterparty_name),
        FactKind.REFERENCE_HABIT: lambda v: Q(bank_line__label__icontains=v),
    }
    removed = 0
    taught = PayerFact.objects.filter(
        learned_from=proposal, removed_at__isnull=True, kind__in=LEARNT_KINDS
    )
    for fact in taught:
        if not others.filter(backed_by[fact.kind](fact.value)).exists():
            removed += remove_fact(fact, None, detail=UNDONE)
    return removed


def _identifiers(line: Line) -> Iterable[tuple[str, str]]:
    """The line's IBAN and mandate, as the engine compares them (empty ones left out)."""
    iban = compact_iban(line.counterparty_iban)
    if iban:
        yield FactKind.IBAN, iban
    mandate = line.mandate_reference.strip()
    if mandate:
        yield FactKind.MANDATE, mandate[:200]


def _detail(kind: str, value: str, line: Line, how: str) -> str:
    """Where a fact comes from, in a sentence: "IBAN FR76… vu sur le paiement de
    1 200,00 € du 03/10/2026, lettré par Alice"."""
    what = {
        FactKind.IBAN: f"IBAN {value}",
        FactKind.MANDATE: f"Mandat {value}",
        FactKind.NAME: f"Nom « {line.counterparty_name.strip()} »",
        FactKind.REFERENCE_HABIT: f"Numéro client {value}, écrit par le payeur",
    }[kind]
    payment = "le prélèvement" if by_direct_debit(line) else "le paiement"
    amount = format_amount(line.amount_cents, line.currency)
    return f"{what} vu sur {payment} de {amount} du {line.booking_date:%d/%m/%Y}, {how}"[:300]


def _taken_back(fact: PayerFact) -> bool:
    """Removed because its match was undone, not by an agent: an agent's answer may
    teach it again."""
    return fact.removed_at is not None and fact.removed_by_id is None and fact.detail == UNDONE


def _revive(fact: PayerFact, proposal: MatchProposal, values: dict[str, Any], user: Any) -> bool:
    before = audit.snapshot(fact)
    won = PayerFact.objects.filter(pk=fact.pk, removed_at__isnull=False, detail=UNDONE).update(
        removed_at=None, learned_from=proposal, updated_at=timezone.now(), **values
    )
    if won:
        fact.refresh_from_db()
        audit.record(fact, AuditAction.UPDATE, actor=user, before=before)
    return bool(won)
