from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvra.core.models import Membership, Role
from recouvra.web.forms import MemberModelForm

from .models import Case, Direction, Interaction, InteractionKind
from .services import assignable_users

MANUAL_KINDS = [
    (InteractionKind.NOTE, _("Note")),
    (InteractionKind.CALL, _("Appel")),
    (InteractionKind.EMAIL, _("E-mail")),
    (InteractionKind.LETTER, _("Courrier")),
    (InteractionKind.VISIT, _("Visite terrain")),
]


class CaseForm(MemberModelForm):
    class Meta:
        model = Case
        fields = [
            "status",
            "assigned_to",
            "legal_partner",
            "formal_notice_on",
            "judgment_enforceable_on",
            "insolvency_opened_on",
        ]
        widgets = {
            "formal_notice_on": forms.DateInput(),
            "judgment_enforceable_on": forms.DateInput(),
            "insolvency_opened_on": forms.DateInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.member.organization_id
        self.fields["assigned_to"].queryset = assignable_users(org)
        self.fields["legal_partner"].queryset = Membership.objects.filter(
            organization_id=org, role=Role.LEGAL_PARTNER, is_active=True
        ).select_related("user")


class InteractionForm(MemberModelForm):
    kind = forms.ChoiceField(label=_("Type"), choices=MANUAL_KINDS)

    class Meta:
        model = Interaction
        fields = ["kind", "direction", "text", "attachment"]
        widgets = {
            "text": forms.Textarea(
                attrs={
                    "rows": 3,
                    "placeholder": _("Compte rendu de l'échange…"),
                    "aria-label": _("Texte"),
                }
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["direction"].initial = Direction.OUTBOUND
        self.fields["text"].required = True
