"""Paramètres → Tâches de fond: the workers alive, the tasks waiting, running or failed,
the stuck ones highlighted; administrators only (core/worker.py does the work)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvra.core import worker
from recouvra.web.generic import require_admin


@login_required
def worker_status(request: HttpRequest) -> HttpResponse:
    member = require_admin(request)
    context = worker.overview(member.organization_id)
    context["stuck"] = sum(1 for task in context["tasks"] if task.stuck)
    return render(request, "pages/worker_status.html", context)


@login_required
@require_POST
def requeue_task(request: HttpRequest, pk: str) -> HttpResponse:
    """Run a failed task again, where its kind is safe to run twice."""
    member = require_admin(request)
    row = worker.visible_task(member.organization_id, pk)
    if row is None:
        raise Http404
    kind = worker.kind_of(row.task_path)
    if kind.idempotent and not kind.url and worker.requeue(row):
        messages.success(request, _("Tâche relancée."))
    else:
        messages.error(request, _("Cette tâche ne peut pas être relancée d'ici."))
    return redirect("pages:worker_status")
