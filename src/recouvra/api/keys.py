"""Creating, finding and revoking API keys: the one home of these writes."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvra.core import audit
from recouvra.core.models import AuditAction, Organization, User
from recouvra.ledger.models import Creditor

from .models import KEY_PREFIX, ApiKey, Scope, hash_secret

LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most once a minute


@dataclass(frozen=True)
class NewKey:
    api_key: ApiKey
    secret: str  # the whole key, shown once


def clean_scopes(scopes: Iterable[str]) -> list[str]:
    wanted = [s.strip() for s in scopes if s.strip()]
    unknown = sorted(set(wanted) - set(Scope.values))
    if unknown:
        raise ValidationError(
            _("Droits inconnus : %(unknown)s (possibles : %(known)s).")
            % {"unknown": ", ".join(unknown), "known": ", ".join(Scope.values)}
        )
    if not wanted:
        raise ValidationError(_("Une clé a au moins un droit."))
    return [s for s in Scope.values if s in wanted]


def create_key(
    organization: Organization,
    *,
    name: str,
    scopes: Iterable[str],
    mandant: Creditor | None = None,
    expires_at: datetime | None = None,
    created_by: Any = None,
) -> NewKey:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError(_("Le nom d'une clé a de 1 à 100 caractères."))
    if mandant is not None and mandant.organization_id != organization.pk:
        raise ValidationError(_("Ce créancier appartient à une autre organisation."))
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("La date d'expiration est déjà passée."))
    prefix = secrets.token_hex(6)
    secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        robot = User.objects.create_user(
            email=f"api-{prefix}@api.recouvra.invalid",
            full_name=_("%(name)s (clé d'API)") % {"name": name},
            is_active=False,  # no session: it acts only through the key
        )
        api_key = ApiKey.objects.create(
            organization=organization,
            name=name,
            prefix=prefix,
            secret_hash=hash_secret(secret),
            scopes=clean_scopes(scopes),
            mandant=mandant,
            expires_at=expires_at,
            created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
            user=robot,
        )
        audit.record(api_key, AuditAction.CREATE, actor=created_by)
    return NewKey(api_key, secret)


def revoke_key(api_key: ApiKey, *, actor: Any) -> bool:
    """Revoke the key (idempotent); False when it already was."""
    before = audit.snapshot(api_key)
    updated = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        api_key.refresh_from_db()
        audit.record(api_key, AuditAction.UPDATE, actor=actor, before=before)
    return bool(updated)


def find_key(secret: str) -> ApiKey | None:
    """The usable key whose secret this is, or None (unknown, revoked or expired)."""
    if not secret.startswith(KEY_PREFIX):
        return None
    prefix, _sep, _rest = secret[len(KEY_PREFIX) :].partition("_")
    if not prefix:
        return None
    api_key = (
        ApiKey.objects.usable()
        .select_related("organization", "user", "mandant")
        .filter(prefix=prefix)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.secret_hash, hash_secret(secret)):
        return None
    return api_key


def mark_used(api_key: ApiKey) -> None:
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_EVERY:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
