"""Credits that pay nothing of ours: the agent's answer, kept with the line, and learned.

A refund from a customer who is also a supplier, a payment made twice, an invoice of
another company, money to send back: the line leaves the queue as an unapplied credit
with its reason, and a NOT_OURS PayerFact tells the next runs about this payer. Both
writes are conditional UPDATEs: a form submitted twice changes nothing the second time.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from recouvra.core import audit
from recouvra.core.models import AuditAction
from recouvra.imports.models import BankLine, BankLineStatus, UnappliedReason
from recouvra.law.money import format_amount

from .facts import remove_fact
from .matching import LINE_FIELDS, Line, compact_iban, payer_key, payer_name
from .models import FactKind, MatchProposal, PayerFact, ProposalStatus

NOTE_MAX = BankLine._meta.get_field("unapplied_note").max_length
# the answers that still say whose money it was: the fact keeps the proposal's debtor
ABOUT_THE_DEBTOR = (UnappliedReason.REFUND, UnappliedReason.DUPLICATE, UnappliedReason.TO_RETURN)
WAITING = (BankLineStatus.UNMATCHED, BankLineStatus.PROPOSED)


class UnappliedError(ValueError):
    """The line cannot be marked (or reopened): matched already, or a bad answer."""


def mark_unapplied(line: BankLine, *, reason: str, note: str = "", actor: Any) -> BankLine:
    """The credit pays nothing of ours, for `reason`: its pending proposals are rejected,
    the line waits no more (status UNAPPLIED) and the payer is learned as NOT_OURS."""
    if reason not in UnappliedReason.values:
        raise UnappliedError("Motif inconnu.")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise UnappliedError(f"Le commentaire dépasse {NOTE_MAX} caractères.")
    with transaction.atomic():
        now = timezone.now()
        before = audit.snapshot(BankLine.objects.get(pk=line.pk))
        won = BankLine.objects.filter(pk=line.pk, status__in=WAITING).update(
            status=BankLineStatus.UNAPPLIED,
            unapplied_reason=reason,
            unapplied_note=note,
            updated_at=now,
        )
        current = BankLine.objects.get(pk=line.pk)
        if won != 1:
            if current.status == BankLineStatus.UNAPPLIED:
                return current  # submitted twice: the first answer stands
            raise UnappliedError(_refusal(current))
        rejected = _reject_pending(current, actor, now)
        _learn_not_ours(current, rejected[0] if rejected else None, actor, now)
        audit.record(current, AuditAction.UPDATE, actor=actor, before=before)
    _copy(current, line)
    return current


def reopen_unapplied(line: BankLine, *, actor: Any) -> BankLine:
    """The answer was wrong: the line is to match again, and what it taught is removed
    (unless another unapplied credit of the same payer still says so)."""
    with transaction.atomic():
        now = timezone.now()
        before = audit.snapshot(BankLine.objects.get(pk=line.pk))
        won = BankLine.objects.filter(pk=line.pk, status=BankLineStatus.UNAPPLIED).update(
            status=BankLineStatus.UNMATCHED, unapplied_reason="", unapplied_note="", updated_at=now
        )
        current = BankLine.objects.get(pk=line.pk)
        if won != 1:
            if current.status in WAITING:
                return current  # reopened already
            raise UnappliedError("Seul un crédit non imputé peut être rouvert.")
        _unlearn_not_ours(current, actor)
        audit.record(current, AuditAction.UPDATE, actor=actor, before=before)
    _copy(current, line)
    return current


def payer_value(line: BankLine) -> str:
    """What identifies the payer in a NOT_OURS fact: its IBAN, or else its name's key."""
    iban = compact_iban(line.counterparty_iban)
    if iban:
        return iban
    return payer_key(payer_name(Line.of(line)))[:200]


def _refusal(line: BankLine) -> str:
    if line.status == BankLineStatus.MATCHED:
        return (
            "Ce virement est déjà lettré : annulez d'abord le lettrage "
            "pour le déclarer sans rapport avec nos créances."
        )
    return f"Ce virement est « {line.get_status_display()} » : il ne peut pas être imputé ainsi."


def _reject_pending(line: BankLine, actor: Any, now: Any) -> list[MatchProposal]:
    """Reject the line's pending proposals (best first); returns them as they were."""
    pending = list(
        MatchProposal.objects.filter(bank_line=line, status=ProposalStatus.PENDING).order_by(
            "-score", "-id"
        )
    )
    user = _user(actor)
    for proposal in pending:
        before = audit.snapshot(proposal)
        won = MatchProposal.objects.filter(pk=proposal.pk, status=ProposalStatus.PENDING).update(
            status=ProposalStatus.REJECTED, decided_by=user, decided_at=now, updated_at=now
        )
        if won == 1:
            proposal.status = ProposalStatus.REJECTED
            proposal.decided_by, proposal.decided_at = user, now
            audit.record(proposal, AuditAction.UPDATE, actor=actor, before=before)
    return pending


def _learn_not_ours(
    line: BankLine, proposal: MatchProposal | None, actor: Any, now: Any
) -> PayerFact | None:
    """The fact the next runs read; one removed already stays removed."""
    value = payer_value(line)
    if not value:
        return None
    debtor_id = None
    if proposal is not None and line.unapplied_reason in ABOUT_THE_DEBTOR:
        debtor_id = proposal.debtor_id
    fact, _created = PayerFact.objects.get_or_create(
        organization_id=line.organization_id,
        debtor_id=debtor_id,
        kind=FactKind.NOT_OURS,
        value=value,
        defaults={
            "detail": _detail(line, actor, now),
            "learned_from": proposal,
            "learned_by": _user(actor),
        },
    )
    return fact


def _unlearn_not_ours(line: BankLine, actor: Any) -> int:
    """Remove the NOT_OURS facts this line taught, if no other unapplied line backs them."""
    value = payer_value(line)
    if not value:
        return 0
    others = BankLine.objects.filter(
        organization_id=line.organization_id, status=BankLineStatus.UNAPPLIED
    ).exclude(pk=line.pk)
    if line.counterparty_iban:
        others = others.exclude(counterparty_iban="")
    else:
        others = others.filter(counterparty_iban="")
    if any(payer_value(other) == value for other in others.only(*LINE_FIELDS)):
        return 0
    facts = PayerFact.objects.filter(
        Q(learned_from__bank_line=line) | Q(learned_from__isnull=True),
        organization_id=line.organization_id,
        kind=FactKind.NOT_OURS,
        value=value,
        removed_at__isnull=True,
    )
    return sum(remove_fact(fact, actor) for fact in facts)


def _detail(line: BankLine, actor: Any, now: Any) -> str:
    with translation.override("fr"):
        why = str(UnappliedReason(line.unapplied_reason).label)
    when = timezone.localdate(now)
    text = (
        f"{why} : le virement de {format_amount(line.amount_cents, line.currency)} "
        f"du {line.booking_date:%d/%m/%Y} ne règle rien chez nous "
        f"(indiqué par {_name(actor)} le {when:%d/%m/%Y})"
    )
    if line.unapplied_note:
        text += f" — « {line.unapplied_note} »"
    return text[:300]


def _copy(source: BankLine, target: BankLine) -> None:
    target.status = source.status
    target.unapplied_reason, target.unapplied_note = source.unapplied_reason, source.unapplied_note


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _name(actor: Any) -> str:
    return str(actor) if _user(actor) is not None else "le système"
