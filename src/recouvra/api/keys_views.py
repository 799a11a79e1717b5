"""Paramètres → API: the organisation's keys (administrators only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvra.web.generic import require_admin

from .forms import ApiKeyForm
from .keys import create_key, revoke_key
from .models import ApiKey


@login_required
def key_list(request: HttpRequest) -> HttpResponse:
    member = require_admin(request)
    return render(request, "api/keys.html", _context(member, ApiKeyForm(member)))


@login_required
@require_POST
def key_create(request: HttpRequest) -> HttpResponse:
    member = require_admin(request)
    form = ApiKeyForm(member, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            new = create_key(
                member.organization,
                name=data["name"],
                scopes=data["scopes"],
                mandant=data["mandant"],
                expires_at=data["expires_on"],
                created_by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:  # the secret is shown on this answer only, never again
            context = _context(member, ApiKeyForm(member))
            context.update(new_key=new.api_key, secret=new.secret)
            return render(request, "api/keys.html", context)
    return render(request, "api/keys.html", _context(member, form), status=400)


@login_required
@require_POST
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    member = require_admin(request)
    api_key = get_object_or_404(ApiKey, pk=pk, organization_id=member.organization_id)
    if revoke_key(api_key, actor=request.user):
        messages.success(request, _("Clé « %(name)s » révoquée.") % {"name": api_key.name})
    return redirect("api:keys")


def _context(member, form: ApiKeyForm) -> dict:  # noqa: ANN001
    keys = ApiKey.objects.filter(organization_id=member.organization_id).select_related(
        "mandant", "created_by"
    )
    return {"keys": keys, "form": form}
