"""Letters made on demand: a payment's receipt, a payment plan's agreement and lapse."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvra.cases.models import PaymentPlan
from recouvra.cases.plans import plan_left_cents
from recouvra.ledger.models import Payment
from recouvra.web import generic

from .content import (
    FiguresUnavailable,
    case_context,
    plan_agreement_data,
    plan_lapse_data,
)
from .receipts import issue_receipt, receipt_filename, receipt_pdf
from .typeset import letter_pdf


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


PLAN_RELATED = ("case__debtor", "case__creditor", "case__organization", "case__assigned_to")


def _plan_letter(request: HttpRequest, pk: int, make: Any, name: str) -> HttpResponse:
    plan = generic.get_visible(request, PaymentPlan.objects.select_related(*PLAN_RELATED), pk)
    try:
        context = case_context(plan.case, timezone.localdate())
    except FiguresUnavailable as missing:
        messages.error(
            request,
            _("Courrier impossible à établir : %(why)s") % {"why": missing.reason},
        )
        return redirect(plan.case)
    data = make(context, plan, list(plan.instalments.order_by("due_on", "number")))
    response = HttpResponse(letter_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}-{plan.pk}.pdf"'
    return response


@login_required
def plan_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreement of a payment plan, as PDF: its stored instalments and terms."""

    def make(context: dict[str, Any], plan: PaymentPlan, items: list) -> dict[str, Any]:
        grace = plan.case.organization.plan_grace_days
        return plan_agreement_data(context, plan, items, grace_days=grace)

    return _plan_letter(request, pk, make, "echeancier")


@login_required
def plan_lapse(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter of a lapsed plan (déchéance du terme), as PDF."""
    return _plan_letter(request, pk, lapse_letter, "decheance")


def lapse_letter(context: dict[str, Any], plan: PaymentPlan, items: list) -> dict[str, Any]:
    return plan_lapse_data(context, plan, items, left_cents=plan_left_cents(plan))


def lapse_letter_pdf(plan: PaymentPlan) -> bytes:
    """The lapse letter of `plan` as PDF (the dunning task e-mails it); FiguresUnavailable
    when the law engine cannot state the figures."""
    context = case_context(plan.case, timezone.localdate())
    items = list(plan.instalments.order_by("due_on", "number"))
    return letter_pdf(lapse_letter(context, plan, items))
