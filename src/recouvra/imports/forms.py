from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvra.core.models import Membership
from recouvra.core.uploads import validate_upload_size
from recouvra.ledger.models import Creditor

from .parsers.ledger_fields import FIELD_LABELS


class UploadForm(forms.Form):
    # the type is told by the content when the worker reads the file (parsers/detect.py)
    file = forms.FileField(label=_("Fichier"), validators=[validate_upload_size])
    creditor = forms.ModelChoiceField(
        label=_("Créancier (pour les factures)"),
        queryset=Creditor.objects.none(),
        required=False,
        help_text=_("Inutile pour un relevé bancaire."),
    )

    def __init__(self, *args: Any, member: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        creditors = Creditor.objects.visible_to(member)
        self.fields["creditor"].queryset = creditors
        if creditors.count() == 1:
            self.fields["creditor"].initial = creditors.first()


class MappingForm(forms.Form):
    """One select per column of the file: which claim field it holds."""

    def __init__(self, *args: Any, headers: list[str], mapping: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("", _("— ignorer —")), *FIELD_LABELS.items()]
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or _("(colonne %(n)s)") % {"n": index + 1},
                choices=choices,
                required=False,
                initial=mapping.get(header, ""),
            )
        self.headers = headers

    def mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data[f"col_{i}"]
            for i, header in enumerate(self.headers)
            if self.cleaned_data.get(f"col_{i}")
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = [v for k, v in data.items() if k.startswith("col_") and v]
        for required in ("reference", "amount_cents"):
            if required not in chosen:
                raise forms.ValidationError(
                    _("Indiquez la colonne « %(field)s ».") % {"field": FIELD_LABELS[required]}
                )
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("Deux colonnes ne peuvent pas remplir le même champ."))
        return data
