from django.contrib import admin

from recouvra.core.admin import AuditedAdmin

from .models import Case, Interaction


@admin.register(Case)
class CaseAdmin(AuditedAdmin):
    list_display = ("reference", "debtor", "creditor", "status", "assigned_to")
    list_filter = ("organization", "status")
    raw_id_fields = ("debtor", "creditor", "legal_partner")


@admin.register(Interaction)
class InteractionAdmin(AuditedAdmin):
    list_display = ("occurred_at", "case", "kind", "direction", "author")
    list_filter = ("kind",)
    raw_id_fields = ("case",)

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False  # the timeline is append-only
