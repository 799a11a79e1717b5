"""Letters made on demand: a payment's receipt, a payment plan's agreement."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvra.cases.models import PaymentPlan
from recouvra.ledger.models import Payment
from recouvra.web import generic

from .content import (
    FiguresUnavailable,
    case_context,
    instalments,
    plan_agreement_data,
)
from .receipts import issue_receipt, receipt_filename, receipt_pdf
from .typeset import letter_pdf

MAX_INSTALMENTS = 60


@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt (quittance) of a payment, as PDF: numbered the first time it is issued
    (CPCE R124-6), the same number ever after."""
    queryset = Payment.objects.filter(reversed_at__isnull=True).select_related(
        "debtor", "creditor", "organization", "collected_by"
    )
    payment = generic.get_visible(request, queryset, pk)
    issue_receipt(payment, actor=request.user)
    response = HttpResponse(receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{receipt_filename(payment)}"'
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
