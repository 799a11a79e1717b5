from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from recouvra.ledger.models import Creditor
from recouvra.web.filtersets import SearchFilterSet

from .models import Case, CaseStatus


class CaseFilterSet(SearchFilterSet):
    search_field = "debtor__search_text"
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices, label=_("Étape"))
    creditor = django_filters.ModelChoiceFilter(
        queryset=Creditor.objects.all(), label=_("Créancier")
    )

    class Meta:
        model = Case
        fields = ["status", "creditor"]
