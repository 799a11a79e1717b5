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


def accepted_language(header: str) -> str:
    """The first language of an Accept-Language header that recouvra speaks ("" if none),
    by the weights given: "en-GB,en;q=0.9,fr;q=0.8" → "en"."""
    offers = []
    for position, item in enumerate(header.split(",")[:20]):
        tag, _sep, params = item.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        offers.append((-weight, position, tag.strip().lower().split("-")[0]))
    spoken = dict(settings.LANGUAGES)
    return next((tag for _w, _p, tag in sorted(offers) if tag in spoken), "")


class LanguageMiddleware:
    """French unless the user chose another language with the switcher (a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language header; a
    French product used by French teams on English-language browsers should not. The API
    (/api/) is called by programs, which say what they want in Accept-Language: it answers
    in that language when it has it, in French otherwise.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            chosen = accepted_language(request.headers.get("Accept-Language", ""))
        else:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response
