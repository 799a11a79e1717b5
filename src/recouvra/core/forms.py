from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.template import loader

from . import audit
from .models import AuditAction, LawRate
from .tasks import send_email


class QueuedPasswordResetForm(PasswordResetForm):
    """Sends the reset link from the worker, so a slow mail server never blocks the page."""

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


class LawRateForm(forms.ModelForm):
    """Adds a rate, or corrects the one already entered for the same kind and semester."""

    class Meta:
        model = LawRate
        fields = ["kind", "semester", "percent", "verified", "source"]

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        if data is not None and "instance" not in kwargs:
            kwargs["instance"] = LawRate.objects.filter(
                kind=data.get("kind", ""), semester=data.get("semester", "")
            ).first()
        super().__init__(data, **kwargs)
        # taken now: validation copies the submitted values onto the instance
        self.before = audit.snapshot(self.instance) if self.instance.pk else None


def save_rate(form: LawRateForm, actor: Any) -> LawRate:
    before = form.before
    with transaction.atomic():
        rate = form.save()
        action = AuditAction.UPDATE if before else AuditAction.CREATE
        audit.record(rate, action, actor=actor, before=before)
    return rate
