"""The work queue ("Ma file"), "Dossier suivant", the assignment rules and bulk reassignment."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from recouvra.core import audit
from recouvra.core.models import AuditAction
from recouvra.ledger.models import Creditor
from recouvra.web import generic
from recouvra.web.forms import MemberModelForm, MoneyField

from . import queue
from .models import AssignmentRule, Case, CaseStatus
from .services import assignable_users

QUEUE_PAGE = 50  # cases a page of the queue shows, the most urgent first
# what the queue's rows show: nothing more is read
QUEUE_FIELDS = ("reference", "priority", "priority_reasons", "status", "next_action")
QUEUE_FIELDS += ("next_action_on", "debtor__name", "debtor__mobile", "debtor__phone")
QUEUE_FIELDS += ("creditor__name",)
MAX_QUEUE_PAGE = 10_000


class QueueFilter(forms.Form):
    creditor = forms.ModelChoiceField(
        queryset=Creditor.objects.none(), required=False, label=gettext_lazy("Créancier")
    )
    status = forms.ChoiceField(
        choices=[("", "—"), *[c for c in CaseStatus.choices if c[0] != CaseStatus.CLOSED]],
        required=False,
        label=gettext_lazy("Étape"),
    )
    raison = forms.ChoiceField(
        choices=[("", "—"), *queue.REASONS.items()], required=False, label=gettext_lazy("Raison")
    )
    agent = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("Agent"))

    def __init__(self, *args: Any, member: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["creditor"].queryset = Creditor.objects.visible_to(member)
        if member.is_admin:
            self.fields["agent"].queryset = assignable_users(member.organization_id).distinct()
        else:
            del self.fields["agent"]


def _reason_filter(cases: Any, reason: str) -> Any:
    """Cases whose reasons hold `reason` (a JSON list): the same filter on both databases."""
    return cases.filter(priority_reasons__icontains=f'"{reason}"')


@login_required
def queue_page(request: HttpRequest) -> HttpResponse:
    """An agent's open cases, the most urgent first, with why; an admin may look at any
    agent's queue (?agent=)."""
    member = generic.member_of(request)
    filters = QueueFilter(request.GET or None, member=member)
    agent = request.user
    cases = queue.queue_for(member, agent)
    if filters.is_valid():
        data = filters.cleaned_data
        if data.get("agent"):
            agent = data["agent"]
            cases = queue.queue_for(member, agent)
        if data.get("creditor"):
            cases = cases.filter(creditor=data["creditor"])
        if data.get("status"):
            cases = cases.filter(status=data["status"])
        if data.get("raison"):
            cases = _reason_filter(cases, data["raison"])
    raw = request.GET.get("page", "1")
    page = min(int(raw), MAX_QUEUE_PAGE) if raw.isdigit() and len(raw) < 6 else 1
    page = max(page, 1)
    rows = queue.first_cases(cases, QUEUE_PAGE + 1, (page - 1) * QUEUE_PAGE, only=QUEUE_FIELDS)
    more = len(rows) > QUEUE_PAGE
    rows = rows[:QUEUE_PAGE]
    for case in rows:
        case.reason_labels = queue.reason_labels(case.priority_reasons or [])
    context = {
        "cases": rows,
        "filters": filters,
        "agent": agent,
        "mine": agent == request.user,
        "member": member,
        "page": page,
        "more": more,
        "rank_offset": (page - 1) * QUEUE_PAGE,
    }
    if request.htmx and request.htmx.target == "queue-table":
        return render(request, "cases/_queue_table.html", context)
    return render(request, "cases/queue.html", context)


@login_required
def next_case(request: HttpRequest) -> HttpResponse:
    """The next case of my queue after `?apres=<case id>` (the first one without it),
    opened as from the queue; back to the queue at its end."""
    member = generic.member_of(request)
    after = None
    raw = request.GET.get("apres", "")
    if raw:
        if not raw.isdigit() or len(raw) > 18:
            raise Http404
        after = generic.get_visible(request, Case.objects.all(), int(raw))
    following = queue.next_case(member, request.user, after)
    if following is None:
        messages.info(request, _("Votre file est terminée."))
        return redirect("cases:queue")
    return HttpResponseRedirect(f"{following.get_absolute_url()}?file=1")


# ---------------------------------------------------------------- assignment rules


class AssignmentRuleForm(MemberModelForm):
    min_cents = MoneyField(label=gettext_lazy("Montant minimum"), required=False)
    max_cents = MoneyField(label=gettext_lazy("Montant maximum"), required=False)

    class Meta:
        model = AssignmentRule
        fields = [
            "position",
            "creditor",
            "min_cents",
            "max_cents",
            "postcode_prefix",
            "assign_to",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assign_to"].queryset = assignable_users(self.member.organization_id).distinct()
        self.fields["postcode_prefix"].widget.attrs["inputmode"] = "numeric"

    def clean_postcode_prefix(self) -> str:
        prefix = self.cleaned_data["postcode_prefix"].strip()
        if prefix and not prefix.isalnum():
            raise ValidationError(_("Un début de code postal : des chiffres (ex. 69 ou 2A)."))
        return prefix.upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("min_cents"), data.get("max_cents")
        if low is not None and high is not None and low > high:
            self.add_error("max_cents", _("Le maximum doit être au moins égal au minimum."))
        return data


def _rules(request: HttpRequest) -> Any:
    return AssignmentRule.objects.visible_to(generic.member_of(request))


@login_required
def assignment_rules(request: HttpRequest) -> HttpResponse:
    generic.require_admin(request)
    rules = _rules(request).select_related("creditor", "assign_to")
    unassigned = Case.objects.visible_to(generic.member_of(request)).active()
    context = {"rules": rules, "unassigned": unassigned.filter(assigned_to__isnull=True).count()}
    return render(request, "cases/assignment_rules.html", context)


@login_required
def assignment_rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    member = generic.require_admin(request)
    if pk is None:
        last = _rules(request).order_by("-position").values_list("position", flat=True).first()
        rule = AssignmentRule(organization_id=member.organization_id, position=(last or 0) + 1)
    else:
        rule = generic.get_visible(request, AssignmentRule.objects.all(), pk)
    before = audit.snapshot(rule) if pk else None
    form = AssignmentRuleForm(request.POST or None, instance=rule, member=member)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            rule = form.save()
            action = AuditAction.UPDATE if pk else AuditAction.CREATE
            audit.record(rule, action, actor=request.user, before=before)
        messages.success(request, _("Règle d'attribution enregistrée."))
        return redirect("cases:assignment_rules")
    status = 400 if form.errors else 200
    context = {"form": form, "rule": rule}
    return render(request, "cases/assignment_rule_edit.html", context, status=status)


@login_required
@require_POST
def assignment_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    generic.require_admin(request)
    rule = generic.get_visible(request, AssignmentRule.objects.all(), pk)
    with transaction.atomic():
        audit.record(rule, AuditAction.DELETE, actor=request.user)
        rule.delete()
    messages.success(request, _("Règle supprimée."))
    return redirect("cases:assignment_rules")


@login_required
@require_POST
def assignment_rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Up or down one place (`sens` = haut | bas): the positions are renumbered 1, 2, 3…"""
    generic.require_admin(request)
    rule = generic.get_visible(request, AssignmentRule.objects.all(), pk)
    rules = list(_rules(request).order_by("position", "id"))
    index = rules.index(rule)
    other = index - 1 if request.POST.get("sens") == "haut" else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    with transaction.atomic():
        for position, item in enumerate(rules, start=1):
            if item.position != position:
                before = audit.snapshot(item)
                AssignmentRule.objects.filter(pk=item.pk).update(position=position)
                item.position = position
                audit.record(item, AuditAction.UPDATE, actor=request.user, before=before)
    return redirect("cases:assignment_rules")


@login_required
@require_POST
def assignment_apply(request: HttpRequest) -> HttpResponse:
    member = generic.require_admin(request)
    done = queue.apply_rules(member, actor=request.user)
    messages.success(request, _("%(n)d dossier(s) attribué(s).") % {"n": done})
    return redirect("cases:assignment_rules")


# ---------------------------------------------------------------- bulk reassignment


class ReassignForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("Agent"))

    def __init__(self, *args: Any, member: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = assignable_users(member.organization_id).distinct()


@login_required
@require_POST
def reassign(request: HttpRequest) -> HttpResponse:
    """Selected cases of the case list → one agent (cases.queue.reassign_cases)."""
    member = generic.require_write(request)
    raw = request.POST.getlist("cases")
    if (
        not raw
        or len(raw) > queue.MAX_REASSIGNED
        or not all(v.isdigit() and len(v) < 19 for v in raw)
    ):
        messages.error(request, _("Choisissez au moins un dossier de la liste."))
        return generic.back_to(request, reverse("cases:case_list"))
    form = ReassignForm({"user": request.POST.get("user", "")}, member=member)
    if not form.is_valid():
        messages.error(request, _("Agent inconnu : rien n'a été réattribué."))
        return generic.back_to(request, reverse("cases:case_list"))
    try:
        moved = queue.reassign_cases(
            member, [int(v) for v in raw], form.cleaned_data["user"], actor=request.user
        )
    except Case.DoesNotExist as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return generic.back_to(request, reverse("cases:case_list"))
    messages.success(request, _("%(n)d dossier(s) réattribué(s).") % {"n": moved})
    return generic.back_to(request, reverse("cases:case_list"))


def reassign_context(request: HttpRequest) -> dict[str, Any]:
    """For the case list's bulk reassignment bar."""
    member = generic.member_of(request)
    if not member.can_write:
        return {}
    return {"reassign_users": assignable_users(member.organization_id).distinct()}
