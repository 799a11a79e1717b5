"""The field tests' world: dora, a field collector of Alpha, and her visits."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from recouvra.cases.models import Task, TaskKind
from recouvra.core.models import Role

from ..base import RecouvraTestCase, make_claim, make_debtor, make_user


class FieldTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.dora = make_user("dora@example.org", self.alpha, Role.FIELD_COLLECTOR)
        self.today = timezone.localdate()
        self.debtor.address_line1 = "12 rue des Lilas"
        self.debtor.postal_code, self.debtor.city = "69003", "Lyon"
        self.debtor.mobile, self.debtor.email = "06 12 34 56 78", "compta@dubois.example"
        self.debtor.save()
        self.claim = make_claim(self.creditor, self.debtor, 125_000, reference="FA-100")
        self.case = self.claim.case
        self.task = self.visit_for(self.case)

    def visit_for(self, case: Any, due_on: date | None = None, who: Any = None) -> Task:
        return Task.objects.create(
            organization=self.alpha,
            case=case,
            kind=TaskKind.VISIT,
            title="Visite au domicile",
            due_on=due_on or self.today,
            assigned_to=who or self.dora,
        )

    def debtor_at(self, name: str, line1: str, postcode: str) -> Any:
        debtor = make_debtor(self.alpha, name, address_line1=line1, postal_code=postcode)
        return make_claim(self.creditor, debtor, 10_000).case
