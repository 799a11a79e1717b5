from __future__ import annotations

from django import template

from recouvra.imports.parsers.ledger_fields import FIELD_LABELS

register = template.Library()


@register.filter
def field_label(code: str) -> str:
    """The French name of a claim field named in an import error ("amount_cents" → "Montant dû")."""
    return FIELD_LABELS.get(code, code)
