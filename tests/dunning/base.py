"""A dunning scenario like the demo's, and helpers shared by the dunning tests."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from recouvra.dunning.models import After, Channel, Message, Scenario, Step, StepRun, Template

from ..base import RecouvraTestCase

DUE = date(2026, 2, 4)  # make_claim's default due date


def at(day: date, hour: int = 10) -> datetime:
    """An aware moment on `day`, Paris time."""
    return timezone.make_aware(datetime.combine(day, time(hour)))


class DunningTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.scenario = make_scenario(self.alpha)

    def run_on(self, day: date, hour: int = 10):  # noqa: ANN201
        from recouvra.dunning.engine import run_dunning

        return run_dunning(self.alpha.pk, today=day, now=at(day, hour))

    def steps_run(self, case) -> list[str]:  # noqa: ANN001
        runs = StepRun.objects.filter(case=case).order_by("step__position")
        return [run.step.name for run in runs]

    def messages(self, case) -> list[str]:  # noqa: ANN001
        found = Message.objects.filter(case=case).order_by("id")
        return [message.step_run.step.name for message in found]


def make_scenario(org, *, default: bool = True) -> Scenario:  # noqa: ANN001
    """B2B: a friendly e-mail at D+5, a second at D+15, a call at D+25, the formal notice
    by registered letter at D+35, an escalation proposal 15 days after it."""
    scenario = Scenario.objects.create(organization=org, name="B2B standard", is_default=default)
    email = Template.objects.create(
        organization=org,
        name="Relance e-mail",
        channel=Channel.EMAIL,
        subject="Factures échues — {{ creditor.name }}",
        body="Bonjour,\n{% for claim in claims %}{{ claim.reference }} : {{ claim.total }}\n"
        "{% endfor %}Total dû : {{ total }}",
    )
    steps = [
        ("Rappel amical", 5, After.DUE_DATE, Channel.EMAIL, email, False),
        ("Deuxième relance", 15, After.DUE_DATE, Channel.EMAIL, email, False),
        ("Appel", 10, After.PREVIOUS, Channel.CALL, None, False),
        ("Mise en demeure", 35, After.DUE_DATE, Channel.REGISTERED, None, True),
        ("Proposition de contentieux", 15, After.PREVIOUS, Channel.ESCALATION, None, False),
    ]
    for position, (name, days, after, channel, template, notice) in enumerate(steps, 1):
        Step.objects.create(
            organization=org,
            scenario=scenario,
            position=position,
            name=name,
            delay_days=days,
            after=after,
            channel=channel,
            template=template,
            is_formal_notice=notice,
        )
    return scenario
