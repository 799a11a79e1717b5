from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recouvra.web.filtersets import SearchFilterSet

from .models import Claim, ClaimKind, ClaimStatus, Creditor, Debtor, DebtorKind, RiskLevel

OVERDUE_CHOICES = [("yes", _("En retard")), ("no", _("Non échues"))]


class CreditorFilterSet(SearchFilterSet):
    search_field = "name"

    class Meta:
        model = Creditor
        fields = ["is_mandant"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(name__icontains=value.strip())


class DebtorFilterSet(SearchFilterSet):
    kind = django_filters.ChoiceFilter(choices=DebtorKind.choices, label=_("Type"))
    city = django_filters.CharFilter(lookup_expr="icontains", label=_("Ville"))
    risk_level = django_filters.ChoiceFilter(
        choices=[c for c in RiskLevel.choices if c[0]], label=_("Risque")
    )

    class Meta:
        model = Debtor
        fields = ["kind", "city", "risk_level"]


class ClaimFilterSet(SearchFilterSet):
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices, label=_("Statut"))
    kind = django_filters.ChoiceFilter(choices=ClaimKind.choices, label=_("Nature"))
    creditor = django_filters.ModelChoiceFilter(
        queryset=Creditor.objects.all(), label=_("Créancier")
    )
    overdue = django_filters.ChoiceFilter(
        choices=OVERDUE_CHOICES, method="filter_overdue", label=_("Échéance")
    )
    due_after = django_filters.DateFilter(
        field_name="due_date",
        lookup_expr="gte",
        label=_("Échéance après le"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    due_before = django_filters.DateFilter(
        field_name="due_date",
        lookup_expr="lte",
        label=_("Échéance avant le"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = Claim
        fields = ["status", "kind", "creditor"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        today = timezone.localdate()
        if value == "yes":
            return queryset.filter(due_date__lt=today)
        return queryset.filter(due_date__gte=today)
