"""The case page's quick action "E-mail" / "SMS": one of the organisation's templates of
that channel, rendered with the case's figures when it is prepared, to the debtor's e-mail
or mobile (pre-filled), through dunning.outbox.queue_message (sent at a decent hour, once,
on the timeline)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.validators import validate_email
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recouvra.cases.models import Case
from recouvra.web import generic

from .models import Channel, Template
from .outbox import queue_message

CHANNELS = {"email": Channel.EMAIL, "sms": Channel.SMS}
TOKEN = re.compile(r"^[0-9a-f]{32}$")
PHONE = re.compile(r"^\+?[0-9 .()-]{6,20}$")


class CaseMessageForm(forms.Form):
    template = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Modèle"))
    recipient = forms.CharField(label=gettext_lazy("Destinataire"), max_length=254)
    token = forms.CharField(widget=forms.HiddenInput, max_length=32)

    def __init__(self, *args: Any, case: Case, channel: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel = channel
        templates = Template.objects.filter(organization_id=case.organization_id, channel=channel)
        self.fields["template"].queryset = templates.order_by("name")
        if channel == Channel.SMS:
            self.fields["recipient"].label = _("Mobile")

    def clean_recipient(self) -> str:
        value = self.cleaned_data["recipient"].strip()
        if self.channel == Channel.EMAIL:
            try:
                validate_email(value)
            except forms.ValidationError as exc:
                raise forms.ValidationError(_("Adresse e-mail invalide.")) from exc
        elif not PHONE.match(value):
            raise forms.ValidationError(_("Numéro de mobile invalide."))
        return value

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        if not TOKEN.match(token):
            raise forms.ValidationError(_("Formulaire expiré : rouvrez-le."))
        return token


def actions_card(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The buttons of the quick actions bar (cases/case.html, place "case_actions")."""
    return {}


@login_required
def case_message(request: HttpRequest, pk: int, channel: str) -> HttpResponse:
    if channel not in CHANNELS:
        raise Http404
    generic.require_write(request)
    case = generic.get_visible(request, Case.objects.select_related("debtor"), pk)
    channel = CHANNELS[channel]
    debtor = case.debtor
    initial = {
        "recipient": debtor.email if channel == Channel.EMAIL else (debtor.mobile or debtor.phone),
        "token": uuid.uuid4().hex,
    }
    form = CaseMessageForm(request.POST or None, initial=initial, case=case, channel=channel)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        queue_message(
            case,
            channel=channel,
            recipient=data["recipient"],
            key=f"manual-{case.pk}-{data['token']}",
            template=data["template"],
            actor=request.user,
        )
        done = _("Message mis en file d'envoi : il figure à l'historique.")
        if not request.htmx:
            messages.success(request, done)
            return redirect(case)
        response = HttpResponse(status=204)
        response["HX-Redirect"] = case.get_absolute_url()
        messages.success(request, done)
        return response
    context = {"object": case, "form": form, "channel": channel}
    context["title"] = _("Envoyer un e-mail") if channel == Channel.EMAIL else _("Envoyer un SMS")
    context["url_channel"] = "email" if channel == Channel.EMAIL else "sms"
    template = "dunning/_case_message.html" if request.htmx else "dunning/case_message.html"
    status = 400 if form.errors and not request.htmx else 200
    return render(request, template, context, status=status)
