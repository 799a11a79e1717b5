"""Paramètres → API → Webhooks: the organisation's endpoints, their messages and attempts
(administrators only; another organisation's endpoint is a 404)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvra.core.models import Membership
from recouvra.web.generic import require_admin

from . import delivery, services
from .forms import EndpointForm
from .models import Endpoint, Event, EventStatus, EventType

MESSAGES_SHOWN = 50


def _endpoint(request: HttpRequest, pk: int) -> tuple[Membership, Endpoint]:
    member = require_admin(request)
    endpoint = get_object_or_404(Endpoint, pk=pk, organization_id=member.organization_id)
    return member, endpoint


@login_required
def endpoint_list(request: HttpRequest) -> HttpResponse:
    member = require_admin(request)
    endpoints = Endpoint.objects.filter(organization_id=member.organization_id).annotate(
        waiting=Count("messages", filter=Q(messages__status=EventStatus.PENDING)),
        failed=Count("messages", filter=Q(messages__status=EventStatus.FAILED)),
    )
    return render(request, "webhooks/endpoints.html", {"endpoints": endpoints})


@login_required
def endpoint_create(request: HttpRequest) -> HttpResponse:
    member = require_admin(request)
    form = EndpointForm(request.POST or None, initial={"events": EventType.values})
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.create_endpoint(
                member.organization,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
                actor=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Point de terminaison ajouté : copiez son secret."))
            return redirect(endpoint)
    status = 400 if request.method == "POST" else 200
    return render(request, "webhooks/endpoint_form.html", {"form": form}, status=status)


@login_required
def endpoint_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _member, endpoint = _endpoint(request, pk)
    initial = {"url": endpoint.url, "events": endpoint.events, "description": endpoint.description}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_endpoint(
                endpoint,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
                actor=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Point de terminaison modifié."))
            return redirect(endpoint)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "endpoint": endpoint}
    return render(request, "webhooks/endpoint_form.html", context, status=status)


def _form_errors(form: EndpointForm, exc: ValidationError) -> None:
    field = "url" if getattr(exc, "code", None) == "url" else None
    form.add_error(field, exc)


@login_required
def endpoint(request: HttpRequest, pk: int) -> HttpResponse:
    _member, found = _endpoint(request, pk)
    recent = list(
        Event.objects.filter(endpoint=found).order_by("-created_at", "-id")[:MESSAGES_SHOWN]
    )
    attempts = delivery.attempts_of([event.pk for event in recent])
    shown = [
        {"event": event, "attempts": attempts.get(event.pk, []), "body": _pretty(event.body)}
        for event in recent
    ]
    counts = dict(
        Event.objects.filter(endpoint=found)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    context = {"endpoint": found, "messages_shown": shown, "counts": counts}
    return render(request, "webhooks/endpoint.html", context)


def _pretty(body: str) -> str:
    try:
        return json.dumps(json.loads(body), ensure_ascii=False, indent=2)[:20_000]
    except ValueError:
        return body[:20_000]


@login_required
@require_POST
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    _member, found = _endpoint(request, pk)
    services.rotate_secret(found, actor=request.user)
    messages.success(request, _("Nouveau secret créé : l'ancien ne signe plus rien."))
    return redirect(found)


@login_required
@require_POST
def endpoint_enable(request: HttpRequest, pk: int) -> HttpResponse:
    _member, found = _endpoint(request, pk)
    if services.set_active(found, True, actor=request.user):
        messages.success(request, _("Point de terminaison réactivé."))
    return redirect(found)


@login_required
@require_POST
def endpoint_disable(request: HttpRequest, pk: int) -> HttpResponse:
    _member, found = _endpoint(request, pk)
    if services.set_active(found, False, actor=request.user):
        messages.success(request, _("Point de terminaison désactivé."))
    return redirect(found)


@login_required
@require_POST
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _member, found = _endpoint(request, pk)
    services.delete_endpoint(found, actor=request.user)
    messages.success(request, _("Point de terminaison supprimé."))
    return redirect("webhooks:endpoints")


@login_required
@require_POST
def endpoint_test(request: HttpRequest, pk: int) -> HttpResponse:
    _member, found = _endpoint(request, pk)
    event = services.send_test(found, actor=request.user)
    if event.status == EventStatus.DELIVERED:
        messages.success(request, _("Message de test remis."))
    else:
        messages.error(
            request, _("Message de test non remis : %(why)s") % {"why": event.last_error or "?"}
        )
    return redirect(found)


@login_required
@require_POST
def event_replay(request: HttpRequest, pk: int) -> HttpResponse:
    member = require_admin(request)
    event = get_object_or_404(
        Event.objects.select_related("endpoint"), pk=pk, organization_id=member.organization_id
    )
    outcome = delivery.replay(event, actor=request.user)
    if outcome == EventStatus.DELIVERED:
        messages.success(request, _("Message renvoyé et remis."))
    elif outcome == "busy":
        messages.info(request, _("Ce message est en cours d'envoi : réessayez dans un instant."))
    else:
        event.refresh_from_db()
        messages.error(
            request, _("Message renvoyé, non remis : %(why)s") % {"why": event.last_error}
        )
    return redirect(event.endpoint)


def api_settings_card(request: HttpRequest, obj: Any) -> dict[str, Any]:
    """On Paramètres → API (web.cards "api_settings"): the endpoints disabled for failing."""
    member = getattr(request, "membership", None)
    if member is None:
        return {"disabled_endpoints": []}
    disabled = Endpoint.objects.filter(
        organization_id=member.organization_id, is_active=False, failing_since__isnull=False
    )
    return {"disabled_endpoints": list(disabled[:20])}
