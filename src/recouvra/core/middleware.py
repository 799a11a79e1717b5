"""Attach the signed-in user's current membership (tenant and role) to each request."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
