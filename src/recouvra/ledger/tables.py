from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from recouvra.web.tables import BadgeColumn, MoneyColumn

from .models import Claim, Creditor, Debtor


class CreditorTable(tables.Table):
    name = tables.Column(linkify=True)

    class Meta:
        model = Creditor
        fields = ("name", "siren", "is_mandant", "city", "email")
        attrs = {"class": "table"}


class DebtorTable(tables.Table):
    name = tables.Column(linkify=True)
    kind = BadgeColumn()
    balance = MoneyColumn(verbose_name=_("Encours"))
    overdue = MoneyColumn(verbose_name=_("Échu"))

    class Meta:
        model = Debtor
        fields = ("name", "kind", "siren", "city", "balance", "overdue")
        attrs = {"class": "table"}


class ClaimTable(tables.Table):
    reference = tables.Column(linkify=True)
    debtor = tables.Column(linkify=True)
    principal_cents = MoneyColumn(verbose_name=_("Principal"))
    balance = MoneyColumn(verbose_name=_("Reste dû"))
    status = BadgeColumn()

    class Meta:
        model = Claim
        fields = (
            "reference",
            "debtor",
            "creditor",
            "issue_date",
            "due_date",
            "principal_cents",
            "balance",
            "status",
        )
        attrs = {"class": "table"}
