"""Calculateur: each tool computes with the law engine and creates nothing."""

from __future__ import annotations

from django.urls import reverse

from recouvra.cases.models import Interaction
from recouvra.ledger.models import Claim

from ..base import RecouvraTestCase


class CalculatorTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.bob)
        self.url = reverse("lawdesk:calculator")

    def compute(self, tool: str, **data: str):  # noqa: ANN201
        return self.client.post(self.url, {"tool": tool, **data}, headers={"HX-Request": "true"})

    def test_the_page_lists_every_tool(self) -> None:
        response = self.client.get(self.url)
        for title in ("Intérêts", "Délais", "Prescription", "Saisie des rémunérations"):
            self.assertContains(response, title)

    def test_it_computes_late_payment_interest_period_by_period(self) -> None:
        response = self.compute(
            "interest",
            regime="b2b",
            principal="5 000,00",
            start="2023-12-31",
            until="2024-01-30",
            day_count="actual/365",
        )
        self.assertContains(response, "59,59\u00a0€")  # FACTS §1.5
        self.assertContains(response, "14,50 %")
        self.assertEqual(Claim.objects.count() + Interaction.objects.count(), 0)

    def test_it_says_which_rate_is_missing(self) -> None:
        response = self.compute(
            "interest",
            regime="legal",
            principal="1000",
            start="2026-06-01",
            until="2026-09-01",
            day_count="actual/365",
        )
        self.assertContains(response, "à saisir dans Paramètres → Taux")

    def test_it_refuses_a_contractual_rate_below_the_floor(self) -> None:
        response = self.compute(
            "interest",
            regime="b2b",
            principal="1000",
            start="2026-01-10",
            until="2026-03-01",
            contractual_rate="5",
            day_count="actual/365",
        )
        self.assertContains(response, "inférieur au plancher légal de 7.86 %")

    def test_it_moves_a_deadline_to_the_next_working_day(self) -> None:
        response = self.compute("deadline", start="2026-04-08", months="1")
        self.assertContains(response, "lundi 11 mai 2026")
        self.assertContains(response, "CPC 642")

    def test_it_computes_the_limitation_date(self) -> None:
        response = self.compute("limitation", start="2024-03-01", kind="consumer")
        self.assertContains(response, "1 mars 2026")
        self.assertContains(response, "prescrite")

    def test_it_computes_the_seizable_part_of_a_wage(self) -> None:
        response = self.compute("wage", net="1800", year="2025", dependants="0")
        self.assertContains(response, "saisissables par mois")

    def test_it_never_charges_the_fee_to_a_consumer(self) -> None:
        response = self.compute("fees", invoices="3")
        self.assertContains(response, "0,00\u00a0€")

    def test_it_recommends_a_procedure(self) -> None:
        response = self.compute("procedure", amount="3000", debtor_is_professional="on")
        self.assertContains(response, "Injonction de payer")

    def test_invalid_input_is_explained(self) -> None:
        response = self.compute("deadline", start="le 8 avril")
        self.assertContains(response, "Saisissez une date valide")
