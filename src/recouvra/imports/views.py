"""Imports pages: upload, batch page with progress and preview, rejected rows as CSV."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvra.core.csvexport import csv_response
from recouvra.ledger.models import Creditor
from recouvra.web import generic

from . import services
from .forms import MappingForm, UploadForm
from .models import ImportBatch, ImportStatus
from .parsers.ledger_fields import FIELD_LABELS


@login_required
def home(request: HttpRequest) -> HttpResponse:
    member = generic.member_of(request)
    form = UploadForm(request.POST or None, request.FILES or None, member=member)
    if request.method == "POST":
        generic.require_write(request)
        if form.is_valid():
            batch = services.upload(
                member,
                form.cleaned_data["file"],
                creditor=form.cleaned_data["creditor"],
                actor=request.user,
            )
            return redirect(batch)
    batches = ImportBatch.objects.visible_to(member).select_related("creditor", "uploaded_by")
    context = {"form": form, "batches": batches[:30]}
    return render(request, "imports/home.html", context, status=400 if form.errors else 200)


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    return generic.get_visible(request, ImportBatch.objects.select_related("creditor"), pk)


@login_required
def batch_page(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    context = {"batch": batch, **_preview_context(request, batch)}
    if request.htmx and request.htmx.target == "batch-status":
        return render(request, "imports/_status.html", context)
    return render(request, "imports/batch.html", context)


def _preview_context(request: HttpRequest, batch: ImportBatch) -> dict:
    columns = batch.preview.get("columns")
    mapping_form = None
    if columns and batch.status == ImportStatus.PREVIEW:
        mapping_form = MappingForm(headers=columns["headers"], mapping=columns["mapping"])
    member = generic.member_of(request)
    return {
        "mapping_form": mapping_form,
        "creditors": Creditor.objects.visible_to(member),
        "errors": batch.row_errors.all()[:200],
    }


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    generic.require_write(request)
    batch = _batch(request, pk)
    creditor = None
    if request.POST.get("creditor"):
        creditor = generic.get_visible(request, Creditor.objects.all(), request.POST["creditor"])
    try:
        services.confirm(batch, mapping=None, creditor=creditor, actor=request.user)
    except services.BatchRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Import lancé : la page se met à jour toute seule."))
    return redirect(batch)


@login_required
@require_POST
def remap(request: HttpRequest, pk: int) -> HttpResponse:
    generic.require_write(request)
    batch = _batch(request, pk)
    columns = batch.preview.get("columns") or {}
    form = MappingForm(request.POST, headers=columns.get("headers", []), mapping={})
    if batch.status != ImportStatus.PREVIEW or not form.is_valid():
        context = {"batch": batch, **_preview_context(request, batch), "mapping_form": form}
        return render(request, "imports/batch.html", context, status=400)
    try:
        services.remap(batch, form.mapping(), actor=request.user)
    except services.BatchRefused as refused:
        messages.error(request, str(refused))
    return redirect(batch)


@login_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Relaunch a batch whose reading or import was interrupted."""
    generic.require_write(request)
    batch = _batch(request, pk)
    if services.retry(batch, actor=request.user):
        messages.success(request, _("Traitement relancé : la page se met à jour toute seule."))
    else:
        messages.error(request, _("Cet import ne peut pas être relancé."))
    return redirect(batch)


@login_required
def errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    header = [_("Fichier"), _("Ligne"), _("Champ"), _("Motif")]
    rows = (
        [batch.filename, error.line, FIELD_LABELS.get(error.field, error.field), error.reason]
        for error in batch.row_errors.all()
    )
    return csv_response(f"rejets-import-{batch.pk}.csv", header, rows)
