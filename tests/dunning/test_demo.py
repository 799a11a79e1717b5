"""The demo ships a B2B and a consumer scenario that dun its overdue cases."""

from __future__ import annotations

from django.test import TestCase
from django.utils import timezone

from recouvra.core.models import Organization
from recouvra.demo.builder import build_demo, delete_demo
from recouvra.demo.organisations import COMPANY_NAME
from recouvra.dunning.engine import run_dunning
from recouvra.dunning.models import Assignment, Message, Scenario, StepRun


class DemoTestCase(TestCase):
    def test_the_demo_scenarios_dun_its_cases_and_are_deleted_with_it(self) -> None:
        build_demo(scale=0.05)
        org = Organization.objects.get(name=COMPANY_NAME)
        names = set(Scenario.objects.filter(organization=org).values_list("name", flat=True))
        self.assertEqual(names, {"Entreprises (B2B)", "Particuliers (B2C)"})
        self.assertTrue(Assignment.objects.filter(organization=org).exists())
        queued = Message.objects.filter(organization=org).count()  # the SEPA pre-notifications
        run = run_dunning(org.pk, today=timezone.localdate())
        self.assertGreater(run.steps_run, 0)
        self.assertEqual(StepRun.objects.filter(run=run).count(), run.steps_run)
        self.assertEqual(Message.objects.filter(organization=org).count() - queued, run.messages)
        delete_demo()
        self.assertFalse(Scenario.objects.exists())
        self.assertFalse(Message.objects.exists())
