"""The forms of the direct debits: a mandate, a collection date, a return file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from recouvra.core.models import Membership, Organization
from recouvra.core.uploads import validate_upload_size
from recouvra.ledger.models import Creditor
from recouvra.web.forms import bound_dates


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class MandateForm(forms.Form):
    creditor = forms.ModelChoiceField(label=_("Créancier"), queryset=Creditor.objects.none())
    account_holder = forms.CharField(
        label=_("Titulaire du compte"),
        max_length=70,
        help_text=_("Le nom tel qu'il figure sur le compte à débiter."),
    )
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    bic = forms.CharField(label=_("BIC"), max_length=11, required=False)
    signed_on = forms.DateField(label=_("Signé le"), widget=DateInput())
    reference = forms.CharField(
        label=_("Référence unique du mandat (RUM)"),
        max_length=35,
        required=False,
        help_text=_("Laissez vide pour une référence RCV-… générée."),
    )
    prenotice_days = forms.IntegerField(
        label=_("Préavis de pré-notification (jours)"),
        initial=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("14 jours, sauf délai plus court convenu avec le débiteur."),
    )

    def __init__(self, *args: Any, member: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["creditor"].queryset = Creditor.objects.visible_to(member)
        bound_dates(self)


class BuildForm(forms.Form):
    collection_on = forms.DateField(label=_("Date de prélèvement"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_dates(self)


class ReturnFileForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier de retours"),
        validators=[validate_upload_size],
        help_text=_("Relevé camt.053, avis camt.054 ou relevé CFONB 120 de la banque."),
    )


class CreditorIdentityForm(forms.ModelForm):
    """The organisation's identity as the creditor of the direct debits: its ICS and the
    account the debits are credited to."""

    class Meta:
        model = Organization
        fields = ["sepa_creditor_id", "bank_iban", "bank_bic"]
