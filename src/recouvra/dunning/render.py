"""The text of a message, from its template and the case as it stands on the day it goes.

Templates are edited by admins in the browser: they are rendered by a template engine
that loads no other template and no tag library, over plain values only (strings,
numbers, lists of dicts): no object whose methods a template could call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.template.defaulttags import DebugNode
from django.utils.html import escape, linebreaks

from recouvra.cases.models import Case
from recouvra.letters.content import case_context

from .models import Template

_ENGINE = Engine(loaders=[], libraries={}, autoescape=False, debug=False)


class TemplateError(ValueError):
    """A template that does not parse: said where and why."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def check(text: str) -> None:
    """Raise TemplateError if `text` is not a valid template."""
    _compiled(text)


@lru_cache(maxsize=256)
def _compiled(text: str) -> Any:
    """The template, refused if it does not parse or uses {% debug %} (which prints the
    whole context and the server's loaded modules). Kept compiled: the messages of a pass
    share a few templates (a refused one is not kept, and is refused again)."""
    try:
        template = _ENGINE.from_string(text)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"Modèle invalide : {exc}") from None
    if template.nodelist.get_nodes_by_type(DebugNode):
        raise TemplateError("Modèle invalide : la balise debug n'est pas permise.")
    return template


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
    try:
        subject = _compiled(subject).render(Context(context)).strip()
        text = _compiled(body).render(Context(context)).strip() + "\n"
    except TemplateDoesNotExist as exc:
        raise TemplateError(f"Modèle invalide : {exc}") from None
    return Rendered(" ".join(subject.split())[:200], text, _html(text, context))


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
    return f"<html><body>{linebreaks(escape(text))}{table}</body></html>"


_DEFAULT_SUBJECT = "Factures échues — {{ creditor.name }}"
_DEFAULT_BODY = """Bonjour,

Sauf erreur de notre part, les factures suivantes restent impayées à ce jour :
{% for claim in claims %}
- {{ claim.reference }} échue le {{ claim.due_date }} : {{ claim.total }}{% endfor %}

Total dû : {{ total }}. Merci de régler cette somme avant le {{ deadline }}.

{{ creditor.name }}"""
