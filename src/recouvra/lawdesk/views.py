"""The calculator and the rates page: the law engine from the browser."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from recouvra.web.generic import member_of

from . import calculator as calc
from .forms import LawRateForm, save_rate
from .models import LawRate
from .rates import rate_rows, rate_tables


@login_required
def rates(request: HttpRequest) -> HttpResponse:
    """Paramètres → Taux: the rates in force per semester, and a form for staff to add one."""
    member_of(request)
    form = LawRateForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_staff:
            raise PermissionDenied(
                _("Seul un administrateur de la plateforme peut saisir un taux.")
            )
        if form.is_valid():
            rate = save_rate(form, request.user)
            messages.success(request, _("Taux enregistré : %(rate)s") % {"rate": rate})
            return redirect("lawdesk:rates")
    context = {"rows": rate_rows(rate_tables()), "form": form, "entered": LawRate.objects.all()}
    return render(request, "lawdesk/rates.html", context, status=400 if form.errors else 200)


@login_required
def calculator(request: HttpRequest) -> HttpResponse:
    """Compute with the law engine without creating any record."""
    member_of(request)
    initial = calc.initial_values()
    forms = {key: form(initial=initial.get(key)) for key, (_label, form, _fn) in calc.TOOLS.items()}
    tool = request.POST.get("tool") if request.method == "POST" else None
    context: dict = {"tools": calc.TOOLS, "forms": forms, "tool": tool}
    if tool in calc.TOOLS:
        label, form_class, compute = calc.TOOLS[tool]
        form = forms[tool] = form_class(request.POST)
        if form.is_valid():
            try:
                context["result"] = compute(form.cleaned_data)
            except calc.ENGINE_ERRORS as exc:
                context["error"] = getattr(exc, "message_fr", None) or str(exc)
        if request.htmx:
            context.update(key=tool, label=label, form=form)
            return render(request, "lawdesk/_calculator_tool.html", context)
    return render(request, "lawdesk/calculator.html", context)
