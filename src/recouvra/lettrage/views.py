"""The reconciliation queue (lettrage): agents accept, change or reject each proposal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvra.imports.models import BankLine, BankLineStatus
from recouvra.ledger.models import Claim, Debtor
from recouvra.web import generic

from .models import MatchProposal, PayerFact, ProposalStatus


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    member = generic.member_of(request)
    proposals = (
        MatchProposal.objects.visible_to(member)
        .select_related("bank_line", "debtor", "payment")
        .prefetch_related(Prefetch("claims", queryset=Claim.objects.with_balance()))
    )
    context = {
        "pending": proposals.filter(status=ProposalStatus.PENDING)[:100],
        "applied": proposals.filter(status=ProposalStatus.APPLIED).order_by("-decided_at", "-id")[
            :30
        ],
        "unmatched": BankLine.objects.visible_to(member)
        .filter(status=BankLineStatus.UNMATCHED, amount_cents__gt=0)
        .select_related("account")[:100],
    }
    return render(request, "lettrage/queue.html", context)


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
    proposal = _proposal(request, pk)
    chosen = request.POST.getlist("claims")
    if not chosen:
        return _decide(
            request, lambda e: e.apply_proposal(proposal, actor=request.user), _("Paiement lettré.")
        )
    member = generic.member_of(request)
    claims = list(Claim.objects.visible_to(member).filter(pk__in=chosen).open())
    if len(claims) != len(set(chosen)):
        messages.error(request, _("Créance introuvable ou déjà soldée."))
        return redirect("lettrage:queue")
    return _decide(
        request,
        lambda e: e.change_proposal(proposal, claims, actor=request.user),
        _("Paiement lettré."),
    )


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
