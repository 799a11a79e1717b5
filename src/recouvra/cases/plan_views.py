"""Pages of promises and payment plans. The case page's quick actions load the forms as
HTML fragments (HTMX) into a panel; without HTMX they are full pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from recouvra.law.instalments import beyond_court_grace
from recouvra.web import generic

from .models import Case, PaymentPlan
from .plan_forms import CancelPlanForm, PlanForm, PromiseForm
from .plans import (
    COURT_GRACE_NOTICE,
    balance_due,
    cancel_plan,
    draft_plan,
    plan_left_cents,
    record_plan,
    record_promise,
)

CASE_RELATED = ("debtor", "creditor", "organization")


def _open_case(request: HttpRequest, pk: int) -> Case:
    generic.require_write(request)
    return generic.get_visible(request, Case.objects.select_related(*CASE_RELATED), pk)


def _service_errors(form: Any, error: ValidationError) -> None:
    """The service's errors on the form's fields (an unknown field on the whole form)."""
    for name, messages_ in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages_)


def _page(request: HttpRequest, fragment: str, page: str, context: dict[str, Any]) -> HttpResponse:
    # htmx 2 swaps no 4xx answer: a fragment with its errors comes back as a 200
    status = 400 if context["form"].errors and not request.htmx else 200
    return render(request, fragment if request.htmx else page, context, status=status)


@login_required
def promise_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a promise to pay: the form (a fragment for HTMX), then the refreshed
    timeline (HTMX) or the case page."""
    case = _open_case(request, pk)
    form = PromiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record_promise(case, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _service_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, _("Promesse de paiement enregistrée."))
                return redirect(case)
            return _timeline(request, case, "promise-recorded")
    context = {"object": case, "form": form, "balance": balance_due(case)}
    response = _page(request, "cases/plans/_promise_form.html", "cases/plans/promise.html", context)
    if request.htmx and form.errors:  # the errors go back into the panel, not the timeline
        response["HX-Retarget"] = "#promise-form"
        response["HX-Reswap"] = "outerHTML"
    return response


def _timeline(request: HttpRequest, case: Case, event: str) -> HttpResponse:
    from .forms import InteractionForm

    member = generic.member_of(request)
    context = {
        "object": case,
        "member": member,
        "interaction_form": InteractionForm(member=member),
        "timeline": case.interactions.select_related("author"),
    }
    response = render(request, "cases/_timeline.html", context)
    response["HX-Retarget"] = "#timeline"
    response["HX-Reswap"] = "outerHTML"
    response["HX-Trigger"] = event
    return response


@login_required
def plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Agree a payment plan: the form with its live preview, then the plan's page."""
    case = _open_case(request, pk)
    form = PlanForm(request.POST or None, initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        terms = form.terms()
        try:
            plan = record_plan(
                case,
                starts_on=terms.starts_on,
                frequency=terms.frequency,
                count=terms.count,
                instalment_cents=terms.instalment_cents,
                total_cents=terms.total_cents,
                down_payment_cents=terms.down_payment_cents,
                reduced_count=terms.reduced_count,
                reduced_amount_cents=terms.reduced_amount_cents,
                interest_waived=terms.interest_waived,
                direct_debit=data["direct_debit"],
                notes=data["notes"],
                actor=request.user,
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("Échéancier enregistré."))
            url = reverse("cases:plan", args=[plan.pk])
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return HttpResponseRedirect(url)
    context = {"object": case, "form": form, "balance": balance_due(case)}
    context["preview"] = _preview(case, form) if form.is_bound else None
    return _page(request, "cases/plans/_plan_form.html", "cases/plans/plan_new.html", context)


def _preview(case: Case, form: PlanForm) -> dict[str, Any]:
    """The schedule the form's terms give, or why they give none."""
    if not form.is_valid():
        return {"errors": [e for errors in form.errors.values() for e in errors]}
    try:
        return {"draft": draft_plan(case, form.terms())}
    except ValidationError as error:
        return {"errors": [m for ms in error.message_dict.values() for m in ms]}


@login_required
@require_GET
def plan_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The schedule as the agent types (HTMX); nothing is saved."""
    case = _open_case(request, pk)
    form = PlanForm(request.GET)
    context = {"object": case, "preview": _preview(case, form)}
    return render(request, "cases/plans/_preview.html", context)


@login_required
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan: its terms, its instalments (due, paid, status), its letters."""
    queryset = PaymentPlan.objects.select_related("case__debtor", "case__creditor")
    obj = generic.get_visible(request, queryset, pk)
    instalments = list(obj.instalments.order_by("due_on", "number"))
    context = {
        "object": obj,
        "case": obj.case,
        "member": generic.member_of(request),
        "instalments": instalments,
        "paid_cents": sum(item.paid_cents for item in instalments),
        "left_cents": plan_left_cents(obj),
        "cancel_form": CancelPlanForm(),
        "court_grace_notice": COURT_GRACE_NOTICE if beyond_court_grace(instalments) else "",
    }
    return render(request, "cases/plans/plan.html", context)


@login_required
@require_POST
def plan_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    generic.require_write(request)
    obj = generic.get_visible(request, PaymentPlan.objects.select_related("case"), pk)
    form = CancelPlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Échéancier non annulé : indiquez le motif."))
    elif cancel_plan(obj, reason=form.cleaned_data["reason"], actor=request.user):
        messages.success(request, _("Échéancier annulé : les relances reprennent."))
    else:
        messages.info(request, _("Cet échéancier n'est plus en cours."))
    return redirect("cases:plan", pk=obj.pk)
