"""Dunning pages: scenarios as timelines, templates, the run (preview, then run now), the
outbox."""

from __future__ import annotations

import hmac
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from recouvra.cases.models import Case
from recouvra.core.models import Membership, Role
from recouvra.ledger.models import Creditor, Debtor
from recouvra.letters.content import FiguresUnavailable
from recouvra.web import generic

from . import delivery, engine, forms, printing
from .delivery_reports import EVENTS, MAX_REPORT_BYTES, Report, ReportError, record_report
from .models import (
    LETTER_CHANNELS,
    Assignment,
    Channel,
    DunningRun,
    Message,
    MessageStatus,
    PrintBatch,
    Scenario,
    Step,
    Template,
)
from .texts import TemplateError
from .texts import render as render_text

PREVIEW_ROWS = 200
POSTED = (MessageStatus.PRINTED, MessageStatus.DELIVERED)
# roles that see only part of the organisation's cases (TenantQuerySet.visible_to)
NARROWED_ROLES = (Role.MANDANT, Role.LEGAL_PARTNER)


@login_required
def scenarios(request: HttpRequest) -> HttpResponse:
    member = generic.member_of(request)
    found = Scenario.objects.visible_to(member).annotate(step_count=Count("steps"))
    context = {
        "scenarios": found,
        "templates": Template.objects.visible_to(member),
        "runs": DunningRun.objects.visible_to(member)[:10],
        "member": member,
    }
    return render(request, "dunning/scenarios.html", context)


class ScenarioView(generic.ObjectDetailView):
    model = Scenario
    template_name = "dunning/scenario.html"

    def extra_context(self, request: HttpRequest, obj: Scenario) -> dict[str, Any]:
        given = obj.assignments.select_related("creditor", "debtor")
        return {
            "steps": obj.steps.select_related("template", "creditor"),
            "given_creditors": [a.creditor for a in given.filter(creditor__isnull=False)],
            "given_debtors": given.filter(debtor__isnull=False).count(),
        }


TARGETS = {"creancier": Creditor, "debiteur": Debtor}


def assignment_card(request: HttpRequest, target: Creditor | Debtor) -> dict[str, Any]:
    """What the creditor's or debtor's page shows of its scenario (see _assignment.html)."""
    member = generic.member_of(request)
    current = Assignment.current(target)
    initial = {"scenario": current.scenario_id if current else None}
    return {
        "assignment": current,
        "assignment_kind": "debiteur" if isinstance(target, Debtor) else "creancier",
        "assignment_form": forms.AssignmentForm(
            initial=initial, organization_id=member.organization_id
        ),
    }


def case_card(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The case's dunning: messages with their statuses, open tasks (see _case_dunning.html)."""
    return {
        "case_messages": Message.objects.filter(case=case).select_related("step_run__step")[:50],
        "case_tasks": case.tasks.filter(done_at__isnull=True).select_related("assigned_to"),
    }


@login_required
@require_POST
def assign(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Give a creditor or a debtor its own scenario, or take it back."""
    if kind not in TARGETS:
        raise Http404
    member = generic.require_write(request)
    target = generic.get_visible(request, TARGETS[kind].objects.all(), pk)
    form = forms.AssignmentForm(request.POST, organization_id=member.organization_id)
    if not form.is_valid():
        messages.error(request, _("Ce scénario n'existe pas dans votre organisation."))
    else:
        Assignment.give(target, form.cleaned_data["scenario"], actor=request.user)
        messages.success(request, _("Scénario de relance enregistré."))
    return redirect(target.get_absolute_url())


class ScenarioEditView(generic.ObjectEditView):
    model = Scenario
    form = forms.ScenarioForm
    add_title = _("Nouveau scénario")


class StepEditView(generic.ObjectEditView):
    model = Step
    form = forms.StepForm
    add_title = _("Nouvelle étape")

    def get(
        self, request: HttpRequest, pk: int | None = None, scenario_pk: int = 0
    ) -> HttpResponse:
        self.scenario_pk = scenario_pk
        return super().get(request, pk)

    def post(
        self, request: HttpRequest, pk: int | None = None, scenario_pk: int = 0
    ) -> HttpResponse:
        self.scenario_pk = scenario_pk
        return super().post(request, pk)

    def new_object(self, request: HttpRequest) -> Step:
        scenario = generic.get_visible(request, Scenario.objects.all(), self.scenario_pk)
        last = scenario.steps.aggregate(last=Max("position"))["last"] or 0
        return Step(
            organization_id=scenario.organization_id,
            scenario=scenario,
            position=last + 1,
            delay_days=10,
            after="previous",
        )


class TemplateEditView(generic.ObjectEditView):
    """A template, with a live preview on a real case beside it (htmx, as typed)."""

    model = Template
    form = forms.TemplateForm
    add_title = _("Nouveau modèle")
    template_name = "dunning/template_edit.html"

    def form_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        member = generic.member_of(request)
        cases = Case.objects.visible_to(member).active().select_related("debtor")
        return {"cases": cases.order_by("-pk")[:50]}


@login_required
def run_page(request: HttpRequest) -> HttpResponse:
    """What a run would do today (dry run), and the button that runs it."""
    member = generic.member_of(request)
    today = timezone.localdate()
    if request.method == "POST":
        generic.require_write(request)
        run = engine.run_dunning(member.organization_id, today=today, actor=request.user)
        messages.success(
            request,
            _(
                "Relance passée : %(steps)s étape(s) déclenchée(s), %(messages)s message(s) "
                "en file d'envoi, %(tasks)s tâche(s)."
            )
            % {"steps": run.steps_run, "messages": run.messages, "tasks": run.tasks},
        )
        return redirect("dunning:run")
    planned = _visible_plan(member, engine.plan(member.organization_id, today))
    context = {
        "planned": planned[:PREVIEW_ROWS],
        "count": len(planned),
        "today": today,
        "member": member,
        "runs": DunningRun.objects.visible_to(member)[:10],
    }
    return render(request, "dunning/run.html", context)


def _visible_plan(member: Membership, planned: list[engine.Planned]) -> list[engine.Planned]:
    """The planned steps of the cases `member` may see (the case list's rule, visible_to):
    the plan covers the whole organisation, a mandant or a legal partner sees part of it."""
    if member.role not in NARROWED_ROLES:
        return planned
    visible = set(Case.objects.visible_to(member).values_list("pk", flat=True))
    return [step for step in planned if step.case.case_id in visible]


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    member = generic.member_of(request)
    status = request.GET.get("status", "")
    found: QuerySet = Message.objects.visible_to(member).select_related("case__debtor")
    if status in MessageStatus.values:
        found = found.filter(status=status)
    context = {
        "messages_": found[:200],
        "status": status,
        "statuses": MessageStatus.choices,
        "member": member,
    }
    return render(request, "dunning/outbox.html", context)


@login_required
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    generic.require_write(request)
    member = generic.member_of(request)
    message = get_object_or_404(Message.objects.visible_to(member), pk=pk)
    if delivery.resend(message, actor=request.user):
        messages.success(request, _("Le message repart dans la file d'envoi."))
    else:
        messages.error(
            request, _("Seul un message en échec, à vérifier ou retenu peut être renvoyé.")
        )
    return generic.back_to(request, reverse("dunning:outbox"))


@login_required
def letters(request: HttpRequest) -> HttpResponse:
    """The letters waiting to be printed, and the print batches."""
    member = generic.member_of(request)
    if request.method == "POST":
        generic.require_write(request)
        batch = printing.print_letters(member.organization_id, actor=request.user)
        if batch is None:
            messages.info(request, _("Aucun courrier à imprimer pour l'instant."))
        else:
            messages.success(
                request,
                _("Lot imprimé : %(n)s courrier(s), dont %(r)s recommandé(s).")
                % {"n": batch.letters, "r": batch.registered},
            )
        if held := _held_letters(member).count():
            messages.warning(
                request,
                _(
                    "%(n)s courrier(s) retenu(s) : leurs montants ne peuvent pas encore être "
                    "calculés (motif dans Messages)."
                )
                % {"n": held},
            )
        return redirect("dunning:letters")
    waiting = Message.objects.visible_to(member).filter(
        status=MessageStatus.QUEUED, channel__in=LETTER_CHANNELS
    )
    context = {
        "waiting": waiting.select_related("case__debtor")[:200],
        "waiting_count": waiting.count(),
        "batches": PrintBatch.objects.visible_to(member)[:20],
        "registered": Message.objects.visible_to(member)
        .filter(
            channel=Channel.REGISTERED, status__in=(MessageStatus.PRINTED, MessageStatus.DELIVERED)
        )
        .select_related("case__debtor")[:100],
        "member": member,
    }
    return render(request, "dunning/letters.html", context)


def _held_letters(member: Any) -> QuerySet:
    return Message.objects.visible_to(member).filter(
        status=MessageStatus.HELD, channel__in=LETTER_CHANNELS
    )


@login_required
def batch_document(request: HttpRequest, pk: int) -> FileResponse:
    batch = generic.get_visible(request, PrintBatch.objects.all(), pk)
    return FileResponse(batch.document.open("rb"), filename=Path(batch.document.name).name)


@login_required
def message_document(request: HttpRequest, pk: int) -> FileResponse:
    message = generic.get_visible(request, Message.objects.all(), pk)
    if not message.document:
        raise Http404
    return FileResponse(message.document.open("rb"), filename=f"courrier-{message.pk}.pdf")


@login_required
def delivery_form(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the tracking number, first presentation and acknowledgement of an LRAR."""
    message = generic.get_visible(
        request, Message.objects.filter(channel=Channel.REGISTERED).select_related("case"), pk
    )
    if request.method == "POST":
        generic.require_write(request)
        form = forms.DeliveryForm(request.POST, request.FILES)
        if form.is_valid():
            due = printing.record_delivery(message, **form.cleaned_data, actor=request.user)
            if due:
                messages.success(
                    request, _("Délai de paiement jusqu'au %(d)s.") % {"d": f"{due:%d/%m/%Y}"}
                )
            return redirect("dunning:letters")
    else:
        form = forms.DeliveryForm(
            initial={
                "tracking_number": message.tracking_number,
                "first_presented_on": message.first_presented_on,
                "acknowledged_on": message.acknowledged_on,
            }
        )
    context = {"form": form, "message": message, "deadline": printing.payment_deadline(message)}
    return render(request, "dunning/delivery.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """A template's text rendered on a real case of the organisation (live, as typed), for
    those who may edit templates: rendering a text typed by anyone would let anyone tie up
    the server (the sandbox bounds it, but only writers need it)."""
    member = generic.require_write(request)
    form = forms.PreviewForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choisissez un dossier pour l'aperçu."), status=400)
    case = generic.get_visible(request, Case.objects.all(), form.cleaned_data["case"])
    template = Template(
        organization_id=member.organization_id,
        subject=form.cleaned_data["subject"],
        body=form.cleaned_data["body"],
    )
    try:
        rendered = render_text(template, case, timezone.localdate())
    except TemplateError as exc:
        return render(request, "dunning/_preview.html", {"error": str(exc)})
    except FiguresUnavailable as missing:  # the message would be held: say why
        return render(request, "dunning/_preview.html", {"error": missing.reason})
    return render(request, "dunning/_preview.html", {"rendered": rendered})


@csrf_exempt
@require_POST
def delivery_report(request: HttpRequest) -> HttpResponse:
    """A provider's delivery events (JSON), authenticated by a shared bearer token:
    {"events": [{"event": "bounced", "message_id": "<…>", "reason": "550 …"}, …]};
    an SMS provider gives its "provider_ref" instead of a Message-ID."""
    token = settings.DELIVERY_WEBHOOK_TOKEN
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        return JsonResponse({"error": "jeton absent ou invalide"}, status=403)
    if len(request.body) > MAX_REPORT_BYTES:
        return JsonResponse({"error": "corps trop long"}, status=413)
    try:
        events = _reports_of(request.body)
    except ReportError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    recorded = sum(record_report(report) for report in events)
    return JsonResponse({"received": len(events), "recorded": recorded})


def _reports_of(body: bytes) -> list[Report]:
    """The webhook's events, each checked: the first bad one refuses the whole call, so a
    provider's retry does not half-apply it."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"JSON illisible : {exc}") from None
    events = data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list):
        raise ReportError("attendu : un objet JSON avec une liste « events »")
    found = []
    for n, event in enumerate(events, 1):
        if not isinstance(event, dict):
            raise ReportError(f"événement {n} : un objet JSON est attendu")
        kind = event.get("event")
        if kind not in EVENTS:
            raise ReportError(f"événement {n} : « event » doit valoir {EVENTS}")
        fields = {k: event.get(k, "") for k in ("message_id", "provider_ref", "reason")}
        if not all(isinstance(value, str) for value in fields.values()):
            raise ReportError(f"événement {n} : les champs sont des chaînes")
        if not (fields["message_id"] or fields["provider_ref"]):
            raise ReportError(f"événement {n} : « message_id » ou « provider_ref » requis")
        found.append(Report(kind, **fields))
    return found
