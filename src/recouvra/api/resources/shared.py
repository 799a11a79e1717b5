"""What the resources of imports, lettrage and the law share: the problem responses of
the schema (RFC 9457, as api/problems.py writes them), bounded integer filters, the
read-only rule of a key restricted to a mandant, the 409 answer."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from recouvra.law.money import MAX_CENTS

from ..problems import PROBLEM_JSON, problem
from ..schema import PROBLEM

MAX_ID = 2**63 - 1
READ = (401, 403, 404, 429)  # what any GET may answer besides its own


def read_schema(serializer: type) -> dict[str, Any]:
    """extend_schema_view(**read_schema(S)): a list and a read, with their problems (a bad
    filter value, an unknown cursor is a 404)."""
    return {
        "list": extend_schema(responses={200: serializer(many=True), **problems(400, *READ)}),
        "retrieve": extend_schema(responses={200: serializer, **problems(*READ)}),
    }


def problems(*codes: int) -> dict[tuple[int, str], dict[str, Any]]:
    """The error answers of an operation, for extend_schema(responses=…)."""
    return {(code, PROBLEM_JSON): PROBLEM for code in codes}


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within bounds (an id, an amount in cents), never a decimal."""

    field_class = forms.IntegerField
    bounds: tuple[int, int] = (-MAX_ID, MAX_ID)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        low, high = self.bounds
        super().__init__(*args, min_value=low, max_value=high, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_ID})
class IdFilter(IntegerFilter):
    """An id, not a choice among the rows: one the key cannot see filters to nothing, as an
    unknown one does (a choice would tell the two apart)."""

    bounds = (0, MAX_ID)


@extend_schema_field({"type": "integer", "minimum": -MAX_CENTS, "maximum": MAX_CENTS})
class CentsFilter(IntegerFilter):
    bounds = (-MAX_CENTS, MAX_CENTS)


def id_filter(field_name: str) -> IdFilter:
    return IdFilter(field_name=field_name)


def cents_filter(field_name: str, lookup_expr: str = "exact") -> CentsFilter:
    return CentsFilter(field_name=field_name, lookup_expr=lookup_expr)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only (DRF's also takes 0, 1, "yes", "on"…)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictCharField(serializers.CharField):
    """A JSON string only (DRF's also turns a number into its text)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class MayWrite(BasePermission):
    """A key restricted to a mandant reads only, as a mandant does on the pages. Checked on
    the object once found, so that an object the key cannot see stays a 404; a creation
    (no object) is checked at once."""

    message = _("Une clé restreinte à un mandant ne peut que lire.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS or getattr(view, "action", None) != "create":
            return True
        return view.member.can_write

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return request.method in SAFE_METHODS or view.member.can_write


def conflict(detail: str) -> Response:
    return Response(problem(409, detail), status=409, content_type=PROBLEM_JSON)


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice a row may not have yet (a blank CharField with choices): null, not ""."""

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        super().__init__(choices, read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value: Any) -> str | None:
        return value or None
