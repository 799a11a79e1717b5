from __future__ import annotations

from django import template

from recouvra.field.services import map_url, tel_url
from recouvra.ledger.models import Debtor

register = template.Library()


@register.filter
def tel(number: str) -> str:
    """A phone number as a tel: link target."""
    return tel_url(number or "")


@register.filter
def map_link(debtor: Debtor) -> str:
    """The debtor's address on OpenStreetMap."""
    return map_url(debtor)
