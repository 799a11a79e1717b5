"""Dunning through the API, read only: scenarios and their steps, and the outbox's messages
with their delivery status."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recouvra.api.models import Scope
from recouvra.dunning.delivery_reports import BOUNCED, DELIVERED, Report, record_report
from recouvra.dunning.engine import run_dunning
from recouvra.dunning.models import Channel, Message, MessageStatus, Scenario, Step

from ..base import make_claim, make_creditor, make_debtor
from ..dunning.base import DUE, at, make_scenario
from .base import ApiTestCase


class DunningApiTestCase(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.scenario = make_scenario(self.alpha)
        self.beta_scenario = make_scenario(self.beta)
        self.debtor.email = "compta@dubois.example"
        self.debtor.save()
        self.case = make_claim(self.creditor, self.debtor, 125_000, reference="FA-1").case
        other_creditor = make_creditor(self.alpha, "Énergie Sud", is_mandant=True)
        self.other_case = make_claim(other_creditor, self.debtor, 40_000, reference="ES-1").case
        beta_debtor = make_debtor(self.beta, "Débiteur de Beta", email="b@beta.example")
        beta_creditor = make_creditor(self.beta, "Créancier de Beta")
        self.beta_case = make_claim(beta_creditor, beta_debtor, 10_000, reference="B-1").case
        self.read_key = self.key_with([Scope.READ], name="Lecture seule")
        self.mandant_key = self.key_with([Scope.READ], name="Portail", mandant=self.creditor)

    def ids(self, response: Any) -> list[int]:
        self.assertEqual(response.status_code, 200, response.content[:500])
        return [row["id"] for row in response.json()["results"]]

    def run_on(self, days: int) -> None:
        day = DUE + timedelta(days=days)
        for org in (self.alpha, self.beta):
            run_dunning(org.pk, today=day, now=at(day))

    def sent(self, message: Message, message_id: str) -> None:
        """What the delivery task records once the mail server took the message."""
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENT,
            message_id=message_id,
            sent_at=timezone.now(),
            updated_at=timezone.now(),
            subject="Factures échues — Télécom Ouest",
        )


class ScenarioTests(DunningApiTestCase):
    def test_a_scenario_gives_its_steps_in_order(self) -> None:
        body = self.get(f"scenarios/{self.scenario.pk}/").json()
        self.assertEqual((body["name"], body["is_default"]), ("B2B standard", True))
        steps = body["steps"]
        self.assertEqual(
            [s["name"] for s in steps],
            [
                "Rappel amical",
                "Deuxième relance",
                "Appel",
                "Mise en demeure",
                "Proposition de contentieux",
            ],
        )
        notice = steps[3]
        self.assertEqual(
            (notice["position"], notice["delay_days"], notice["after"], notice["channel"]),
            (4, 35, "due_date", "registered"),
        )
        self.assertTrue(notice["is_formal_notice"])
        self.assertEqual(steps[0]["template"], Step.objects.get(pk=steps[0]["id"]).template_id)
        self.assertEqual(steps[0]["min_balance_cents"], 0)

    def test_each_organisation_sees_its_own_scenarios(self) -> None:
        self.assertEqual(self.ids(self.get("scenarios/")), [self.scenario.pk])
        self.assertEqual(
            self.ids(self.get("scenarios/", key=self.charlie_key)), [self.beta_scenario.pk]
        )
        self.assertProblem(self.get(f"scenarios/{self.scenario.pk}/", key=self.charlie_key), 404)
        theirs = self.scenario.steps.first()
        self.assertProblem(self.get(f"steps/{theirs.pk}/", key=self.charlie_key), 404)
        charlie_steps = self.ids(self.get("steps/", key=self.charlie_key))
        self.assertEqual(
            set(Step.objects.filter(pk__in=charlie_steps).values_list("organization", flat=True)),
            {self.beta.pk},
        )

    def test_a_mandant_key_sees_no_scenario(self) -> None:
        # scenarios belong to the organisation, not to a creditor: a mandant's pages show none
        self.assertEqual(self.ids(self.get("scenarios/", key=self.mandant_key)), [])
        self.assertProblem(self.get(f"scenarios/{self.scenario.pk}/", key=self.mandant_key), 404)

    def test_steps_filter_by_scenario_and_channel(self) -> None:
        other = Scenario.objects.create(organization=self.alpha, name="B2C")
        Step.objects.create(
            organization=self.alpha,
            scenario=other,
            position=1,
            name="SMS",
            delay_days=3,
            after="due_date",
            channel=Channel.SMS,
        )
        mine = self.ids(self.get(f"steps/?scenario={self.scenario.pk}"))
        self.assertEqual(
            mine, list(self.scenario.steps.order_by("id").values_list("id", flat=True))
        )
        self.assertEqual(len(self.ids(self.get("steps/?channel=sms"))), 1)
        self.assertProblem(self.get("steps/?channel=pigeon"), 400, "channel")
        self.assertProblem(self.get("steps/?scenario=abc"), 400, "scenario")

    def test_scenarios_and_steps_are_read_only(self) -> None:
        for method, path in (
            ("POST", "scenarios/"),
            ("PATCH", f"scenarios/{self.scenario.pk}/"),
            ("DELETE", f"scenarios/{self.scenario.pk}/"),
            ("POST", "steps/"),
            ("PATCH", f"steps/{self.scenario.steps.first().pk}/"),
        ):
            with self.subTest(method=method, path=path):
                self.assertProblem(self.call(method, path, {"name": "x"}), 405)
        self.assertEqual(Scenario.objects.get(pk=self.scenario.pk).name, "B2B standard")


class MessageTests(DunningApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.run_on(6)  # the friendly reminder by e-mail, one per case
        self.message = Message.objects.get(case=self.case)

    def test_a_message_gives_its_channel_status_recipient_and_case(self) -> None:
        body = self.get(f"messages/{self.message.pk}/").json()
        self.assertEqual(
            (body["case"], body["channel"], body["status"], body["to"]),
            (self.case.pk, "email", "queued", "compta@dubois.example"),
        )
        self.assertEqual(body["step"], self.scenario.steps.get(position=1).pk)
        self.assertIsNone(body["sent_at"])
        self.assertIsNone(body["bounced_at"])
        self.assertNotIn("body_text", body)

    def test_sent_delivered_and_bounced_times(self) -> None:
        self.sent(self.message, "<m1@recouvra.test>")
        other = Message.objects.get(case=self.other_case)
        self.sent(other, "<m2@recouvra.test>")
        self.assertTrue(record_report(Report(DELIVERED, message_id="<m1@recouvra.test>")))
        self.assertTrue(
            record_report(Report(BOUNCED, message_id="<m2@recouvra.test>", reason="5.1.1 unknown"))
        )
        delivered = self.get(f"messages/{self.message.pk}/").json()
        self.assertEqual(delivered["status"], "delivered")
        self.assertIsNotNone(delivered["sent_at"])
        self.assertIsNotNone(delivered["delivered_at"])
        self.assertIsNone(delivered["bounced_at"])
        bounced = self.get(f"messages/{other.pk}/").json()
        self.assertEqual(bounced["status"], "bounced")
        self.assertIsNotNone(bounced["bounced_at"])
        self.assertIn("5.1.1", bounced["error"])
        self.assertEqual(self.ids(self.get("messages/?status=bounced")), [other.pk])
        self.assertEqual(self.ids(self.get("messages/?status=delivered")), [self.message.pk])

    def test_filters(self) -> None:
        other = Message.objects.get(case=self.other_case)
        self.assertEqual(self.ids(self.get(f"messages/?case={self.case.pk}")), [self.message.pk])
        self.assertCountEqual(
            self.ids(self.get("messages/?channel=email")), [self.message.pk, other.pk]
        )
        self.assertEqual(self.ids(self.get("messages/?channel=sms")), [])
        self.sent(other, "<m3@recouvra.test>")
        changed = Message.objects.get(pk=other.pk).updated_at
        since = (changed - timedelta(microseconds=1)).isoformat()
        self.assertEqual(
            self.ids(self.get("messages/?" + urlencode({"updated_since": since}))), [other.pk]
        )
        self.assertProblem(self.get("messages/?status=lost"), 400, "status")
        self.assertProblem(self.get("messages/?case=-1"), 400, "case")

    def test_isolation(self) -> None:
        theirs = Message.objects.get(case=self.beta_case)
        self.assertEqual(self.ids(self.get("messages/", key=self.charlie_key)), [theirs.pk])
        self.assertNotIn(theirs.pk, self.ids(self.get("messages/")))
        self.assertProblem(self.get(f"messages/{self.message.pk}/", key=self.charlie_key), 404)
        self.assertEqual(self.ids(self.get("messages/", key=self.mandant_key)), [self.message.pk])
        other = Message.objects.get(case=self.other_case)
        self.assertProblem(self.get(f"messages/{other.pk}/", key=self.mandant_key), 404)

    def test_messages_are_read_only(self) -> None:
        for method in ("POST", "PATCH", "PUT", "DELETE"):
            with self.subTest(method):
                path = "messages/" if method == "POST" else f"messages/{self.message.pk}/"
                self.assertProblem(self.call(method, path, {"status": "sent"}), 405)
        self.assertEqual(Message.objects.get(pk=self.message.pk).status, MessageStatus.QUEUED)

    def test_a_read_key_reads(self) -> None:
        self.assertEqual(
            self.ids(self.get(f"messages/?case={self.case.pk}", key=self.read_key)),
            [self.message.pk],
        )


class QueryCountTests(DunningApiTestCase):
    def queries(self, path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.get(path).status_code, 200)
        return len(queries)

    def test_a_page_costs_the_same_queries_for_one_row_or_many(self) -> None:
        for n in range(3):
            make_scenario(self.alpha, default=False)
            debtor = make_debtor(self.alpha, f"Débiteur {n}", email=f"d{n}@example.org")
            make_claim(self.creditor, debtor, 10_000)
        self.run_on(6)
        self.get("messages/")  # the key's last use is written once a minute: not in the counts
        for resource in ("scenarios", "steps", "messages"):
            with self.subTest(resource):
                one = self.queries(f"{resource}/?page_size=1")
                self.assertEqual(one, self.queries(f"{resource}/?page_size=4"))
