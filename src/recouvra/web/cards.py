"""Cards an app shows on another app's page, without the host importing the guest.

A host page names a place ("debtor", "case"…) and renders `{% guest_cards "debtor" object %}`;
a guest app (higher in the layers) registers, in its AppConfig.ready, a template and a
function giving that template's context for the object. The host knows neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

ContextFor = Callable[[HttpRequest, Any], dict[str, Any]]


@dataclass(frozen=True)
class Card:
    template: str
    context: ContextFor


_cards: dict[str, list[Card]] = {}


def register(place: str, template: str, context: ContextFor) -> None:
    """Show `template` on the pages of `place`, with context(request, object)."""
    cards = _cards.setdefault(place, [])
    if not any(card.template == template for card in cards):  # ready() may run twice
        cards.append(Card(template, context))


def cards_for(place: str) -> list[Card]:
    return list(_cards.get(place, ()))
