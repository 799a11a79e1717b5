"""Emitting: an event becomes one outbox row per active endpoint of the organisation that
subscribed to its type, written in the transaction of the change it tells (rolled back
with it), and a delivery pass is queued once that transaction commits.

The lower apps' signals are answered here (connected in apps.py); an organisation without
an endpoint for the type pays one query per signal, and reads nothing more.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from . import payloads
from .models import Endpoint, Event, EventType

RETRY_FOR_HOURS = 24  # an event is tried for this long, then fails


def new_webhook_id() -> str:
    return "msg_" + secrets.token_urlsafe(20)


def subscribed(organization_id: int, event_type: str) -> list[Endpoint]:
    """The organisation's active endpoints that subscribed to this type (in Python: a JSON
    list is not searched alike by SQLite and PostgreSQL, and an organisation has few)."""
    active = Endpoint.objects.filter(organization_id=organization_id, is_active=True)
    return [endpoint for endpoint in active if event_type in endpoint.events]


def emit(
    organization_id: int,
    event_type: str,
    data: Callable[[], Iterable[dict[str, Any]]],
    *,
    now: datetime | None = None,
    endpoints: Sequence[Endpoint] | None = None,
) -> list[Event]:
    """An outbox row for each item `data()` gives and each endpoint (by default those that
    subscribed); `data` is only called if there is an endpoint. Returns the rows."""
    if endpoints is None:
        endpoints = subscribed(organization_id, event_type)
    if not endpoints:
        return []
    now = now or timezone.now()
    until = now + timedelta(hours=RETRY_FOR_HOURS)
    rows = []
    for item in data():
        body = payloads.envelope(event_type, item, now)
        rows += [
            Event(
                organization_id=organization_id,
                endpoint=endpoint,
                type=event_type,
                webhook_id=new_webhook_id(),
                body=body,
                next_attempt_at=now,
                retry_until=until,
                created_at=now,
            )
            for endpoint in endpoints
        ]
    Event.objects.bulk_create(rows, batch_size=500)
    if rows:
        deliver_after_commit()
    return rows


def deliver_after_commit() -> None:
    """Queue a delivery pass once the current transaction commits (once per transaction,
    however many events it emitted)."""
    pending = getattr(connection, "run_on_commit", None) or []
    if any(entry[1] is _enqueue_delivery for entry in pending):
        return
    transaction.on_commit(_enqueue_delivery)


def _enqueue_delivery() -> None:
    from .tasks import enqueue_delivery

    enqueue_delivery()


# -- the receivers of the lower apps' signals ----------------------------------------------


def on_payments_applied(
    sender: Any, organization_id: int, payment_ids: Sequence[int] = (), **_: Any
) -> None:
    """ledger.services.payments_applied: payment.received."""
    if payment_ids:
        emit(organization_id, EventType.PAYMENT_RECEIVED, lambda: payloads.payments(payment_ids))


def on_payments_reversed(
    sender: Any, organization_id: int, payment_ids: Sequence[int] = (), **_: Any
) -> None:
    """ledger.services.payments_reversed: payment.reversed."""
    if payment_ids:
        emit(organization_id, EventType.PAYMENT_REVERSED, lambda: payloads.payments(payment_ids))


def on_stage_changed(sender: Any, case: Any, old: str, new: str, **_: Any) -> None:
    """cases.services.stage_changed: case.stage_changed."""
    now = timezone.now()
    data = lambda: [payloads.case_stage(case, old, new, now)]  # noqa: E731
    emit(case.organization_id, EventType.CASE_STAGE_CHANGED, data, now=now)


def on_promise_broken(sender: Any, promise: Any, **_: Any) -> None:
    """cases.services.promise_broken: promise.broken."""
    emit(promise.organization_id, EventType.PROMISE_BROKEN, lambda: [payloads.promise(promise)])


def on_message_bounced(sender: Any, message: Any, **_: Any) -> None:
    """dunning.delivery_reports.message_bounced: message.bounced."""
    emit(message.organization_id, EventType.MESSAGE_BOUNCED, lambda: [payloads.message(message)])


def on_batch_completed(sender: Any, batch: Any, **_: Any) -> None:
    """imports.services.batch_completed: import.completed."""
    emit(batch.organization_id, EventType.IMPORT_COMPLETED, lambda: [payloads.import_batch(batch)])


def on_proposals_made(
    sender: Any, organization_id: int, proposal_ids: Sequence[int], **_: Any
) -> None:
    """lettrage.reconcile.proposals_made: match.proposed, a list of PER_EVENT at most."""
    emit(organization_id, EventType.MATCH_PROPOSED, lambda: payloads.proposals(proposal_ids))
