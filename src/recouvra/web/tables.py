"""Table columns shared by every list page."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html

from recouvra.law.money import format_amount


class MoneyColumn(tables.Column):
    """Integer cents shown in French notation, right-aligned."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        attrs = kwargs.pop("attrs", {})
        attrs.setdefault("td", {"class": "num"})
        attrs.setdefault("th", {"class": "num"})
        super().__init__(*args, attrs=attrs, **kwargs)

    def render(self, value: int, record: Any) -> str:
        return format_amount(int(value), getattr(record, "currency", "EUR"))


class BadgeColumn(tables.Column):
    """A choice field shown as a coloured badge (class from the raw value)."""

    def render(self, value: Any, record: Any, bound_column: Any) -> str:
        raw = getattr(record, bound_column.accessor, "")
        return format_html('<span class="badge badge-{}">{}</span>', raw, value)
