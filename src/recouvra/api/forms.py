from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recouvra.core.models import Membership
from recouvra.ledger.models import Creditor

from .models import Scope


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Nom"), max_length=100, help_text=_("Par exemple « ERP, envoi de nuit ».")
    )
    scopes = forms.MultipleChoiceField(
        label=_("Droits"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.READ],
    )
    mandant = forms.ModelChoiceField(
        label=_("Restreinte au mandant"),
        queryset=Creditor.objects.none(),
        required=False,
        empty_label=_("Toute l'organisation"),
    )
    expires_on = forms.DateField(
        label=_("Expire le"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Laisser vide pour une clé sans expiration."),
    )

    def __init__(self, member: Membership, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mandant"].queryset = Creditor.objects.visible_to(member).order_by("name")

    def clean_expires_on(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        if day <= timezone.localdate():
            raise forms.ValidationError(_("Choisissez une date à venir."))
        return timezone.make_aware(datetime.combine(day, time.min))
