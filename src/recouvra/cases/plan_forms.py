"""The forms of promises and payment plans; their checks are the services' (cases.plans)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from recouvra.law.instalments import MAX_INSTALMENTS
from recouvra.web.forms import MoneyField, bound_dates

from .models import PlanFrequency
from .plans import PlanTerms

MAX_NOTES = 2_000
MAX_REASON = 1_000


class PromiseForm(forms.Form):
    amount_cents = MoneyField(label=_("Montant promis (€)"))
    promised_on = forms.DateField(
        label=_("Au plus tard le"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_dates(self)


class PlanForm(forms.Form):
    starts_on = forms.DateField(
        label=_("Première échéance"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    frequency = forms.ChoiceField(
        label=_("Périodicité"), choices=PlanFrequency.choices, initial=PlanFrequency.MONTHLY
    )
    count = forms.IntegerField(
        label=_("Nombre d'échéances"),
        required=False,
        min_value=1,
        max_value=MAX_INSTALMENTS,
        help_text=_("Ou bien le montant d'une échéance."),
    )
    instalment_cents = MoneyField(label=_("Montant d'une échéance (€)"), required=False)
    down_payment_cents = MoneyField(label=_("Acompte (€)"), required=False)
    total_cents = MoneyField(
        label=_("Total échelonné (€)"),
        required=False,
        help_text=_("Vide : le solde dû aujourd'hui. Sinon, au moins ce solde."),
    )
    reduced_count = forms.IntegerField(
        label=_("Échéances réduites"), required=False, min_value=0, max_value=MAX_INSTALMENTS
    )
    reduced_amount_cents = MoneyField(label=_("Montant réduit (€)"), required=False)
    interest_waived = forms.BooleanField(
        label=_("Renoncer aux intérêts de retard si l'échéancier est respecté"), required=False
    )
    direct_debit = forms.BooleanField(label=_("Par prélèvement SEPA"), required=False)
    notes = forms.CharField(
        label=_("Conditions"),
        required=False,
        max_length=MAX_NOTES,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_dates(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and (data.get("count") is None) == (
            data.get("instalment_cents") is None
        ):
            raise ValidationError(
                {"count": _("Indiquez soit le nombre d'échéances, soit le montant d'une échéance.")}
            )
        return data

    def terms(self) -> PlanTerms:
        data = self.cleaned_data
        return PlanTerms(
            starts_on=data["starts_on"],
            frequency=data["frequency"],
            count=data.get("count"),
            instalment_cents=data.get("instalment_cents"),
            total_cents=data.get("total_cents"),
            down_payment_cents=data.get("down_payment_cents") or 0,
            reduced_count=data.get("reduced_count") or 0,
            reduced_amount_cents=data.get("reduced_amount_cents") or 0,
            interest_waived=bool(data.get("interest_waived")),
        )


class CancelPlanForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
