"""Dashboard and section pages: small function views over model methods."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvra.cases.models import Case, CaseStatus, Interaction
from recouvra.core.forms import LogoForm, save_logo
from recouvra.core.middleware import SESSION_KEY
from recouvra.core.models import Membership, Role
from recouvra.ledger.ageing import ageing_rows
from recouvra.ledger.models import Claim, Creditor, Debtor, Payment
from recouvra.web.generic import back_to, member_of, require_admin

AMICABLE = [CaseStatus.AMICABLE, CaseStatus.FORMAL_NOTICE, CaseStatus.NEGOTIATION]
LEGAL = [CaseStatus.LEGAL, CaseStatus.ENFORCEMENT]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    if member.role == Role.FIELD_COLLECTOR:  # the agency's dashboard is not theirs
        return redirect("field:today")
    if member.role == "mandant":  # a mandant's home is its space in the agency's books
        return redirect("agency:mandant_home")
    today = timezone.localdate()
    claims = Claim.objects.visible_to(member)
    cases = Case.objects.visible_to(member)
    ageing = ageing_rows(claims.ageing(today))
    by_status = dict(cases.values_list("status").annotate(n=Count("id")))
    month_start = today.replace(day=1)
    collected = Payment.objects.visible_to(member).filter(received_on__gte=month_start)
    top_debtors = (
        Debtor.objects.visible_to(member).with_balance(today).filter(overdue__gt=0)
    ).order_by("-overdue")[:8]
    context = {
        "ageing": ageing,
        "overdue_total": ageing["total"] - ageing["rows"][0]["cents"],
        "open_claims": claims.open().count(),
        "active_cases": cases.active().count(),
        "collected_month": collected.aggregate(s=Sum("amount_cents"))["s"] or 0,
        "stages": [(s, by_status.get(s.value, 0)) for s in CaseStatus],
        "top_debtors": top_debtors,
        "recent": Interaction.objects.visible_to(member).select_related("case__debtor", "author")[
            :10
        ],
        "today": today,
    }
    return render(request, "pages/dashboard.html", context)


def _cases_page(request: HttpRequest, statuses: list[str], template: str) -> HttpResponse:
    member = member_of(request)
    cases = (
        Case.objects.visible_to(member)
        .filter(status__in=statuses)
        .with_balance()
        .select_related("debtor", "creditor", "assigned_to")
        .order_by("status", "-balance")
    )
    return render(request, template, {"cases": cases[:100], "count": cases.count()})


@login_required
def dunning(request: HttpRequest) -> HttpResponse:
    return _cases_page(request, AMICABLE, "pages/dunning.html")


@login_required
def legal(request: HttpRequest) -> HttpResponse:
    return _cases_page(request, LEGAL, "pages/legal.html")


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    today = timezone.localdate()
    rows = []
    for creditor in Creditor.objects.visible_to(member):
        claims = Claim.objects.visible_to(member).filter(creditor=creditor)
        rows.append({"creditor": creditor, "ageing": ageing_rows(claims.ageing(today))})
    total = ageing_rows(Claim.objects.visible_to(member).ageing(today))
    return render(request, "pages/reports.html", {"rows": rows, "total": total, "today": today})


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    return render(request, "pages/settings.html", _settings_context(request, member))


def _settings_context(
    request: HttpRequest, member: Membership, logo_form: LogoForm | None = None
) -> dict[str, Any]:
    members = Membership.objects.filter(organization_id=member.organization_id).select_related(
        "user", "creditor"
    )
    if logo_form is None and member.is_admin:
        logo_form = LogoForm(instance=member.organization)
    return {
        "organization": member.organization,
        "logo_form": logo_form,
        "members": members if member.is_admin else members.none(),
        "creditors": Creditor.objects.visible_to(member),
        "my_memberships": Membership.objects.filter(
            user=request.user, is_active=True
        ).select_related("organization"),
    }


@login_required
@require_POST
def organization_logo(request: HttpRequest) -> HttpResponse:
    """Paramètres: upload or remove the organisation's logo (administrators only)."""
    member = require_admin(request)
    form = LogoForm(request.POST, request.FILES, instance=member.organization)
    if not form.is_valid():
        member.organization.refresh_from_db(fields=["logo"])  # validation set the upload on it
        context = _settings_context(request, member, form)
        return render(request, "pages/settings.html", context, status=400)
    save_logo(form, request.user)
    if form.removing:
        messages.success(request, _("Logo retiré."))
    else:
        messages.success(request, _("Logo enregistré."))
    return redirect("pages:settings")


@login_required
def logo_image(request: HttpRequest) -> FileResponse:
    """The logo of the member's own organisation (media files are not served as such)."""
    logo = member_of(request).organization.logo
    if not logo:
        raise Http404
    response = FileResponse(logo.open("rb"), filename=PurePath(logo.name).name)
    # an SVG opened on its own must not run scripts in our origin
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_POST
def switch_organization(request: HttpRequest) -> HttpResponse:
    membership = Membership.objects.filter(
        user=request.user, is_active=True, pk=request.POST.get("membership")
    ).first()
    if membership is not None:
        request.session[SESSION_KEY] = membership.pk
    return back_to(request, "/")
