from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvra.core import audit
from recouvra.ledger.models import AGEING_BUCKETS
from recouvra.web import generic

from . import filtersets, forms, tables
from .models import Case, Dispute, Interaction, PaymentPlan, Task
from .queue import reason_labels
from .queue_views import reassign_context
from .services import change_stage, complete_task, record_interaction
from .workbench_views import timeline_context


class CaseListView(generic.ObjectListView):
    model = Case
    filterset = filtersets.CaseFilterSet
    table = tables.CaseTable
    template_name = "cases/case_list.html"

    def extra_context(self, request: HttpRequest, queryset: QuerySet) -> dict[str, Any]:
        return reassign_context(request)

    def base_queryset(self) -> QuerySet:
        return Case.objects.with_balance().select_related("debtor", "creditor", "assigned_to")


class CaseView(generic.ObjectDetailView):
    model = Case
    template_name = "cases/case.html"

    def base_queryset(self) -> QuerySet:
        return Case.objects.with_balance().select_related(
            "debtor", "creditor", "assigned_to", "legal_partner__user"
        )

    def extra_context(self, request: HttpRequest, obj: Case) -> dict[str, Any]:
        """The workbench: the header's figures, the timeline's first page, the quick
        actions; a constant number of queries whatever the length of the timeline."""
        member = generic.member_of(request)
        today = timezone.localdate()
        claims = list(obj.claims.visible_to(member).with_balance().select_related("creditor"))
        days, bucket = ageing(claims, today)
        open_disputes = Dispute.objects.visible_to(member).filter(case=obj, closed_on__isnull=True)
        return {
            "claims": claims,
            "ageing_total": sum(c.balance for c in claims if c.is_open),
            "ageing_days": days,
            "ageing_bucket": bucket,
            "reason_labels": reason_labels(obj.priority_reasons or []),
            "from_queue": request.GET.get("file") == "1",
            "open_disputes": list(open_disputes),
            "interaction_form": forms.InteractionForm(member=member),
            "payment_plans": PaymentPlan.objects.visible_to(member).filter(case=obj),
            "history": audit.history(obj)[:10],
            "today": today,
            **timeline_context(request, obj),
        }


AGEING_LIMITS = ((30, "d0_30"), (60, "d31_60"), (90, "d61_90"), (180, "d91_180"))


def ageing(claims: list[Any], today: date) -> tuple[int | None, str]:
    """Days past the oldest due date still unpaid, and its ageing bucket's label."""
    due = [c.due_date for c in claims if c.is_open and c.balance > 0 and c.due_date < today]
    if not due:
        return None, ""
    days = (today - min(due)).days
    key = next((name for limit, name in AGEING_LIMITS if days <= limit), "d180_plus")
    return days, str(dict(AGEING_BUCKETS)[key])


def claim_timeline_card(request: HttpRequest, claim: Any) -> dict[str, Any]:
    """The last entries of a claim's case timeline, on the claim's page."""
    member = generic.member_of(request)
    timeline = Interaction.objects.visible_to(member).filter(case=claim.case_id)
    return {"timeline": timeline.select_related("author")[:20]}


def debtor_timeline_card(request: HttpRequest, debtor: Any) -> dict[str, Any]:
    """The last entries of all the debtor's case timelines, on the debtor's page."""
    member = generic.member_of(request)
    timeline = Interaction.objects.visible_to(member).filter(case__debtor=debtor)
    return {"timeline": timeline.select_related("author", "case")[:30]}


class CaseEditView(generic.ObjectEditView):
    """Change the stage, the agent or the legal partner; each change lands on the timeline."""

    model = Case
    form = forms.CaseForm

    def update(self, request: HttpRequest, form: Any, before: dict[str, Any]) -> Case:
        stage = form.cleaned_data["status"]
        form.instance.status = before["status"]  # the stage moves through its service
        case = super().update(request, form, before)
        change_stage(case, stage, actor=request.user)
        return case


@login_required
@require_POST
def add_interaction(request: HttpRequest, pk: int) -> HttpResponse:
    member = generic.member_of(request)
    case = generic.get_visible(request, Case.objects.all(), pk)
    if not (member.can_write or member.role == "field_collector"):
        generic.require_write(request)
    form = forms.InteractionForm(request.POST, request.FILES, member=member)
    if form.is_valid():
        data = form.cleaned_data
        record_interaction(
            case,
            kind=data["kind"],
            text=data["text"],
            direction=data["direction"],
            attachment=data.get("attachment"),
            actor=request.user,
        )
        form = forms.InteractionForm(member=member)
        if not request.htmx:
            messages.success(request, _("Échange ajouté au dossier."))
            return redirect(case)
    elif not request.htmx:
        refused = form.errors.get("attachment")
        if refused:  # a file too big or of a type we do not accept: say which and why
            messages.error(request, _("L'échange n'a pas été enregistré.") + " " + refused[0])
        else:
            messages.error(request, _("L'échange n'a pas été enregistré : complétez le texte."))
        return redirect(case)
    context = {"object": case, "interaction_form": form, **timeline_context(request, case)}
    context["member"] = member  # the template shows the form to those who may write
    return render(request, "cases/_timeline.html", context)


@login_required
def interaction_attachment(request: HttpRequest, pk: int) -> FileResponse:
    """Attachments are private: served only to members who can see the interaction."""
    interaction = generic.get_visible(request, Interaction.objects.all(), pk)
    if not interaction.attachment:
        raise Http404
    return FileResponse(interaction.attachment.open("rb"), as_attachment=True)


TASKS_SHOWN = 300


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    """The queue of work: calls, visits and escalations to decide, soonest first; the
    person's own by default, everyone's of the organisation on demand."""
    member = generic.member_of(request)
    everyone = request.GET.get("qui") == "tous"
    queue = Task.objects.visible_to(member).filter(done_at__isnull=True)
    if not everyone:
        queue = queue.filter(assigned_to=request.user)
    queue = queue.select_related("case__debtor", "case__creditor", "assigned_to")
    context = {"tasks": queue[:TASKS_SHOWN], "count": queue.count(), "everyone": everyone}
    context["member"] = member
    return render(request, "cases/tasks.html", context)


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    generic.require_write(request)
    task = generic.get_visible(request, Task.objects.select_related("case"), pk)
    note = request.POST.get("note", "").strip()[:1000]
    if complete_task(task, note=note, actor=request.user):
        messages.success(request, _("Tâche faite : notée au dossier."))
    else:
        messages.info(request, _("Cette tâche était déjà faite."))
    return generic.back_to(request, reverse("cases:tasks"))
