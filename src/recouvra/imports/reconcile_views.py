"""The reconciliation queue (lettrage): agents accept, change or reject each proposal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvra.ledger.models import Claim
from recouvra.web import generic

from .models import BankLine, BankLineStatus, MatchProposal, ProposalStatus


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
    return render(request, "imports/queue.html", context)


def _engine():  # noqa: ANN202
    from . import reconcile  # the engine module is heavy (rapidfuzz): import it on use

    return reconcile


def _proposal(request: HttpRequest, pk: int) -> MatchProposal:
    generic.require_write(request)
    return generic.get_visible(request, MatchProposal.objects.select_related("bank_line"), pk)


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    chosen = request.POST.getlist("claims")
    if chosen:
        member = generic.member_of(request)
        claims = list(Claim.objects.visible_to(member).filter(pk__in=chosen).open())
        if len(claims) != len(set(chosen)):
            messages.error(request, _("Créance introuvable ou déjà soldée."))
            return redirect("imports:queue")
        _engine().change_proposal(proposal, claims, actor=request.user)
    else:
        _engine().apply_proposal(proposal, actor=request.user)
    messages.success(request, _("Paiement lettré."))
    return redirect("imports:queue")


@login_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    _engine().reject_proposal(_proposal(request, pk), actor=request.user)
    messages.success(request, _("Proposition rejetée : la ligne reste à rapprocher."))
    return redirect("imports:queue")


@login_required
@require_POST
def reverse(request: HttpRequest, pk: int) -> HttpResponse:
    _engine().reverse_match(_proposal(request, pk), actor=request.user)
    messages.success(request, _("Lettrage annulé : le paiement reste tracé, marqué annulé."))
    return redirect("imports:queue")


@login_required
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    member = generic.require_write(request)
    proposals = _engine().propose_matches(member.organization_id, actor=request.user)
    messages.success(
        request, _("%(n)s proposition(s) de lettrage calculée(s).") % {"n": len(proposals)}
    )
    return redirect("imports:queue")
