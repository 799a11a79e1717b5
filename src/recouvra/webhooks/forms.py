from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import URL_MAX_LENGTH, EventType


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=URL_MAX_LENGTH,
        widget=forms.URLInput(attrs={"placeholder": "https://erp.example.fr/webhooks/recouvra"}),
        help_text=_("Adresse https:// qui recevra les événements (POST, JSON signé)."),
    )
    events = forms.MultipleChoiceField(
        label=_("Événements"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
