"""Sending the outbox: each message once, retried with backoff, never lost.

A message moves QUEUED → SENDING → SENT, each move a conditional UPDATE, the move to
SENDING committed before it is sent: of two workers, only the one that moved it to
SENDING sends it (several connections commit a group of moves at once). Its text is rendered
and stored first (the figures of that day, kept as sent), with a Message-ID made from its
idempotency key.

If the worker dies between sending and recording SENT, the message stays SENDING. After
STALE minutes a later pass decides: a channel whose provider drops duplicates (SMS with an
Idempotency-Key) is sent again; an e-mail is not — SMTP cannot say whether it went — and
becomes UNCERTAIN, shown on the case timeline for an agent to check and resend or not.
So nothing is sent twice, and nothing disappears.

A message whose figures the law engine cannot give yet (a rate missing from the tables:
FiguresUnavailable) is HELD, its reason kept and shown in the outbox, never sent cut short
nor dropped; the others go on. A delivery pass puts it back in the queue HOLD_RETRY later
(release_held), or at once when an agent asks (resend), and it is held again if the rate
is still missing.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from recouvra.cases.models import Direction, InteractionKind
from recouvra.cases.services import add_event
from recouvra.core.bulk import batches
from recouvra.letters.content import FiguresUnavailable
from recouvra.letters.typeset import LetterError, Typesetters, Typesetting, letter_pdf

from .channels import PermanentFailure, TemporaryFailure, sender_for
from .channels.email import compose, message_id
from .documents import PREPARED_WITH, Documents, keep_letter
from .models import Channel, Message, MessageStatus
from .texts import TemplateError

SENT_BY_TASK = (Channel.EMAIL, Channel.SMS)  # letters go to the print batch
MAX_ATTEMPTS = 6
BACKOFF = (1, 5, 30, 120, 720)  # minutes before the 2nd, 3rd… attempt
STALE = timedelta(minutes=15)  # SENDING for longer: the sender stopped
BATCH = 500
PREPARE_GROUP = 50  # messages made together: their cases read, their letters typeset
TYPESET_AHEAD = 2  # groups being typeset while this process writes an earlier one
EVENT_KINDS = {Channel.EMAIL: InteractionKind.EMAIL, Channel.SMS: InteractionKind.SMS}
HOLD_RETRY = timedelta(hours=1)  # a held message is tried again after this (rates entered)


def deliver_due(now: datetime | None = None, limit: int = BATCH) -> Counter:
    """Send the queued e-mails and SMS whose time has come; returns counts by outcome."""
    now = now or timezone.now()
    outcomes: Counter = Counter()
    outcomes.update(recover_interrupted(now))
    if released := release_held(SENT_BY_TASK, due_by=now):
        outcomes["released"] = released
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
    messages = Message.objects.filter(pk__in=list(due)).select_related(*PREPARED_WITH)
    ordered = sorted(messages, key=lambda m: (m.next_attempt_at, m.pk))
    _prepare(ordered, now)  # what prepare_due has not made yet: claims then only send
    held = [m for m in ordered if m.status == MessageStatus.HELD]  # held while preparing
    if held:
        outcomes[MessageStatus.HELD] += len(held)
        ordered = [m for m in ordered if m.status != MessageStatus.HELD]
    workers = settings.DELIVERY_CONNECTIONS
    if workers <= 1 or len(ordered) < 2 * workers:
        outcomes.update(_deliver_here(ordered, now))
    else:
        outcomes.update(_deliver_through_threads(ordered, now, workers))
    return outcomes


def _deliver_here(messages: list[Message], now: datetime) -> Counter:
    outcomes: Counter = Counter()
    senders: dict[str, Any] = {}
    try:
        for message in messages:
            sender = senders.setdefault(message.channel, sender_for(message.channel))
            outcomes[deliver(message, sender, now)] += 1
    finally:
        _close(senders.values())
    return outcomes


def _deliver_through_threads(messages: list[Message], now: datetime, workers: int) -> Counter:
    """The network part of each send runs in one of `workers` threads, each with its own
    connection, so that waiting for the servers' replies overlaps. The database is only
    touched here, in this thread, one transaction a group of `workers` messages: the
    records of the group just sent and the claims of the next, committed before any of
    them is sent (one commit a group rather than two a message: on SQLite each commit
    writes its pages to the WAL). A group is claimed only once the one before has been
    sent, and each of its messages then has a thread free: a message claimed is always
    on the wire or sent. A crash leaves those SENDING, as any interrupted send
    (recover_interrupted); the messages not yet claimed stay QUEUED for the next pass."""
    outcomes: Counter = Counter()
    local = threading.local()
    opened: list[Any] = []

    def network(message: Message) -> tuple[str, str]:
        senders = getattr(local, "senders", None)
        if senders is None:
            senders = local.senders = {}
        if message.channel not in senders:
            senders[message.channel] = sender_for(message.channel)
            opened.append(senders[message.channel])
        return _send(senders[message.channel], message)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            sending: list[tuple[Message, Future]] = []
            for group in [*batches(messages, workers), []]:
                sent = [(message, future.result()) for message, future in sending]
                with transaction.atomic():
                    for message, (outcome, detail) in sent:
                        outcomes[_record(message, outcome, detail, now)] += 1
                    claims = [(message, _claim(message, now)) for message in group]
                sending = []
                for message, claimed in claims:
                    if claimed is not None:
                        outcomes[claimed] += 1
                    else:
                        sending.append((message, pool.submit(network, message)))
    finally:
        _close(opened)
    return outcomes


def _close(senders: Any) -> None:
    for sender in senders:
        if hasattr(sender, "close"):
            sender.close()


def deliver(message: Message, sender: Any, now: datetime) -> str:
    """Send one queued message; returns its new status (or "skipped": someone else has it)."""
    claimed = _claim(message, now)
    if claimed is not None:
        return claimed
    return _record(message, *_send(sender, message), now)


def _claim(message: Message, now: datetime) -> str | None:
    """Freeze the message and move it QUEUED → SENDING; None if it is this caller's to
    send, else what became of it (failed: its template is broken; held: its figures
    cannot be computed yet; skipped: taken)."""
    unprepared = _freeze_or_set_aside(message, now)
    if unprepared is not None:
        return unprepared
    moved = Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENDING, sending_since=now, attempts=F("attempts") + 1, updated_at=now
    )
    if not moved:
        return "skipped"
    message.attempts += 1
    return None


def _freeze_or_set_aside(message: Message, now: datetime) -> str | None:
    """Freeze one message; None when done, else what became of it (failed: its template
    is broken; held: the law engine cannot give its figures yet)."""
    try:
        _freeze(message, now)
    except TemplateError as exc:
        return _fail(message, str(exc), now)
    except FiguresUnavailable as missing:
        return hold(message, missing.reason, now)
    return None


def _send(sender: Any, message: Message) -> tuple[str, str]:
    """("sent", provider ref), ("permanent", why) or ("temporary", why): no database."""
    try:
        return "sent", sender.send(message)
    except PermanentFailure as exc:
        return "permanent", str(exc)
    except TemporaryFailure as exc:
        return "temporary", str(exc)


def _record(message: Message, outcome: str, detail: str, now: datetime) -> str:
    if outcome == "permanent":
        return _fail(message, detail, now)
    if outcome == "temporary":
        return _retry_later(message, detail, now)
    Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=MessageStatus.SENT, sent_at=now, provider_ref=detail, updated_at=now
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
    e-mail as it will go on the wire. Nothing to do for a message prepared already."""
    if _prepared(message):
        return
    documents = Documents([message], timezone.localdate(now))
    changed = _frozen_text(message, documents)
    pdf = letter_pdf(documents.letter_of(message)) if _with_letter(message) else None
    if pdf is not None:
        changed |= keep_letter(message, pdf)
    _write(message, changed | _envelope(message, pdf), now)


def prepare_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Render ahead the messages about to go (text and letter), so that delivery only
    sends; returns how many were prepared."""
    now = now or timezone.now()
    waiting = (
        Message.objects.filter(
            status=MessageStatus.QUEUED, channel__in=SENT_BY_TASK, next_attempt_at__lte=now
        )
        .filter(envelope="")
        .select_related(*PREPARED_WITH)
        .order_by("next_attempt_at", "pk")[:limit]
    )
    return _prepare(list(waiting), now)


def _prepare(messages: list[Message], now: datetime) -> int:
    """Freeze these messages (as _freeze), PREPARE_GROUP at a time: each group's cases
    read in a few queries, its letters typeset by other processes while this one writes
    the groups before (TYPESET_AHEAD of them in the making), its writes in one
    transaction. Returns how many were made; one that cannot be made is left as it was
    (delivery meets its error again)."""
    as_of = timezone.localdate(now)
    count = 0
    ahead: deque[tuple[list[_Making], Typesetting]] = deque()
    with Typesetters() as typesetters:
        for group in batches([m for m in messages if not _prepared(m)], PREPARE_GROUP):
            documents = Documents(group, as_of)
            making = (_make(message, documents, now) for message in group)
            made = [one for one in making if one]
            ahead.append((made, typesetters.typeset([one.letter for one in made if one.letter])))
            if len(ahead) > TYPESET_AHEAD:
                count += _keep_group(*ahead.popleft(), now)
        while ahead:
            count += _keep_group(*ahead.popleft(), now)
    return count


@dataclass
class _Making:
    """A message being prepared: the fields to write, the letter to typeset (if any)."""

    message: Message
    changed: dict[str, Any]
    letter: dict[str, Any] | None
    pdf: bytes | None = None
    refused: bool = False  # typst refused its letter


def _make(message: Message, documents: Documents, now: datetime) -> _Making | None:
    """The text of one message and the data of its letter; None if it cannot be made: its
    template does not parse (left for delivery, which fails it saying why), or the law
    engine cannot give its figures yet (held, with the reason)."""
    try:
        changed = _frozen_text(message, documents)
        letter = documents.letter_of(message) if _with_letter(message) else None
    except TemplateError:
        return None
    except FiguresUnavailable as missing:
        hold(message, missing.reason, now)
        return None
    return _Making(message, changed, letter)


def _keep_group(made: list[_Making], letters: Typesetting, now: datetime) -> int:
    """Keep each letter of the group as it comes from typesetting, and each e-mail, then
    write the group in one transaction (the write lock held for the UPDATEs only);
    returns how many messages were made."""
    lettered = [one for one in made if one.letter]
    for one, pdf in zip(lettered, letters.result(), strict=True):
        if isinstance(pdf, LetterError):
            one.refused = True
        else:
            one.pdf = pdf
            one.changed |= keep_letter(one.message, pdf)
    kept = [one for one in made if not one.refused]
    for one in kept:
        one.changed |= _envelope(one.message, one.pdf)
    with transaction.atomic():
        for one in kept:
            _write(one.message, one.changed, now)
    return len(kept)


def _prepared(message: Message) -> bool:
    if message.channel != Channel.EMAIL:
        return bool(message.body_text)
    return bool(message.envelope) or not message.recipient and bool(message.document)


def _with_letter(message: Message) -> bool:
    return message.channel == Channel.EMAIL and not message.document


def _frozen_text(message: Message, documents: Documents) -> dict[str, Any]:
    """The Message-ID and Reply-To of an e-mail, and the text of any message, set on
    `message` unless set already; returns the fields to write."""
    changed: dict[str, Any] = {}
    if message.channel == Channel.EMAIL and not message.message_id:
        message.message_id = message_id(message.idempotency_key)
        changed["message_id"] = message.message_id
        if message.case.assigned_to_id and not message.reply_to:
            message.reply_to = message.case.assigned_to.email
            changed["reply_to"] = message.reply_to
    return changed | documents.freeze_text(message)


def _envelope(message: Message, pdf: bytes | None) -> dict[str, Any]:
    """Store an e-mail as it will go on the wire (`pdf`: its letter, if just made);
    returns the field to write."""
    if message.channel != Channel.EMAIL or message.envelope or not message.recipient:
        return {}
    raw = compose(message, pdf)
    message.envelope.save(f"{message.idempotency_key}.eml", ContentFile(raw), save=False)
    return {"envelope": message.envelope.name}


def _write(message: Message, changed: dict[str, Any], now: datetime) -> None:
    if changed:
        Message.objects.filter(pk=message.pk).update(**changed, updated_at=now)


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


def hold(message: Message, reason: str, now: datetime) -> str:
    """Keep a queued message back, with why (in French, and where to fix it), until
    HOLD_RETRY has passed; the case timeline says so the first time for this reason."""
    moved = Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
        status=MessageStatus.HELD,
        hold_reason=reason,
        next_attempt_at=now + HOLD_RETRY,
        updated_at=now,
    )
    if moved and message.hold_reason != reason:
        add_event(
            message.case,
            EVENT_KINDS.get(message.channel, InteractionKind.SYSTEM),
            f"Envoi retenu ({message.get_channel_display()}) : {reason}",
            channel=message.channel,
        )
    message.status, message.hold_reason = MessageStatus.HELD, reason
    return MessageStatus.HELD if moved else "skipped"


def release_held(
    channels: Any, *, due_by: datetime | None = None, organization_id: int | None = None
) -> int:
    """Put held messages of these channels back in the queue (those whose time to try
    again has come by `due_by`, if given); returns how many."""
    held = Message.objects.filter(status=MessageStatus.HELD, channel__in=channels)
    if due_by is not None:
        held = held.filter(next_attempt_at__lte=due_by)
    if organization_id is not None:
        held = held.filter(organization_id=organization_id)
    return held.update(status=MessageStatus.QUEUED, updated_at=timezone.now())


def recover_interrupted(now: datetime) -> Counter:
    """Messages left SENDING by a worker that stopped: sent again where the provider drops
    duplicates, otherwise marked UNCERTAIN for an agent (never sent twice)."""
    outcomes: Counter = Counter()
    stale = Message.objects.filter(status=MessageStatus.SENDING, sending_since__lt=now - STALE)
    idempotent: dict[str, bool] = {}
    for message in stale.select_related("case"):
        if message.channel not in idempotent:
            idempotent[message.channel] = _idempotent(message.channel)
        if idempotent[message.channel]:
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


def _idempotent(channel: str) -> bool:
    try:
        return bool(sender_for(channel).idempotent)
    except PermanentFailure:
        return False


def resend(message: Message, *, actor=None, now: datetime | None = None) -> bool:  # noqa: ANN001
    """An agent's decision on an UNCERTAIN or FAILED message: send it again; on a HELD one
    (a rate entered since): try it again now."""
    now = now or timezone.now()
    moved = Message.objects.filter(
        pk=message.pk,
        status__in=(MessageStatus.UNCERTAIN, MessageStatus.FAILED, MessageStatus.HELD),
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
