"""The field collection API: the round of a day in route order, a visit's outcome, a payment
taken on a visit with its receipt number and links, the receipts and their PDF."""

from __future__ import annotations

import io
from datetime import timedelta

from django.utils import timezone
from pypdf import PdfReader

from recouvra.cases.models import Interaction, Task, TaskKind
from recouvra.core.models import Role
from recouvra.ledger.models import Payment

from ..base import make_claim, make_debtor, make_payment, make_user
from .base import ApiTestCase


class FieldApiTests(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.dora = make_user("dora@example.org", self.alpha, Role.FIELD_COLLECTOR)
        self.today = timezone.localdate()
        self.visits = [
            self.visit_at(name, line, postcode)
            for name, line, postcode in (
                ("B", "8 rue Neuve", "75011"),
                ("A", "3 rue Neuve", "75011"),
                ("C", "1 avenue Foch", "75008"),
            )
        ]

    def visit_at(self, name: str, line1: str, postcode: str, who=None) -> Task:  # noqa: ANN001
        debtor = make_debtor(self.alpha, name, address_line1=line1, postal_code=postcode)
        case = make_claim(self.creditor, debtor, 50_000).case
        return Task.objects.create(
            organization=self.alpha,
            case=case,
            kind=TaskKind.VISIT,
            title="Visite",
            due_on=self.today,
            assigned_to=who or self.dora,
        )

    def test_the_round_is_in_route_order_for_a_collector_and_a_date(self) -> None:
        self.visit_at("Bob's", "1 rue Bob", "75001", who=self.bob)
        response = self.get(f"visits/?collector={self.dora.pk}&date={self.today}")
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual([v["debtor_name"] for v in body["results"]], ["C", "A", "B"])
        first = body["results"][0]
        self.assertEqual((first["balance_cents"], first["collector"]), (50_000, self.dora.pk))
        self.assertIn("openstreetmap.org", first["map_url"])
        yesterday = self.today - timedelta(days=1)
        self.assertEqual(self.get(f"visits/?date={yesterday}").json()["count"], 0)

    def test_bad_filters_are_a_400_naming_the_parameter(self) -> None:
        self.assertProblem(self.get("visits/?date=2300-01-01"), 400, "date")
        self.assertProblem(self.get("visits/?collector=abc"), 400, "collector")

    def test_an_outcome_completes_the_visit_and_plans_the_next(self) -> None:
        visit = self.visits[0]
        next_on = (self.today + timedelta(days=5)).isoformat()
        response = self.post(
            f"visits/{visit.pk}/outcome/",
            {"outcome": "absent", "note": "Volets fermés", "next_visit_on": next_on},
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertIsNotNone(response.json()["visit"]["done_at"])
        follow_up = Task.objects.get(pk=response.json()["next_visit"])
        self.assertEqual(follow_up.due_on.isoformat(), next_on)
        self.assertTrue(
            Interaction.objects.filter(case=visit.case, text__contains="Volets fermés").exists()
        )
        again = self.post(f"visits/{visit.pk}/outcome/", {"outcome": "met"})
        self.assertProblem(again, 400, "outcome")

    def test_a_payment_returns_its_receipt_number_and_links(self) -> None:
        visit = self.visits[1]
        response = self.post(
            f"visits/{visit.pk}/payments/", {"amount_cents": 12_000, "method": "cash"}
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["receipt_number"], f"Q-{self.today.year}-000001")
        payment = Payment.objects.get(pk=body["id"])
        self.assertEqual(payment.collected_by, self.api_key_row(self.key).user)
        pdf = self.get(body["pdf_url"].split("testserver", 1)[1])
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        self.assertIn(body["receipt_number"], text)
        public = self.api.get(body["public_url"])  # no key, no session
        self.assertEqual(public["Content-Type"], "application/pdf")

    def test_a_bad_payment_is_a_problem_and_saves_nothing(self) -> None:
        url = f"visits/{self.visits[0].pk}/payments/"
        self.assertProblem(self.post(url, {"method": "cash"}), 400, "amount_cents")
        self.assertProblem(
            self.post(url, {"amount_cents": 50_001, "method": "cash"}), 400, "amount_cents"
        )
        self.assertProblem(
            self.post(url, {"amount_cents": 100, "method": "cheque", "cheque_bank": "LCL"}),
            400,
            "cheque_number",
        )
        self.assertFalse(Payment.objects.exists())

    def test_a_payment_needs_the_payments_scope(self) -> None:
        key = self.key_with(["read", "write"])
        url = f"visits/{self.visits[0].pk}/payments/"
        self.assertProblem(self.post(url, {"amount_cents": 100, "method": "cash"}, key=key), 403)

    def test_a_receipt_is_issued_once_and_listed(self) -> None:
        payment = make_payment(self.visits[0].case.claims.get(), 1_000)
        first = self.post("receipts/", {"payment": payment.pk})
        second = self.post("receipts/", {"payment": payment.pk})
        self.assertEqual(first.status_code, 201, first.content)
        self.assertEqual(first.json()["receipt_number"], second.json()["receipt_number"])
        listed = [r["id"] for r in self.get("receipts/").json()["results"]]
        self.assertEqual(listed, [payment.pk])

    def test_charlie_sees_none_of_it(self) -> None:
        visit = self.visits[0]
        payment = make_payment(visit.case.claims.get(), 1_000)
        self.post("receipts/", {"payment": payment.pk})
        key = self.charlie_key
        self.assertEqual(self.get("visits/", key=key).json()["count"], 0)
        self.assertProblem(self.get(f"visits/{visit.pk}/", key=key), 404)
        self.assertProblem(self.get(f"receipts/{payment.pk}/pdf/", key=key), 404)
        answer = self.post(
            f"visits/{visit.pk}/payments/", {"amount_cents": 100, "method": "cash"}, key=key
        )
        self.assertProblem(answer, 404)
        self.assertProblem(self.post("receipts/", {"payment": payment.pk}, key=key), 400, "payment")
