"""Dates outside the range the law engine computes with (recouvra.law.dates) get a clear
message at entry (forms, query parameters) and never a 500 from the engine."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from recouvra.ledger.models import Claim

from ..base import RecouvraTestCase, make_claim


class DateBoundsTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)

    def calculate(self, tool: str, **data: str):  # noqa: ANN201
        url = reverse("lawdesk:calculator")
        return self.client.post(url, {"tool": tool, **data}, headers={"HX-Request": "true"})

    def test_the_claim_form_refuses_a_due_date_in_year_1(self) -> None:
        form = {
            "creditor": self.creditor.pk,
            "debtor": self.debtor.pk,
            "reference": "FA-0001",
            "kind": "b2b",
            "issue_date": "0001-01-01",
            "due_date": "0001-01-02",
            "principal_cents": "100,00",
            "currency": "EUR",
            "status": "open",
        }
        response = self.client.post(reverse("ledger:claim_add"), form)
        self.assertContains(response, "Date hors limites", status_code=400)
        self.assertFalse(Claim.objects.exists())

    def test_a_claim_page_as_of_9999_12_31_falls_back_to_today(self) -> None:
        claim = make_claim(self.creditor, self.debtor)
        response = self.client.get(claim.get_absolute_url(), {"au": "9999-12-31"})
        self.assertContains(response, "Date hors limites")
        self.assertContains(response, "Le décompte est arrêté à aujourd&#x27;hui.")

    def test_a_case_page_as_of_9999_12_31_falls_back_to_today(self) -> None:
        claim = make_claim(self.creditor, self.debtor)
        response = self.client.get(claim.case.get_absolute_url(), {"au": "9999-12-31"})
        self.assertContains(response, "Date hors limites")

    def test_a_claim_stored_with_a_due_date_in_year_1_still_shows_its_page(self) -> None:
        claim = make_claim(self.creditor, self.debtor)
        Claim.objects.filter(pk=claim.pk).update(issue_date=date(1, 1, 1), due_date=date(1, 1, 2))
        response = self.client.get(claim.get_absolute_url())
        self.assertContains(response, "Date hors limites : 02/01/0001")

    def test_the_calculator_refuses_a_deadline_from_9999_12_31(self) -> None:
        response = self.calculate("deadline", start="9999-12-31", days="10")
        self.assertContains(response, "Date hors limites")

    def test_the_calculator_refuses_interest_from_year_1(self) -> None:
        response = self.calculate(
            "interest",
            regime="b2b",
            principal="1 000,00",
            start="0001-01-02",
            until="2026-01-01",
            day_count="actual/365",
        )
        self.assertContains(response, "Date hors limites")
