"""API resources of the ledger: creditors, debtors and their contacts, claims, payments."""

from __future__ import annotations

import django_filters

from recouvra.ledger.models import Creditor

from ..filters import MomentFilter
from ..serializers import StrictModelSerializer
from ..views import WriteViewSet


class UpdatedSince(django_filters.FilterSet):
    """`updated_since` (ISO 8601 date-time): the rows changed since a system's last sync."""

    updated_since = MomentFilter(field_name="updated_at", lookup_expr="gte")


class CreditorSerializer(StrictModelSerializer):
    class Meta:
        model = Creditor
        fields = [
            "id",
            "name",
            "siren",
            "email",
            "phone",
            "iban",
            "is_mandant",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class CreditorFilter(UpdatedSince):
    class Meta:
        model = Creditor
        fields = ["is_mandant", "siren"]


class CreditorViewSet(WriteViewSet):
    model = Creditor
    serializer_class = CreditorSerializer
    filterset_class = CreditorFilter
    ordering_fields = ["id", "name", "updated_at"]


routes = [("creditors", CreditorViewSet, "creditor")]
paths: list = []
