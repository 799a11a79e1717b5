"""One message sent outside the dunning run: an e-mail or SMS an agent sends from a template
on the case page, a receipt link, a direct-debit pre-notification, a notice to a creditor.

It goes through the same outbox as the run's messages (the delivery task sends it at a
decent hour, retries, keeps what was sent) and lands on the case timeline.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from recouvra.cases.models import Case, Direction, InteractionKind
from recouvra.cases.services import add_event

from .models import Channel, Message, Template
from .schedule import not_before

SENT_ALONE = frozenset((Channel.EMAIL, Channel.SMS))


@transaction.atomic
def queue_message(
    case: Case,
    *,
    channel: str,
    recipient: str,
    key: str,
    subject: str = "",
    text: str = "",
    template: Template | None = None,
    attachment: tuple[str, bytes] | None = None,
    actor: Any = None,
) -> Message:
    """Queue one e-mail or SMS about `case` to `recipient`, once per `key` (a second call
    with the same key returns the first message): either with its `subject` and `text`
    given, or rendered from `template` with the case's figures when it is prepared.
    `attachment` (file name, PDF bytes) goes with an e-mail instead of the letter made
    from its text."""
    if channel not in SENT_ALONE:
        raise ValueError(f"queue_message sends e-mail or SMS, not {channel!r}")
    if not recipient:
        raise ValueError("a message needs a recipient")
    if template is None and not text:
        raise ValueError("a message needs a text or a template")
    key = f"{case.organization_id}-{key}"[:80]
    existing = Message.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    now = timezone.now()
    when = not_before(channel, now)
    message = Message(
        organization_id=case.organization_id,
        case=case,
        template=template,
        channel=channel,
        idempotency_key=key,
        recipient=recipient,
        subject=subject[:200],
        body_text=text,
        not_before=when,
        next_attempt_at=when,
    )
    if attachment is not None:
        name, content = attachment
        message.document.save(name, ContentFile(content), save=False)
    message.save()
    label = subject or (template.name if template else "")
    add_event(
        case,
        InteractionKind.EMAIL if channel == Channel.EMAIL else InteractionKind.SMS,
        f"{label} → {recipient}" if label else recipient,
        author=actor,
        direction=Direction.OUTBOUND,
        channel=channel,
    )
    return message
