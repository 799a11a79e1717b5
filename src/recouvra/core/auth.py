"""Guards on signing in: the sign-in lockout (django-axes, configured in settings) and a
throttle on password reset mails.

Axes counts failed sign-ins per e-mail address and client address; after
AXES_FAILURE_LIMIT of them the pair is locked out for AXES_COOLOFF_TIME. A reset mail
goes at most once per PASSWORD_RESET_MAIL_MINUTES to one address, and at most
PASSWORD_RESET_MAILS_PER_IP_HOUR are asked from one client address: the form answers the
same whether a mail went or not, so it tells nobody whether an address has an account.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.helpers import get_client_ip_address, get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .models import PasswordResetRequest

# requests older than this are of no use to any window: deleted as new ones come
KEEP_REQUESTS = timedelta(days=1)


def login_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The e-mail address a sign-in is for, as the accounts store it (lower case): the
    sign-in form posts it as `username`, whatever the user model calls it."""
    source = credentials if credentials is not None else request.POST
    return str(source.get("username") or "").strip().lower()


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The page a locked-out sign-in gets (HTTP 429), in the user's language."""
    cool_off = get_cool_off(request) or timedelta(0)
    minutes = max(1, round(cool_off.total_seconds() / 60))
    context = {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "registration/locked_out.html", context, status=429)


def may_send_reset_mail(email: str, request: HttpRequest | None) -> bool:
    """Whether a reset mail may go to `email` now, asked by this request's client; if so,
    the request is counted."""
    now = timezone.now()
    email = email.strip().lower()
    ip_address = get_client_ip_address(request) if request is not None else None
    per_address = timedelta(minutes=settings.PASSWORD_RESET_MAIL_MINUTES)
    recent = PasswordResetRequest.objects.filter(requested_at__gte=now - per_address)
    if recent.filter(email=email).exists():
        return False
    if ip_address:
        hour = PasswordResetRequest.objects.filter(
            ip_address=ip_address, requested_at__gte=now - timedelta(hours=1)
        )
        if hour.count() >= settings.PASSWORD_RESET_MAILS_PER_IP_HOUR:
            return False
    PasswordResetRequest.objects.filter(requested_at__lt=now - KEEP_REQUESTS).delete()
    PasswordResetRequest.objects.create(email=email, ip_address=ip_address, requested_at=now)
    return True
