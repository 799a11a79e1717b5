"""Sending the outbox: each message once, retried with backoff, never lost.

A message moves QUEUED → SENDING → SENT, each move a conditional UPDATE committed on its
own: of two workers, only the one that moved it to SENDING sends it. Its text is rendered
and stored first (the figures of that day, kept as sent), with a Message-ID made from its
idempotency key.

If the worker dies between sending and recording SENT, the message stays SENDING. After
STALE minutes a later pass decides: a channel whose provider drops duplicates (SMS with an
Idempotency-Key) is sent again; an e-mail is not — SMTP cannot say whether it went — and
becomes UNCERTAIN, shown on the case timeline for an agent to check and resend or not.
So nothing is sent twice, and nothing disappears.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone

from recouvra.cases.models import Direction, InteractionKind
from recouvra.cases.services import add_event

from .channels import PermanentFailure, TemporaryFailure, sender_for
from .channels.email import compose, message_id
from .documents import freeze
from .models import Channel, Message, MessageStatus
from .render import TemplateError

SENT_BY_TASK = (Channel.EMAIL, Channel.SMS)  # letters go to the print batch
MAX_ATTEMPTS = 6
BACKOFF = (1, 5, 30, 120, 720)  # minutes before the 2nd, 3rd… attempt
STALE = timedelta(minutes=15)  # SENDING for longer: the sender stopped
BATCH = 500
EVENT_KINDS = {Channel.EMAIL: InteractionKind.EMAIL, Channel.SMS: InteractionKind.SMS}


def deliver_due(now: datetime | None = None, limit: int = BATCH) -> Counter:
    """Send the queued e-mails and SMS whose time has come; returns counts by outcome."""
    now = now or timezone.now()
    outcomes: Counter = Counter()
    outcomes.update(recover_interrupted(now))
    due = (
        Message.objects.filter(
            status=MessageStatus.QUEUED,
            channel__in=SENT_BY_TASK,
            next_attempt_at__lte=now,
            not_before__lte=now,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    senders: dict[str, object] = {}
    messages = Message.objects.filter(pk__in=list(due)).select_related(
        "case__assigned_to", "template", "step_run__step"
    )
    try:
        for message in sorted(messages, key=lambda m: (m.next_attempt_at, m.pk)):
            sender = senders.setdefault(message.channel, sender_for(message.channel))
            outcomes[deliver(message, sender, now)] += 1
    finally:
        for sender in senders.values():
            if hasattr(sender, "close"):
                sender.close()
    return outcomes


def deliver(message: Message, sender, now: datetime) -> str:  # noqa: ANN001
    """Send one queued message; returns its new status (or "skipped": someone else has it)."""
    try:
        _freeze(message, now)
    except TemplateError as exc:
        return _fail(message, str(exc), now)
    moved = Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENDING, sending_since=now, attempts=F("attempts") + 1, updated_at=now
    )
    if not moved:
        return "skipped"
    message.attempts += 1
    try:
        reference = sender.send(message)
    except PermanentFailure as exc:
        return _fail(message, str(exc), now)
    except TemporaryFailure as exc:
        return _retry_later(message, str(exc), now)
    Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=MessageStatus.SENT, sent_at=now, provider_ref=reference, updated_at=now
    )
    what = "E-mail" if message.channel == Channel.EMAIL else "SMS"
    add_event(
        message.case,
        EVENT_KINDS[message.channel],
        f"{what} envoyé à {message.recipient} : « {message.subject or message.body_text[:60]} »",
        channel=message.channel,
        direction=Direction.OUTBOUND,
    )
    return MessageStatus.SENT


def _freeze(message: Message, now: datetime) -> None:
    """Render the message once, with the figures of the day it first goes, and keep it:
    its text, and for an e-mail its Message-ID, Reply-To, letter (PDF) and the whole
    e-mail as it will go on the wire."""
    email = message.channel == Channel.EMAIL
    if email and not message.message_id:
        message.message_id = message_id(message.idempotency_key)
        if message.case.assigned_to_id and not message.reply_to:
            message.reply_to = message.case.assigned_to.email
        Message.objects.filter(pk=message.pk, message_id="").update(
            message_id=message.message_id, reply_to=message.reply_to, updated_at=now
        )
    freeze(message, timezone.localdate(now), with_document=email)
    if email and not message.envelope and message.recipient:
        raw = compose(message)
        message.envelope.save(f"{message.idempotency_key}.eml", ContentFile(raw), save=False)
        Message.objects.filter(pk=message.pk).update(envelope=message.envelope.name)


def prepare_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Render ahead the messages about to go (text and letter), so that delivery only
    sends; returns how many were prepared."""
    now = now or timezone.now()
    waiting = (
        Message.objects.filter(
            status=MessageStatus.QUEUED, channel__in=SENT_BY_TASK, next_attempt_at__lte=now
        )
        .filter(envelope="")
        .select_related("case__assigned_to", "template", "step_run__step")
        .order_by("next_attempt_at", "pk")[:limit]
    )
    count = 0
    for message in waiting:
        _freeze(message, now)
        count += 1
    return count


def _retry_later(message: Message, error: str, now: datetime) -> str:
    if message.attempts >= MAX_ATTEMPTS:
        return _fail(message, error, now)
    wait = timedelta(minutes=BACKOFF[min(message.attempts, len(BACKOFF)) - 1])
    Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=MessageStatus.QUEUED, next_attempt_at=now + wait, last_error=error, updated_at=now
    )
    return "retry"


def _fail(message: Message, error: str, now: datetime) -> str:
    Message.objects.filter(
        pk=message.pk, status__in=(MessageStatus.QUEUED, MessageStatus.SENDING)
    ).update(status=MessageStatus.FAILED, last_error=error, updated_at=now)
    add_event(
        message.case,
        EVENT_KINDS.get(message.channel, InteractionKind.SYSTEM),
        f"Envoi impossible ({message.get_channel_display()}) : {error}",
        channel=message.channel,
    )
    return MessageStatus.FAILED


def recover_interrupted(now: datetime) -> Counter:
    """Messages left SENDING by a worker that stopped: sent again where the provider drops
    duplicates, otherwise marked UNCERTAIN for an agent (never sent twice)."""
    outcomes: Counter = Counter()
    stale = Message.objects.filter(status=MessageStatus.SENDING, sending_since__lt=now - STALE)
    for message in stale.select_related("case"):
        if sender_for_idempotent(message.channel):
            moved = Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
                status=MessageStatus.QUEUED, next_attempt_at=now, updated_at=now
            )
            outcomes["requeued"] += moved
            continue
        moved = Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            status=MessageStatus.UNCERTAIN,
            last_error="Envoi interrompu : impossible de savoir s'il est parti.",
            updated_at=now,
        )
        if moved:
            outcomes[MessageStatus.UNCERTAIN] += 1
            add_event(
                message.case,
                EVENT_KINDS.get(message.channel, InteractionKind.SYSTEM),
                f"Envoi interrompu ({message.get_channel_display()} à {message.recipient}) : "
                "vérifier s'il est parti avant de le renvoyer.",
                channel=message.channel,
            )
    return outcomes


def sender_for_idempotent(channel: str) -> bool:
    try:
        return bool(sender_for(channel).idempotent)
    except PermanentFailure:
        return False


def resend(message: Message, *, actor=None, now: datetime | None = None) -> bool:  # noqa: ANN001
    """An agent's decision on an UNCERTAIN or FAILED message: send it again."""
    now = now or timezone.now()
    moved = Message.objects.filter(
        pk=message.pk, status__in=(MessageStatus.UNCERTAIN, MessageStatus.FAILED)
    ).update(status=MessageStatus.QUEUED, next_attempt_at=now, last_error="", updated_at=now)
    if moved:
        add_event(
            message.case,
            EVENT_KINDS.get(message.channel, InteractionKind.SYSTEM),
            f"Nouvel envoi demandé ({message.get_channel_display()}).",
            author=actor,
            channel=message.channel,
        )
    return bool(moved)


def record_bounce(message_id_header: str, reason: str, now: datetime | None = None) -> bool:
    """A bounce reported for a sent e-mail (by its Message-ID): the message is BOUNCED."""
    now = now or timezone.now()
    message = (
        Message.objects.filter(message_id=message_id_header.strip()).select_related("case").first()
    )
    if message is None:
        return False
    moved = Message.objects.filter(
        pk=message.pk, status__in=(MessageStatus.SENT, MessageStatus.DELIVERED)
    ).update(status=MessageStatus.BOUNCED, last_error=reason[:500], updated_at=now)
    if moved:
        add_event(
            message.case,
            InteractionKind.EMAIL,
            f"E-mail rejeté par le destinataire {message.recipient} : {reason[:200]}",
            channel=message.channel,
            direction=Direction.INBOUND,
        )
    return bool(moved)
