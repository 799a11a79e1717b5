"""The forms of the visit page: what came of it, a payment taken, the receipt sent."""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvra.dunning.models import Channel
from recouvra.ledger.models import PaymentMethod
from recouvra.web.forms import MoneyField, bound_dates

from .services import FIELD_METHODS, Outcome

MAX_NOTE = 1000


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class VisitForm(forms.Form):
    """The outcome of a visit (record_visit checks what depends on the case)."""

    outcome = forms.ChoiceField(
        label=_("Issue de la visite"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Compte rendu"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    promise_amount = MoneyField(label=_("Montant promis"), required=False)
    promised_on = forms.DateField(label=_("Date promise"), required=False, widget=DateInput())
    next_visit_on = forms.DateField(
        label=_("Prochaine visite le"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_dates(self)


def _new_entry() -> str:
    return uuid4().hex


METHOD_CHOICES = [(m.value, m.label) for m in FIELD_METHODS]


class FieldPaymentForm(forms.Form):
    """A payment taken on the spot (take_payment checks it against the case's balance)."""

    amount = MoneyField(label=_("Montant reçu"), required=False)
    method = forms.ChoiceField(
        label=_("Moyen de paiement"),
        choices=METHOD_CHOICES,
        initial=PaymentMethod.CASH,
        widget=forms.RadioSelect,
    )
    cheque_number = forms.CharField(
        label=_("N° du chèque"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    cheque_bank = forms.CharField(label=_("Banque du chèque"), required=False, max_length=60)
    card_last4 = forms.CharField(
        label=_("4 derniers chiffres de la carte"),
        required=False,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    # one filling of the form: sent twice, recorded once (services.take_payment)
    entry = forms.CharField(
        required=False, max_length=32, widget=forms.HiddenInput, initial=_new_entry
    )

    def clean_entry(self) -> str:
        entry = self.cleaned_data.get("entry", "")
        return entry if re.fullmatch(r"[0-9a-f]{0,32}", entry) else ""

    def clean_amount(self) -> int | None:
        amount = self.cleaned_data.get("amount")
        if amount is None:
            raise forms.ValidationError(
                _("Indiquez le montant reçu : une quittance porte un montant.")
            )
        return amount


PHONE = re.compile(r"^\+?[0-9 .\-]{6,20}$")


class SendReceiptForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Envoyer par"),
        choices=[
            (Channel.EMAIL.value, _("E-mail (PDF joint)")),
            (Channel.SMS.value, _("SMS (lien)")),
        ],
        widget=forms.RadioSelect,
    )
    recipient = forms.CharField(label=_("Adresse e-mail ou n° de mobile"), max_length=254)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        channel, recipient = data.get("channel"), (data.get("recipient") or "").strip()
        if channel == Channel.EMAIL:
            try:
                forms.EmailField().clean(recipient)
            except forms.ValidationError:
                self.add_error("recipient", _("Adresse e-mail invalide."))
        elif channel == Channel.SMS:
            digits = re.sub(r"\D", "", recipient)
            if not PHONE.match(recipient) or not 9 <= len(digits) <= 15:
                self.add_error("recipient", _("Numéro de mobile invalide."))
        data["recipient"] = recipient
        return data
