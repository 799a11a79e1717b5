"""Generic views (NetBox style): list, detail, edit and delete, always scoped to the tenant.

Every queryset goes through `visible_to(request.membership)`: a row of another
organisation is a 404, never a 403.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django_filters import FilterSet
from django_tables2 import RequestConfig, Table

from recouvra.core import audit
from recouvra.core.models import AuditAction, Membership
from recouvra.core.validators import date_out_of_range_message
from recouvra.law.dates import DateOutOfRange, check_date

PER_PAGE = 25


def member_of(request: HttpRequest) -> Membership:
    member = getattr(request, "membership", None)
    if member is None:
        raise PermissionDenied(_("Votre compte n'est rattaché à aucune organisation."))
    return member


def require_write(request: HttpRequest) -> Membership:
    member = member_of(request)
    if not member.can_write:
        raise PermissionDenied(_("Votre rôle ne permet pas de modifier ces données."))
    return member


def require_admin(request: HttpRequest) -> Membership:
    """The member, if an administrator of the organisation (its settings, its logo)."""
    member = member_of(request)
    if not member.is_admin:
        raise PermissionDenied(
            _("Seul un administrateur de l'organisation peut modifier ce réglage.")
        )
    return member


def back_to(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Redirect to the page the form came from (its POSTed `next`), if it is on this site;
    else to `default` (a URL)."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = default
    return HttpResponseRedirect(target)


def query_date(request: HttpRequest, name: str) -> date | None:
    """The date in the query parameter `name` (YYYY-MM-DD), None when absent.

    ValidationError (code "invalid", or "date_out_of_range" with its French message) when
    it is not a date, or outside the range the law engine computes with.
    """
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return check_date(date.fromisoformat(raw))
    except DateOutOfRange as exc:
        raise ValidationError(date_out_of_range_message(), code="date_out_of_range") from exc
    except ValueError as exc:
        raise ValidationError(_("Date invalide."), code="invalid") from exc


def get_visible(request: HttpRequest, queryset: models.QuerySet, pk: Any) -> Any:
    """One row of this tenant visible to this member, or 404."""
    return get_object_or_404(queryset.visible_to(member_of(request)), pk=pk)


class MemberView(LoginRequiredMixin, View):
    model: ClassVar[type[models.Model]]

    def base_queryset(self) -> models.QuerySet:
        return self.model.objects.all()

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return self.base_queryset().visible_to(member_of(request))

    def get_object(self, request: HttpRequest, pk: int) -> Any:
        return get_object_or_404(self.get_queryset(request), pk=pk)


class ObjectListView(MemberView):
    filterset: ClassVar[type[FilterSet]]
    table: ClassVar[type[Table]]
    template_name = "web/object_list.html"
    title: ClassVar[str] = ""
    add_url: ClassVar[str | None] = None

    def extra_context(self, request: HttpRequest, queryset: models.QuerySet) -> dict[str, Any]:
        return {}

    def get(self, request: HttpRequest) -> HttpResponse:
        member = member_of(request)
        qs = self.get_queryset(request)
        filterset = self.filterset(request.GET or None, queryset=qs, request=request)
        rows = filterset.qs if filterset.is_bound else qs
        table = self.table(rows, request=request)
        RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
        context = {
            "title": self.title or self.model._meta.verbose_name_plural.capitalize(),
            "filterset": filterset,
            "table": table,
            "add_url": self.add_url if member.can_write else None,
            **self.extra_context(request, rows),
        }
        if request.htmx and request.htmx.target == "object-table":
            return render(request, "web/_table_block.html", context)
        return render(request, self.template_name, context)


class ObjectDetailView(MemberView):
    template_name: ClassVar[str]

    def extra_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {}

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.get_object(request, pk)
        context = {"object": obj, "member": member_of(request), **self.extra_context(request, obj)}
        return render(request, self.template_name, context)


class ObjectEditView(MemberView):
    """Create (pk=None) or update one object; writes an AuditEvent in the same transaction."""

    form: ClassVar[type[ModelForm]]
    template_name = "web/object_edit.html"
    add_title: ClassVar[str] = ""  # "Nouvelle créance": French grammar needs the whole phrase

    def make_form(self, request: HttpRequest, instance: Any, data: Any = None) -> ModelForm:
        return self.form(data, request.FILES or None, instance=instance, member=member_of(request))

    def new_object(self, request: HttpRequest) -> Any:
        return self.model(organization_id=member_of(request).organization_id)

    def create(self, request: HttpRequest, form: ModelForm) -> Any:
        """Save a new object from its valid form (a model with a creation service
        overrides this to call it)."""
        obj = form.save()
        audit.record(obj, AuditAction.CREATE, actor=request.user)
        return obj

    def update(self, request: HttpRequest, form: ModelForm, before: dict[str, Any]) -> Any:
        """Save an edited object from its valid form; `before` is its snapshot."""
        obj = form.save()
        audit.record(obj, AuditAction.UPDATE, actor=request.user, before=before)
        return obj

    def form_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        """Hook for what a form page shows beside the form."""
        return {}

    def render_form(self, request: HttpRequest, form: ModelForm, obj: Any) -> HttpResponse:
        context = {
            "form": form,
            "object": obj,
            "model": self.model._meta,
            "add_title": self.add_title or self.model._meta.verbose_name.capitalize(),
            **self.form_context(request, obj),
        }
        return render(request, self.template_name, context, status=400 if form.errors else 200)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        require_write(request)
        obj = self.get_object(request, pk) if pk else self.new_object(request)
        return self.render_form(request, self.make_form(request, obj), obj)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        require_write(request)
        obj = self.get_object(request, pk) if pk else self.new_object(request)
        before = audit.snapshot(obj) if pk else None
        form = self.make_form(request, obj, request.POST)
        if not form.is_valid():
            return self.render_form(request, form, obj)
        with transaction.atomic():
            obj = self.update(request, form, before) if pk else self.create(request, form)
        messages.success(request, _("Enregistré : %(obj)s") % {"obj": obj})
        return HttpResponseRedirect(obj.get_absolute_url())


class ObjectDeleteView(MemberView):
    template_name = "web/object_delete.html"
    success_url: ClassVar[str]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        require_write(request)
        obj = self.get_object(request, pk)
        return render(request, self.template_name, {"object": obj, "model": self.model._meta})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        require_write(request)
        obj = self.get_object(request, pk)
        try:
            with transaction.atomic():
                audit.record(obj, AuditAction.DELETE, actor=request.user)
                obj.delete()
        except ProtectedError:
            messages.error(
                request,
                _("Impossible de supprimer %(obj)s : des créances ou paiements y sont liés.")
                % {"obj": obj},
            )
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, _("Supprimé : %(obj)s") % {"obj": obj})
        return HttpResponseRedirect(reverse(self.success_url))
