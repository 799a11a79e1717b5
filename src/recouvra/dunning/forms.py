from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvra.law.money import MAX_CENTS
from recouvra.web.forms import MemberModelForm

from .models import Scenario, Step, Template
from .texts import TemplateError, check


class ScenarioForm(MemberModelForm):
    class Meta:
        model = Scenario
        fields = ["name", "description", "is_default"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class AssignmentForm(forms.Form):
    """The scenario a creditor's or a debtor's cases follow (empty: the usual one)."""

    scenario = forms.ModelChoiceField(
        label=_("Scénario de relance"),
        queryset=Scenario.objects.none(),
        required=False,
        empty_label=_("— celui du créancier ou par défaut —"),
    )

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scenario"]
        field.queryset = Scenario.objects.filter(organization_id=organization_id)


class StepForm(MemberModelForm):
    min_balance = forms.IntegerField(
        label=_("Solde échu minimum (€)"),
        min_value=0,
        max_value=MAX_CENTS // 100,  # whole euros, within the amount ceiling
        initial=0,
        help_text=_("L'étape ne s'applique qu'aux dossiers qui doivent au moins autant."),
    )

    class Meta:
        model = Step
        fields = [
            "position",
            "name",
            "delay_days",
            "after",
            "channel",
            "template",
            "is_formal_notice",
            "debtor_kind",
            "min_risk_level",
            "creditor",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["min_balance"].initial = self.instance.min_balance_cents // 100

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        template, channel = data.get("template"), data.get("channel")
        if template is not None and channel and template.channel != channel:
            self.add_error("template", _("Ce modèle est fait pour un autre canal."))
        return data

    def save(self, commit: bool = True) -> Step:
        self.instance.min_balance_cents = self.cleaned_data["min_balance"] * 100
        return super().save(commit)


class TemplateForm(MemberModelForm):
    class Meta:
        model = Template
        fields = ["name", "channel", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14, "spellcheck": "true"})}

    def clean_subject(self) -> str:
        return self._checked(self.cleaned_data["subject"])

    def clean_body(self) -> str:
        return self._checked(self.cleaned_data["body"])

    def _checked(self, text: str) -> str:
        try:
            check(text)
        except TemplateError as exc:
            raise forms.ValidationError(str(exc)) from None
        return text


MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_TYPES = {
    ".pdf": b"%PDF",
    ".png": b"\x89PNG",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
}


class DeliveryForm(forms.Form):
    """What the post says of a registered letter."""

    tracking_number = forms.CharField(label=_("N° de suivi"), max_length=30)
    first_presented_on = forms.DateField(
        label=_("Première présentation le"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    acknowledged_on = forms.DateField(
        label=_("Accusé de réception signé le"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    acknowledgement = forms.FileField(
        label=_("Accusé de réception (PDF ou image, 10 Mo au plus)"), required=False
    )

    def clean_acknowledgement(self) -> Any:
        scan = self.cleaned_data.get("acknowledgement")
        if scan is None:
            return None
        if scan.size > MAX_SCAN_BYTES:
            raise forms.ValidationError(_("Le fichier dépasse 10 Mo."))
        suffix = "." + scan.name.rsplit(".", 1)[-1].lower() if "." in scan.name else ""
        magic = SCAN_TYPES.get(suffix)
        head = scan.read(8)
        scan.seek(0)
        if magic is None or not head.startswith(magic):
            raise forms.ValidationError(_("Seuls un PDF, un PNG ou un JPEG sont acceptés."))
        return scan

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        presented, signed = data.get("first_presented_on"), data.get("acknowledged_on")
        if presented and signed and signed < presented:
            self.add_error("acknowledged_on", _("L'accusé ne peut précéder la présentation."))
        return data


class PreviewForm(forms.Form):
    """A template's text, tried on one of the organisation's cases."""

    subject = forms.CharField(required=False, max_length=200)
    body = forms.CharField(widget=forms.Textarea)
    case = forms.IntegerField()
