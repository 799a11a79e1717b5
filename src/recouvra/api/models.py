"""API keys and the answers kept for idempotent retries."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recouvra.core.models import Membership, Organization, Role


class Scope(models.TextChoices):
    """What a key may do. `read` is every GET; `write` creates and changes the records of
    the ledger and the cases; `imports` uploads files; `payments` records payments and
    decides on the lettrage's proposals (money moves: a key of its own)."""

    READ = "read", _("Lecture")
    WRITE = "write", _("Écriture")
    IMPORTS = "imports", _("Imports")
    PAYMENTS = "payments", _("Paiements et lettrage")


KEY_PREFIX = "rcv_"


def hash_secret(key: str) -> str:
    """Keys are 256 random bits: a plain SHA-256 is enough (no password stretching)."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, now: Any = None) -> ApiKeyQuerySet:
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).exclude(expires_at__lte=now)


class ApiKey(models.Model):
    """A key a system around recouvra calls the API with, for one organisation.

    It acts through its own user (`user`), so that the audit log, the timelines and every
    service that records who did something name the key. That user has no password and no
    membership: it cannot sign in to the pages."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("nom"), max_length=100)
    # the public part, shown in lists and used to find the key; the secret is only hashed
    prefix = models.CharField(_("préfixe"), max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("droits"), default=list)
    mandant = models.ForeignKey(
        "ledger.Creditor",
        verbose_name=_("mandant"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Une clé restreinte à un mandant ne voit que les données de ce créancier."),
    )
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_key"
    )

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("clé d'API")
        verbose_name_plural = _("clés d'API")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: Any = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def as_member(self) -> Membership:
        """The membership the tenant rules read (`visible_to`): the organisation, and the
        mandant's creditor for a restricted key. Never saved."""
        role = Role.MANDANT if self.mandant_id else Role.AGENT
        return Membership(
            organization_id=self.organization_id,
            organization=self.organization,
            user=self.user,
            role=role,
            creditor_id=self.mandant_id,
            is_active=True,
        )


class IdempotentRequest(models.Model):
    """A POST made with an `Idempotency-Key` header, and the answer it got: the same key
    with the same body gets this answer again; with another body, a 422. Kept a day."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    # None while the first request is being answered
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.BinaryField(default=b"")
    content_type = models.CharField(max_length=100, default="application/json")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "key"], name="one_answer_per_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
