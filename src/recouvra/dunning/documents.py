"""The letter of a message (recouvra.letters): what is printed and posted, or attached to
the e-mail. Its text is the message's, frozen the first time it is made.

The messages of a pass are made together (Documents): what they say about their cases is
read in a few queries for all of them. One message's failure (a template that does not
parse, a figure the law engine refuses) is raised when that message is made, not before:
the others are made all the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from recouvra.letters.content import NOTICE, REMINDER, CaseContexts, letter_data
from recouvra.letters.typeset import letter_pdf

from .models import Channel, Message
from .texts import render

# what making a message reads: its case's parties, its template and step (select_related)
PREPARED_WITH = (
    "case__assigned_to",
    "case__debtor",
    "case__creditor",
    "case__organization",
    "template",
    "step_run__step",
)


def freeze(message: Message, as_of: date, *, with_document: bool) -> None:
    """Write the message's text (and its letter, if asked) with the figures of `as_of`,
    once: what was sent stays as it was sent."""
    Documents([message], as_of).freeze(message, with_document=with_document)


def letter_of(message: Message, as_of: date) -> dict[str, Any]:
    """The typst layout's data for the letter of `message` (its text frozen already)."""
    return Documents([message], as_of).letter_of(message)


class Documents:
    """The texts and letters of the messages of one pass, on one day: their cases' figures
    (CaseContexts) and the date of each case's first letter read once for all. Pass
    messages with PREPARED_WITH selected, or each costs a few queries more."""

    def __init__(self, messages: Sequence[Message], as_of: date) -> None:
        self.as_of = as_of
        self.contexts = CaseContexts([message.case for message in messages], as_of)
        self._sent = _sent_by_case({message.case_id for message in messages})

    def freeze(self, message: Message, *, with_document: bool) -> None:
        """freeze() of one message, with the pass's figures."""
        changed = self.freeze_text(message)
        if with_document and not message.document:
            changed |= keep_letter(message, letter_pdf(self.letter_of(message)))
        if changed:
            Message.objects.filter(pk=message.pk).update(**changed, updated_at=timezone.now())

    def freeze_text(self, message: Message) -> dict[str, Any]:
        """Render the message's subject and text (plain and HTML) unless done already;
        returns the fields to write."""
        if message.body_text:
            return {}
        context = self.contexts.of(message.case)
        rendered = render(message.template, message.case, self.as_of, context=context)
        message.subject, message.body_text, message.body_html = (
            rendered.subject,
            rendered.text,
            rendered.html,
        )
        return {"subject": rendered.subject, "body_text": rendered.text, "body_html": rendered.html}

    def letter_of(self, message: Message) -> dict[str, Any]:
        """The typst layout's data for the letter of `message` (its text frozen already)."""
        step = message.step_run.step if message.step_run_id else None
        notice = bool(step and step.is_formal_notice)
        return letter_data(
            self.contexts.of(message.case),
            subject=message.subject,
            text=message.body_text,
            kind=NOTICE if notice else REMINDER,
            registered=message.channel == Channel.REGISTERED,
            first_letter=self.first_letter(message),
        )

    def first_letter(self, message: Message) -> str:
        """The date of the first message sent on the case (an agency recalls it, R124-4)."""
        first = next(
            (at for at, pk in self._sent.get(message.case_id, ()) if pk != message.pk), None
        )
        return f"du {timezone.localtime(first):%d/%m/%Y}" if first else ""


def keep_letter(message: Message, pdf: bytes) -> dict[str, Any]:
    """Store the letter's PDF with the message; returns the field to write."""
    message.document.save(f"{message.idempotency_key}.pdf", ContentFile(pdf), save=False)
    return {"document": message.document.name}


def _sent_by_case(case_ids: set[int]) -> dict[int, list[tuple[datetime, int]]]:
    """For each case, its messages sent, first sent first: (sent_at, pk)."""
    sent: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    rows = (
        Message.objects.filter(case_id__in=case_ids, sent_at__isnull=False)
        .order_by("sent_at", "pk")
        .values_list("case_id", "sent_at", "pk")
    )
    for case_id, at, pk in rows:
        if len(sent[case_id]) < 2:  # the first, and the next for the first itself
            sent[case_id].append((at, pk))
    return sent
