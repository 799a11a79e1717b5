"""The letter of a message (recouvra.letters): what is printed and posted, or attached to
the e-mail. Its text is the message's, frozen the first time it is made."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from recouvra.letters.content import NOTICE, REMINDER, case_context, letter_data
from recouvra.letters.render import letter_pdf

from .models import Channel, Message
from .render import render


def freeze(message: Message, as_of: date, *, with_document: bool) -> None:
    """Write the message's text (and its letter, if asked) with the figures of `as_of`,
    once: what was sent stays as it was sent."""
    changed: dict[str, Any] = {}
    if not message.body_text:
        rendered = render(message.template, message.case, as_of)
        message.subject, message.body_text, message.body_html = (
            rendered.subject,
            rendered.text,
            rendered.html,
        )
        changed |= {"subject": rendered.subject, "body_text": rendered.text}
        changed["body_html"] = rendered.html
    if with_document and not message.document:
        pdf = letter_pdf(letter_of(message, as_of))
        message.document.save(f"{message.idempotency_key}.pdf", ContentFile(pdf), save=False)
        changed["document"] = message.document.name
    if changed:
        Message.objects.filter(pk=message.pk).update(**changed, updated_at=timezone.now())


def letter_of(message: Message, as_of: date) -> dict[str, Any]:
    """The typst layout's data for the letter of `message` (its text frozen already)."""
    step = message.step_run.step if message.step_run_id else None
    notice = bool(step and step.is_formal_notice)
    return letter_data(
        case_context(message.case, as_of),
        subject=message.subject,
        text=message.body_text,
        kind=NOTICE if notice else REMINDER,
        registered=message.channel == Channel.REGISTERED,
        first_letter=_first_letter(message),
    )


def _first_letter(message: Message) -> str:
    """The date of the first message sent on the case (an agency recalls it, R124-4)."""
    first = (
        Message.objects.filter(case_id=message.case_id, sent_at__isnull=False)
        .exclude(pk=message.pk)
        .order_by("sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    return f"du {timezone.localtime(first):%d/%m/%Y}" if first else ""
