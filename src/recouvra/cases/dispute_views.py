"""Disputes: opened from the case page (a quick action), their list (the open ones, the
overdue first), their page (documents, resolution)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvra.web import generic

from . import disputes
from .dispute_forms import DisputeForm, DocumentForm, ResolveForm
from .models import Case, Dispute, DisputeDocument

DISPUTES_SHOWN = 200


def _form_errors(form: Any, exc: ValidationError) -> None:
    """A service's refusal, by field, onto the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    """The open disputes with their owner and date to answer by, the overdue first (then
    the soonest due, then the oldest); `?mes=1` only mine."""
    member = generic.member_of(request)
    today = timezone.localdate()
    rows = Dispute.objects.visible_to(member).filter(closed_on__isnull=True)
    mine = request.GET.get("mes") == "1"
    if mine:
        rows = rows.filter(owner=request.user)
    rows = rows.select_related("case__debtor", "case__creditor", "owner", "claim").order_by(
        F("due_on").asc(nulls_last=True), "opened_on", "id"
    )
    overdue = [d for d in rows[:DISPUTES_SHOWN] if d.due_on and d.due_on < today]
    later = [d for d in rows[:DISPUTES_SHOWN] if not (d.due_on and d.due_on < today)]
    context = {"overdue": overdue, "later": later, "today": today, "mine": mine}
    context["count"] = rows.count()
    return render(request, "cases/disputes.html", context)


def _dispute(request: HttpRequest, pk: int) -> Dispute:
    queryset = Dispute.objects.select_related(
        "case__debtor", "case__creditor", "owner", "claim"
    ).prefetch_related("documents")
    return generic.get_visible(request, queryset, pk)


@login_required
def dispute_page(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = _dispute(request, pk)
    member = generic.member_of(request)
    context = {
        "dispute": dispute,
        "member": member,
        "due": disputes.disputed_balance(dispute.case, dispute.claim),
        "resolve_form": ResolveForm(),
        "document_form": DocumentForm(),
        "today": timezone.localdate(),
    }
    return render(request, "cases/dispute.html", context)


@login_required
def dispute_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a dispute on the case: a panel of the case page (HTMX) or a page of its own."""
    member = generic.require_write(request)
    case = generic.get_visible(request, Case.objects.select_related("debtor"), pk)
    form = DisputeForm(request.POST or None, request.FILES or None, case=case, member=member)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        document = data.get("document")
        try:
            dispute = disputes.open_dispute(
                case,
                reason=data["reason"],
                claim=data.get("claim"),
                disputed_cents=data.get("disputed_cents"),
                owner=data.get("owner"),
                due_on=data.get("due_on"),
                documents=[(document, data.get("document_title", ""))] if document else [],
                actor=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Litige ouvert : le dossier passe à l'étape Litige."))
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = case.get_absolute_url()
                return response
            return redirect("cases:dispute", dispute.pk)
    template = "cases/_dispute_form.html" if request.htmx else "cases/dispute_new.html"
    status = 400 if form.errors and not request.htmx else 200  # HTMX swaps only a 200
    return render(request, template, {"form": form, "case": case}, status=status)


@login_required
def dispute_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    generic.require_write(request)
    dispute = _dispute(request, pk)
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        on = data.get("closed_on") or timezone.localdate()
        if on < dispute.opened_on or on > timezone.localdate():
            form.add_error("closed_on", _("Entre l'ouverture du litige et aujourd'hui."))
        else:
            try:
                done = disputes.resolve_dispute(
                    dispute,
                    outcome=data["outcome"],
                    resolution=data.get("resolution", ""),
                    amount_cents=data.get("amount_cents"),
                    on=on,
                    actor=request.user,
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                if done:
                    messages.success(request, _("Litige clos."))
                else:
                    messages.info(request, _("Ce litige était déjà clos."))
                return redirect("cases:dispute", dispute.pk)
    context: dict[str, Any] = {
        "dispute": dispute,
        "member": generic.member_of(request),
        "due": disputes.disputed_balance(dispute.case, dispute.claim),
        "resolve_form": form,
        "document_form": DocumentForm(),
        "today": timezone.localdate(),
    }
    return render(request, "cases/dispute.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def dispute_document_add(request: HttpRequest, pk: int) -> HttpResponse:
    generic.require_write(request)
    dispute = _dispute(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        disputes.add_document(
            dispute,
            form.cleaned_data["document"],
            title=form.cleaned_data.get("document_title", ""),
            actor=request.user,
        )
        messages.success(request, _("Pièce ajoutée au litige."))
    else:
        errors = [e for field in form.errors.values() for e in field]
        messages.error(request, _("Pièce refusée : %(why)s") % {"why": " ".join(errors)})
    return redirect("cases:dispute", dispute.pk)


@login_required
def dispute_document(request: HttpRequest, pk: int) -> FileResponse:
    """A dispute's document, served only to members who may see the dispute."""
    document = generic.get_visible(request, DisputeDocument.objects.all(), pk)
    name = document.file.name.rsplit("/", 1)[-1]
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=name)
