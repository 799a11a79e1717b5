"""The reconciliation queue (lettrage): agents accept, change or reject each proposal, or say
that a credit pays nothing of ours."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvra.core.models import AuditAction, AuditEvent, Membership
from recouvra.imports.models import BankLine, BankLineStatus, UnappliedReason
from recouvra.ledger.models import OPEN_STATUSES, Claim, Debtor
from recouvra.web import generic

from .forms import UnappliedForm
from .models import MatchProposal, PayerFact, ProposalStatus

PENDING_SHOWN = 100
DUPLICATE = "duplicate"  # the engine's signal: same amount and reference as a matched payment


@dataclass
class Reasons:
    """A candidate's reasons as the agent weighs them."""

    pros: list[dict[str, Any]] = field(default_factory=list)  # points > 0
    cons: list[dict[str, Any]] = field(default_factory=list)  # points < 0
    notes: list[dict[str, Any]] = field(default_factory=list)  # 0 points
    duplicate: bool = False

    @classmethod
    def of(cls, reasons: Iterable[Any]) -> Reasons:
        split = cls()
        for item in reasons:
            if not isinstance(item, dict):
                continue
            points = item.get("points") or 0
            (split.pros if points > 0 else split.cons if points < 0 else split.notes).append(item)
            split.duplicate |= item.get("signal") == DUPLICATE
        return split


@dataclass
class AltClaim:
    pk: int
    claim: Claim | None  # None: gone, or not visible to this member

    @property
    def is_open(self) -> bool:
        return self.claim is not None and self.claim.status in OPEN_STATUSES


@dataclass
class Second:
    """The engine's second best candidate of a proposal (its alternatives[0])."""

    debtor: Debtor | None
    claims: list[AltClaim]
    score: int
    reasons: Reasons

    @property
    def open_ids(self) -> list[int]:
        return [c.pk for c in self.claims if c.is_open]


@dataclass
class Item:
    proposal: MatchProposal
    reasons: Reasons
    second: Second | None


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    member = generic.member_of(request)
    proposals = (
        MatchProposal.objects.visible_to(member)
        .select_related("bank_line", "debtor", "payment")
        .prefetch_related(Prefetch("claims", queryset=Claim.objects.with_balance()))
    )
    pending = list(proposals.filter(status=ProposalStatus.PENDING)[:PENDING_SHOWN])
    unapplied = list(
        BankLine.objects.visible_to(member)
        .filter(status=BankLineStatus.UNAPPLIED)
        .order_by("-updated_at", "-id")[:100]
    )
    context = {
        "items": _items(member, pending),
        "applied": proposals.filter(status=ProposalStatus.APPLIED).order_by("-decided_at", "-id")[
            :30
        ],
        "unmatched": BankLine.objects.visible_to(member)
        .filter(status=BankLineStatus.UNMATCHED, amount_cents__gt=0)
        .select_related("account")[:100],
        "unapplied": _with_deciders(member, unapplied),
        "unapplied_reasons": UnappliedReason.choices,
        "can_write": member.can_write,
    }
    return render(request, "lettrage/queue.html", context)


def _items(member: Membership, pending: Sequence[MatchProposal]) -> list[Item]:
    """Each pending proposal with its reasons split and its second best, whose debtors and
    claims are read in one query each for the page."""
    seconds = {p.pk: p.alternatives[0] for p in pending if _alternative(p) is not None}
    debtor_ids = {alt.get("debtor_id") for alt in seconds.values()}
    claim_ids = {pk for alt in seconds.values() for pk in alt.get("claim_ids") or ()}
    debtors = Debtor.objects.visible_to(member).in_bulk([d for d in debtor_ids if d])
    claims = Claim.objects.visible_to(member).with_balance().in_bulk(claim_ids)
    items = []
    for proposal in pending:
        alt = seconds.get(proposal.pk)
        second = None
        if alt is not None:
            second = Second(
                debtors.get(alt.get("debtor_id")),
                [AltClaim(pk, claims.get(pk)) for pk in alt.get("claim_ids") or ()],
                alt.get("score") or 0,
                Reasons.of(alt.get("reasons") or ()),
            )
        items.append(Item(proposal, Reasons.of(proposal.reasons or ()), second))
    return items


def _alternative(proposal: MatchProposal) -> dict[str, Any] | None:
    alternatives = proposal.alternatives
    if isinstance(alternatives, list) and alternatives and isinstance(alternatives[0], dict):
        return alternatives[0]
    return None


def _with_deciders(member: Membership, lines: list[BankLine]) -> list[BankLine]:
    """Who said each line pays nothing of ours, and when: its last audit event doing so."""
    events = (
        AuditEvent.objects.filter(
            organization_id=member.organization_id,
            content_type=ContentType.objects.get_for_model(BankLine),
            object_id__in=[str(line.pk) for line in lines],
            action=AuditAction.UPDATE,
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
    decided = {}
    for event in events if lines else ():
        status = event.changes.get("status") if isinstance(event.changes, dict) else None
        if isinstance(status, list) and status[-1:] == [BankLineStatus.UNAPPLIED]:
            decided[event.object_id] = event
    for line in lines:
        line.decision = decided.get(str(line.pk))
    return lines


def _engine():  # noqa: ANN202
    from . import reconcile  # the engine module is heavy (rapidfuzz): import it on use

    return reconcile


def _proposal(request: HttpRequest, pk: int) -> MatchProposal:
    generic.require_write(request)
    return generic.get_visible(request, MatchProposal.objects.select_related("bank_line"), pk)


def _decide(request: HttpRequest, action, done: str) -> HttpResponse:  # noqa: ANN001
    """Run one decision; a proposal decided meanwhile (another tab, another agent) is said so."""
    engine = _engine()
    try:
        action(engine)
    except engine.ReconcileError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("lettrage:queue")


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply the proposal as it is, or with the claims the agent ticked, the references
    typed in (other open claims of the debtor), or those of the second best."""
    proposal = _proposal(request, pk)
    member = generic.member_of(request)
    chosen = set(request.POST.getlist("claims"))
    if not all(value.isdigit() for value in chosen):
        messages.error(request, _("Créance introuvable ou déjà soldée."))
        return redirect("lettrage:queue")
    typed = [ref.strip() for ref in request.POST.get("reference", "").split(",") if ref.strip()]
    if typed:
        found = _claims_by_reference(member, proposal, typed)
        if found is None:
            messages.error(
                request,
                _("Référence introuvable parmi les créances ouvertes de ce débiteur : %(refs)s")
                % {"refs": ", ".join(typed)},
            )
            return redirect("lettrage:queue")
        chosen |= {str(pk) for pk in found}
    proposed = {str(pk) for pk in proposal.claims.values_list("pk", flat=True)}
    if not chosen or chosen == proposed:
        return _decide(
            request, lambda e: e.apply_proposal(proposal, actor=request.user), _("Paiement lettré.")
        )
    claims = list(Claim.objects.visible_to(member).filter(pk__in=chosen).open())
    if len(claims) != len(chosen):
        messages.error(request, _("Créance introuvable ou déjà soldée."))
        return redirect("lettrage:queue")
    return _decide(
        request,
        lambda e: e.change_proposal(proposal, claims, actor=request.user),
        _("Paiement lettré."),
    )


def _claims_by_reference(
    member: Membership, proposal: MatchProposal, references: list[str]
) -> list[int] | None:
    """The open claims of the proposal's debtor with these references (one each), or None."""
    found = []
    claims = Claim.objects.visible_to(member).open().filter(debtor_id=proposal.debtor_id)
    for reference in references:
        ids = list(claims.filter(reference__iexact=reference).values_list("pk", flat=True)[:2])
        if len(ids) != 1:
            return None
        found += ids
    return found


@login_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    return _decide(
        request,
        lambda e: e.reject_proposal(proposal, actor=request.user),
        _("Proposition rejetée : la ligne reste à rapprocher."),
    )


@login_required
@require_POST
def reverse(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    return _decide(
        request,
        lambda e: e.reverse_match(proposal, actor=request.user),
        _("Lettrage annulé : le paiement reste tracé, marqué annulé."),
    )


@login_required
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    member = generic.require_write(request)
    proposals = _engine().propose_matches(member.organization_id, actor=request.user)
    messages.success(
        request, _("%(n)s proposition(s) de lettrage calculée(s).") % {"n": len(proposals)}
    )
    return redirect("lettrage:queue")


def _bank_line(request: HttpRequest, pk: int) -> BankLine:
    generic.require_write(request)
    return generic.get_visible(request, BankLine.objects.all(), pk)


@login_required
@require_POST
def unapply(request: HttpRequest, pk: int) -> HttpResponse:
    """The credit pays nothing of ours: kept as an unapplied credit with its reason."""
    line = _bank_line(request, pk)
    form = UnappliedForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, errors)
        return redirect("lettrage:queue")
    from .unapplied import UnappliedError, mark_unapplied

    try:
        mark_unapplied(line, actor=request.user, **form.cleaned_data)
    except UnappliedError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Crédit gardé non imputé : il ne règle rien chez nous."))
    return redirect("lettrage:queue")


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    line = _bank_line(request, pk)
    from .unapplied import UnappliedError, reopen_unapplied

    try:
        reopen_unapplied(line, actor=request.user)
    except UnappliedError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Crédit rouvert : il est de nouveau à rapprocher."))
    return redirect("lettrage:queue")


def facts_card(request: HttpRequest, debtor: Debtor) -> dict[str, Any]:
    """What lettrage learnt about the debtor's payers (see _facts.html): the facts in use,
    then the removed ones."""
    member = generic.member_of(request)
    facts = (
        PayerFact.objects.visible_to(member)
        .filter(debtor=debtor)
        .select_related("learned_by", "removed_by")
        .order_by("kind", "value")
    )
    return {
        "payer_facts": [fact for fact in facts if fact.removed_at is None],
        "removed_facts": [fact for fact in facts if fact.removed_at is not None],
    }


@login_required
@require_POST
def remove_fact(request: HttpRequest, pk: int) -> HttpResponse:
    generic.require_write(request)
    fact = generic.get_visible(request, PayerFact.objects.select_related("debtor"), pk)
    from .facts import remove_fact as remove  # the engine's modules: imported on use

    if remove(fact, request.user):
        messages.success(request, _("Le lettrage n'utilisera plus ce fait."))
    else:
        messages.info(request, _("Ce fait était déjà retiré."))
    if fact.debtor is None:
        return redirect("lettrage:queue")
    return redirect(fact.debtor.get_absolute_url())
