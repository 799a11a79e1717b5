"""The text of a message, from its template and the case as it stands on the day it goes.

Templates are edited by admins in the browser: they are rendered by a template engine
that loads no other template and no tag library, over plain values only (strings,
numbers, lists of dicts): no object whose methods a template could call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.utils.html import escape, linebreaks

from recouvra.cases.models import Case
from recouvra.law.money import format_amount
from recouvra.ledger.models import Claim, DebtorKind
from recouvra.ledger.statements import statement_for

from .models import Message, Template

PAYMENT_DAYS = 8  # the deadline a reminder gives: "sous huit jours"
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
    try:
        _ENGINE.from_string(text)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"Modèle invalide : {exc}") from None


def render(template: Template | None, case: Case, as_of: date, **extra: Any) -> Rendered:
    """The message of `template` for `case` on `as_of` (a default text without template)."""
    context = case_context(case, as_of) | extra
    subject = template.subject if template else _DEFAULT_SUBJECT
    body = template.body if template else _DEFAULT_BODY
    try:
        subject = _ENGINE.from_string(subject).render(Context(context)).strip()
        text = _ENGINE.from_string(body).render(Context(context)).strip() + "\n"
    except (TemplateSyntaxError, TemplateDoesNotExist) as exc:
        raise TemplateError(f"Modèle invalide : {exc}") from None
    return Rendered(" ".join(subject.split())[:200], text, _html(text, context))


def render_message(message: Message, as_of: date) -> Rendered:
    return render(message.template, message.case, as_of)


def case_context(case: Case, as_of: date) -> dict[str, Any]:
    """What a template may use: the parties, the overdue claims with what is still due on
    `as_of` (principal, interest, fees: recouvra.law), the totals and the deadline."""
    claims = list(
        Claim.objects.filter(case=case, status="open", due_date__lt=as_of).order_by(
            "due_date", "pk"
        )
    )
    lines = statement_for(claims, as_of).lines if claims else []
    currency = claims[0].currency if claims else "EUR"
    money = _money(currency)
    rows = [
        {
            "reference": line.claim.ref,
            "issue_date": _day(line.claim.issue_date),
            "due_date": _day(line.claim.due_date),
            "days_late": (as_of - line.claim.due_date).days,
            "principal": money(line.principal_due),
            "interest": money(line.interest_due),
            "fees": money(line.fees_due),
            "total": money(line.balance_cents),
            "rate_to_confirm": not line.verified,
        }
        for line in lines
        if line.balance_cents > 0
    ]
    debtor, creditor = case.debtor, case.creditor
    agent = case.assigned_to
    return {
        "organization": {"name": case.organization.name},
        "creditor": {
            "name": creditor.name,
            "address": creditor.address_lines,
            "email": creditor.email,
            "phone": creditor.phone,
            "iban": creditor.iban,
        },
        "debtor": {
            "name": debtor.name,
            "address": debtor.address_lines,
            "is_consumer": debtor.kind == DebtorKind.PERSON,
            "customer_code": debtor.customer_code,
        },
        "case": {"reference": case.reference},
        "agent": {
            "name": getattr(agent, "full_name", "") or "",
            "email": getattr(agent, "email", ""),
        },
        "claims": rows,
        "principal": money(sum(line.principal_due for line in lines)),
        "interest": money(sum(line.interest_due for line in lines)),
        "fees": money(sum(line.fees_due for line in lines)),
        "total": money(sum(max(line.balance_cents, 0) for line in lines)),
        "rate_to_confirm": any(row["rate_to_confirm"] for row in rows),
        "today": _day(as_of),
        "deadline": _day(as_of + timedelta(days=PAYMENT_DAYS)),
    }


def _money(currency: str) -> Any:
    return lambda cents: format_amount(cents, currency)


def _day(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


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
