from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from recouvra.web.forms import IdentifierField, MemberModelForm, MoneyField

from .models import Claim, Contact, Creditor, Debtor


class CreditorForm(MemberModelForm):
    class Meta:
        model = Creditor
        fields = [
            "name",
            "siren",
            "is_mandant",
            "email",
            "phone",
            "iban",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
        ]
        field_classes = {"siren": IdentifierField, "iban": IdentifierField}


class DebtorForm(MemberModelForm):
    class Meta:
        model = Debtor
        fields = [
            "kind",
            "name",
            "siren",
            "siret",
            "vat_number",
            "email",
            "phone",
            "mobile",
            "iban",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
            "risk_level",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        field_classes = {
            "siren": IdentifierField,
            "siret": IdentifierField,
            "vat_number": IdentifierField,
            "iban": IdentifierField,
        }


class ClaimForm(MemberModelForm):
    principal_cents = MoneyField(label=_("Montant principal (€)"))

    class Meta:
        model = Claim
        fields = [
            "creditor",
            "debtor",
            "reference",
            "kind",
            "issue_date",
            "due_date",
            "principal_cents",
            "currency",
            "contractual_rate",
            "terms",
            "status",
        ]
        widgets = {
            "issue_date": forms.DateInput(),
            "due_date": forms.DateInput(),
            "terms": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip()


class ContactForm(MemberModelForm):
    class Meta:
        model = Contact
        fields = ["kind", "label", "value"]
        widgets = {"value": forms.TextInput()}
