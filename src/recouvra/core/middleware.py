"""Attach the signed-in user's current membership (tenant and role) to each request."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from .models import Membership

SESSION_KEY = "membership_id"


def current_membership(request: HttpRequest) -> Membership | None:
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=user, is_active=True).select_related(
        "organization", "creditor"
    )
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        member = memberships.filter(pk=chosen).first()
        if member is not None:
            return member
    return memberships.order_by("organization__name").first()


class MembershipMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = current_membership(request)
        return self.get_response(request)


class LanguageMiddleware:
    """French unless the user chose another language with the switcher (a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language header; a
    French product used by French teams on English-language browsers should not.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response
