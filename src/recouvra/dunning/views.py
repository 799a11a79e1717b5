"""Dunning pages: scenarios as timelines, templates, the run (preview, then run now), the
outbox."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvra.web import generic

from . import delivery, engine, forms
from .models import DunningRun, Message, MessageStatus, Scenario, Step, Template

PREVIEW_ROWS = 200


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
        return {"steps": obj.steps.select_related("template", "creditor")}


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
    model = Template
    form = forms.TemplateForm
    add_title = _("Nouveau modèle")


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
    planned = engine.plan(member.organization_id, today)
    context = {
        "planned": planned[:PREVIEW_ROWS],
        "count": len(planned),
        "today": today,
        "member": member,
        "runs": DunningRun.objects.visible_to(member)[:10],
    }
    return render(request, "dunning/run.html", context)


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
        messages.error(request, _("Seul un message en échec ou à vérifier peut être renvoyé."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("dunning:outbox")
    return HttpResponseRedirect(target)
