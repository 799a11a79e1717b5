from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from recouvra.web.tables import BadgeColumn, MoneyColumn

from .models import Case


class CaseTable(tables.Table):
    # the bulk reassignment's selection (its form is below the table: cases/case_list.html)
    select = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "input": {"name": "cases", "form": "reassign-form"},
            "th__input": {"aria-label": _("Tout sélectionner"), "disabled": "disabled"},
        },
        orderable=False,
    )
    reference = tables.Column(linkify=True)
    debtor = tables.Column(linkify=True)
    status = BadgeColumn()
    balance = MoneyColumn(verbose_name=_("Reste dû"))

    class Meta:
        model = Case
        fields = (
            "select",
            "reference",
            "debtor",
            "creditor",
            "status",
            "assigned_to",
            "opened_on",
            "balance",
        )
        attrs = {"class": "table"}

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        member = getattr(request, "membership", None)
        if member is None or not member.can_write:
            self.columns.hide("select")
