"""Promises to pay: recorded through the form (a fragment for the case page's quick action)
or the service, refused above the balance or in the past, decided from the payments with
the organisation's tolerance (kept at once, broken after the grace days), a reversal
undoing a kept promise; a broken one gives the agent a call and lets dunning resume."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from recouvra.cases import plans
from recouvra.cases.models import (
    Interaction,
    InteractionKind,
    Promise,
    PromiseStatus,
    Task,
    TaskKind,
)
from recouvra.cases.services import promise_broken
from recouvra.dunning.engine import run_dunning
from recouvra.dunning.models import StepRun
from recouvra.law.money import format_plain
from recouvra.ledger.models import Payment, PaymentMethod
from recouvra.ledger.services import payments_reversed, record_payment

from ..base import RecouvraTestCase, make_claim
from ..dunning.base import at, make_scenario

TODAY = timezone.localdate()


class PromiseTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.claim = make_claim(self.creditor, self.debtor, 90_000, reference="FA-PR-1")
        self.case = self.claim.case
        self.case.assigned_to = self.bob
        self.case.save()
        self.url = reverse("cases:promise_new", args=[self.case.pk])

    def pay(self, cents: int, on: date = TODAY) -> Payment:
        return record_payment(
            self.alpha.pk,
            creditor_id=self.creditor.pk,
            debtor_id=self.debtor.pk,
            amount_cents=cents,
            received_on=on,
            method=PaymentMethod.TRANSFER,
        )

    def reverse_payment(self, payment: Payment) -> None:
        """What lettrage does when a match is undone: the payment reversed, then told."""
        Payment.objects.filter(pk=payment.pk).update(reversed_at=timezone.now())
        claim_ids = list(payment.allocations.values_list("claim_id", flat=True))
        payments_reversed.send(
            Payment, organization_id=self.alpha.pk, claim_ids=claim_ids, payment_ids=[payment.pk]
        )

    def promise(self, cents: int = 30_000, on: date | None = None) -> Promise:
        on = on or TODAY + timedelta(days=10)
        return plans.record_promise(self.case, amount_cents=cents, promised_on=on, actor=self.bob)


class PromiseFormTests(PromiseTestCase):
    def test_the_form_is_a_fragment_for_htmx_and_a_page_otherwise(self) -> None:
        self.client.force_login(self.bob)
        fragment = self.client.get(self.url, headers={"HX-Request": "true"})
        self.assertContains(fragment, 'id="promise-form"')
        self.assertNotContains(fragment, "<html")
        page = self.client.get(self.url)
        self.assertContains(page, "<html")
        self.assertContains(page, 'id="promise-form"')

    def test_an_htmx_post_records_it_and_answers_with_the_timeline(self) -> None:
        self.client.force_login(self.bob)
        on = TODAY + timedelta(days=7)
        data = {"amount_cents": "300,00", "promised_on": on.isoformat()}
        response = self.client.post(self.url, data, headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["HX-Retarget"], "#timeline")
        self.assertContains(response, 'id="timeline"')
        self.assertContains(response, f"au plus tard le {on:%d/%m/%Y}")
        promise = Promise.objects.get()
        self.assertEqual((promise.amount_cents, promise.promised_on), (30_000, on))

    def test_a_plain_post_redirects_to_the_case(self) -> None:
        self.client.force_login(self.bob)
        data = {"amount_cents": "10", "promised_on": TODAY.isoformat()}
        response = self.client.post(self.url, data)
        self.assertRedirects(response, self.case.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(Promise.objects.get().amount_cents, 1_000)

    def test_above_the_balance_and_in_the_past_are_form_errors_and_nothing_is_saved(self) -> None:
        self.client.force_login(self.bob)
        balance = plans.balance_due(self.case).total_cents
        above = {"amount_cents": format_plain(balance + 1), "promised_on": TODAY.isoformat()}
        response = self.client.post(self.url, above, headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 200)  # htmx 2 swaps no 4xx answer
        self.assertEqual(response["HX-Retarget"], "#promise-form")
        self.assertContains(response, "dépasse le solde dû aujourd")
        self.assertContains(response, 'data-field="amount_cents"')
        past = {"amount_cents": "100", "promised_on": (TODAY - timedelta(days=1)).isoformat()}
        response = self.client.post(self.url, past)
        self.assertContains(response, "ne peut pas être passée", status_code=400)
        self.assertContains(response, 'data-field="promised_on"', status_code=400)
        self.assertFalse(Promise.objects.exists())
        self.assertFalse(Interaction.objects.filter(kind=InteractionKind.PROMISE).exists())

    def test_a_mandant_or_a_stranger_cannot_record_one(self) -> None:
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        data = {"amount_cents": "10", "promised_on": TODAY.isoformat()}
        self.assertEqual(self.client.post(self.url, data).status_code, 404)
        self.assertFalse(Promise.objects.exists())


class PromiseDecisionTests(PromiseTestCase):
    def test_the_balance_due_today_is_the_statement_s_total(self) -> None:
        balance = plans.balance_due(self.case)
        self.assertEqual(balance.principal_cents, 90_000)
        self.assertGreater(balance.interest_cents, 0)  # overdue since February
        self.assertEqual(balance.fees_cents, 4_000)  # the €40 indemnity (B2B)
        self.promise(balance.total_cents)  # the whole balance may be promised
        with self.assertRaises(ValidationError) as refused:
            self.promise(balance.total_cents + 1)
        self.assertIn("amount_cents", refused.exception.message_dict)

    def test_kept_as_soon_as_a_payment_reaches_it_within_the_tolerance(self) -> None:
        promise = self.promise(30_000)
        self.pay(29_900)  # one euro short: the default tolerance
        promise.refresh_from_db()
        self.assertEqual(promise.status, PromiseStatus.KEPT)
        self.assertEqual((promise.paid_cents, promise.decided_on), (29_900, TODAY))
        texts = Interaction.objects.filter(case=self.case, kind=InteractionKind.PROMISE)
        self.assertTrue(texts.filter(text__endswith="tenue.").exists())

    def test_one_cent_beyond_the_tolerance_is_not_kept(self) -> None:
        promise = self.promise(30_000)
        self.pay(29_899)
        promise.refresh_from_db()
        self.assertEqual((promise.status, promise.paid_cents), (PromiseStatus.PENDING, 29_899))
        self.alpha.promise_tolerance_cents = 101
        self.alpha.save()
        self.assertEqual(plans.decide_promises(self.alpha.pk, TODAY), (1, 0))

    def test_a_promise_below_the_tolerance_needs_a_payment_still(self) -> None:
        promise = self.promise(50)
        self.assertEqual(plans.decide_promises(self.alpha.pk, TODAY), (0, 0))
        self.pay(10)
        promise.refresh_from_db()
        self.assertEqual(promise.status, PromiseStatus.KEPT)

    def test_payments_add_up_and_older_ones_do_not_count(self) -> None:
        self.pay(20_000, on=TODAY - timedelta(days=3))  # before the promise was made
        promise = self.promise(30_000)
        self.pay(15_000)
        self.pay(15_000)
        promise.refresh_from_db()
        self.assertEqual((promise.status, promise.paid_cents), (PromiseStatus.KEPT, 30_000))

    def test_broken_after_the_grace_days_not_before_with_a_call_for_the_agent(self) -> None:
        heard = []

        def listen(sender: object, promise: Promise, **kwargs: object) -> None:
            heard.append(promise.pk)

        promise_broken.connect(listen)
        self.addCleanup(promise_broken.disconnect, listen)
        promise = self.promise(30_000, on=TODAY + timedelta(days=2))
        self.pay(10_000)
        grace = self.alpha.promise_grace_days
        last_day = promise.promised_on + timedelta(days=grace)
        self.assertEqual(plans.decide_promises(self.alpha.pk, last_day), (0, 0))
        self.assertEqual(plans.decide_promises(self.alpha.pk, last_day + timedelta(days=1)), (0, 1))
        promise.refresh_from_db()
        self.assertEqual(promise.status, PromiseStatus.BROKEN)
        self.assertEqual(
            (promise.paid_cents, promise.decided_on), (10_000, last_day + timedelta(1))
        )
        task = Task.objects.get(case=self.case)
        self.assertEqual(
            (task.kind, task.assigned_to, task.due_on),
            (TaskKind.CALL, self.bob, last_day + timedelta(1)),
        )
        self.assertIn("Promesse non tenue", task.title)
        self.assertEqual(heard, [promise.pk])
        entry = Interaction.objects.filter(case=self.case, text__contains="non tenue").get()
        self.assertIn("Reçu depuis", entry.text)
        # decided once
        self.assertEqual(plans.decide_promises(self.alpha.pk, last_day + timedelta(9)), (0, 0))
        self.assertEqual(Task.objects.count(), 1)

    def test_a_reversed_payment_makes_a_kept_promise_pending_again(self) -> None:
        promise = self.promise(30_000)
        payment = self.pay(30_000)
        promise.refresh_from_db()
        self.assertEqual(promise.status, PromiseStatus.KEPT)
        self.reverse_payment(payment)
        promise.refresh_from_db()
        self.assertEqual(
            (promise.status, promise.paid_cents, promise.decided_on),
            (PromiseStatus.PENDING, 0, None),
        )
        self.assertTrue(
            Interaction.objects.filter(case=self.case, text__contains="de nouveau en attente")
        )

    def test_dunning_pauses_while_pending_and_resumes_once_broken(self) -> None:
        make_scenario(self.alpha)
        promise = self.promise(30_000, on=TODAY + timedelta(days=2))

        def steps_run_on(day: date) -> int:
            run_dunning(self.alpha.pk, today=day, now=at(day))
            return StepRun.objects.filter(case=self.case).count()

        self.assertEqual(steps_run_on(TODAY), 0)
        broken_on = promise.promised_on + timedelta(days=self.alpha.promise_grace_days + 1)
        plans.decide_promises(self.alpha.pk, broken_on)
        self.assertEqual(Promise.objects.get().status, PromiseStatus.BROKEN)
        self.assertEqual(steps_run_on(broken_on), 1)
