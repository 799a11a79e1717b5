"""The text of a message, from its template and the case as it stands on the day it goes.

Templates are edited by admins in the browser: they are rendered by a template engine
that loads no other template and no tag library, over plain values only (strings,
numbers, lists of dicts), within bounds of output, loop turns and time (sandbox.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from django.utils.html import escape, linebreaks

from recouvra.cases.models import Case
from recouvra.letters.content import case_context

from .models import Template
from .sandbox import Budget, TemplateError, compile_template, render_template

__all__ = ["Rendered", "TemplateError", "check", "render"]


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def check(text: str) -> None:
    """Raise TemplateError if `text` is not a valid template, or if rendered on a case
    with many claims it goes past the bounds of the sandbox: such a template cannot be
    saved."""
    render_template(_compiled(text), sample_context(), Budget())


# the messages of a pass share a few templates: each is compiled once (a refused one is
# not kept, and is refused again); the bounds are counted per render, not per template
_compiled = lru_cache(maxsize=256)(compile_template)


def render(
    template: Template | None,
    case: Case,
    as_of: date,
    *,
    context: dict[str, Any] | None = None,
) -> Rendered:
    """The message of `template` for `case` on `as_of` (a default text without template);
    `context`: case_context(case, as_of), when the caller has it already."""
    if context is None:
        context = case_context(case, as_of)
    subject = template.subject if template else _DEFAULT_SUBJECT
    body = template.body if template else _DEFAULT_BODY
    budget = Budget()
    subject = render_template(_compiled(subject), context, budget).strip()
    text = render_template(_compiled(body), context, budget).strip() + "\n"
    return Rendered(" ".join(subject.split())[:200], text, _html(text, context))


SAMPLE_CLAIMS = 50


def sample_context() -> dict[str, Any]:
    """A case_context of made-up values, with many claims, to try a template on."""
    party = {"name": "Exemple SARL", "address": ["1 rue de l'Exemple", "75001 Paris"]}
    claim = {
        "reference": "FA-00001",
        "issue_date": "05/01/2026",
        "due_date": "04/02/2026",
        "days_late": 30,
        "principal": "1 250,00 €",
        "interest": "12,34 €",
        "fees": "40,00 €",
        "total": "1 302,34 €",
        "rate_to_confirm": False,
    }
    return {
        "organization": {**party, "email": "", "phone": "", "siren": "", "is_agency": True},
        "creditor": {**party, "email": "", "phone": "", "iban": ""},
        "debtor": {**party, "postal_code": "75001", "is_consumer": False, "customer_code": ""},
        "case": {"reference": "D-2026-00001"},
        "agent": {"name": "Agent", "email": ""},
        "claims": [dict(claim) for _ in range(SAMPLE_CLAIMS)],
        **dict.fromkeys(("principal", "interest", "fees", "total"), "1 302,34 €"),
        "total_cents": 130_234,
        "currency": "EUR",
        "rate_to_confirm": False,
        **dict.fromkeys(("today", "deadline"), "06/03/2026"),
        **dict.fromkeys(("today_long", "deadline_long"), "6 mars 2026"),
    }


def _html(text: str, context: dict[str, Any]) -> str:
    """The HTML part: the text in paragraphs, then the statement as a table."""
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(row[key])}</td>"
            for key in ("reference", "due_date", "principal", "interest", "fees", "total")
        )
        + "</tr>"
        for row in context["claims"]
    )
    head = "".join(
        f"<th>{label}</th>"
        for label in ("Facture", "Échéance", "Principal", "Intérêts", "Frais", "Reste dû")
    )
    table = (
        f'<table border="1" cellpadding="4" cellspacing="0"><thead><tr>{head}</tr></thead>'
        f'<tbody>{rows}</tbody><tfoot><tr><th colspan="5">Total</th>'
        f"<th>{escape(context['total'])}</th></tr></tfoot></table>"
    )
    # C. com. L441-10 II: interest stated at the legal floor says so, under the figures
    notes = "".join(
        f"<p><small>{escape(note)}</small></p>" for note in context.get("floor_mentions", ())
    )
    return f"<html><body>{linebreaks(escape(text))}{table}{notes}</body></html>"


_DEFAULT_SUBJECT = "Factures échues — {{ creditor.name }}"
_DEFAULT_BODY = """Bonjour,

Sauf erreur de notre part, les factures suivantes restent impayées à ce jour :
{% for claim in claims %}
- {{ claim.reference }} échue le {{ claim.due_date }} : {{ claim.total }}{% endfor %}

Total dû : {{ total }}. Merci de régler cette somme avant le {{ deadline }}.

{{ creditor.name }}"""
