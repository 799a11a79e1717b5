"""Model fields shared by every app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .validators import validate_amount


class AmountField(models.BigIntegerField):
    """An amount of money in integer cents. Refuses floats so none slips in by accident,
    and amounts past the ceiling of recouvra.law.money.MAX_CENTS (full_clean, model forms)."""

    description = _("Montant en centimes")
    default_validators = [validate_amount]

    def get_prep_value(self, value: object) -> int | None:
        if isinstance(value, float):
            raise TypeError("amounts are integer cents, never floats")
        return super().get_prep_value(value)

    def to_python(self, value: object) -> int | None:
        if isinstance(value, float):
            raise TypeError("amounts are integer cents, never floats")
        return super().to_python(value)


class CurrencyField(models.CharField):
    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("default", "EUR")
        kwargs.setdefault("verbose_name", _("devise"))
        super().__init__(*args, **kwargs)
