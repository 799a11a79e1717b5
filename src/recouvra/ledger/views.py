from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from recouvra.core import audit
from recouvra.web import generic

from . import filtersets, forms, services, tables
from .ageing import ageing_rows
from .models import Claim, Creditor, Debtor


class CreditorListView(generic.ObjectListView):
    model = Creditor
    filterset = filtersets.CreditorFilterSet
    table = tables.CreditorTable
    add_url = reverse_lazy("ledger:creditor_add")


class CreditorView(generic.ObjectDetailView):
    model = Creditor
    template_name = "ledger/creditor.html"

    def extra_context(self, request: HttpRequest, obj: Creditor) -> dict[str, Any]:
        member = generic.member_of(request)
        claims = Claim.objects.visible_to(member).filter(creditor=obj)
        return {
            "ageing": ageing_rows(claims.ageing(timezone.localdate())),
        }


class CreditorEditView(generic.ObjectEditView):
    model = Creditor
    form = forms.CreditorForm
    add_title = _("Nouveau créancier")


class CreditorDeleteView(generic.ObjectDeleteView):
    model = Creditor
    success_url = "ledger:creditor_list"


class DebtorListView(generic.ObjectListView):
    model = Debtor
    filterset = filtersets.DebtorFilterSet
    table = tables.DebtorTable
    add_url = reverse_lazy("ledger:debtor_add")

    def base_queryset(self) -> QuerySet:
        return Debtor.objects.with_balance(timezone.localdate())


class DebtorView(generic.ObjectDetailView):
    model = Debtor
    template_name = "ledger/debtor.html"

    def base_queryset(self) -> QuerySet:
        return Debtor.objects.with_balance(timezone.localdate())

    def extra_context(self, request: HttpRequest, obj: Debtor) -> dict[str, Any]:
        member = generic.member_of(request)
        today = timezone.localdate()
        claims = Claim.objects.visible_to(member).filter(debtor=obj)
        return {
            "claims": claims.with_balance().select_related("creditor", "case"),
            "cases": obj.cases.visible_to(member).with_balance().select_related("creditor"),
            "payments": obj.payments.visible_to(member).select_related("creditor")[:20],
            "ageing": ageing_rows(claims.ageing(today)),
            "history": audit.history(obj)[:10],
            "today": today,
            "contact_form": forms.ContactForm(member=member),
        }


class DebtorEditView(generic.ObjectEditView):
    model = Debtor
    form = forms.DebtorForm
    add_title = _("Nouveau débiteur")


class DebtorDeleteView(generic.ObjectDeleteView):
    model = Debtor
    success_url = "ledger:debtor_list"


class ClaimListView(generic.ObjectListView):
    model = Claim
    filterset = filtersets.ClaimFilterSet
    table = tables.ClaimTable
    add_url = reverse_lazy("ledger:claim_add")

    def base_queryset(self) -> QuerySet:
        return Claim.objects.with_balance().select_related("debtor", "creditor")


class ClaimView(generic.ObjectDetailView):
    model = Claim
    template_name = "ledger/claim.html"

    def base_queryset(self) -> QuerySet:
        return Claim.objects.with_balance().select_related("debtor", "creditor", "case")

    def extra_context(self, request: HttpRequest, obj: Claim) -> dict[str, Any]:
        return {
            "allocations": obj.allocations.select_related("payment").order_by(
                "payment__received_on"
            ),
            "days_overdue": obj.days_overdue(timezone.localdate()),
            "history": audit.history(obj)[:10],
        }


class ClaimEditView(generic.ObjectEditView):
    model = Claim
    form = forms.ClaimForm
    add_title = _("Nouvelle créance")

    def make_form(self, request: HttpRequest, instance: Claim, data: Any = None) -> Any:
        form = super().make_form(request, instance, data)
        if not instance.pk and "debtor" in request.GET:
            form.initial["debtor"] = request.GET["debtor"]
        return form

    def create(self, request: HttpRequest, form: Any) -> Claim:
        fields = form.cleaned_data
        organization_id = generic.member_of(request).organization_id
        return services.create_claim(organization_id, actor=request.user, **fields)


class ClaimDeleteView(generic.ObjectDeleteView):
    model = Claim
    success_url = "ledger:claim_list"


@login_required
@require_POST
def add_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an email, phone number or address to a debtor (from its page)."""
    member = generic.require_write(request)
    debtor = generic.get_visible(request, Debtor.objects.all(), pk)
    form = forms.ContactForm(request.POST, member=member)
    if form.is_valid():
        services.add_contact(debtor, **form.cleaned_data, actor=request.user)
        messages.success(request, _("Contact ajouté."))
    else:
        messages.error(request, _("Contact non enregistré : indiquez le type et la valeur."))
    return redirect(debtor)
