"""The dunning pages: scenarios as timelines, steps, templates, preview then run, outbox."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from recouvra.core.models import AuditEvent
from recouvra.dunning.engine import plan
from recouvra.dunning.models import (
    Assignment,
    Channel,
    Message,
    MessageStatus,
    Scenario,
    Step,
    Template,
)

from ..base import make_claim
from .base import DunningTestCase, make_scenario


class PagesTestCase(DunningTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)
        today = timezone.localdate()
        self.claim = make_claim(
            self.creditor,
            self.debtor,
            50_000,
            reference="FA-77",
            issue_date=today - timedelta(days=40),
            due_date=today - timedelta(days=6),
        )

    def test_a_scenario_is_created_and_its_steps_shown_in_order(self) -> None:
        response = self.client.post(
            reverse("dunning:scenario_add"), {"name": "Particuliers", "description": "B2C"}
        )
        scenario = Scenario.objects.get(name="Particuliers")
        self.assertRedirects(response, scenario.get_absolute_url())
        template = Template.objects.get(name="Relance e-mail")
        response = self.client.post(
            reverse("dunning:step_add", args=[scenario.pk]),
            {
                "position": 1,
                "name": "Premier rappel",
                "delay_days": 7,
                "after": "due_date",
                "channel": "email",
                "template": template.pk,
                "debtor_kind": "person",
                "min_balance": 15,
            },
        )
        self.assertRedirects(response, scenario.get_absolute_url())
        step = Step.objects.get(scenario=scenario)
        self.assertEqual((step.min_balance_cents, step.debtor_kind), (1500, "person"))
        page = self.client.get(scenario.get_absolute_url()).content.decode()
        self.assertIn("Premier rappel", page)
        self.assertIn("J+7 après l&#x27;échéance", page)

    def test_a_step_with_a_template_of_another_channel_is_refused(self) -> None:
        template = Template.objects.get(name="Relance e-mail")
        response = self.client.post(
            reverse("dunning:step_add", args=[self.scenario.pk]),
            {
                "position": 9,
                "name": "SMS",
                "delay_days": 3,
                "after": "previous",
                "channel": "sms",
                "template": template.pk,
                "min_balance": 0,
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "autre canal", status_code=400)

    def test_a_template_that_does_not_parse_is_refused_with_the_reason(self) -> None:
        response = self.client.post(
            reverse("dunning:template_add"),
            {"name": "Cassé", "channel": "email", "subject": "x", "body": "{% for %}"},
        )
        self.assertContains(response, "Modèle invalide", status_code=400)
        self.assertFalse(Template.objects.filter(name="Cassé").exists())

    def test_the_preview_lists_the_due_steps_then_run_now_queues_them(self) -> None:
        page = self.client.get(reverse("dunning:run"))
        self.assertContains(page, self.claim.case.reference)
        self.assertContains(page, "Rappel amical")
        self.assertFalse(Message.objects.exists())
        response = self.client.post(reverse("dunning:run"))
        self.assertRedirects(response, reverse("dunning:run"))
        message = Message.objects.get()
        self.assertEqual((message.channel, message.status), (Channel.EMAIL, MessageStatus.QUEUED))
        outbox = self.client.get(reverse("dunning:outbox"))
        self.assertContains(outbox, self.claim.case.reference)
        self.assertContains(self.client.get(reverse("dunning:run")), "Aucune relance")

    def test_an_uncertain_message_can_be_sent_again_by_an_agent(self) -> None:
        self.client.post(reverse("dunning:run"))
        message = Message.objects.get()
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.UNCERTAIN)
        response = self.client.post(
            reverse("dunning:resend", args=[message.pk]), {"next": "https://evil.example/"}
        )
        self.assertRedirects(response, reverse("dunning:outbox"))
        message.refresh_from_db()
        self.assertEqual(message.status, MessageStatus.QUEUED)

    def test_another_organisation_sees_none_of_it(self) -> None:
        self.client.post(reverse("dunning:run"))
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(self.scenario.get_absolute_url()).status_code, 404)
        self.assertNotContains(self.client.get(reverse("dunning:outbox")), "FA-77")
        self.assertNotContains(self.client.get(reverse("dunning:scenarios")), "B2B standard")
        message = Message.objects.get()
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)
        response = self.client.post(reverse("dunning:resend", args=[message.pk]))
        self.assertEqual(response.status_code, 404)

    def test_a_debtor_is_given_its_own_scenario_from_its_page_then_given_back(self) -> None:
        gentle = make_scenario(self.alpha, default=False)
        Scenario.objects.filter(pk=gentle.pk).update(name="Clients fidèles")
        url = reverse("dunning:assign", args=["debiteur", self.debtor.pk])
        page = self.client.get(self.debtor.get_absolute_url())
        self.assertContains(page, url)
        self.assertContains(page, "Clients fidèles")  # a choice of the form
        response = self.client.post(url, {"scenario": gentle.pk})
        self.assertRedirects(response, self.debtor.get_absolute_url())
        self.assertEqual(Assignment.current(self.debtor).scenario, gentle)
        followers = self.client.get(gentle.get_absolute_url())
        self.assertContains(followers, "1 débiteur l'a en propre.")
        # the run follows it: the debtor's scenario is looked at first
        planned = plan(self.alpha.pk, timezone.localdate())
        self.assertEqual([p.scenario for p in planned], ["Clients fidèles"])
        self.client.post(url, {"scenario": ""})
        self.assertIsNone(Assignment.current(self.debtor))
        changes = AuditEvent.objects.filter(object_repr__contains="Clients fidèles")
        self.assertEqual(sorted(changes.values_list("action", flat=True)), ["create", "delete"])

    def test_a_creditor_s_scenario_is_set_on_its_page_and_refused_from_elsewhere(self) -> None:
        url = reverse("dunning:assign", args=["creancier", self.creditor.pk])
        self.client.post(url, {"scenario": self.scenario.pk})
        self.assertEqual(Assignment.current(self.creditor).scenario, self.scenario)
        page = self.client.get(self.scenario.get_absolute_url())
        self.assertContains(page, self.creditor.name)
        other = make_scenario(self.beta)
        response = self.client.post(url, {"scenario": other.pk}, follow=True)
        self.assertContains(response, "n&#x27;existe pas dans votre organisation")
        self.assertEqual(Assignment.current(self.creditor).scenario, self.scenario)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.post(url, {"scenario": other.pk}).status_code, 404)
        self.assertEqual(
            self.client.post(f"/relances/affectation/x/{self.creditor.pk}/").status_code, 404
        )

    def test_an_agent_without_write_rights_cannot_run(self) -> None:
        from recouvra.core.models import Role

        from ..base import make_user

        viewer = make_user("dave@example.org", self.alpha, Role.MANDANT)
        self.client.force_login(viewer)
        self.assertEqual(self.client.post(reverse("dunning:run")).status_code, 403)
        self.assertFalse(Message.objects.exists())

    def test_the_case_page_shows_its_messages_and_their_status(self) -> None:
        self.client.post(reverse("dunning:run"))
        page = self.client.get(self.claim.case.get_absolute_url())
        self.assertContains(page, 'id="case-messages"')
        self.assertContains(page, "Rappel amical")
        self.assertContains(page, "En attente")

    def test_a_template_is_previewed_on_a_real_case_as_it_is_typed(self) -> None:
        page = self.client.get(reverse("dunning:template_add"))
        self.assertContains(page, self.claim.case.reference)  # offered for the preview
        response = self.client.post(
            reverse("dunning:preview"),
            {
                "subject": "Relance {{ case.reference }}",
                "body": "Dû : {{ total }}",
                "case": self.claim.case.pk,
            },
        )
        self.assertContains(response, f"Relance {self.claim.case.reference}")
        self.assertContains(response, "Dû : 5")
        broken = self.client.post(
            reverse("dunning:preview"), {"body": "{% if %}", "case": self.claim.case.pk}
        )
        self.assertContains(broken, "Modèle invalide")

    def test_the_preview_cannot_reach_another_organisation_s_case(self) -> None:
        from ..base import make_creditor, make_debtor

        theirs = make_claim(make_creditor(self.beta), make_debtor(self.beta), 10_000).case
        response = self.client.post(
            reverse("dunning:preview"), {"body": "{{ debtor.name }}", "case": theirs.pk}
        )
        self.assertEqual(response.status_code, 404)

    def test_letters_are_printed_from_the_page_and_a_registered_one_tracked(self) -> None:
        Step.objects.filter(scenario=self.scenario, position=1).update(channel=Channel.REGISTERED)
        self.client.post(reverse("dunning:run"))
        page = self.client.get(reverse("dunning:letters"))
        self.assertContains(page, "1 courrier en attente")
        self.client.post(reverse("dunning:letters"))
        message = Message.objects.get()
        self.assertEqual(message.status, MessageStatus.PRINTED)
        batch = message.print_batch
        pdf = self.client.get(reverse("dunning:batch", args=[batch.pk]))
        self.assertTrue(b"".join(pdf.streaming_content).startswith(b"%PDF"))
        from django.core.files.uploadedfile import SimpleUploadedFile

        scan = SimpleUploadedFile("ar.pdf", b"%PDF-1.4 scan", content_type="application/pdf")
        response = self.client.post(
            reverse("dunning:delivery", args=[message.pk]),
            {
                "tracking_number": "1A2B",
                "first_presented_on": "2026-03-02",
                "acknowledgement": scan,
            },
        )
        self.assertRedirects(response, reverse("dunning:letters"))
        message.refresh_from_db()
        self.assertEqual((message.tracking_number, message.status), ("1A2B", "delivered"))
        fake = SimpleUploadedFile("ar.pdf", b"MZ not a pdf", content_type="application/pdf")
        refused = self.client.post(
            reverse("dunning:delivery", args=[message.pk]),
            {"tracking_number": "1A2B", "acknowledgement": fake},
        )
        self.assertContains(refused, "Seuls un PDF", status_code=400)
        self.client.force_login(self.charlie)
        self.assertEqual(
            self.client.get(reverse("dunning:batch", args=[batch.pk])).status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("dunning:document", args=[message.pk])).status_code, 404
        )
