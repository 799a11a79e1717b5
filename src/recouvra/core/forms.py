from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.http import HttpRequest
from django.template import loader
from django.utils.translation import gettext_lazy as _

from . import audit, auth
from .models import AuditAction, Organization
from .tasks import send_email


class QueuedPasswordResetForm(PasswordResetForm):
    """Sends the reset link from the worker, so a slow mail server never blocks the page;
    throttled (auth.may_send_reset_mail) so that nobody can flood a mailbox with it."""

    def save(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        if auth.may_send_reset_mail(self.cleaned_data["email"], request):
            super().save(*args, request=request, **kwargs)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        send_email.enqueue(subject=subject, body=body, to=[to_email], from_email=from_email)


class LogoForm(forms.ModelForm):
    """Uploads the organisation's logo (checked by the model field's validators), or removes
    it when `remove` is posted."""

    class Meta:
        model = Organization
        fields = ["logo"]
        widgets = {"logo": forms.FileInput(attrs={"accept": ".png,.jpg,.jpeg,.svg"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.removing = bool(self.data.get("remove"))
        # the stored name is made by logo_path: the name uploaded may be of any length
        self.fields["logo"].max_length = None
        # taken now: validation copies the submitted values onto the instance
        self.before = audit.snapshot(self.instance)

    def clean_logo(self) -> Any:
        if self.removing:
            return False  # FileField.save_form_data empties the field
        if "logo" not in self.files:  # the field falls back on the current logo
            raise forms.ValidationError(_("Choisissez une image."), code="required")
        return self.cleaned_data["logo"]


def save_logo(form: LogoForm, actor: Any) -> Organization:
    """Saves the new logo (or its removal) and records the change. The previous file stays
    in the storage: letters already made refer to it by its name (see logo_path)."""
    with transaction.atomic():
        organization = form.save()
        audit.record(organization, AuditAction.UPDATE, actor=actor, before=form.before)
    return organization
