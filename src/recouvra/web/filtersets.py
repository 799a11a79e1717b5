"""Filterset base: an accent-insensitive `q` search and choices scoped to the tenant."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from recouvra.core.search import normalize


class SearchFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Recherche"))

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        member = getattr(request, "membership", None)
        for flt in self.filters.values():
            queryset = getattr(flt, "queryset", None)
            if queryset is not None and hasattr(queryset, "visible_to"):
                flt.queryset = queryset.visible_to(member)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in normalize(value).split():
            queryset = queryset.filter(**{f"{self.search_field}__contains": word})
        return queryset

    search_field = "search_text"
