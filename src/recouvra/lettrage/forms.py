"""The agent's answer when a credit pays nothing of ours."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvra.imports.models import BankLine, UnappliedReason

NOTE_MAX = BankLine._meta.get_field("unapplied_note").max_length


class UnappliedForm(forms.Form):
    reason = forms.ChoiceField(label=_("Motif"), choices=UnappliedReason.choices)
    note = forms.CharField(label=_("Commentaire"), max_length=NOTE_MAX, required=False)
