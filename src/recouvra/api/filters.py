"""Filters every resource shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from recouvra.core.validators import validate_date_in_range


class MomentField(IsoDateTimeField):
    """An ISO 8601 date-time within the dates the law engine computes with, given to the
    database in UTC (PostgreSQL refuses offsets such as +22:09 that Python accepts)."""

    def to_python(self, value: Any) -> datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        validate_date_in_range(moment.date())
        return moment.astimezone(UTC)


@extend_schema_field(OpenApiTypes.DATETIME)
class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


class UpdatedSince(django_filters.FilterSet):
    """`updated_since` (ISO 8601 date-time): the rows changed since a system's last sync."""

    updated_since = MomentFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Modifié depuis")
    )
