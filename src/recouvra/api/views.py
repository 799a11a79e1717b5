"""The base of every API view: the key, its scopes, its tenant, bounded bodies, idempotent
POSTs, pagination and filters. Resource views (resources/*.py) only say what they serve."""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

from django.conf import settings
from django.db import DatabaseError, models
from django.db.transaction import TransactionManagementError
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

from recouvra.core import audit
from recouvra.core.models import AuditAction, Membership

from . import idempotency
from .auth import ApiKeyAuthentication
from .models import ApiKey
from .pagination import Cursor
from .permissions import HasScope
from .problems import TooLarge
from .throttling import PerKeyThrottle


class ApiMixin:
    """For every API view. `max_body_bytes` defaults to API_MAX_BODY_BYTES (10 MB)."""

    authentication_classes: ClassVar[list] = [ApiKeyAuthentication]
    permission_classes: ClassVar[list] = [HasScope]
    throttle_classes: ClassVar[list] = [PerKeyThrottle]
    max_body_bytes: int | None = None
    _idempotent = None

    @property
    def api_key(self) -> ApiKey:
        return self.request.auth

    @property
    def member(self) -> Membership:
        """The tenant rules of the key (its organisation, its mandant), as visible_to reads."""
        if not hasattr(self, "_member"):
            self._member = self.api_key.as_member()
        return self._member

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        limit = self.max_body_bytes or settings.API_MAX_BODY_BYTES
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > limit:
            raise TooLarge(
                _("Le corps de la requête dépasse %(mb)d Mo.") % {"mb": limit // (1024 * 1024)}
            )
        super().initial(request, *args, **kwargs)  # authentication, scopes, throttling
        record, replay = idempotency.begin(request, request.auth)
        if replay is not None:
            setattr(self, request.method.lower(), lambda *a, **k: replay)
        self._idempotent = record

    def handle_exception(self, exc: Exception) -> Response:
        try:
            return super().handle_exception(exc)
        except Exception:
            if self._idempotent is not None:  # a crash: the client may try the same key again
                with contextlib.suppress(DatabaseError, TransactionManagementError):
                    self._idempotent.delete()
                self._idempotent = None
            raise

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._idempotent is not None:
            idempotency.finish(self._idempotent, response)
            self._idempotent = None
        return response


class TenantViewSet(ApiMixin, viewsets.GenericViewSet):
    """A model's rows as the key may see them (`visible_to`: its organisation, its mandant):
    another organisation's row is a 404, never a 403.

    Put it first among the bases, before DRF's mixins, so that its perform_create and
    perform_update (the tenant, the audit log) are the ones called; ReadViewSet and
    WriteViewSet below are the usual combinations."""

    model: ClassVar[type[models.Model]]
    pagination_class = Cursor
    filter_backends: ClassVar[list] = [DjangoFilterBackend, OrderingFilter]
    ordering_fields: ClassVar[list[str]] = ["id"]

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False):  # the schema is being generated
            return self.model.objects.none()
        return self.model.objects.visible_to(self.member)

    def perform_create(self, serializer: Any) -> None:
        obj = serializer.save(organization_id=self.member.organization_id)
        audit.record(obj, AuditAction.CREATE, actor=self.request.user)

    def perform_update(self, serializer: Any) -> None:
        before = audit.snapshot(serializer.instance)
        obj = serializer.save()
        audit.record(obj, AuditAction.UPDATE, actor=self.request.user, before=before)


class ReadViewSet(TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    http_method_names: ClassVar[list[str]] = ["get", "head", "options"]


class WriteViewSet(ReadViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """List, read, create and change (PATCH); nothing is deleted through the API."""

    http_method_names: ClassVar[list[str]] = ["get", "post", "patch", "head", "options"]
