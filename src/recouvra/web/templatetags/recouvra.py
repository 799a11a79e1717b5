from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from recouvra.law.money import format_amount
from recouvra.web.cards import cards_for

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


@register.simple_tag(takes_context=True)
def guest_cards(context: Any, place: str, obj: Any) -> SafeString:
    """The cards other apps registered for this place (web.cards), rendered for obj."""
    request = context["request"]
    base = {"object": obj, "member": context.get("member"), "request": request}
    html = [
        render_to_string(card.template, {**base, **card.context(request, obj)}, request=request)
        for card in cards_for(place)
    ]
    return mark_safe("".join(html))  # noqa: S308 - each card is a rendered template
