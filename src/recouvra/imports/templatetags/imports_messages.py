"""Template filters showing parser errors in the reader's language (see imports.messages)."""

from __future__ import annotations

from typing import Any

from django import template

from recouvra.imports import messages

register = template.Library()


@register.filter
def parser_reason(error: Any) -> str:
    """{{ error|parser_reason }}: the reason of a row error (stored preview or record)."""
    return messages.reason(error)


@register.filter
def parser_field(field: str) -> str:
    """{{ error.field|parser_field }}: the field named by a row error, translated."""
    return messages.field_label(field)
