"""The field collector's pages: the round of the day, a visit, a payment's receipt, and the
receipt's public link (no sign-in: a signed, expiring token)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvra.cases.models import Task, TaskKind
from recouvra.core.models import Membership, Role
from recouvra.ledger.models import Payment
from recouvra.letters.receipts import issue_receipt, receipt_filename, receipt_pdf
from recouvra.web import generic

from . import services
from .forms import FieldPaymentForm, SendReceiptForm, VisitForm


def field_member(request: HttpRequest) -> Membership:
    """The member, if they work visits (a collector, or the office); else 403."""
    member = generic.member_of(request)
    if not services.works_visits(member):
        raise PermissionDenied(_("Votre rôle ne permet pas de travailler les visites."))
    return member


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """The collector's round: today's visits (and those left from before) in route order."""
    member = field_member(request)
    day = timezone.localdate()
    context = {"visits": services.todays_round(member, day), "today": day, "member": member}
    return render(request, "field/today.html", context)


def _visit_context(request: HttpRequest, task: Any, **forms: Any) -> dict[str, Any]:
    case = task.case
    return {
        "task": task,
        "case": case,
        "debtor": case.debtor,
        "balance": services.case_balance(case),
        "timeline": case.interactions.select_related("author")[: services.LAST_EXCHANGES],
        "payments": Payment.objects.visible_to(generic.member_of(request))
        .filter(debtor=case.debtor, creditor=case.creditor, collected_by__isnull=False)
        .order_by("-pk")[:5],
        "visit_form": forms.get("visit_form") or VisitForm(initial=_preset(request)),
        "payment_form": forms.get("payment_form") or FieldPaymentForm(),
    }


def _preset(request: HttpRequest) -> dict[str, str]:
    """The outcome a link chose ahead (?issue=paid from the receipt page)."""
    outcome = request.GET.get("issue", "")
    return {"outcome": outcome} if outcome in services.Outcome.values else {}


@login_required
def visit(request: HttpRequest, pk: int) -> HttpResponse:
    """A visit: the debtor, the balance; what came of it (POST)."""
    member = field_member(request)
    task = get_object_or_404(services.visits(member), pk=pk)
    if request.method != "POST":
        return render(request, "field/visit.html", _visit_context(request, task))
    form = VisitForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_visit(
                task,
                outcome=data["outcome"],
                note=data["note"],
                next_visit_on=data["next_visit_on"],
                promise_cents=data["promise_amount"],
                promised_on=data["promised_on"],
                actor=request.user,
            )
        except ValidationError as refused:
            _add_errors(form, refused)
        else:
            messages.success(request, _("Visite enregistrée au dossier."))
            return redirect("field:today")
    context = _visit_context(request, task, visit_form=form)
    return render(request, "field/visit.html", context, status=400)


@login_required
@require_POST
def take_payment(request: HttpRequest, pk: int) -> HttpResponse:
    """A payment taken on a visit, then at once its receipt page."""
    member = field_member(request)
    task = get_object_or_404(services.visits(member), pk=pk)
    form = FieldPaymentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.take_payment(
                task,
                amount_cents=data["amount"],
                method=data["method"],
                cheque_number=data["cheque_number"],
                cheque_bank=data["cheque_bank"],
                card_last4=data["card_last4"],
                entry=data["entry"],
                actor=request.user,
            )
        except ValidationError as refused:
            _add_errors(form, refused)
        else:
            messages.success(
                request, _("Paiement enregistré : quittance %(n)s.") % {"n": payment.receipt_number}
            )
            receipt_url = reverse("field:receipt", args=[payment.pk])
            return redirect(f"{receipt_url}?visite={task.pk}")
    context = _visit_context(request, task, payment_form=form)
    return render(request, "field/visit.html", context, status=400)


def _add_errors(form: Any, refused: ValidationError) -> None:
    for field, errors in refused.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _field_payment(request: HttpRequest, pk: int) -> Payment:
    """A payment the member may see, not reversed (a collector: one they took)."""
    member = field_member(request)
    payments = Payment.objects.visible_to(member).filter(reversed_at__isnull=True)
    if member.role == Role.FIELD_COLLECTOR:
        payments = payments.filter(collected_by=request.user)
    payments = payments.select_related("debtor", "creditor", "organization", "collected_by")
    return get_object_or_404(payments, pk=pk)


@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt of a payment taken: its number, the PDF, send it to the debtor."""
    payment = _field_payment(request, pk)
    issue_receipt(payment, actor=request.user)
    debtor = payment.debtor
    initial = {"channel": "email", "recipient": debtor.email} if debtor.email else {}
    if not debtor.email and debtor.mobile:
        initial = {"channel": "sms", "recipient": debtor.mobile}
    form = SendReceiptForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        link = request.build_absolute_uri(
            reverse("field:public_receipt", args=[services.receipt_token(payment)])
        )
        channel, recipient = form.cleaned_data["channel"], form.cleaned_data["recipient"]
        try:
            services.send_receipt(
                payment, channel=channel, recipient=recipient, link=link, actor=request.user
            )
        except ValidationError as refused:
            _add_errors(form, refused)
        else:
            messages.success(request, _("Quittance envoyée à %(to)s.") % {"to": recipient})
            return redirect(request.get_full_path())  # the same page, its ?visite= kept
    context = {"payment": payment, "send_form": form, "case": services.case_of(payment)}
    context["visit_task"] = _visit_of(request, payment)
    return render(request, "field/receipt.html", context, status=400 if form.errors else 200)


def _visit_of(request: HttpRequest, payment: Payment) -> Any:
    """The visit the payment was taken on (?visite=), if still to be reported."""
    pk = request.GET.get("visite", "")
    if not pk.isdigit() or len(pk) > 18:
        return None
    tasks = services.visits(generic.member_of(request)).filter(done_at__isnull=True)
    return tasks.filter(pk=int(pk), case__debtor=payment.debtor_id).first()


CARD_ROWS = 10


def case_visits_card(request: HttpRequest, case: Any) -> dict[str, Any]:
    """The visits of a case and the payments taken on them, on the case page."""
    member = generic.member_of(request)
    visits = Task.objects.visible_to(member).filter(case=case, kind=TaskKind.VISIT)
    taken = Payment.objects.visible_to(member).filter(
        debtor_id=case.debtor_id, creditor_id=case.creditor_id, collected_by__isnull=False
    )
    return {
        "case_visits": visits.select_related("assigned_to").order_by("-due_on", "-pk")[:CARD_ROWS],
        "field_payments": taken.select_related("collected_by").order_by("-pk")[:CARD_ROWS],
        "works_visits": services.works_visits(member),
    }


def public_receipt(request: HttpRequest, token: str) -> HttpResponse:
    """The receipt a debtor opens from the link of an SMS: no sign-in, the token names the
    payment and expires (services.RECEIPT_LINK_DAYS)."""
    payment = services.payment_of_token(token)
    if payment is None:
        raise Http404(_("Ce lien de quittance n'est pas valide ou a expiré."))
    response = HttpResponse(receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{receipt_filename(payment)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
