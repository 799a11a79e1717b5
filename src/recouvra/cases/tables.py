from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from recouvra.web.tables import BadgeColumn, MoneyColumn

from .models import Case


class CaseTable(tables.Table):
    reference = tables.Column(linkify=True)
    debtor = tables.Column(linkify=True)
    status = BadgeColumn()
    balance = MoneyColumn(verbose_name=_("Reste dû"))

    class Meta:
        model = Case
        fields = (
            "reference",
            "debtor",
            "creditor",
            "status",
            "assigned_to",
            "opened_on",
            "balance",
        )
        attrs = {"class": "table"}
