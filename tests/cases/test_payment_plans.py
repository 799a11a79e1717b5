"""The case page lists the case's payment plans, each with a form for its agreement as PDF."""

from __future__ import annotations

import re
from datetime import date

from django.urls import reverse

from recouvra.cases.models import PaymentPlan, PlanStatus

from ..base import RecouvraTestCase, make_claim

BUTTON = "Accord d'échéancier (PDF)"


class CasePaymentPlansTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.case = make_claim(self.creditor, self.debtor, 90_000, reference="FA-PL-1").case
        self.url = self.case.get_absolute_url()

    def add_plan(self, **extra) -> PaymentPlan:  # noqa: ANN003
        return PaymentPlan.objects.create(
            organization=self.alpha, case=self.case, starts_on=date(2026, 5, 10), **extra
        )

    def form_values(self, html: str) -> dict[str, str]:
        inputs = re.findall(r'<input type="number" name="(\w+)" value="(\d+)"', html)
        return dict(inputs)

    def test_it_lists_the_plans_with_the_agreement_form(self) -> None:
        plan = self.add_plan(status=PlanStatus.BROKEN, notes="Versements le 10")
        self.client.force_login(self.bob)
        response = self.client.get(self.url)
        self.assertContains(response, "Échéanciers")
        self.assertContains(response, "10/05/2026")
        self.assertContains(response, "Déchu")
        self.assertContains(response, "Versements le 10")
        action = reverse("letters:plan_agreement", args=[plan.pk])
        self.assertContains(response, f'method="get" action="{action}"')
        self.assertContains(response, BUTTON)

    def test_the_form_offers_3_monthly_instalments_by_default(self) -> None:
        self.add_plan()
        self.client.force_login(self.alice)
        html = self.client.get(self.url).content.decode()
        self.assertEqual(self.form_values(html), {"echeances": "3", "mois": "1"})
        self.assertIn('name="echeances" value="3" min="1" max="36"', html)
        self.assertIn('name="mois" value="1" min="1" max="12"', html)

    def test_it_shows_no_plan_section_without_a_plan(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertNotContains(response, BUTTON)
        self.assertNotContains(response, 'id="payment-plans"')

    def test_the_form_s_defaults_give_the_agreement_as_pdf(self) -> None:
        plan = self.add_plan()
        self.client.force_login(self.alice)
        defaults = self.form_values(self.client.get(self.url).content.decode())
        response = self.client.get(reverse("letters:plan_agreement", args=[plan.pk]), defaults)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))

    def test_another_tenant_sees_neither_the_case_nor_its_plan(self) -> None:
        plan = self.add_plan()
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        agreement = reverse("letters:plan_agreement", args=[plan.pk])
        self.assertEqual(self.client.get(agreement).status_code, 404)
