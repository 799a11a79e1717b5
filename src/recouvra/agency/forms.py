from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvra.ledger.models import Creditor
from recouvra.web.forms import IdentifierField, MemberModelForm, MoneyField, bound_dates

from .models import Mandate


class MandateForm(MemberModelForm):
    fee_per_case_cents = MoneyField(label=_("forfait par dossier confié"), required=False)

    class Meta:
        model = Mandate
        fields = [
            "creditor",
            "reference",
            "signed_on",
            "starts_on",
            "ends_on",
            "commission_rate",
            "fee_per_case_cents",
            "vat_rate",
            "remittance_days",
            "longer_delay_agreed",
            "remittance_iban",
            "remittance_bic",
            "scope",
        ]
        widgets = {
            "signed_on": forms.DateInput(),
            "starts_on": forms.DateInput(),
            "ends_on": forms.DateInput(),
            "scope": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"remittance_iban": IdentifierField, "remittance_bic": IdentifierField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["creditor"].queryset = Creditor.objects.visible_to(self.member)
        self.fields["scope"].widget.attrs["maxlength"] = 2000
        self.fields["remittance_bic"].max_length = 11

    def clean_scope(self) -> str:
        scope = self.cleaned_data.get("scope", "")
        if len(scope) > 2000:
            raise forms.ValidationError(_("2 000 caractères au plus."))
        return scope


class AdjustmentForm(forms.Form):
    creditor = forms.ModelChoiceField(label=_("mandant"), queryset=Creditor.objects.none())
    amount_cents = MoneyField(label=_("montant (négatif pour une retenue)"), allow_negative=True)
    on = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label=_("motif"), max_length=200)

    def __init__(self, *args: Any, member: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["creditor"].queryset = (
            Creditor.objects.visible_to(member).filter(mandates__isnull=False).distinct()
        )
        bound_dates(self)


class RunForm(forms.Form):
    period_end = forms.DateField(
        label=_("période arrêtée au"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        bound_dates(self)

    def clean_period_end(self) -> date:
        day = self.cleaned_data["period_end"]
        if day > self.today:
            raise forms.ValidationError(_("La période ne peut pas finir après aujourd'hui."))
        return day
