"""Webhook endpoints of an organisation, the outbox of events to send them, each attempt."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recouvra.core.models import TenantModel


class EventType(models.TextChoices):
    """What an endpoint may subscribe to."""

    PAYMENT_RECEIVED = "payment.received", _("Paiement reçu")
    PAYMENT_REVERSED = "payment.reversed", _("Paiement annulé")
    PROMISE_BROKEN = "promise.broken", _("Promesse non tenue")
    CASE_STAGE_CHANGED = "case.stage_changed", _("Changement d'étape d'un dossier")
    MESSAGE_BOUNCED = "message.bounced", _("Message rejeté")
    IMPORT_COMPLETED = "import.completed", _("Import terminé")
    MATCH_PROPOSED = "match.proposed", _("Propositions de lettrage")


# sent by "Envoyer un test" only: no endpoint subscribes to it
TEST_EVENT = "webhook.test"
URL_MAX_LENGTH = 500


class Endpoint(TenantModel):
    """A URL of one of the organisation's systems, told of the events it subscribed to."""

    url = models.URLField(_("URL"), max_length=URL_MAX_LENGTH)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("événements"), default=list)
    # whsec_ and base64 of 32 random bytes (Standard Webhooks); shown on the endpoint page
    secret = models.CharField(_("secret de signature"), max_length=100)
    is_active = models.BooleanField(_("actif"), default=True)
    disabled_at = models.DateTimeField(_("désactivé le"), null=True, blank=True)
    disabled_reason = models.TextField(_("motif de la désactivation"), blank=True)
    # the first failed attempt since the last success; cleared by a success
    failing_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # the audit log keeps a fingerprint of the secret, never the secret
    audit_hidden = ("secret",)

    class Meta:
        verbose_name = _("point de terminaison")
        verbose_name_plural = _("points de terminaison")
        ordering = ["url", "id"]

    def __str__(self) -> str:
        return self.url[:200]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("webhooks:endpoint", args=[self.pk])

    @property
    def disabled_by_failures(self) -> bool:
        return not self.is_active and self.failing_since is not None

    def event_labels(self) -> list[str]:
        labels = dict(EventType.choices)
        return [str(labels.get(event, event)) for event in self.events]


class EventStatus(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    DELIVERED = "delivered", _("Remis")
    FAILED = "failed", _("Échec")


class Event(TenantModel):
    """One event for one endpoint: the outbox row the worker sends, signed, until the
    endpoint answers 2xx or its 24 hours of retries have passed."""

    endpoint = models.ForeignKey(
        Endpoint,
        verbose_name=_("point de terminaison"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    type = models.CharField(_("type"), max_length=40)
    # the webhook-id header: the same on every attempt, and on a replay
    webhook_id = models.CharField(max_length=40, unique=True)
    # the body exactly as signed and sent (the JSON of {"type", "timestamp", "data"})
    body = models.TextField()
    status = models.CharField(
        _("état"), max_length=10, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochain essai"), default=timezone.now)
    retry_until = models.DateTimeField(_("essais jusqu'au"))
    # a worker sending it holds it until then; a killed worker's hold lapses by itself
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("remis le"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)

    class Meta:
        verbose_name = _("message de webhook")
        verbose_name_plural = _("messages de webhook")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_event_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_event_endpoint_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.webhook_id}"


class Attempt(TenantModel):
    """One try to send an event: what the endpoint answered, or why it could not."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attempt_set")
    at = models.DateTimeField(_("le"))
    status_code = models.PositiveSmallIntegerField(_("code HTTP"), null=True, blank=True)
    response_excerpt = models.TextField(_("réponse (extrait)"), blank=True)
    error = models.TextField(_("erreur"), blank=True)
    duration_ms = models.PositiveIntegerField(_("durée (ms)"), default=0)
    # asked from the endpoint page ("Rejouer"), not by the retry schedule
    replay = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("tentative d'envoi")
        verbose_name_plural = _("tentatives d'envoi")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error[:40]}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
