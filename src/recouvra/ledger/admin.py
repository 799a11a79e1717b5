from django.contrib import admin

from recouvra.core.admin import AuditedAdmin

from .models import Allocation, Claim, Contact, Creditor, Debtor, Payment


@admin.register(Creditor)
class CreditorAdmin(AuditedAdmin):
    list_display = ("name", "organization", "siren", "is_mandant")
    list_filter = ("organization", "is_mandant")
    search_fields = ("name", "siren")


@admin.register(Debtor)
class DebtorAdmin(AuditedAdmin):
    list_display = ("name", "organization", "kind", "siren", "city")
    list_filter = ("organization", "kind")
    search_fields = ("search_text",)


@admin.register(Claim)
class ClaimAdmin(AuditedAdmin):
    list_display = ("reference", "debtor", "creditor", "due_date", "principal_cents", "status")
    list_filter = ("organization", "status", "kind")
    search_fields = ("reference",)
    raw_id_fields = ("debtor", "creditor")


@admin.register(Payment)
class PaymentAdmin(AuditedAdmin):
    list_display = ("received_on", "debtor", "amount_cents", "method", "reference")
    list_filter = ("organization", "method")
    raw_id_fields = ("debtor", "creditor")


@admin.register(Allocation)
class AllocationAdmin(AuditedAdmin):
    list_display = ("payment", "claim", "to_principal", "to_interest", "to_fees")
    raw_id_fields = ("payment", "claim")


admin.site.register(Contact, AuditedAdmin)
