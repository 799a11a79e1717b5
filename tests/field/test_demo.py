"""The demo's field round: visits planned today for the agency's collector over a few
postcodes, one done already with a cash payment and its numbered receipt."""

from __future__ import annotations

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from recouvra.cases.models import Task, TaskKind
from recouvra.core.models import User
from recouvra.demo.builder import build_demo, delete_demo
from recouvra.ledger.models import Payment, PaymentMethod


class DemoFieldRoundTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        build_demo(scale=0.05)
        cls.collector = User.objects.get(email="terrain@alpha-recouvrement.demo")

    def test_the_collector_has_a_round_today_and_a_visit_done_with_a_receipt(self) -> None:
        visits = Task.objects.filter(
            assigned_to=self.collector, kind=TaskKind.VISIT, due_on=timezone.localdate()
        )
        self.assertGreaterEqual(visits.count(), 4)
        postcodes = {task.case.debtor.postal_code for task in visits}
        self.assertGreaterEqual(len(postcodes), 2)
        done = visits.filter(done_at__isnull=False).get()
        payment = Payment.objects.get(collected_by=self.collector)
        self.assertEqual(payment.method, PaymentMethod.CASH)
        self.assertTrue(payment.receipt_number.startswith("Q-"))
        self.assertEqual(payment.debtor, done.case.debtor)

    def test_the_collector_lands_on_the_round(self) -> None:
        self.client.force_login(self.collector)
        response = self.client.get("/", follow=True)
        self.assertEqual(response.redirect_chain[-1][0], reverse("field:today"))
        self.assertGreaterEqual(len(response.context["visits"]), 3)

    def test_the_demo_deletes_cleanly(self) -> None:
        delete_demo()
        self.assertFalse(Payment.objects.exists())
