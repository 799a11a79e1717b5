"""Write AuditEvents from code (not signals: .update() and bulk_create skip signals)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .bulk import insert_rows
from .models import AuditAction, AuditEvent

_PLAIN = frozenset((str, int, bool, type(None)))


def _jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The concrete field values of an object, as JSON-friendly data. The fields a model
    names in `audit_hidden` (secrets) are kept as a short fingerprint: the log shows that
    they changed, never what they hold."""
    data = {}
    hidden = getattr(obj, "audit_hidden", ())
    for field in obj._meta.concrete_fields:
        if field.name in ("updated_at",):
            continue
        value = _jsonable(getattr(obj, field.attname))
        data[field.attname] = _fingerprint(value) if field.name in hidden else value
    return data


def _fingerprint(value: Any) -> str:
    if not value:
        return ""
    return "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:8]


def snapshot_values(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    """What snapshot() gives for an object of `model` with these attribute values: for rows
    inserted in bulk, without instances."""
    get = values.get
    return {
        name: value if type(value := get(name)) in _PLAIN else _jsonable(value)
        for name in _snapshot_fields(model)
    }


@cache
def _snapshot_fields(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields if f.name != "updated_at")


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def record(
    obj: models.Model,
    action: str,
    *,
    actor: Any = None,
    before: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """Record a create/update/delete of obj. An update that changed nothing records nothing."""
    after = snapshot(obj)
    if action == AuditAction.UPDATE:
        changes: dict[str, Any] = diff(before or {}, after)
        if not changes:
            return None
    else:
        changes = after
    return AuditEvent.objects.create(
        organization_id=getattr(obj, "organization_id", None),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action=action,
        changes=changes,
    )


_EVENT_FIELDS = ("organization_id", "actor_id", "created_at", "content_type_id", "object_id")
_EVENT_FIELDS += ("object_repr", "action", "changes")


def record_created(
    model: type[models.Model],
    created: Iterable[tuple[int, str, dict[str, Any]]],
    *,
    actor_id: int | None = None,
) -> int:
    """record(obj, CREATE) for many rows inserted in bulk, without instances: each given as
    (id, text shown for it, its attribute values). Returns how many events were written."""
    content_type_id = ContentType.objects.get_for_model(model).pk
    now = timezone.now()
    rows = (
        (values.get("organization_id"), actor_id, now, content_type_id, str(pk), text[:200])
        + (AuditAction.CREATE, snapshot_values(model, {**values, "id": pk}))
        for pk, text, values in created
    )
    return insert_rows(AuditEvent, _EVENT_FIELDS, rows)


def record_updated(
    model: type[models.Model],
    updated: Iterable[tuple[int, str, int | None, dict[str, Any], dict[str, Any]]],
    *,
    actor_id: int | None = None,
) -> int:
    """record(obj, UPDATE, before=…) for many rows updated in bulk, without instances: each
    given as (id, text shown for it, organization id, its values before, after) of the
    fields that may have changed. A row whose values did not change records nothing."""
    content_type_id = ContentType.objects.get_for_model(model).pk
    now = timezone.now()
    rows = (
        (organization_id, actor_id, now, content_type_id, str(pk), text[:200])
        + (AuditAction.UPDATE, changes)
        for pk, text, organization_id, before, after in updated
        if (changes := diff(_jsonable_dict(before), _jsonable_dict(after)))
    )
    return insert_rows(AuditEvent, _EVENT_FIELDS, rows)


def _jsonable_dict(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _jsonable(value) for name, value in values.items()}


def history(obj: models.Model) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")
