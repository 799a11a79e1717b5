"""Form building blocks: tenant-scoped choices and a money field in French notation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvra.core.models import Membership
from recouvra.core.validators import (
    amount_out_of_range_message,
    validate_amount,
    validate_date_in_range,
)
from recouvra.law.dates import MAX_DATE, MIN_DATE
from recouvra.law.money import AmountError, AmountOutOfRange, format_plain, parse_amount


class MoneyInput(forms.TextInput):
    def format_value(self, value: Any) -> str | None:
        if isinstance(value, int):
            return format_plain(value)
        return super().format_value(value)


class MoneyField(forms.Field):
    """Turns "1 234,56" into 123456 cents; names the problem in French. Amounts past the
    ceiling of recouvra.law.money.MAX_CENTS are refused."""

    widget = MoneyInput
    default_validators = [validate_amount]
    default_error_messages = {
        "invalid": _("Montant invalide : écrivez par exemple 1 234,56."),
        "negative": _("Le montant ne peut pas être négatif."),
    }

    def __init__(self, *, allow_negative: bool = False, **kwargs: Any) -> None:
        self.allow_negative = allow_negative
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("placeholder", "0,00")

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        try:
            cents = parse_amount(str(value))
        except AmountOutOfRange as exc:
            message = amount_out_of_range_message()
            raise forms.ValidationError(message, code="amount_too_large") from exc
        except AmountError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if cents < 0 and not self.allow_negative:
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        return cents


class MemberModelForm(forms.ModelForm):
    """A ModelForm whose related-object choices are limited to the member's tenant."""

    def __init__(self, *args: Any, member: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                queryset = field.queryset
                if hasattr(queryset, "visible_to"):
                    field.queryset = queryset.visible_to(member)
            if isinstance(field.widget, forms.DateInput):
                field.widget.input_type = "date"
                field.widget.format = "%Y-%m-%d"
        bound_dates(self)


def bound_dates(form: forms.BaseForm) -> None:
    """Every date field of `form` refuses a date outside the range the law engine computes
    with (recouvra.law.dates), and says so to the browser's date picker too."""
    for field in form.fields.values():
        if isinstance(field, forms.DateField):
            if validate_date_in_range not in field.validators:
                field.validators.append(validate_date_in_range)
            field.widget.attrs.setdefault("min", MIN_DATE.isoformat())
            field.widget.attrs.setdefault("max", MAX_DATE.isoformat())


class IdentifierField(forms.CharField):
    """SIREN, SIRET, VAT or IBAN typed with spaces, dots or dashes: compacted before checks."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return "".join(c for c in text if c.isalnum()).upper()

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)  # people type "732 829 320"
        attrs["autocomplete"] = "off"
        return attrs
