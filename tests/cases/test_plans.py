"""Payment plans: recorded with their instalments from the balance due today (to the cent,
whatever the terms), the creditor's rules, a total that does not cover the balance refused
with nothing saved; the form with its live preview and the plan's page; the instalments
followed against the payments; the lapse after the grace (déchéance du terme), its call,
its letter e-mailed by the daily task; cancellation; a returned direct debit."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from recouvra.cases import plans
from recouvra.cases.models import (
    CaseStatus,
    InstalmentStatus,
    Interaction,
    InteractionKind,
    PaymentPlan,
    PlanInstalment,
    PlanStatus,
    Task,
    TaskKind,
)
from recouvra.core.models import Membership, Organization, OrganizationKind, Role, User
from recouvra.dunning.models import Message
from recouvra.dunning.tasks import run_dunning_task
from recouvra.law.instalments import Frequency
from recouvra.ledger.models import Payment, PaymentMethod
from recouvra.ledger.services import payments_reversed, record_payment

from ..base import SIREN_ALPHA, RecouvraTestCase, make_claim, make_creditor, make_debtor

TODAY = timezone.localdate()


class PlanTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.claim = make_claim(self.creditor, self.debtor, 90_000, reference="FA-PL-1")
        self.case = self.claim.case
        self.case.assigned_to = self.bob
        self.case.save()
        self.balance = plans.balance_due(self.case).total_cents

    def pay(self, cents: int, on: date = TODAY) -> Payment:
        return record_payment(
            self.alpha.pk,
            creditor_id=self.creditor.pk,
            debtor_id=self.debtor.pk,
            amount_cents=cents,
            received_on=on,
            method=PaymentMethod.TRANSFER,
        )

    def plan(self, **terms: object) -> PaymentPlan:
        terms.setdefault("starts_on", TODAY)
        if "instalment_cents" not in terms:
            terms.setdefault("count", 3)
        return plans.record_plan(self.case, actor=self.bob, **terms)

    def statuses(self, plan: PaymentPlan) -> list[tuple[int, str, int]]:
        rows = plan.instalments.order_by("number").values_list("number", "status", "paid_cents")
        return list(rows)


class RecordPlanTests(PlanTestCase):
    def test_a_plan_is_recorded_with_its_instalments_in_one_go(self) -> None:
        plan = self.plan(count=6, down_payment_cents=10_000, interest_waived=False, notes="le 5")
        items = list(plan.instalments.order_by("number"))
        self.assertEqual([i.number for i in items], list(range(7)))
        self.assertEqual(sum(i.amount_cents for i in items), self.balance)
        self.assertEqual((items[0].amount_cents, items[0].due_on), (10_000, TODAY))
        self.assertEqual((plan.total_cents, plan.agreed_on), (self.balance, TODAY))
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.PAYMENT_PLAN)
        entry = Interaction.objects.get(case=self.case, kind=InteractionKind.PLAN)
        self.assertIn("en 6 échéance(s) après un acompte de", entry.text)
        self.assertEqual(entry.author, self.bob)

    def test_a_plan_that_does_not_cover_the_balance_is_refused_and_nothing_is_saved(self) -> None:
        with self.assertRaises(ValidationError) as refused:
            self.plan(total_cents=self.balance - 1)
        self.assertIn("ne couvrent pas le solde", refused.exception.message_dict["total_cents"][0])
        self.assertFalse(PaymentPlan.objects.exists())
        self.assertFalse(PlanInstalment.objects.exists())
        self.assertFalse(Interaction.objects.filter(kind=InteractionKind.PLAN).exists())
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.AMICABLE)

    def test_a_total_above_the_balance_is_what_the_instalments_pay(self) -> None:
        plan = self.plan(total_cents=self.balance + 5_000, count=4)
        total = sum(plan.instalments.values_list("amount_cents", flat=True))
        self.assertEqual((plan.total_cents, total), (self.balance + 5_000, self.balance + 5_000))

    def test_the_first_date_cannot_be_in_the_past(self) -> None:
        with self.assertRaises(ValidationError) as refused:
            self.plan(starts_on=TODAY - timedelta(days=1))
        self.assertIn("starts_on", refused.exception.message_dict)

    def test_interest_waived_leaves_the_interest_out_of_the_plan(self) -> None:
        due = plans.balance_due(self.case)
        plan = self.plan(interest_waived=True)
        self.assertEqual(plan.total_cents, due.principal_cents + due.fees_cents)
        self.assertLess(plan.total_cents, self.balance)

    def test_the_creditor_s_longest_plan_and_smallest_instalment(self) -> None:
        self.creditor.plan_max_months = 6
        self.creditor.plan_min_instalment_cents = 20_000
        self.creditor.save()
        self.case.creditor.refresh_from_db()
        with self.assertRaises(ValidationError) as refused:
            self.plan(count=8)
        message = refused.exception.message_dict["count"][0]
        self.assertIn("Règle du créancier Télécom Ouest", message)
        self.assertIn("au plus 6 mois", message)
        with self.assertRaises(ValidationError) as refused:
            self.plan(instalment_cents=15_000)
        self.assertIn("au moins 200,00", refused.exception.message_dict["instalment_cents"][0])
        with self.assertRaises(ValidationError) as refused:
            self.plan(count=4, reduced_count=1, reduced_amount_cents=10_000)
        self.assertIn("même réduite", refused.exception.message_dict["reduced_amount_cents"][0])
        self.assertFalse(PaymentPlan.objects.exists())
        self.assertEqual(self.plan(count=5).instalments.count(), 5)

    def test_a_schedule_beyond_two_years_is_told_not_refused(self) -> None:
        terms = plans.PlanTerms(starts_on=TODAY, count=30)
        draft = plans.draft_plan(self.case, terms)
        self.assertTrue(draft.beyond_court_grace)
        self.assertIn("1343-5", draft.notices[0])
        short = plans.draft_plan(self.case, plans.PlanTerms(starts_on=TODAY, count=12))
        self.assertEqual((short.beyond_court_grace, short.notices), (False, []))

    def test_the_old_call_without_terms_is_one_instalment(self) -> None:
        plan = plans.record_plan(self.case, starts_on=TODAY, notes="reprise")
        self.assertEqual(
            list(plan.instalments.values_list("amount_cents", flat=True)), [self.balance]
        )


class ScheduleSumTests(HypothesisTestCase):
    """Whatever the terms record_plan accepts, the instalments pay the balance to the cent."""

    def setUp(self) -> None:
        super().setUp()
        org = Organization.objects.create(
            name="Alpha", kind=OrganizationKind.AGENCY, siren=SIREN_ALPHA
        )
        creditor = make_creditor(org, "Télécom Ouest")
        debtor = make_debtor(org, "Menuiserie Dubois")
        self.case = make_claim(creditor, debtor, 123_457, due_date=TODAY + timedelta(30)).case

    @settings(max_examples=40, deadline=None)
    @given(
        by_count=st.booleans(),
        count=st.integers(1, 60),
        amount=st.integers(1, 200_000),
        down=st.integers(0, 130_000),
        reduced_count=st.integers(0, 5),
        reduced=st.integers(1, 5_000),
        frequency=st.sampled_from(list(Frequency)),
        extra=st.one_of(st.none(), st.integers(0, 50_000)),
    )
    def test_the_instalments_sum_to_the_balance(
        self,
        by_count: bool,
        count: int,
        amount: int,
        down: int,
        reduced_count: int,
        reduced: int,
        frequency: Frequency,
        extra: int | None,
    ) -> None:
        balance = plans.balance_due(self.case).total_cents
        self.assertEqual(balance, 123_457)  # not yet due: no interest, no fees
        total = None if extra is None else balance + extra
        try:
            plan = plans.record_plan(
                self.case,
                starts_on=TODAY,
                frequency=frequency,
                count=count if by_count else None,
                instalment_cents=None if by_count else amount,
                total_cents=total,
                down_payment_cents=down,
                reduced_count=reduced_count,
                reduced_amount_cents=reduced if reduced_count else 0,
            )
        except ValidationError as refused:  # terms that cannot make a plan: nothing saved
            self.assertTrue(refused.message_dict)
            self.assertFalse(PaymentPlan.objects.exists())
            return
        amounts = list(plan.instalments.order_by("number").values_list("amount_cents", flat=True))
        self.assertEqual(sum(amounts), total or balance)
        self.assertTrue(all(cents > 0 for cents in amounts))
        dates = list(plan.instalments.order_by("number").values_list("due_on", flat=True))
        self.assertEqual(dates, sorted(dates))


class FollowUpTests(PlanTestCase):
    def test_partial_payments_fill_the_instalments_in_due_date_order(self) -> None:
        plan = self.plan(instalment_cents=40_000)  # 40 000, 40 000, …, the rest
        self.pay(25_000)
        self.assertEqual(self.statuses(plan)[:2], [(1, "partial", 25_000), (2, "due", 0)])
        self.pay(20_000)
        first, second = self.statuses(plan)[:2]
        self.assertEqual((first, second), ((1, "paid", 40_000), (2, "partial", 5_000)))
        self.assertEqual(plan.instalments.get(number=1).settled_on, TODAY)
        # once the second date has passed, a partly paid instalment is unpaid
        second_due = plan.instalments.get(number=2).due_on
        plans.follow_plan(plan, second_due + timedelta(days=1))
        self.assertEqual(self.statuses(plan)[1], (2, "unpaid", 5_000))

    def test_every_instalment_paid_completes_the_plan_and_a_reversal_reopens_it(self) -> None:
        plan = self.plan(count=2)
        payment = self.pay(self.balance)
        plan.refresh_from_db()
        self.assertEqual(plan.status, PlanStatus.COMPLETED)
        self.assertEqual({s for _n, s, _p in self.statuses(plan)}, {"paid"})
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.CLOSED)  # nothing left to collect
        Payment.objects.filter(pk=payment.pk).update(reversed_at=timezone.now())
        payments_reversed.send(
            Payment,
            organization_id=self.alpha.pk,
            claim_ids=[self.claim.pk],
            payment_ids=[payment.pk],
        )
        plan.refresh_from_db()
        self.assertEqual(plan.status, PlanStatus.ACTIVE)
        self.assertEqual(self.statuses(plan)[0], (1, "due", 0))
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.PAYMENT_PLAN)

    def test_a_returned_direct_debit_stays_returned_until_paid(self) -> None:
        plan = self.plan(count=3, direct_debit=True)
        first = plan.instalments.get(number=1)
        self.assertTrue(plans.mark_instalment_returned(first, reason="AM04 provision insuffisante"))
        self.assertFalse(plans.mark_instalment_returned(first, reason="again"))
        plans.follow_plan(plan, TODAY)
        self.assertEqual(self.statuses(plan)[0], (1, "returned", 0))
        entry = Interaction.objects.filter(case=self.case, text__contains="rejeté").get()
        self.assertIn("AM04", entry.text)
        self.pay(first.amount_cents)
        self.assertEqual(self.statuses(plan)[0], (1, "paid", first.amount_cents))


class LapseTests(PlanTestCase):
    def test_an_instalment_unpaid_past_the_grace_lapses_the_plan_not_before(self) -> None:
        plan = self.plan(count=3)
        grace = self.alpha.plan_grace_days
        last_day = TODAY + timedelta(days=grace)
        self.assertEqual(plans.lapse_overdue_plans(self.alpha.pk, last_day), [])
        plan.refresh_from_db()
        self.assertEqual(plan.status, PlanStatus.ACTIVE)
        self.assertEqual(self.statuses(plan)[0][1], InstalmentStatus.UNPAID)
        lapsed = plans.lapse_overdue_plans(self.alpha.pk, last_day + timedelta(days=1))
        self.assertEqual([p.pk for p in lapsed], [plan.pk])
        plan.refresh_from_db()
        self.assertEqual(
            (plan.status, plan.lapsed_on), (PlanStatus.BROKEN, last_day + timedelta(1))
        )
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.AMICABLE)  # dunning resumes
        task = Task.objects.get(case=self.case)
        self.assertEqual((task.kind, task.assigned_to), (TaskKind.CALL, self.bob))
        entry = Interaction.objects.filter(case=self.case, text__startswith="Déchéance").get()
        self.assertIn("exigible en une seule fois", entry.text)
        # once
        self.assertEqual(plans.lapse_overdue_plans(self.alpha.pk, last_day + timedelta(9)), [])

    def test_a_paid_instalment_does_not_lapse(self) -> None:
        plan = self.plan(count=3)
        first = plan.instalments.get(number=1)
        self.pay(first.amount_cents)
        day = TODAY + timedelta(days=self.alpha.plan_grace_days + 1)
        self.assertEqual(plans.lapse_overdue_plans(self.alpha.pk, day), [])

    def test_the_daily_task_lapses_and_e_mails_the_letter_once(self) -> None:
        self.debtor.email = "compta@dubois.example"
        self.debtor.save()
        self.case.formal_notice_on = TODAY - timedelta(days=40)
        self.case.save()
        plan = self.plan(count=3)
        day = TODAY + timedelta(days=self.alpha.plan_grace_days + 1)
        run_dunning_task.call(self.alpha.pk, day.isoformat())
        run_dunning_task.call(self.alpha.pk, day.isoformat())
        plan.refresh_from_db()
        self.assertEqual(plan.status, PlanStatus.BROKEN)
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.FORMAL_NOTICE)
        message = Message.objects.get(case=self.case, recipient="compta@dubois.example")
        self.assertIn("Déchéance du terme", message.subject)
        self.assertTrue(message.document.name.endswith(".pdf"))

    def test_cancel_with_a_reason_resumes_dunning(self) -> None:
        plan = self.plan()
        with self.assertRaises(ValidationError):
            plans.cancel_plan(plan, reason="  ", actor=self.bob)
        self.assertTrue(plans.cancel_plan(plan, reason="Dossier transféré", actor=self.bob))
        self.assertFalse(plans.cancel_plan(plan, reason="encore", actor=self.bob))
        plan.refresh_from_db()
        self.case.refresh_from_db()
        self.assertEqual((plan.status, self.case.status), (PlanStatus.CANCELLED, "amicable"))


class PlanPageTests(PlanTestCase):
    def form(self, **extra: str) -> dict[str, str]:
        data = {"starts_on": TODAY.isoformat(), "frequency": "monthly", "count": "6"}
        data.update(down_payment_cents="100,00")
        return data | extra

    def test_the_form_the_preview_then_the_plan_s_page(self) -> None:
        self.client.force_login(self.bob)
        new = reverse("cases:plan_new", args=[self.case.pk])
        form = self.client.get(new)
        self.assertContains(form, 'id="plan-form"')
        self.assertContains(form, f'value="{TODAY.isoformat()}"')  # a date the picker reads
        preview = self.client.get(reverse("cases:plan_preview", args=[self.case.pk]), self.form())
        self.assertContains(preview, 'data-testid="plan-preview"')
        self.assertContains(preview, "Acompte")
        self.assertFalse(PaymentPlan.objects.exists())  # a preview saves nothing
        response = self.client.post(new, self.form())
        plan = PaymentPlan.objects.get()
        self.assertRedirects(response, reverse("cases:plan", args=[plan.pk]))
        page = self.client.get(reverse("cases:plan", args=[plan.pk]))
        self.assertContains(page, 'data-testid="instalments"')
        for item in plan.instalments.all():
            self.assertContains(page, f"{item.due_on:%d/%m/%Y}")
        self.assertContains(page, reverse("letters:plan_agreement", args=[plan.pk]))
        self.assertContains(self.client.get(self.case.get_absolute_url()), 'id="payment-plans"')

    def test_the_preview_says_why_there_is_no_schedule(self) -> None:
        self.client.force_login(self.bob)
        url = reverse("cases:plan_preview", args=[self.case.pk])
        response = self.client.get(url, self.form(total_cents="1,00"))
        self.assertContains(response, "ne couvrent pas le solde")
        response = self.client.get(url, self.form(count="30"))
        self.assertContains(response, 'data-testid="court-grace"')

    def test_bad_terms_are_form_errors_naming_the_field_and_nothing_is_saved(self) -> None:
        self.client.force_login(self.bob)
        new = reverse("cases:plan_new", args=[self.case.pk])
        cases = [
            (self.form(total_cents="1,00"), "total_cents"),
            (self.form(starts_on=(TODAY - timedelta(1)).isoformat()), "starts_on"),
            (self.form(count=""), "count"),
            (self.form(count="0"), "count"),
            (self.form(instalment_cents="abc", count=""), "instalment_cents"),
        ]
        for data, field in cases:
            with self.subTest(field=field):
                response = self.client.post(new, data)
                self.assertContains(response, f'data-field="{field}"', status_code=400)
        self.assertFalse(PaymentPlan.objects.exists())

    def test_htmx_gets_the_fragment_its_errors_and_a_redirect_once_saved(self) -> None:
        self.client.force_login(self.bob)
        new = reverse("cases:plan_new", args=[self.case.pk])
        htmx = {"HX-Request": "true"}
        fragment = self.client.get(new, headers=htmx)
        self.assertContains(fragment, 'id="plan-form"')
        self.assertNotContains(fragment, "<html")
        refused = self.client.post(new, self.form(total_cents="1,00"), headers=htmx)
        self.assertContains(refused, 'data-field="total_cents"')  # a 200: htmx swaps it
        self.assertFalse(PaymentPlan.objects.exists())
        saved = self.client.post(new, self.form(), headers=htmx)
        plan = PaymentPlan.objects.get()
        self.assertEqual(saved.status_code, 204)
        self.assertEqual(saved["HX-Redirect"], reverse("cases:plan", args=[plan.pk]))

    def test_cancel_from_the_page(self) -> None:
        plan = self.plan()
        self.client.force_login(self.bob)
        url = reverse("cases:plan_cancel", args=[plan.pk])
        self.client.post(url, {"reason": ""})
        plan.refresh_from_db()
        self.assertEqual(plan.status, PlanStatus.ACTIVE)
        self.client.post(url, {"reason": "Accord rompu d'un commun accord"})
        plan.refresh_from_db()
        self.assertEqual(plan.status, PlanStatus.CANCELLED)

    def test_a_read_only_member_sees_the_plan_but_cannot_make_one(self) -> None:
        plan = self.plan()
        mandant = User.objects.create_user("m@example.org", password="password")
        Membership.objects.create(
            user=mandant, organization=self.alpha, role=Role.MANDANT, creditor=self.creditor
        )
        self.client.force_login(mandant)
        self.assertEqual(self.client.get(reverse("cases:plan", args=[plan.pk])).status_code, 200)
        new = reverse("cases:plan_new", args=[self.case.pk])
        self.assertEqual(self.client.get(new).status_code, 403)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(reverse("cases:plan", args=[plan.pk])).status_code, 404)
