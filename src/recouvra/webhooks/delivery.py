"""Sending the outbox: each event signed (Standard Webhooks), retried with backoff for 24
hours, each attempt kept.

An event is claimed before it is sent: a conditional UPDATE sets `claimed_until` (now +
LEASE) where nobody holds it, so of two workers only one sends it; the record of the
attempt is written only by the holder of that claim. A worker killed mid-send leaves the
event pending and claimed: once the lease lapses, the next pass sends it again (webhooks
are delivered at least once; a receiver drops a webhook-id it has seen).

After a failed attempt the event waits BACKOFF (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then 10 h
again), never past its `retry_until` (24 hours after it was made): the last attempt is made
then, and an event still refused after it fails for good. An endpoint that has answered
nothing but failures for DISABLE_AFTER (24 hours: every attempt since its first failure
refused) is disabled, and the organisation's administrators are told by e-mail and on the
API settings page.

The network part of a pass runs in THREADS threads (a slow endpoint does not hold up the
others); the database is only touched from the pass's own thread.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from recouvra.core import audit
from recouvra.core.models import AuditAction, Membership, Role
from recouvra.core.tasks import send_email

from . import transport
from .models import Attempt, Endpoint, Event, EventStatus

BACKOFF = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)
LEASE = timedelta(minutes=5)  # a claim outlives any send (transport.TIMEOUT, per thread)
DISABLE_AFTER = timedelta(hours=24)
BATCH = 100  # events per pass
PER_ENDPOINT = 20  # at most, per pass: one endpoint's backlog does not take a pass
THREADS = 8


def due(now: datetime) -> QuerySet[Event]:
    """The events to send now: pending, their time come, their endpoint active, and held by
    nobody (or by a worker whose lease has lapsed)."""
    return Event.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
        status=EventStatus.PENDING,
        next_attempt_at__lte=now,
        endpoint__is_active=True,
    )


def deliver_due(now: datetime | None = None, limit: int = BATCH) -> Counter:
    """Send the events whose time has come; returns counts by outcome (delivered, retry,
    failed, skipped: taken by another worker)."""
    now = now or timezone.now()
    candidates = due(now).order_by("next_attempt_at", "pk").values_list("pk", "endpoint_id")
    chosen: list[int] = []
    per_endpoint: Counter = Counter()
    for pk, endpoint_id in candidates[: limit * 3]:
        if per_endpoint[endpoint_id] < PER_ENDPOINT:
            per_endpoint[endpoint_id] += 1
            chosen.append(pk)
            if len(chosen) == limit:
                break
    events = Event.objects.filter(pk__in=chosen).select_related("endpoint")
    claimed = [event for event in events.order_by("next_attempt_at", "pk") if claim(event, now)]
    outcomes: Counter = Counter(skipped=len(chosen) - len(claimed))
    if not claimed:
        return outcomes
    with ThreadPoolExecutor(max_workers=min(THREADS, len(claimed))) as pool:
        answers = pool.map(send, claimed)
        for event, answer in zip(claimed, answers, strict=True):
            outcomes[record(event, answer, now)] += 1
    return outcomes


def claim(event: Event, now: datetime, *, any_status: bool = False) -> bool:
    """Hold the event for LEASE; False if another holds it (or, unless `any_status`, if it
    is no longer pending)."""
    held = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    rows = Event.objects.filter(held, pk=event.pk)
    if not any_status:
        rows = rows.filter(status=EventStatus.PENDING)
    until = now + LEASE
    if not rows.update(claimed_until=until):
        return False
    event.claimed_until = until
    return True


def send(event: Event) -> transport.Answer:
    """The signed POST of one event (no database): the webhook-timestamp is the real time
    of sending, so that a receiver's tolerance window is met even on a late retry."""
    body = event.body.encode()
    signed_at = datetime.now(tz=UTC)
    signature = Webhook(event.endpoint.secret).sign(event.webhook_id, signed_at, body)
    headers = {
        "webhook-id": event.webhook_id,
        "webhook-timestamp": str(int(signed_at.timestamp())),
        "webhook-signature": signature,
    }
    return transport.post(event.endpoint.url, body, headers)


def record(event: Event, answer: transport.Answer, now: datetime, *, replay: bool = False) -> str:
    """Keep the attempt and move the event: delivered on a 2xx, else tried again later
    (a replay leaves its schedule as it was) or failed once its time is up. Returns the
    outcome: delivered, retry, failed (or, for a replay, replay_failed)."""
    with transaction.atomic():
        Attempt.objects.create(
            organization_id=event.organization_id,
            event=event,
            at=now,
            status_code=answer.status_code,
            response_excerpt=answer.excerpt,
            error=answer.error,
            duration_ms=answer.duration_ms,
            replay=replay,
        )
        mine = Event.objects.filter(pk=event.pk, claimed_until=event.claimed_until)
        common = {"claimed_until": None, "attempts": F("attempts") + 1, "updated_at": now}
        if answer.succeeded:
            mine.update(**common, status=EventStatus.DELIVERED, delivered_at=now, last_error="")
            _endpoint_answered(event.endpoint_id)
            return EventStatus.DELIVERED
        error = _describe(answer)
        if replay:
            mine.update(**common, last_error=error)
            outcome = "replay_failed"
        elif now >= event.retry_until:
            mine.update(**common, status=EventStatus.FAILED, last_error=error)
            outcome = EventStatus.FAILED
        else:
            wait = BACKOFF[min(event.attempts, len(BACKOFF) - 1)]
            later = min(now + wait, event.retry_until)
            mine.update(**common, next_attempt_at=later, last_error=error)
            outcome = "retry"
        _endpoint_refused(event.endpoint_id, now)
    return outcome


def _describe(answer: transport.Answer) -> str:
    if answer.status_code is not None:
        return f"HTTP {answer.status_code}"
    return answer.error


def _endpoint_answered(endpoint_id: int) -> None:
    Endpoint.objects.filter(pk=endpoint_id).exclude(
        failing_since__isnull=True, consecutive_failures=0
    ).update(failing_since=None, consecutive_failures=0)


def _endpoint_refused(endpoint_id: int, now: datetime) -> None:
    """One more failure; an endpoint failing since DISABLE_AFTER or longer is disabled."""
    Endpoint.objects.filter(pk=endpoint_id, failing_since__isnull=True).update(failing_since=now)
    Endpoint.objects.filter(pk=endpoint_id).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    endpoint = Endpoint.objects.get(pk=endpoint_id)
    if endpoint.is_active and endpoint.failing_since <= now - DISABLE_AFTER:
        disable_for_failures(endpoint, now)


def disable_for_failures(endpoint: Endpoint, now: datetime) -> bool:
    """Disable an endpoint that keeps failing, and tell the organisation's administrators
    (by e-mail, once the transaction commits; the API settings page shows it too)."""
    before = audit.snapshot(endpoint)
    since = timezone.localtime(endpoint.failing_since)
    reason = (
        f"Désactivé automatiquement : aucune réponse 2xx depuis le {since:%d/%m/%Y à %H:%M} "
        f"({endpoint.consecutive_failures} échecs consécutifs)."
    )
    moved = Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason, updated_at=now
    )
    if not moved:
        return False
    endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason = False, now, reason
    audit.record(endpoint, AuditAction.UPDATE, before=before)
    _tell_administrators(endpoint, reason)
    return True


def _tell_administrators(endpoint: Endpoint, reason: str) -> None:
    to = list(
        Membership.objects.filter(
            organization_id=endpoint.organization_id, role=Role.ADMIN, is_active=True
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not to:
        return
    page = reverse("webhooks:endpoint", args=[endpoint.pk])
    site = getattr(settings, "SITE_URL", "")
    subject = f"Webhook désactivé : {endpoint.url[:80]}"
    body = (
        f"Bonjour,\n\nLe point de terminaison {endpoint.url} ne reçoit plus les événements "
        f"de recouvra.\n{reason}\n\nLes événements non remis l'attendent : corrigez le "
        f"service qui les reçoit, puis réactivez-le dans Paramètres → API → Webhooks "
        f"({site}{page}).\n"
    )
    transaction.on_commit(lambda: send_email.enqueue(subject, body, to))


# -- asked from the endpoint page ----------------------------------------------------------


def replay(event: Event, *, actor: Any = None, now: datetime | None = None) -> str:
    """Send the event again now, with its webhook-id (a delivered or failed one too);
    "busy" if a worker is sending it. Its retry schedule is left as it was. Audited: who
    asked, and what came of it."""
    now = now or timezone.now()
    before = audit.snapshot(event)
    if not claim(event, now, any_status=True):
        return "busy"
    outcome = record(event, send(event), now, replay=True)
    event.refresh_from_db()
    audit.record(event, AuditAction.UPDATE, actor=actor, before=before)
    return outcome


def attempts_of(events: Any) -> dict[int, list[Attempt]]:
    """The attempts of these events, newest first, by event id."""
    found: dict[int, list[Attempt]] = {}
    for attempt in Attempt.objects.filter(event__in=events).order_by("-at", "-id"):
        found.setdefault(attempt.event_id, []).append(attempt)
    return found
