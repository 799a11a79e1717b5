"""The case page's quick actions (HTMX panels): each GET gives a small form for the panel,
each POST records through cases.workbench and answers with the refreshed timeline (and the
next action) swapped out of band, the panel emptied; without HTMX, back to the case page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recouvra.web import generic
from recouvra.web.forms import bound_dates

from . import workbench
from .models import Case, Direction, Interaction, InteractionKind
from .services import record_interaction

TIMELINE_PAGE = 50  # entries of the timeline shown at once: the page's queries stay constant
MAX_TEXT = 10_000
FILTER_KINDS = (
    InteractionKind.CALL,
    InteractionKind.EMAIL,
    InteractionKind.SMS,
    InteractionKind.LETTER,
    InteractionKind.NOTE,
    InteractionKind.VISIT,
    InteractionKind.PAYMENT,
    InteractionKind.PROMISE,
    InteractionKind.PLAN,
    InteractionKind.DISPUTE,
    InteractionKind.STATUS,
)


def _date_field(label: Any, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
    )


class CallForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Issue"), choices=workbench.CallOutcome.choices)
    direction = forms.ChoiceField(
        label=gettext_lazy("Sens"),
        choices=[
            (Direction.OUTBOUND, gettext_lazy("Sortant")),
            (Direction.INBOUND, gettext_lazy("Entrant")),
        ],
    )
    text = forms.CharField(
        label=gettext_lazy("Compte rendu"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_action = forms.CharField(
        label=gettext_lazy("Suite à donner"), max_length=200, required=False
    )
    next_action_on = _date_field(gettext_lazy("Le"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_dates(self)

    def clean_next_action_on(self) -> Any:
        day = self.cleaned_data.get("next_action_on")
        if day and day < timezone.localdate():
            raise ValidationError(_("La date de la suite est passée."))
        return day


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Note"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )


class NextActionForm(forms.Form):
    next_action = forms.CharField(
        label=gettext_lazy("Prochaine action"), max_length=200, required=False
    )
    next_action_on = _date_field(gettext_lazy("Le"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_dates(self)


class VisitForm(forms.Form):
    collector = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Agent de terrain"))
    on = _date_field(gettext_lazy("Date de la visite"), required=True)
    note = forms.CharField(label=gettext_lazy("Consignes"), max_length=200, required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collector"].queryset = workbench.field_collectors(case.organization_id)
        bound_dates(self)


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif du passage au contentieux"),
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CorrectionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Correction"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# ---------------------------------------------------------------- the timeline


def timeline_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    """One page of the timeline (?page=), newest first, filtered by kind (?kind=), and
    whether there are older entries: one query, whatever the timeline's length."""
    kind = request.GET.get("kind", "")
    if kind not in InteractionKind.values:
        kind = ""
    raw_page = request.GET.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and len(raw_page) < 6 else 1
    page = max(page, 1)
    entries = Interaction.objects.filter(case=case).select_related("author")
    if kind:
        entries = entries.filter(kind=kind)
    start = (page - 1) * TIMELINE_PAGE
    rows = list(entries[start : start + TIMELINE_PAGE + 1])
    return {
        "timeline": rows[:TIMELINE_PAGE],
        "timeline_kind": kind,
        "timeline_page": page,
        "timeline_more": len(rows) > TIMELINE_PAGE,
        "timeline_kinds": [(k.value, k.label) for k in FILTER_KINDS],
    }


@login_required
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The timeline fragment (HTMX: filtered by kind, or another page)."""
    member = generic.member_of(request)
    case = generic.get_visible(request, Case.objects.all(), pk)
    context = {"object": case, "member": member, **timeline_context(request, case)}
    from .forms import InteractionForm

    context["interaction_form"] = InteractionForm(member=member)
    return render(request, "cases/_timeline.html", context)


# ---------------------------------------------------------------- quick actions


def _case_for_writing(request: HttpRequest, pk: int) -> tuple[Any, Case]:
    member = generic.require_write(request)
    case = generic.get_visible(request, Case.objects.select_related("debtor", "assigned_to"), pk)
    return member, case


def quick_done(request: HttpRequest, case: Case, message: str) -> HttpResponse:
    """After a quick action: the timeline and the next action refreshed (HTMX), or the
    case page again."""
    if not request.htmx:
        messages.success(request, message)
        return redirect(case)
    case.refresh_from_db(fields=["next_action", "next_action_on", "status"])
    member = generic.member_of(request)
    from .forms import InteractionForm

    context = {
        "object": case,
        "member": member,
        "done_message": message,
        "interaction_form": InteractionForm(member=member),
        **timeline_context(request, case),
    }
    return render(request, "cases/_quick_done.html", context)


def _panel(
    request: HttpRequest, case: Case, form: forms.Form, action: str, title: str, button: str
) -> HttpResponse:
    context = {"object": case, "form": form, "action": action, "title": title, "button": button}
    # HTMX swaps only a successful answer: the form with its errors comes back as 200
    status = 400 if form.errors and not request.htmx else 200
    template = "cases/_quick_form.html" if request.htmx else "cases/quick_page.html"
    return render(request, template, context, status=status)


def _refused(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def log_call(request: HttpRequest, pk: int) -> HttpResponse:
    _member, case = _case_for_writing(request, pk)
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        workbench.log_call(
            case,
            outcome=data["outcome"],
            text=data["text"],
            direction=data["direction"],
            next_action=data["next_action"],
            next_action_on=data["next_action_on"],
            actor=request.user,
        )
        return quick_done(request, case, _("Appel noté au dossier."))
    return _panel(
        request, case, form, "cases:log_call", _("Noter un appel"), _("Enregistrer l'appel")
    )


@login_required
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    _member, case = _case_for_writing(request, pk)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        record_interaction(
            case,
            kind=InteractionKind.NOTE,
            text=form.cleaned_data["text"],
            direction=Direction.INTERNAL,
            actor=request.user,
        )
        return quick_done(request, case, _("Note ajoutée au dossier."))
    return _panel(request, case, form, "cases:add_note", _("Ajouter une note"), _("Enregistrer"))


@login_required
def next_action(request: HttpRequest, pk: int) -> HttpResponse:
    _member, case = _case_for_writing(request, pk)
    initial = {"next_action": case.next_action, "next_action_on": case.next_action_on}
    form = NextActionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        workbench.set_next_action(
            case, text=data["next_action"], on=data["next_action_on"], actor=request.user
        )
        return quick_done(request, case, _("Prochaine action enregistrée."))
    return _panel(request, case, form, "cases:next_action", _("Prochaine action"), _("Enregistrer"))


@login_required
def request_visit(request: HttpRequest, pk: int) -> HttpResponse:
    _member, case = _case_for_writing(request, pk)
    form = VisitForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            workbench.request_visit(
                case,
                collector=data["collector"],
                on=data["on"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return quick_done(request, case, _("Visite demandée à l'agent de terrain."))
    return _panel(
        request, case, form, "cases:request_visit", _("Demander une visite"), _("Demander")
    )


@login_required
def escalate(request: HttpRequest, pk: int) -> HttpResponse:
    _member, case = _case_for_writing(request, pk)
    form = EscalateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workbench.escalate(case, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            _refused(form, exc)
        else:
            if request.htmx:  # the stage is in the header: the whole page again
                messages.success(request, _("Dossier passé au contentieux."))
                response = HttpResponse(status=204)
                response["HX-Redirect"] = case.get_absolute_url()
                return response
            return quick_done(request, case, _("Dossier passé au contentieux."))
    return _panel(
        request,
        case,
        form,
        "cases:escalate",
        _("Passer au contentieux"),
        _("Passer au contentieux"),
    )


@login_required
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    """A correction of one timeline entry (`pk`): a new entry, the original kept."""
    generic.require_write(request)
    original = generic.get_visible(request, Interaction.objects.select_related("case"), pk)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workbench.correct_interaction(original, text=form.cleaned_data["text"], actor=request.user)
        return quick_done(request, original.case, _("Correction ajoutée au dossier."))
    context = {
        "object": original.case,
        "form": form,
        "action_url": request.path,
        "title": _("Corriger l'échange du %(when)s")
        % {"when": timezone.localtime(original.occurred_at).strftime("%d/%m/%Y %H:%M")},
        "button": _("Ajouter la correction"),
        "original": original,
    }
    status = 400 if form.errors and not request.htmx else 200
    template = "cases/_quick_form.html" if request.htmx else "cases/quick_page.html"
    return render(request, template, context, status=status)
