from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction

from recouvra.core import audit
from recouvra.core.models import AuditAction

from .models import LawRate


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
