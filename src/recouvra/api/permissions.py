"""Scopes: a GET needs `read`; any other method `write`, or the scope its view names."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from .models import ApiKey, Scope


def api_key_of(request: Request) -> ApiKey:
    return request.auth


class HasScope(BasePermission):
    message = _("Cette clé n'a pas le droit nécessaire (%(scope)s).")

    def has_permission(self, request: Request, view: Any) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return False
        scope = required_scope(request, view)
        if api_key.has_scope(scope):
            return True
        self.message = HasScope.message % {"scope": scope}
        return False


def required_scope(request: Request, view: Any) -> str:
    if request.method in SAFE_METHODS:
        return Scope.READ
    # a view (or one action of it) may ask for an area's scope instead of `write`
    by_action = getattr(view, "write_scopes", {})
    return by_action.get(getattr(view, "action", None), getattr(view, "write_scope", Scope.WRITE))
