"""Letters: the day's print batch, and the registered letters' proof of delivery.

A print batch takes every letter whose day has come (working days only, schedule.py),
freezes each one as a PDF kept with its message, and gathers them in one PDF sorted in
mailing order (postal code, then name) after a cover list. The messages move QUEUED →
PRINTED in the same transaction, so a letter is never in two batches. A letter whose
figures the law engine cannot give (a missing rate) is HELD with its reason instead, and
the others print; each print tries the held letters again.

A registered letter (LRAR) then gets its tracking number, the date of first
presentation and the signed acknowledgement. A formal notice produces its effects once
received: the case's formal_notice_on is that date (legal interest for a consumer, C.
civ. 1231-6), and the payment deadline it gave runs from it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from recouvra.cases.models import Case, Direction, InteractionKind
from recouvra.cases.services import add_event, add_events
from recouvra.core.bulk import batches
from recouvra.law.deadlines import deadline
from recouvra.letters.content import PAYMENT_DAYS, FiguresUnavailable, long_date
from recouvra.letters.typeset import batch_pdf, letters_pdf

from .delivery import hold, release_held
from .documents import PREPARED_WITH, Documents, keep_letter
from .models import LETTER_CHANNELS, Channel, Message, MessageStatus, PrintBatch


def print_letters(
    organization_id: int, *, now: datetime | None = None, actor: Any = None
) -> PrintBatch | None:
    """The batch of the letters due by `now`, or None when there is none."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        # the letters held before are tried again: a rate may have been entered since
        release_held(LETTER_CHANNELS, organization_id=organization_id)
        due = Message.objects.filter(
            organization_id=organization_id,
            status=MessageStatus.QUEUED,
            channel__in=LETTER_CHANNELS,
            not_before__lte=now,
        ).order_by("pk")
        ids = list(due.values_list("pk", flat=True))
        if not ids:
            return None
        user = actor if getattr(actor, "is_authenticated", False) else None
        batch = PrintBatch.objects.create(
            organization_id=organization_id, letters=0, registered=0, made_by=user
        )
        for chunk in batches(ids):
            Message.objects.filter(pk__in=chunk, status=MessageStatus.QUEUED).update(
                status=MessageStatus.PRINTED, print_batch=batch, sent_at=now, updated_at=now
            )
        messages = list(Message.objects.filter(print_batch=batch).select_related(*PREPARED_WITH))
        messages, letters = _printable(messages, today, now)
        if not messages:  # every letter held: no batch
            batch.delete()
            return None
        order = sorted(
            range(len(letters)),
            key=lambda i: (letters[i]["postal_code"], letters[i]["recipient"]["name"]),
        )
        registered = sum(1 for m in messages if m.channel == Channel.REGISTERED)
        cover = {
            "title": f"Courriers du {long_date(today)}",
            "summary": (
                f"{len(letters)} courrier(s), dont {registered} en recommandé avec accusé de "
                "réception, dans l'ordre de l'affranchissement (code postal, puis nom)."
            ),
        }
        pdf = batch_pdf([letters[i] for i in order], cover)
        batch.document.save(f"courriers-{today:%Y%m%d}-{batch.pk}.pdf", ContentFile(pdf))
        batch.letters, batch.registered = len(letters), registered
        batch.save(update_fields=["document", "letters", "registered", "updated_at"])
        add_events(
            organization_id,
            [
                (message.case_id, f"Courrier « {message.subject} » imprimé ({mode}).")
                for message in messages
                for mode in (
                    "recommandé avec AR"
                    if message.channel == Channel.REGISTERED
                    else "lettre simple",
                )
            ],
            InteractionKind.LETTER,
            author_id=getattr(user, "pk", None),
        )
    return batch


def _printable(
    messages: list[Message], today: date, now: datetime
) -> tuple[list[Message], list[dict[str, Any]]]:
    """The messages whose letter can be made, and their letters: texts frozen, PDFs kept
    with them (the cases read in a few queries for all, the PDFs typeset by letters_pdf).
    The others are taken out of the batch and held, with the reason (a rate missing from
    the tables)."""
    documents = Documents(messages, today)
    printed, letters = [], []
    for message in messages:
        try:
            documents.freeze(message, with_document=False)
            letters.append(documents.letter_of(message))
        except FiguresUnavailable as missing:
            Message.objects.filter(pk=message.pk).update(
                status=MessageStatus.QUEUED, print_batch=None, sent_at=None
            )
            hold(message, missing.reason, now)
            continue
        printed.append(message)
    for message, pdf in zip(printed, letters_pdf(letters), strict=True):
        Message.objects.filter(pk=message.pk).update(**keep_letter(message, pdf))
    return printed, letters


def record_delivery(
    message: Message,
    *,
    tracking_number: str,
    first_presented_on: date | None,
    acknowledged_on: date | None = None,
    acknowledgement: Any = None,
    actor: Any = None,
) -> date | None:
    """Record what the post says of a registered letter; returns the payment deadline it
    opens (from the first presentation), if known."""
    with transaction.atomic():
        message.tracking_number = tracking_number
        message.first_presented_on = first_presented_on
        message.acknowledged_on = acknowledged_on
        fields = ["tracking_number", "first_presented_on", "acknowledged_on", "updated_at"]
        if acknowledgement is not None:
            message.acknowledgement = acknowledgement
            fields.append("acknowledgement")
        if message.first_presented_on and message.status == MessageStatus.PRINTED:
            message.status = MessageStatus.DELIVERED
            message.delivered_at = timezone.now()
            fields += ["status", "delivered_at"]
        message.save(update_fields=fields)
        due = payment_deadline(message)
        notice = message.step_run_id and message.step_run.step.is_formal_notice
        if notice and first_presented_on:
            Case.objects.filter(pk=message.case_id, formal_notice_on__isnull=True).update(
                formal_notice_on=first_presented_on
            )
        text = f"Recommandé n° {tracking_number or '—'}"
        if first_presented_on:
            text += f" présenté le {first_presented_on:%d/%m/%Y}"
        if acknowledged_on:
            text += f", accusé de réception signé le {acknowledged_on:%d/%m/%Y}"
        if due:
            text += f" : délai de paiement jusqu'au {due:%d/%m/%Y}"
        add_event(
            message.case,
            InteractionKind.LETTER,
            text + ".",
            author=actor,
            channel=message.channel,
            direction=Direction.INBOUND,
        )
    return due


def payment_deadline(message: Message) -> date | None:
    """The last day to pay that the letter gave, counted from its first presentation
    (a deadline ending on a Saturday, Sunday or holiday moves to the next working day)."""
    if message.first_presented_on is None:
        return None
    return deadline(message.first_presented_on, days=PAYMENT_DAYS)
