"""What every serializer of the API shares: unknown fields refused, amounts strict."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recouvra.law.money import MAX_CENTS


# A field the serializer does not know is an error, not silently dropped. (A comment, not a
# docstring: drf-spectacular would show a docstring as the description of every schema.)
class StrictMixin:
    default_error_messages = {"unknown": _("Champ inconnu.")}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - known)
            if unknown:
                raise serializers.ValidationError({name: [_("Champ inconnu.")] for name in unknown})
        return super().to_internal_value(data)


class StrictSerializer(StrictMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictMixin, serializers.ModelSerializer):
    pass


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_CENTS})
class CentsField(serializers.Field):
    """An amount in integer cents (12345 for 123,45 €): a JSON integer, never a decimal, a
    string or a boolean; at most MAX_CENTS. SignedCentsField takes negative amounts too."""

    allow_negative = False
    default_error_messages = {
        "not_integer": _("Un montant est un nombre entier de centimes (12345 pour 123,45 €)."),
        "range": _("Montant hors limites : au plus %(max)d centimes en valeur absolue."),
        "negative": _("Ce montant ne peut pas être négatif."),
    }

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("not_integer")
        if abs(data) > MAX_CENTS:
            self.fail("range", max=MAX_CENTS)
        if data < 0 and not self.allow_negative:
            self.fail("negative")
        return data

    def to_representation(self, value: Any) -> int:
        return int(value)


@extend_schema_field({"type": "integer", "minimum": -MAX_CENTS, "maximum": MAX_CENTS})
class SignedCentsField(CentsField):
    allow_negative = True
