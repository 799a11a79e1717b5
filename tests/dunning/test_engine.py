"""The dunning run: idempotent, catches up after downtime, one message per case, pauses."""

from __future__ import annotations

from datetime import date, timedelta

from recouvra.cases.models import (
    Case,
    CaseStatus,
    Dispute,
    PaymentPlan,
    Promise,
    Task,
)
from recouvra.dunning.engine import plan, run_dunning
from recouvra.dunning.models import (
    Assignment,
    Channel,
    DunningRun,
    Message,
    MessageStatus,
    Step,
    StepRun,
)
from recouvra.ledger.models import DebtorKind

from ..base import make_claim, make_creditor, make_debtor, make_payment
from .base import DUE, DunningTestCase, at, make_scenario


class RunTestCase(DunningTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.claim = make_claim(self.creditor, self.debtor, 125_000, reference="FA-1")
        self.case = self.claim.case
        self.debtor.email = "compta@dubois.example"
        self.debtor.save()

    def test_running_twice_sends_nothing_more(self) -> None:
        first = self.run_on(DUE + timedelta(days=6))
        second = self.run_on(DUE + timedelta(days=6))
        self.assertEqual((first.steps_run, first.messages), (1, 1))
        self.assertEqual((second.steps_run, second.messages), (0, 0))
        self.assertEqual(self.messages(self.case), ["Rappel amical"])
        message = Message.objects.get(case=self.case)
        self.assertEqual(
            (message.channel, message.status, message.recipient),
            (Channel.EMAIL, MessageStatus.QUEUED, "compta@dubois.example"),
        )

    def test_nothing_is_due_before_the_first_step(self) -> None:
        run = self.run_on(DUE + timedelta(days=4))
        self.assertEqual(run.steps_run, 0)
        self.assertEqual(run.cases_due, 1)

    def test_steps_follow_each_other_one_per_run(self) -> None:
        for days in (6, 16, 26):
            self.run_on(DUE + timedelta(days=days))
        self.assertEqual(self.steps_run(self.case), ["Rappel amical", "Deuxième relance", "Appel"])
        task = Task.objects.get(case=self.case)
        self.assertEqual((task.kind, task.due_on), ("call", DUE + timedelta(days=26)))

    def test_after_a_40_day_gap_one_message_at_the_step_due_now(self) -> None:
        self.run_on(DUE + timedelta(days=6))
        self.run_on(DUE + timedelta(days=46))  # 40 days later: D+46
        self.assertEqual(self.steps_run(self.case), ["Rappel amical", "Mise en demeure"])
        self.assertEqual(self.messages(self.case), ["Rappel amical", "Mise en demeure"])
        notice = StepRun.objects.get(case=self.case, step__name="Mise en demeure")
        self.assertEqual(notice.passed_over, "Deuxième relance, Appel")
        self.assertFalse(Task.objects.filter(case=self.case).exists())
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.FORMAL_NOTICE)
        letter = Message.objects.get(case=self.case, channel=Channel.REGISTERED)
        self.assertEqual(letter.status, MessageStatus.QUEUED)

    def test_a_step_counted_from_the_previous_one_waits_after_a_catch_up(self) -> None:
        self.run_on(DUE + timedelta(days=36))  # jumps to the formal notice
        self.run_on(DUE + timedelta(days=50))  # escalation: 15 days after the notice ran
        self.assertEqual(self.steps_run(self.case)[-1], "Mise en demeure")
        self.run_on(DUE + timedelta(days=51))
        self.assertEqual(self.steps_run(self.case)[-1], "Proposition de contentieux")

    def test_one_message_per_debtor_and_creditor_listing_every_overdue_claim(self) -> None:
        make_claim(self.creditor, self.debtor, 30_000, reference="FA-2", due_date=DUE)
        other = make_creditor(self.alpha, "Énergie Sud")
        make_claim(other, self.debtor, 50_000, reference="FA-3", due_date=DUE)
        run = self.run_on(DUE + timedelta(days=6))
        self.assertEqual((run.cases_due, run.messages), (2, 2))
        self.assertEqual(Message.objects.filter(case=self.case).count(), 1)
        self.assertEqual(StepRun.objects.get(case=self.case).overdue_cents, 155_000)

    def test_the_balance_counts_not_the_original_total(self) -> None:
        make_payment(self.claim, 100_000, received_on=DUE + timedelta(days=2))
        self.run_on(DUE + timedelta(days=6))
        self.assertEqual(StepRun.objects.get(case=self.case).overdue_cents, 25_000)

    def test_a_paid_case_is_not_dunned_and_starts_a_new_cycle_when_late_again(self) -> None:
        self.run_on(DUE + timedelta(days=6))
        make_payment(self.claim, 125_000, received_on=DUE + timedelta(days=7))
        self.claim.status = "paid"
        self.claim.save()
        self.assertEqual(self.run_on(DUE + timedelta(days=16)).steps_run, 0)
        later = DUE + timedelta(days=60)
        make_claim(self.creditor, self.debtor, 40_000, reference="FA-9", due_date=later)
        self.run_on(later + timedelta(days=6))
        self.case.refresh_from_db()
        self.assertEqual(self.case.dunning_cycle, 2)
        self.assertEqual(self.messages(self.case), ["Rappel amical", "Rappel amical"])

    def test_a_dispute_pauses_the_case_and_its_closing_resumes_it(self) -> None:
        self.run_on(DUE + timedelta(days=6))
        dispute = Dispute.objects.create(
            organization=self.alpha, case=self.case, reason="Livraison incomplète"
        )
        self.assertEqual(self.run_on(DUE + timedelta(days=16)).steps_run, 0)
        dispute.closed_on = DUE + timedelta(days=20)
        dispute.save()
        self.run_on(DUE + timedelta(days=21))
        self.assertEqual(self.messages(self.case), ["Rappel amical", "Deuxième relance"])

    def test_a_promise_pauses_until_its_date_and_grace_days_pass(self) -> None:
        promised = DUE + timedelta(days=20)
        Promise.objects.create(
            organization=self.alpha, case=self.case, amount_cents=125_000, promised_on=promised
        )
        grace = timedelta(days=self.alpha.promise_grace_days)  # 3: the payment may be on its way
        self.assertEqual(self.run_on(DUE + timedelta(days=6)).steps_run, 0)
        self.assertEqual(self.run_on(promised).steps_run, 0)
        self.assertEqual(self.run_on(promised + grace).steps_run, 0)
        self.assertEqual(self.run_on(promised + grace + timedelta(days=1)).steps_run, 1)

    def test_an_active_plan_or_a_legal_partner_pauses_the_case(self) -> None:
        plan_ = PaymentPlan.objects.create(organization=self.alpha, case=self.case, starts_on=DUE)
        self.assertEqual(self.run_on(DUE + timedelta(days=6)).steps_run, 0)
        plan_.status = "broken"
        plan_.save()
        Case.objects.filter(pk=self.case.pk).update(status=CaseStatus.LEGAL)
        self.assertEqual(self.run_on(DUE + timedelta(days=6)).steps_run, 0)
        Case.objects.filter(pk=self.case.pk).update(status=CaseStatus.AMICABLE)
        self.assertEqual(self.run_on(DUE + timedelta(days=6)).steps_run, 1)

    def test_a_disputed_claim_is_left_out_of_the_overdue_balance(self) -> None:
        make_claim(self.creditor, self.debtor, 30_000, reference="FA-2", status="disputed")
        self.run_on(DUE + timedelta(days=6))
        self.assertEqual(StepRun.objects.get(case=self.case).overdue_cents, 125_000)

    def test_step_conditions_pass_over_what_does_not_apply(self) -> None:
        Step.objects.filter(scenario=self.scenario, position=1).update(
            debtor_kind=DebtorKind.PERSON
        )
        Step.objects.filter(scenario=self.scenario, position=2).update(min_balance_cents=200_000)
        self.run_on(DUE + timedelta(days=16))
        self.assertEqual(self.steps_run(self.case), [])
        self.run_on(DUE + timedelta(days=26))
        self.assertEqual(self.steps_run(self.case), ["Appel"])

    def test_a_step_for_risky_debtors_passes_over_the_others(self) -> None:
        Step.objects.filter(scenario=self.scenario, position=3).update(min_risk_level="medium")
        self.run_on(DUE + timedelta(days=26))  # the call, for medium risk or above
        self.assertEqual(self.steps_run(self.case), ["Deuxième relance"])
        risky = make_debtor(self.alpha, "Garage Bob", risk_level="high")
        other = make_claim(self.creditor, risky, 80_000, reference="FA-7")
        self.run_on(DUE + timedelta(days=26))
        self.assertEqual(self.steps_run(other.case), ["Appel"])
        low = make_debtor(self.alpha, "Boulangerie Low", risk_level="low")
        low_risk = make_claim(self.creditor, low, 10_000, reference="FA-8")
        self.run_on(DUE + timedelta(days=26))
        self.assertEqual(self.steps_run(low_risk.case), ["Deuxième relance"])

    def test_a_debtor_scenario_overrides_its_creditor_s(self) -> None:
        gentle = make_scenario(self.alpha, default=False)
        Step.objects.filter(scenario=gentle, position=1).update(delay_days=30)
        Assignment.objects.create(organization=self.alpha, scenario=gentle, creditor=self.creditor)
        self.assertEqual(self.run_on(DUE + timedelta(days=6)).steps_run, 0)
        Assignment.objects.create(
            organization=self.alpha, scenario=self.scenario, debtor=self.debtor
        )
        self.assertEqual(self.run_on(DUE + timedelta(days=6)).steps_run, 1)

    def test_the_dry_run_lists_what_would_go_out_and_records_nothing(self) -> None:
        planned = plan(self.alpha.pk, DUE + timedelta(days=46))
        self.assertEqual(
            [(p.case.reference, p.step.name, [s.name for s in p.passed]) for p in planned],
            [
                (
                    self.case.reference,
                    "Mise en demeure",
                    ["Rappel amical", "Deuxième relance", "Appel"],
                )
            ],
        )
        self.assertFalse(StepRun.objects.exists())
        self.assertFalse(DunningRun.objects.exists())

    def test_a_run_touches_its_own_organisation_only(self) -> None:
        make_scenario(self.beta)
        theirs = make_claim(make_creditor(self.beta), make_debtor(self.beta), 10_000)
        run_dunning(self.alpha.pk, today=DUE + timedelta(days=6), now=at(DUE + timedelta(days=6)))
        self.assertFalse(StepRun.objects.filter(case=theirs.case).exists())
        self.assertEqual(StepRun.objects.filter(organization=self.alpha).count(), 1)

    def test_a_consumer_without_a_mobile_gets_an_sms_with_no_recipient(self) -> None:
        Step.objects.filter(scenario=self.scenario, position=1).update(channel=Channel.SMS)
        self.run_on(DUE + timedelta(days=6))
        message = Message.objects.get(case=self.case)
        self.assertEqual((message.channel, message.recipient), (Channel.SMS, ""))


class ScheduleTestCase(DunningTestCase):
    def test_an_sms_waits_for_eight_and_never_goes_on_a_sunday_or_holiday(self) -> None:
        from recouvra.dunning.schedule import not_before

        saturday_night = at(date(2026, 5, 9), 21)  # Sat 9 May; Sun 10; Mon 11
        self.assertEqual(not_before(Channel.SMS, saturday_night), at(date(2026, 5, 11), 8))
        early = at(date(2026, 5, 12), 6)
        self.assertEqual(not_before(Channel.SMS, early), at(date(2026, 5, 12), 8))
        bastille = at(date(2026, 7, 14), 10)  # a Tuesday, public holiday
        self.assertEqual(not_before(Channel.CALL, bastille), at(date(2026, 7, 15), 8))
        noon = at(date(2026, 5, 12), 12)
        self.assertEqual(not_before(Channel.SMS, noon), noon)
        self.assertEqual(not_before(Channel.EMAIL, saturday_night), saturday_night)

    def test_a_letter_goes_out_on_a_working_day(self) -> None:
        from recouvra.dunning.schedule import not_before

        saturday = at(date(2026, 5, 9), 10)
        self.assertEqual(not_before(Channel.LETTER, saturday), at(date(2026, 5, 11), 8))
        may_first = at(date(2026, 5, 1), 10)  # a Friday, public holiday
        self.assertEqual(not_before(Channel.REGISTERED, may_first), at(date(2026, 5, 4), 8))
