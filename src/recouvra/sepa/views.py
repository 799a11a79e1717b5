"""Pages of the direct debits: the collections (upcoming debits, files, returns), a mandate,
and the cards shown on the debtor and case pages. Every write is a service call."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvra.cases.models import Case, PlanStatus
from recouvra.imports.parsers.detect import parse_file
from recouvra.imports.records import BankStatement, ParseError
from recouvra.ledger.models import Debtor
from recouvra.web import generic

from . import services
from .forms import BuildForm, CreditorIdentityForm, MandateForm, ReturnFileForm
from .models import Collection, CollectionStatus, DirectDebit, Mandate


def _upcoming_by_date(member: Any) -> list[dict[str, Any]]:
    debits = services.upcoming(member.organization_id).visible_to(member)
    days = []
    for day, group in groupby(debits, key=lambda d: d.collection_on):
        rows = list(group)
        days.append({"day": day, "debits": rows, "total": sum(d.amount_cents for d in rows)})
    return days


@login_required
def collections(request: HttpRequest) -> HttpResponse:
    member = generic.member_of(request)
    today = timezone.localdate()
    files = Collection.objects.visible_to(member).order_by("-collection_on", "-pk")[:50]
    context = {
        "member": member,
        "days": _upcoming_by_date(member),
        "files": files,
        "missing": services.plans_without_mandate(member.organization_id, today)
        if member.can_write
        else [],
        "identity_errors": services.creditor_identity_errors(member.organization),
        "build_form": BuildForm(),
    }
    return render(request, "sepa/collections.html", context)


@login_required
@require_POST
def build(request: HttpRequest) -> HttpResponse:
    member = generic.require_write(request)
    form = BuildForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(reverse("sepa:collections"))
    try:
        collection = services.build_collection(
            member.organization_id, form.cleaned_data["collection_on"], actor=request.user
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return HttpResponseRedirect(reverse("sepa:collections"))
    messages.success(
        request,
        _("Fichier généré : %(count)s prélèvement(s) le %(day)s.")
        % {"count": collection.count, "day": f"{collection.collection_on:%d/%m/%Y}"},
    )
    return HttpResponseRedirect(collection.get_absolute_url())


@login_required
@require_POST
def run_now(request: HttpRequest) -> HttpResponse:
    """The daily steps at once: schedule the debits due soon and pre-notify them."""
    member = generic.require_write(request)
    done = services.run_daily(member.organization_id, timezone.localdate())
    messages.success(
        request,
        _("%(scheduled)s prélèvement(s) programmé(s), %(prenotified)s pré-notifié(s).") % done,
    )
    if done["missing_mandate"]:
        messages.error(request, services.mandate_missing_message())
    return HttpResponseRedirect(reverse("sepa:collections"))


@login_required
def collection(request: HttpRequest, pk: int) -> HttpResponse:
    member = generic.member_of(request)
    obj = generic.get_visible(request, Collection.objects.all(), pk)
    debits = (
        DirectDebit.objects.visible_to(member)
        .filter(collection=obj)
        .select_related("mandate", "instalment__plan__case__debtor", "payment")
    )
    context = {"object": obj, "debits": debits, "member": member}
    return render(request, "sepa/collection.html", context)


@login_required
def collection_file(request: HttpRequest, pk: int) -> HttpResponse:
    obj = generic.get_visible(request, Collection.objects.all(), pk)
    name = f"pain008-{obj.collection_on:%Y%m%d}.xml"
    try:
        content = obj.file.open("rb")
    except FileNotFoundError as exc:  # the storage lost it: say so, do not crash
        raise Http404(_("Le fichier de cette remise est introuvable.")) from exc
    return FileResponse(content, as_attachment=True, filename=name, content_type="application/xml")


@login_required
@require_POST
def settle(request: HttpRequest, pk: int) -> HttpResponse:
    generic.require_write(request)
    obj = generic.get_visible(request, Collection.objects.all(), pk)
    paid = services.settle_collection(obj, actor=request.user)
    if paid or obj.status == CollectionStatus.SENT:
        messages.success(request, _("Remise encaissée : %(count)s paiement(s).") % {"count": paid})
    return HttpResponseRedirect(obj.get_absolute_url())


@login_required
def returns(request: HttpRequest) -> HttpResponse:
    """Upload a bank file holding returned debits (camt.053/054, CFONB 120)."""
    member = generic.member_of(request)
    form = ReturnFileForm()
    result = None
    status = 200
    if request.method == "POST":
        member = generic.require_write(request)
        form = ReturnFileForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                statement = parse_file(upload.read(), filename=upload.name or "")
                if not isinstance(statement, BankStatement):
                    raise ParseError("ce fichier n'est pas un relevé bancaire", file=upload.name)
            except ParseError as exc:
                form.add_error("file", exc.reason)
            else:
                result = services.record_returns(
                    member.organization_id, statement, actor=request.user
                )
        if form.errors:
            status = 400
    context = {"form": form, "result": result, "member": member}
    return render(request, "sepa/returns.html", context, status=status)


@login_required
def mandate(request: HttpRequest, pk: int) -> HttpResponse:
    member = generic.member_of(request)
    obj = generic.get_visible(request, Mandate.objects.select_related("debtor", "creditor"), pk)
    debits = (
        DirectDebit.objects.visible_to(member)
        .filter(mandate=obj)
        .select_related("instalment__plan__case", "collection")
    )
    context = {"object": obj, "debits": debits, "member": member, "today": timezone.localdate()}
    return render(request, "sepa/mandate.html", context)


@login_required
@require_POST
def mandate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    generic.require_write(request)
    obj = generic.get_visible(request, Mandate.objects.all(), pk)
    if services.revoke_mandate(obj, actor=request.user):
        messages.success(request, _("Mandat révoqué."))
    return HttpResponseRedirect(obj.get_absolute_url())


@login_required
def mandate_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A new mandate for this debtor (its page's card links here)."""
    member = generic.require_write(request)
    debtor = generic.get_visible(request, Debtor.objects.all(), pk)
    initial = {"account_holder": debtor.name[:70], "iban": debtor.iban}
    creditors = debtor.cases.values_list("creditor", flat=True)
    if len(set(creditors)) == 1:
        initial["creditor"] = creditors[0]
    form = MandateForm(request.POST or None, member=member, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.create_mandate(
                    member.organization_id,
                    debtor=debtor,
                    creditor=data["creditor"],
                    iban=data["iban"],
                    bic=data["bic"],
                    account_holder=data["account_holder"],
                    signed_on=data["signed_on"],
                    reference=data["reference"],
                    prenotice_days=data["prenotice_days"],
                    actor=request.user,
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
            else:
                messages.success(request, _("Mandat enregistré : %(ref)s") % {"ref": created})
                return HttpResponseRedirect(debtor.get_absolute_url())
        status = 400
    context = {"form": form, "debtor": debtor}
    return render(request, "sepa/mandate_form.html", context, status=status)


# ---------------------------------------------------------------- guest cards


def debtor_card(request: HttpRequest, debtor: Debtor) -> dict[str, Any]:
    """The debtor's mandates (the debtor page)."""
    member = generic.member_of(request)
    mandates = Mandate.objects.visible_to(member).filter(debtor=debtor).select_related("creditor")
    return {"sepa_mandates": list(mandates), "sepa_today": timezone.localdate()}


def case_card(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The direct debits of the case's plans, and a warning when a direct-debit plan has no
    mandate to be debited on (the case page)."""
    member = generic.member_of(request)
    debits = (
        DirectDebit.objects.visible_to(member)
        .filter(instalment__plan__case=case)
        .select_related("instalment", "mandate", "collection")
        .order_by("collection_on", "pk")
    )
    plans = case.paymentplans.filter(status=PlanStatus.ACTIVE, direct_debit=True)
    missing = plans.exists() and (
        services.usable_mandate(
            case.organization_id, case.debtor_id, case.creditor_id, timezone.localdate()
        )
        is None
    )
    collected = debits.filter(payment__isnull=False, payment__reversed_at__isnull=True)
    return {
        "sepa_debits": list(debits),
        "sepa_missing_mandate": missing,
        "sepa_direct_debit": plans.exists(),
        "sepa_collected": collected.aggregate(s=Sum("amount_cents"))["s"] or 0,
    }


@login_required
def identity(request: HttpRequest) -> HttpResponse:
    """The organisation's ICS and collection account (administrators)."""
    member = generic.require_admin(request)
    org = member.organization
    form = CreditorIdentityForm(request.POST or None, instance=org)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.set_creditor_identity(org, actor=request.user, **data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
            else:
                messages.success(request, _("Identité de créancier SEPA enregistrée."))
                return HttpResponseRedirect(reverse("sepa:collections"))
        org.refresh_from_db()
    status = 400 if form.errors else 200
    return render(request, "sepa/identity.html", {"form": form}, status=status)
