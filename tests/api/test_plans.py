"""Promises and payment plans through the API: created through cases.plans (the pages'
services, the same checks), their status decided by the server, the instalments nested."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recouvra.cases import plans, services
from recouvra.cases.models import (
    CaseStatus,
    Interaction,
    InteractionKind,
    PaymentPlan,
    PlanInstalment,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from recouvra.core import audit
from recouvra.dunning.engine import run_dunning
from recouvra.dunning.models import StepRun
from recouvra.law.money import MAX_CENTS
from recouvra.ledger.models import PaymentMethod
from recouvra.ledger.services import record_payment

from ..dunning.base import at, make_scenario
from .test_cases import CasesApiTestCase

TODAY = timezone.localdate()
LATER = TODAY + timedelta(days=20)


class PromiseApiTests(CasesApiTestCase):
    def new(self, **extra: Any) -> dict:
        return {"case": self.case.pk, "amount_cents": 60_000, "promised_on": str(LATER)} | extra

    def test_a_promise_is_recorded_pending_on_the_timeline_in_the_key_s_name(self) -> None:
        response = self.post("promises/", self.new())
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(
            (body["amount_cents"], body["currency"], body["status"], body["paid_cents"]),
            (60_000, "EUR", "pending", 0),
        )
        self.assertIsNone(body["decided_on"])
        promise = Promise.objects.get(pk=body["id"])
        robot = self.key_user()
        self.assertEqual(audit.history(promise).get().actor, robot)
        entry = Interaction.objects.get(case=self.case, kind=InteractionKind.PROMISE)
        self.assertEqual(entry.author, robot)
        self.assertIn(f"{LATER:%d/%m/%Y}", entry.text)

    def test_a_promise_above_the_balance_or_in_the_past_is_refused_naming_the_field(self) -> None:
        balance = plans.balance_due(self.case).total_cents
        above = self.post("promises/", self.new(amount_cents=balance + 1))
        body = self.assertProblem(above, 400, "amount_cents")
        self.assertIn("dépasse le solde", str(body))
        past = self.post("promises/", self.new(promised_on=str(TODAY - timedelta(days=1))))
        self.assertProblem(past, 400, "promised_on")
        self.assertEqual(self.post("promises/", self.new(amount_cents=balance)).status_code, 201)
        self.assertEqual(Promise.objects.count(), 1)

    def test_amounts_and_dates_are_strict_and_the_status_is_not_sent(self) -> None:
        cases = [
            (self.new(amount_cents=600.5), "amount_cents"),
            (self.new(amount_cents="60000"), "amount_cents"),
            (self.new(amount_cents=True), "amount_cents"),
            (self.new(amount_cents=0), "amount_cents"),
            (self.new(amount_cents=-100), "amount_cents"),
            (self.new(amount_cents=MAX_CENTS + 1), "amount_cents"),
            (self.new(promised_on="15/03/2026"), "promised_on"),
            (self.new(promised_on="9999-12-31"), "promised_on"),
            (self.new(status="kept"), "status"),
            (self.new(paid_cents=100), "paid_cents"),
            (self.new(currency="USD"), "currency"),
        ]
        for data, field in cases:
            with self.subTest(field=field, data=data):
                self.assertProblem(self.post("promises/", data), 400, field)
        self.assertFalse(Promise.objects.exists())

    def test_the_server_decides_kept_from_a_payment(self) -> None:
        promise_id = self.post("promises/", self.new()).json()["id"]
        record_payment(
            self.alpha.pk,
            creditor_id=self.creditor.pk,
            debtor_id=self.debtor.pk,
            amount_cents=59_950,  # 50 cents short: within the default tolerance of 1 €
            received_on=TODAY,
            method=PaymentMethod.TRANSFER,
        )
        body = self.get(f"promises/{promise_id}/").json()
        self.assertEqual((body["status"], body["paid_cents"]), ("kept", 59_950))
        self.assertEqual(body["decided_on"], str(TODAY))

    def test_the_old_status_actions_are_gone(self) -> None:
        promise_id = self.post("promises/", self.new()).json()["id"]
        for verb in ("keep", "break"):
            response = self.post(f"promises/{promise_id}/{verb}/", {})
            self.assertEqual(response.status_code, 404)
        self.assertEqual(Promise.objects.get(pk=promise_id).status, PromiseStatus.PENDING)

    def test_a_closed_case_gets_no_promise(self) -> None:
        services.change_stage(self.case, CaseStatus.CLOSED)
        self.assertProblem(self.post("promises/", self.new()), 400, "case")

    def test_a_promise_pauses_the_dunning_until_its_date_and_grace_days(self) -> None:
        make_scenario(self.alpha)
        self.post("promises/", self.new())

        def steps_run_on(day: Any) -> int:
            run_dunning(self.alpha.pk, today=day, now=at(day))
            return StepRun.objects.filter(case=self.case).count()

        grace = timedelta(days=self.alpha.promise_grace_days)
        self.assertEqual(steps_run_on(TODAY), 0)
        self.assertEqual(steps_run_on(LATER + grace), 0)  # the payment may be on its way
        self.assertEqual(steps_run_on(LATER + grace + timedelta(days=1)), 1)

    def test_isolation_filters_and_scopes(self) -> None:
        mine = self.post("promises/", self.new()).json()["id"]
        other = self.post("promises/", self.new(case=self.other_case.pk, amount_cents=100))
        other = other.json()["id"]
        self.assertEqual(self.ids(self.get(f"promises/?case={self.case.pk}")), [mine])
        self.assertEqual(self.ids(self.get("promises/?status=kept")), [])
        self.assertEqual(self.ids(self.get("promises/", key=self.mandant_key)), [mine])
        self.assertProblem(self.get(f"promises/{other}/", key=self.mandant_key), 404)
        self.assertEqual(self.ids(self.get("promises/", key=self.charlie_key)), [])
        self.assertProblem(self.get(f"promises/{mine}/", key=self.charlie_key), 404)
        self.assertProblem(self.post("promises/", self.new(), key=self.read_key), 403)
        self.assertProblem(self.post("promises/", self.new(), key=self.charlie_key), 400, "case")


class PaymentPlanApiTests(CasesApiTestCase):
    def new(self, **extra: Any) -> dict:
        return {"case": self.case.pk, "starts_on": str(LATER), "count": 6} | extra

    def test_a_plan_is_created_with_its_instalments_summing_to_the_balance(self) -> None:
        balance = plans.balance_due(self.case).total_cents
        response = self.post("payment-plans/", self.new(down_payment_cents=10_000, notes="Le 10"))
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["status"], body["total_cents"]), ("active", balance))
        self.assertEqual(body["agreed_on"], str(TODAY))
        numbers = [item["number"] for item in body["instalments"]]
        self.assertEqual(numbers, [0, 1, 2, 3, 4, 5, 6])
        self.assertEqual(sum(item["amount_cents"] for item in body["instalments"]), balance)
        self.assertEqual(body["instalments"][0]["amount_cents"], 10_000)
        self.assertEqual({item["status"] for item in body["instalments"]}, {"due"})
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.PAYMENT_PLAN)
        plan = PaymentPlan.objects.get(pk=body["id"])
        self.assertEqual(audit.history(plan).get().actor, self.key_user())

    def test_bad_terms_are_refused_naming_the_field_and_nothing_is_saved(self) -> None:
        balance = plans.balance_due(self.case).total_cents
        yesterday = str(TODAY - timedelta(days=1))
        cases = [
            (self.new(total_cents=balance - 1), "total_cents"),
            (self.new(starts_on=yesterday), "starts_on"),
            (self.new(count=None), "count"),
            (self.new(instalment_cents=10_000), "count"),  # both
            (self.new(count=0), "count"),
            (self.new(count=241), "count"),
            (self.new(down_payment_cents=balance), "down_payment_cents"),
            (self.new(reduced_count=2), "reduced_amount_cents"),
            (self.new(frequency="daily"), "frequency"),
            (self.new(status="completed"), "status"),
            (self.new(instalments=[]), "instalments"),
        ]
        for data, field in cases:
            with self.subTest(field=field, data=data):
                self.assertProblem(self.post("payment-plans/", data), 400, field)
        self.assertFalse(PaymentPlan.objects.exists())
        self.assertFalse(PlanInstalment.objects.exists())
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.AMICABLE)

    def test_the_creditor_s_rules_are_told(self) -> None:
        self.creditor.plan_max_months = 3
        self.creditor.plan_min_instalment_cents = 50_000
        self.creditor.save()
        body = self.assertProblem(self.post("payment-plans/", self.new()), 400, "count")
        self.assertIn("Règle du créancier", str(body))
        self.assertEqual(self.post("payment-plans/", self.new(count=2)).status_code, 201)

    def test_cancel_once_with_a_reason(self) -> None:
        plan_id = self.post("payment-plans/", self.new()).json()["id"]
        self.assertProblem(self.post(f"payment-plans/{plan_id}/cancel/", {}), 400, "reason")
        done = self.post(f"payment-plans/{plan_id}/cancel/", {"reason": "Débiteur injoignable"})
        self.assertEqual((done.status_code, done.json()["status"]), (200, "cancelled"))
        again = self.post(f"payment-plans/{plan_id}/cancel/", {"reason": "encore"})
        self.assertProblem(again, 409)
        self.assertEqual(PaymentPlan.objects.get(pk=plan_id).status, PlanStatus.CANCELLED)
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.AMICABLE)

    def test_isolation_and_scopes(self) -> None:
        mine = self.post("payment-plans/", self.new()).json()["id"]
        self.assertEqual(self.ids(self.get("payment-plans/", key=self.charlie_key)), [])
        self.assertProblem(self.get(f"payment-plans/{mine}/", key=self.charlie_key), 404)
        cancel = {"reason": "x"}
        self.assertProblem(
            self.post(f"payment-plans/{mine}/cancel/", cancel, key=self.charlie_key), 404
        )
        self.assertProblem(
            self.post(f"payment-plans/{mine}/cancel/", cancel, key=self.read_key), 403
        )
        self.assertEqual(self.ids(self.get(f"payment-plans/?case={self.case.pk}")), [mine])
        self.assertEqual(self.ids(self.get("payment-plans/?status=active")), [mine])

    def test_a_page_of_plans_costs_the_same_queries_for_one_plan_or_many(self) -> None:
        self.post("payment-plans/", self.new())
        self.post("payment-plans/", self.new(case=self.other_case.pk, count=3))

        def queries(path: str) -> int:
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.get(path).status_code, 200)
            return len(captured)

        self.get("payment-plans/")
        self.assertEqual(
            queries("payment-plans/?page_size=1"), queries("payment-plans/?page_size=5")
        )
