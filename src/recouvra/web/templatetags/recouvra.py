from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from recouvra.law.money import format_amount

register = template.Library()


@register.filter
def money(cents: Any, currency: str = "EUR") -> str:
    """Integer cents → "1 250,00 €". Empty for None."""
    if cents is None or cents == "":
        return ""
    return format_amount(int(cents), currency or "EUR")


@register.filter
def badge(obj: Any, field: str) -> str:
    value = getattr(obj, field)
    label = getattr(obj, f"get_{field}_display")()
    return format_html('<span class="badge badge-{}">{}</span>', value, label)


@register.simple_tag(takes_context=True)
def query_replace(context: Any, **kwargs: Any) -> str:
    """The current query string with some parameters replaced (keeps filters when paging)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.filter
def field_label(code: str) -> str:
    """The French name of a claim field named in an import error ("amount_cents" → "Montant dû")."""
    from recouvra.imports.parsers.ledger_fields import FIELD_LABELS

    return FIELD_LABELS.get(code, code)
