"""An organisation's endpoints: the one home of their writes, each audited."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvra.core import audit
from recouvra.core.models import AuditAction, Organization

from . import delivery, payloads, transport
from .emit import emit
from .models import TEST_EVENT, URL_MAX_LENGTH, Endpoint, Event, EventType

MAX_ENDPOINTS = 20  # per organisation


def new_secret() -> str:
    """whsec_ and 32 random bytes in base64, as Standard Webhooks libraries expect."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def clean_url(url: str) -> str:
    url = url.strip()
    if not url or len(url) > URL_MAX_LENGTH:
        raise ValidationError(
            _("L'adresse a de 1 à %(max)d caractères.") % {"max": URL_MAX_LENGTH}, code="url"
        )
    try:
        transport.check_url(url)
    except transport.Refused as exc:
        raise ValidationError(_("Adresse refusée : %(why)s.") % {"why": exc}, code="url") from exc
    return url


def clean_events(events: Iterable[str]) -> list[str]:
    wanted = {event.strip() for event in events}
    unknown = sorted(wanted - set(EventType.values))
    if unknown:
        raise ValidationError(
            _("Événements inconnus : %(unknown)s.") % {"unknown": ", ".join(unknown)}
        )
    if not wanted:
        raise ValidationError(_("Choisissez au moins un événement."))
    return [event for event in EventType.values if event in wanted]


def create_endpoint(
    organization: Organization,
    *,
    url: str,
    events: Iterable[str],
    description: str = "",
    actor: Any = None,
) -> Endpoint:
    with transaction.atomic():
        count = Endpoint.objects.filter(organization=organization).count()
        if count >= MAX_ENDPOINTS:
            raise ValidationError(
                _("Une organisation a au plus %(max)d points de terminaison.")
                % {"max": MAX_ENDPOINTS}
            )
        endpoint = Endpoint.objects.create(
            organization=organization,
            url=clean_url(url),
            events=clean_events(events),
            description=description.strip()[:200],
            secret=new_secret(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(endpoint, AuditAction.CREATE, actor=actor)
    return endpoint


@transaction.atomic
def update_endpoint(
    endpoint: Endpoint, *, url: str, events: Iterable[str], description: str, actor: Any
) -> Endpoint:
    before = audit.snapshot(endpoint)
    endpoint.url = clean_url(url)
    endpoint.events = clean_events(events)
    endpoint.description = description.strip()[:200]
    endpoint.save(update_fields=["url", "events", "description", "updated_at"])
    audit.record(endpoint, AuditAction.UPDATE, actor=actor, before=before)
    return endpoint


@transaction.atomic
def rotate_secret(endpoint: Endpoint, *, actor: Any) -> str:
    """A new secret, at once: events sent from now on are signed with it."""
    before = audit.snapshot(endpoint)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    audit.record(endpoint, AuditAction.UPDATE, actor=actor, before=before)
    return endpoint.secret


@transaction.atomic
def set_active(endpoint: Endpoint, active: bool, *, actor: Any) -> bool:
    """Enable (its failures forgotten: the events still pending go out) or disable (no new
    events for it; those pending wait); False when it already was so."""
    if endpoint.is_active == active:
        return False
    before = audit.snapshot(endpoint)
    now = timezone.now()
    endpoint.is_active = active
    if active:
        endpoint.disabled_at, endpoint.disabled_reason = None, ""
        endpoint.failing_since, endpoint.consecutive_failures = None, 0
    else:
        endpoint.disabled_at = now
        endpoint.disabled_reason = _("Désactivé par %(name)s.") % {"name": _name(actor)}
    endpoint.save(
        update_fields=[
            "is_active",
            "disabled_at",
            "disabled_reason",
            "failing_since",
            "consecutive_failures",
            "updated_at",
        ]
    )
    audit.record(endpoint, AuditAction.UPDATE, actor=actor, before=before)
    if active and delivery.due(now).filter(endpoint=endpoint).exists():
        from .emit import deliver_after_commit

        deliver_after_commit()
    return True


@transaction.atomic
def delete_endpoint(endpoint: Endpoint, *, actor: Any) -> None:
    """The endpoint goes, with its events and their attempts; the audit log keeps it."""
    audit.record(endpoint, AuditAction.DELETE, actor=actor)
    endpoint.delete()


def send_test(endpoint: Endpoint, *, actor: Any = None, now: datetime | None = None) -> Event:
    """A test event for this endpoint only (even disabled: to check it before enabling),
    sent now; the page shows what it answered. Not tried again."""
    now = now or timezone.now()
    with transaction.atomic():
        (event,) = emit(
            endpoint.organization_id,
            TEST_EVENT,
            lambda: [payloads.test(endpoint)],
            now=now,
            endpoints=[endpoint],
        )
        Event.objects.filter(pk=event.pk).update(retry_until=now)
        event.retry_until = now
        audit.record(event, AuditAction.CREATE, actor=actor)
    event.endpoint = endpoint
    if delivery.claim(event, now):
        delivery.record(event, delivery.send(event), now)
    event.refresh_from_db()
    return event


def _name(actor: Any) -> str:
    if getattr(actor, "is_authenticated", False):
        return actor.get_full_name() or actor.email
    return "le système"
