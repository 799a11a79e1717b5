"""The agency's books on the pages: administrators write, agents read, a mandant sees its
own space (its collections, statements and invoices) and nothing else of the agency. An
organisation that is not an agency has no books: every page is a 404."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvra.core.models import Membership, Role
from recouvra.web import generic

from . import services
from .forms import AdjustmentForm, MandateForm, RunForm
from .models import (
    CommissionInvoice,
    EntryKind,
    Mandate,
    Notice,
    Remittance,
    TransferBatch,
    TrustEntry,
)

BOOK_ROLES = {Role.ADMIN, Role.AGENT}
ENTRIES_SHOWN = 200


def books_member(request: HttpRequest, *, admin: bool = False) -> Membership:
    """The member, if of an agency and allowed on its books (admins; agents read)."""
    member = generic.member_of(request)
    if not member.organization.is_agency or member.role == Role.MANDANT:
        raise Http404(_("Les comptes mandants n'existent que pour un cabinet de recouvrement."))
    if member.role not in BOOK_ROLES:
        raise PermissionDenied(_("Votre rôle ne donne pas accès aux comptes mandants."))
    if admin and not member.is_admin:
        raise PermissionDenied(_("Seul un administrateur tient les comptes mandants."))
    return member


def _reader(request: HttpRequest) -> Membership:
    """An agency's admin or agent, or a mandant of that agency (its own documents)."""
    member = generic.member_of(request)
    if not member.organization.is_agency:
        raise Http404
    if member.role not in BOOK_ROLES | {Role.MANDANT}:
        raise PermissionDenied(_("Votre rôle ne donne pas accès aux comptes mandants."))
    return member


# ---------------------------------------------------------------- mandates


@login_required
def mandates(request: HttpRequest) -> HttpResponse:
    member = books_member(request)
    rows = Mandate.objects.visible_to(member).select_related("creditor")
    today = timezone.localdate()
    context = {"mandates": rows, "member": member, "today": today}
    return render(request, "agency/mandates.html", context)


class MandateEditView(generic.ObjectEditView):
    model = Mandate
    form = MandateForm

    def make_form(self, request: HttpRequest, instance: Any, data: Any = None) -> Any:
        return self.form(data, instance=instance, member=books_member(request, admin=True))

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        books_member(request, admin=True)
        return super().get(request, pk)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        books_member(request, admin=True)
        return super().post(request, pk)

    def create(self, request: HttpRequest, form: Any) -> Mandate:
        return services.save_mandate(form.instance, actor=request.user)

    def update(self, request: HttpRequest, form: Any, before: dict[str, Any]) -> Mandate:
        return services.save_mandate(form.instance, actor=request.user, before=before)


# ---------------------------------------------------------------- trust account


@login_required
def trust(request: HttpRequest) -> HttpResponse:
    member = books_member(request)
    entries = TrustEntry.objects.visible_to(member)
    per, total = services.balances(entries)
    shown = entries.select_related("creditor", "payment__debtor", "remittance")
    chosen = request.GET.get("mandant", "")
    if chosen.isdigit():
        shown = shown.filter(creditor_id=int(chosen))
    context = {
        "balances": per,
        "total": total,
        "entries": shown[:ENTRIES_SHOWN],
        "chosen": chosen,
        "member": member,
        "form": AdjustmentForm(member=member) if member.is_admin else None,
    }
    return render(request, "agency/trust.html", context)


@login_required
@require_POST
def adjust(request: HttpRequest) -> HttpResponse:
    member = books_member(request, admin=True)
    form = AdjustmentForm(request.POST, member=member)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.adjust(
                data["creditor"],
                amount_cents=data["amount_cents"],
                on=data["on"],
                text=data["text"],
                actor=request.user,
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
    if form.errors:
        entries = TrustEntry.objects.visible_to(member)
        per, total = services.balances(entries)
        context = {
            "balances": per,
            "total": total,
            "entries": entries.select_related("creditor", "payment__debtor")[:ENTRIES_SHOWN],
            "member": member,
            "form": form,
        }
        return render(request, "agency/trust.html", context, status=400)
    messages.success(request, _("Régularisation enregistrée."))
    return redirect("agency:trust")


@login_required
def due_soon(request: HttpRequest) -> HttpResponse:
    member = books_member(request)
    today = timezone.localdate()
    sums = services.due_soon(TrustEntry.objects.visible_to(member), today)
    context = {"sums": sums, "today": today, "days": services.DUE_SOON_DAYS}
    return render(request, "agency/due_soon.html", context)


# ---------------------------------------------------------------- remittances


@login_required
def remittances(request: HttpRequest) -> HttpResponse:
    member = books_member(request)
    today = timezone.localdate()
    result = None
    status = 200
    form = RunForm(initial={"period_end": _last_month_end(today)}, today=today)
    if request.method == "POST":
        member = books_member(request, admin=True)
        form = RunForm(request.POST, today=today)
        if form.is_valid():
            try:
                result = services.run_remittances(
                    member.organization_id, form.cleaned_data["period_end"], request.user
                )
            except services.BooksError as exc:
                form.add_error(None, str(exc))
        if form.errors:
            status = 400
        elif not result.remittances and not result.errors:
            messages.info(request, _("Rien de nouveau à reverser pour cette période."))
        elif result.remittances:
            messages.success(
                request,
                _("%(n)d reversement(s) préparé(s), fichier de virements prêt.")
                % {"n": len(result.remittances)},
            )
    batches = TransferBatch.objects.visible_to(member).prefetch_related(
        "remittances__creditor", "remittances__invoice"
    )[:24]
    context = {"form": form, "result": result, "batches": batches, "member": member}
    return render(request, "agency/remittances.html", context, status=status)


def _last_month_end(today: date) -> date:
    return today.replace(day=1) - timedelta(days=1)


@login_required
def remittance(request: HttpRequest, pk: int) -> HttpResponse:
    member = _reader(request)
    item = get_object_or_404(
        Remittance.objects.visible_to(member).select_related("creditor", "mandate", "batch"),
        pk=pk,
    )
    context = {
        "remittance": item,
        "sums": services.statement_sums(item),
        "invoice": CommissionInvoice.objects.filter(remittance=item).first(),
        "member": member,
    }
    return render(request, "agency/remittance.html", context)


def _download(document: Any, name: str, content_type: str) -> FileResponse:
    """A stored document, or 404 when there is none (or its file is gone)."""
    if not document:
        raise Http404
    try:
        opened = document.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(opened, as_attachment=True, filename=name, content_type=content_type)


def _pdf(document: Any, name: str) -> FileResponse:
    return _download(document, name, "application/pdf")


@login_required
def statement_pdf(request: HttpRequest, pk: int) -> FileResponse:
    item = get_object_or_404(Remittance.objects.visible_to(_reader(request)), pk=pk)
    return _pdf(item.statement, f"releve-{item.number}.pdf")


@login_required
def invoice_pdf(request: HttpRequest, pk: int) -> FileResponse:
    item = get_object_or_404(CommissionInvoice.objects.visible_to(_reader(request)), pk=pk)
    return _pdf(item.pdf, f"facture-{item.number}.pdf")


@login_required
def batch_file(request: HttpRequest, pk: int) -> FileResponse:
    member = books_member(request)
    batch = get_object_or_404(TransferBatch.objects.visible_to(member), pk=pk)
    name = f"virements-{batch.period_end:%Y%m%d}.xml"
    return _download(batch.file, name, "application/xml")


@login_required
@require_POST
def batch_sent(request: HttpRequest, pk: int) -> HttpResponse:
    member = books_member(request, admin=True)
    batch = get_object_or_404(TransferBatch.objects.visible_to(member), pk=pk)
    count = services.mark_sent(batch, actor=request.user)
    messages.success(request, _("%(n)d reversement(s) marqué(s) envoyé(s).") % {"n": count})
    return HttpResponseRedirect(reverse("agency:remittances"))


# ---------------------------------------------------------------- the mandant's space


@login_required
def mandant_home(request: HttpRequest) -> HttpResponse:
    member = generic.member_of(request)
    if member.role != Role.MANDANT:  # the agency's own people: a word on what this is
        return render(request, "agency/mandant_home.html", {"creditor": None, "member": member})
    collections = (
        TrustEntry.objects.visible_to(member)
        .filter(kind__in=[EntryKind.COLLECTED, EntryKind.REVERSAL])
        .select_related("payment__debtor", "remittance")
    )
    per, _total = services.balances(TrustEntry.objects.visible_to(member))
    context = {
        "creditor": member.creditor,
        "balance": per[0] if per else None,
        "collections": collections[:ENTRIES_SHOWN],
        "notices": collections.filter(notice=Notice.PORTAL, remittance__isnull=True),
        "remittances": Remittance.objects.visible_to(member).select_related("invoice"),
        "member": member,
    }
    return render(request, "agency/mandant_home.html", context)


# ---------------------------------------------------------------- guest card


def creditor_card(request: HttpRequest, creditor: Any) -> dict[str, Any]:
    """On a creditor's page of an agency: its mandate and what is held for it."""
    member = generic.member_of(request)
    if not member.organization.is_agency or member.role not in BOOK_ROLES:
        return {"books": None}
    entries: QuerySet = TrustEntry.objects.visible_to(member).filter(creditor=creditor)
    per, _total = services.balances(entries)
    mandate = services.mandate_on(creditor.pk, timezone.localdate())
    return {"books": {"mandate": mandate, "balance": per[0] if per else None}, "member": member}
