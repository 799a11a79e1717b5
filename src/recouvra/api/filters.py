"""Filters every resource shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from recouvra.law.dates import MAX_DATE, MIN_DATE


class BoundedDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time within the dates recouvra computes with, read in UTC (an
    offset such as -20:48 is valid ISO 8601 but not to PostgreSQL)."""

    default_error_messages = {
        "range": _("Date hors limites : entre le %(min)s et le %(max)s."),
    }

    def to_python(self, value: Any) -> datetime | None:
        found = super().to_python(value)
        if found is None:
            return None
        if not MIN_DATE <= found.date() <= MAX_DATE:
            raise forms.ValidationError(
                self.error_messages["range"],
                code="range",
                params={"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()},
            )
        return found.astimezone(UTC)


class BoundedDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedDateTimeField


class UpdatedSince(django_filters.FilterSet):
    """`updated_since` (ISO 8601 date-time): the rows changed since a system's last sync."""

    updated_since = BoundedDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Modifié depuis")
    )
