"""The forms of disputes: open one from the case page, resolve it from its page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvra.core.uploads import validate_attachment
from recouvra.core.validators import validate_date_in_range
from recouvra.ledger.models import OPEN_STATUSES, Claim
from recouvra.web.forms import MoneyField, bound_dates

from .models import Case, DisputeOutcome
from .services import assignable_users

MAX_REASON = 2_000


class DisputeForm(forms.Form):
    claim = forms.ModelChoiceField(
        queryset=Claim.objects.none(),
        required=False,
        label=_("Créance contestée"),
        empty_label=_("Tout le dossier"),
    )
    reason = forms.CharField(
        label=_("Motif"), max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 3})
    )
    disputed_cents = MoneyField(label=_("Montant contesté"), required=False)
    owner = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Responsable"), empty_label=_("— personne —")
    )
    due_on = forms.DateField(
        label=_("À traiter avant le"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    document = forms.FileField(
        label=_("Pièce (bon de livraison, photo…)"),
        required=False,
        validators=[validate_attachment],
    )
    document_title = forms.CharField(label=_("Titre de la pièce"), max_length=200, required=False)

    def __init__(self, *args: Any, case: Case, member: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        claims = Claim.objects.visible_to(member).filter(case=case, status__in=OPEN_STATUSES)
        self.fields["claim"].queryset = claims.order_by("due_date", "id")
        self.fields["owner"].queryset = assignable_users(case.organization_id).distinct()
        bound_dates(self)


class DocumentForm(forms.Form):
    document = forms.FileField(label=_("Pièce"), validators=[validate_attachment])
    document_title = forms.CharField(label=_("Titre"), max_length=200, required=False)


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Issue"), choices=DisputeOutcome.choices, widget=forms.RadioSelect
    )
    amount_cents = MoneyField(
        label=_("Montant de l'avoir ou de l'abandon"),
        required=False,
        help_text=_("Réduit le principal de la créance contestée (ou des créances du dossier)."),
    )
    resolution = forms.CharField(
        label=_("Explication"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Obligatoire pour un rejet : c'est le texte de la lettre au débiteur."),
    )
    closed_on = forms.DateField(
        label=_("Clos le"),
        required=False,
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
