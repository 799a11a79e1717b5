"""The clock enqueues each organisation's daily run once its hour has come, and a
delivery pass when messages wait; the worker runs them (database task backend)."""

from __future__ import annotations

from datetime import timedelta

from django.test import TransactionTestCase
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recouvra import cli
from recouvra.dunning.clock import tick
from recouvra.dunning.models import DunningRun, Message

from ..base import make_claim, make_creditor, make_debtor, make_org
from .base import at, make_scenario

DAY = timezone.localdate()  # the worker's run takes the day, and the moment it runs


def work() -> None:
    cli.main(["worker", "--batch", "--no-startup-delay", "-v", "0"])


class ClockTestCase(TransactionTestCase):
    def setUp(self) -> None:
        self.alpha = make_org("Alpha Recouvrement")
        make_scenario(self.alpha)
        debtor = make_debtor(self.alpha, email="compta@dubois.example")
        due = DAY - timedelta(days=6)
        issued = due - timedelta(days=30)
        make_claim(make_creditor(self.alpha), debtor, 10_000, issue_date=issued, due_date=due)

    def test_the_daily_run_is_enqueued_once_after_its_hour_and_caught_up_later(self) -> None:
        self.assertEqual(tick(at(DAY, 6)), [])
        self.assertEqual(tick(at(DAY, 7)), [f"dunning run {self.alpha.pk} {DAY}"])
        self.assertEqual(tick(at(DAY, 7)), [])  # already waiting for the worker
        work()
        self.assertEqual(DunningRun.objects.get().run_on, DAY)
        self.assertEqual(Message.objects.count(), 1)
        # the message is due: a delivery pass is enqueued; the day's run is not again
        now = timezone.now() + timedelta(minutes=1)
        self.assertEqual(tick(now), ["delivery"])
        self.assertEqual(tick(now), [])
        later = DAY + timedelta(days=3)  # the clock was down for two days
        self.assertIn(f"dunning run {self.alpha.pk} {later}", tick(at(later, 9)))
        self.assertEqual(DBTaskResult.objects.filter(status="READY").count(), 2)

    def test_the_clock_command_runs_one_tick(self) -> None:
        self.assertEqual(cli.main(["clock", "--once"]), 0)
        expected = 1 if timezone.localtime().hour >= 7 else 0
        self.assertEqual(DBTaskResult.objects.count(), expected)
