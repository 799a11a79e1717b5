"""`Idempotency-Key` on POST: the same key and body get the first answer again, and nothing
is done twice; the same key with another body is a 422. Answers are kept KEPT_FOR."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from .models import ApiKey, IdempotentRequest
from .problems import Unprocessable

HEADER = "Idempotency-Key"
KEPT_FOR = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=10)  # a first request still unanswered: its process died
MAX_KEY_LENGTH = 255


class InProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_in_progress"


def fingerprint(request: Request) -> str:
    """What makes two requests the same: method, path, query and body (for a multipart
    upload: its fields and the content of its files)."""
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode() + b"\0")
    if request.content_type.startswith("multipart/"):
        for name in sorted(request.data.keys()):
            for value in request.data.getlist(name):
                digest.update(name.encode() + b"=")
                if hasattr(value, "chunks"):
                    for chunk in value.chunks():
                        digest.update(chunk)
                    value.seek(0)
                else:
                    digest.update(str(value).encode())
                digest.update(b"\0")
    else:
        digest.update(request._request.body)
    return digest.hexdigest()


def begin(
    request: Request, api_key: ApiKey
) -> tuple[IdempotentRequest | None, HttpResponse | None]:
    """(the record to complete, None) for a first request; (None, the first answer) for a
    replay. Raises a 422 for a reused key with another request, a 409 while the first is
    still being answered."""
    key = request.headers.get(HEADER, "").strip()
    if not key or request.method != "POST":
        return None, None
    if len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError({HEADER: [_("Au plus 255 caractères.")]})
    now = timezone.now()
    IdempotentRequest.objects.filter(api_key=api_key, created_at__lt=now - KEPT_FOR).delete()
    request_hash = fingerprint(request)
    try:
        with transaction.atomic():
            record = IdempotentRequest.objects.create(
                api_key=api_key,
                key=key,
                request_hash=request_hash,
                method=request.method,
                path=request.path[:2000],
                created_at=now,
            )
        return record, None
    except IntegrityError:
        pass
    first = IdempotentRequest.objects.get(api_key=api_key, key=key)
    if first.request_hash != request_hash:
        raise Unprocessable(
            _("Cette clé d'idempotence a déjà servi pour une autre requête (%(method)s %(path)s).")
            % {"method": first.method, "path": first.path}
        )
    if first.status_code is None:
        if now - first.created_at < ABANDONED_AFTER:
            raise InProgress(_("La première requête faite avec cette clé est en cours."))
        first.delete()
        return begin(request, api_key)
    replay = HttpResponse(
        bytes(first.response_body), status=first.status_code, content_type=first.content_type
    )
    replay["Idempotent-Replayed"] = "true"
    return None, replay


def finish(record: IdempotentRequest, response: Response) -> None:
    if response.status_code >= 500:
        record.delete()  # nothing was done for good: the client may try again
        return
    response.render()
    IdempotentRequest.objects.filter(pk=record.pk).update(
        status_code=response.status_code,
        response_body=response.content,
        content_type=response.get("Content-Type", "application/json")[:100],
    )
