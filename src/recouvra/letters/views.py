"""Letters made on demand: a payment's receipt, a payment plan's agreement, the answer to
a rejected dispute."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvra.cases.models import Dispute, DisputeOutcome, PaymentPlan
from recouvra.ledger.models import Payment
from recouvra.web import generic

from .content import (
    FiguresUnavailable,
    case_context,
    dispute_rejection_data,
    instalments,
    plan_agreement_data,
    receipt_data,
)
from .typeset import letter_pdf

MAX_INSTALMENTS = 60


@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt (quittance) of a payment, as PDF."""
    queryset = Payment.objects.filter(reversed_at__isnull=True).select_related(
        "debtor", "creditor", "organization"
    )
    payment = generic.get_visible(request, queryset, pk)
    response = HttpResponse(letter_pdf(receipt_data(payment)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="quittance-{payment.pk}.pdf"'
    return response


@login_required
def plan_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreement of a payment plan, as PDF: the balance due today in `echeances` equal
    instalments (3 unless told), `mois` months apart (1 unless told), from the plan's first
    due date. A plan does not record its count or period (yet): the URL gives them."""
    plan = generic.get_visible(
        request,
        PaymentPlan.objects.select_related(
            "case__debtor", "case__creditor", "case__organization", "case__assigned_to"
        ),
        pk,
    )
    try:
        count = int(request.GET.get("echeances", 3))
        months = int(request.GET.get("mois", 1))
    except ValueError:
        return HttpResponseBadRequest(_("Nombre d'échéances ou de mois invalide."))
    if not (1 <= count <= MAX_INSTALMENTS and 1 <= months <= 12):
        return HttpResponseBadRequest(
            _("Entre 1 et %(max)s échéances, de 1 à 12 mois d'intervalle.")
            % {"max": MAX_INSTALMENTS}
        )
    try:
        context = case_context(plan.case, timezone.localdate())
    except FiguresUnavailable as missing:
        messages.error(
            request,
            _("Échéancier impossible à établir : %(why)s") % {"why": missing.reason},
        )
        return redirect(plan.case)
    schedule = instalments(context["total_cents"], count, plan.starts_on, months)
    data = plan_agreement_data(context, schedule, reference=f"échéancier n° {plan.pk}")
    response = HttpResponse(letter_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="echeancier-{plan.pk}.pdf"'
    return response


@login_required
def dispute_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter answering a rejected dispute (its explanation), as PDF."""
    queryset = Dispute.objects.filter(outcome=DisputeOutcome.REJECTED).select_related(
        "claim", "case__debtor", "case__creditor", "case__organization", "case__assigned_to"
    )
    dispute = generic.get_visible(request, queryset, pk)
    try:
        context = case_context(dispute.case, dispute.closed_on or timezone.localdate())
    except FiguresUnavailable as missing:
        messages.error(
            request, _("Lettre impossible à établir : %(why)s") % {"why": missing.reason}
        )
        return redirect("cases:dispute", dispute.pk)
    data = dispute_rejection_data(context, dispute)
    response = HttpResponse(letter_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="litige-{dispute.pk}.pdf"'
    return response
