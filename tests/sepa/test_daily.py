"""The clock queues each organisation's daily direct-debit steps once a day, after the hour
of the daily run, and only for an organisation with an ICS; the task schedules and
pre-notifies."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recouvra.sepa.models import DebitStatus, DirectDebit
from recouvra.sepa.tasks import check_daily, sepa_daily_task

from .base import TODAY, SepaTestCase


def at(hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(TODAY, datetime.min.time()).replace(hour=hour))


class DailyTests(SepaTestCase):
    def test_once_a_day_after_the_hour_for_the_organisations_with_an_ics(self) -> None:
        self.assertEqual(check_daily(at(5)), [])
        self.assertEqual(check_daily(at(9)), [f"sepa {self.alpha.pk} {TODAY.isoformat()}"])
        self.assertEqual(check_daily(at(10)), [])
        (row,) = DBTaskResult.objects.filter(task_path=sepa_daily_task.module_path)
        self.assertEqual(row.args_kwargs["args"], [self.alpha.pk, TODAY.isoformat()])
        tomorrow = at(9) + timedelta(days=1)
        self.assertEqual(len(check_daily(tomorrow)), 1)

    def test_the_task_schedules_and_prenotifies(self) -> None:
        self.mandate()
        done = sepa_daily_task.call(self.alpha.pk, TODAY.isoformat())
        self.assertEqual(done, {"scheduled": 1, "missing_mandate": 0, "prenotified": 1})
        self.assertEqual(DirectDebit.objects.get().status, DebitStatus.PRENOTIFIED)
