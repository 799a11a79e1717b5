"""The case page as a workbench: the header, the timeline (filtered, paged, never losing an
entry), the HTMX quick actions, and a constant number of queries."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recouvra.cases.models import Case, CaseStatus, Interaction, InteractionKind, Task, TaskKind
from recouvra.cases.services import add_events
from recouvra.cases.workbench_views import TIMELINE_PAGE
from recouvra.core.models import Role
from recouvra.dunning.models import Channel, Message, Template
from recouvra.ledger.models import RiskLevel

from ..base import RecouvraTestCase, make_claim, make_user

HTMX = {"HX-Request": "true"}


class WorkbenchTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.debtor.phone = "04 72 00 00 00"
        self.debtor.mobile = "06 12 34 56 78"
        self.debtor.email = "compta@dubois.example"
        self.debtor.address_line1 = "12 rue des Lilas"
        self.debtor.postal_code, self.debtor.city = "69003", "Lyon"
        self.debtor.risk_level = RiskLevel.HIGH
        self.debtor.save()
        due = date.today() - timedelta(days=45)
        self.claim = make_claim(self.creditor, self.debtor, 125_000, due_date=due, issue_date=due)
        self.case = self.claim.case
        Case.objects.filter(pk=self.case.pk).update(assigned_to=self.bob)
        self.url = self.case.get_absolute_url()
        self.client.force_login(self.bob)

    def test_the_header_says_who_what_and_how_old(self) -> None:
        response = self.client.get(self.url)
        for text in ("06 12 34 56 78", "04 72 00 00 00", "compta@dubois.example", "69003 Lyon"):
            self.assertContains(response, text)
        self.assertContains(response, "Télécom Ouest")
        self.assertContains(response, "45 jours de retard")
        self.assertContains(response, "31–60 j")
        self.assertContains(response, "Risque élevé")
        self.assertContains(response, 'data-testid="case-total-due"')
        self.assertContains(response, 'data-testid="quick-actions"')

    def test_a_member_who_cannot_write_sees_no_action(self) -> None:
        mandant = make_user("m@example.org", self.alpha, Role.MANDANT, creditor=self.creditor)
        self.client.force_login(mandant)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'data-testid="quick-actions"')
        self.assertNotContains(response, "Corriger")
        post = self.client.post(reverse("cases:add_note", args=[self.case.pk]), {"text": "x"})
        self.assertEqual(post.status_code, 403)

    def test_log_a_call_with_its_outcome_and_a_dated_next_step(self) -> None:
        url = reverse("cases:log_call", args=[self.case.pk])
        self.assertContains(self.client.get(url, headers=HTMX), "Pas de réponse")
        when = date.today() + timedelta(days=2)
        response = self.client.post(
            url,
            {
                "outcome": "no_answer",
                "direction": "out",
                "text": "Messagerie pleine",
                "next_action": "Rappeler après 14 h",
                "next_action_on": when.isoformat(),
            },
            headers=HTMX,
        )
        self.assertContains(response, "Appel noté au dossier.")
        self.assertContains(response, 'id="timeline" hx-swap-oob="true"')
        self.assertContains(response, "Appel — pas de réponse : Messagerie pleine")
        self.case.refresh_from_db()
        self.assertEqual(
            (self.case.next_action, self.case.next_action_on), ("Rappeler après 14 h", when)
        )
        task = Task.objects.get(case=self.case)
        self.assertEqual(
            (task.kind, task.assigned_to, task.due_on), (TaskKind.CALL, self.bob, when)
        )

    def test_a_bad_call_form_says_why_and_saves_nothing(self) -> None:
        url = reverse("cases:log_call", args=[self.case.pk])
        before = Interaction.objects.count()
        past = (date.today() - timedelta(days=1)).isoformat()
        response = self.client.post(
            url, {"outcome": "nope", "direction": "out", "next_action_on": past}, headers=HTMX
        )
        self.assertContains(response, "Sélectionnez un choix valide")
        self.assertContains(response, "La date de la suite est passée.")
        self.assertEqual(Interaction.objects.count(), before)
        self.assertFalse(Task.objects.exists())

    def test_a_note_and_its_correction_keep_both_entries(self) -> None:
        self.client.post(
            reverse("cases:add_note", args=[self.case.pk]), {"text": "Débiteur en congés"}
        )
        note = Interaction.objects.get(case=self.case, kind=InteractionKind.NOTE)
        response = self.client.post(
            reverse("cases:correct", args=[note.pk]), {"text": "Congés jusqu'au 20"}, headers=HTMX
        )
        self.assertContains(response, "Correction de l&#x27;échange du")
        texts = list(Interaction.objects.filter(case=self.case).values_list("text", flat=True))
        self.assertIn("Débiteur en congés", texts)
        self.assertTrue(any(t.startswith("Correction de l'échange du") for t in texts))

    def test_the_next_action_is_editable(self) -> None:
        url = reverse("cases:next_action", args=[self.case.pk])
        when = date.today() + timedelta(days=5)
        self.client.post(url, {"next_action": "Envoyer le relevé", "next_action_on": when})
        self.case.refresh_from_db()
        self.assertEqual(self.case.next_action, "Envoyer le relevé")
        self.assertContains(self.client.get(self.url), "Envoyer le relevé")

    def test_a_visit_for_a_field_collector(self) -> None:
        collector = make_user("terrain@example.org", self.alpha, Role.FIELD_COLLECTOR)
        url = reverse("cases:request_visit", args=[self.case.pk])
        when = date.today() + timedelta(days=3)
        refused = self.client.post(url, {"collector": self.alice.pk, "on": when.isoformat()})
        self.assertContains(refused, "Sélectionnez un choix valide", status_code=400)
        self.client.post(
            url, {"collector": collector.pk, "on": when.isoformat(), "note": "Portail"}
        )
        task = Task.objects.get(case=self.case, kind=TaskKind.VISIT)
        self.assertEqual((task.assigned_to, task.due_on, task.title), (collector, when, "Portail"))
        self.assertTrue(
            Interaction.objects.filter(
                case=self.case, kind="visit", text__contains="terrain"
            ).exists()
        )

    def test_escalate_to_legal_with_a_reason(self) -> None:
        url = reverse("cases:escalate", args=[self.case.pk])
        refused = self.client.post(url, {"reason": ""})
        self.assertEqual(refused.status_code, 400)
        response = self.client.post(
            url, {"reason": "Aucune réponse après mise en demeure"}, headers=HTMX
        )
        self.assertEqual(response["HX-Redirect"], self.url)
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.LEGAL)
        self.assertTrue(
            Interaction.objects.filter(
                case=self.case, text="Passage au contentieux : Aucune réponse après mise en demeure"
            ).exists()
        )
        again = self.client.post(url, {"reason": "encore"})
        self.assertContains(again, "ne passe pas au contentieux", status_code=400)

    def test_an_email_from_a_template_goes_through_the_outbox(self) -> None:
        template = Template.objects.create(
            organization=self.alpha,
            name="Relance amiable",
            channel=Channel.EMAIL,
            subject="Votre dossier",
            body="Total dû : {{ total }}",
        )
        Template.objects.create(
            organization=self.alpha, name="SMS court", channel=Channel.SMS, body="Payez"
        )
        url = reverse("dunning:case_message", args=[self.case.pk, "email"])
        panel = self.client.get(url, headers=HTMX)
        self.assertContains(panel, "compta@dubois.example")
        self.assertContains(panel, "Relance amiable")
        self.assertNotContains(panel, "SMS court")
        token = panel.context["form"].initial["token"]
        data = {"template": template.pk, "recipient": "compta@dubois.example", "token": token}
        self.assertEqual(self.client.post(url, data, headers=HTMX).status_code, 204)
        self.client.post(url, data, headers=HTMX)  # a double click sends once
        message = Message.objects.get(case=self.case)
        self.assertEqual((message.template, message.recipient), (template, "compta@dubois.example"))
        self.assertTrue(Interaction.objects.filter(case=self.case, kind="email").exists())
        sms = reverse("dunning:case_message", args=[self.case.pk, "sms"])
        self.assertContains(self.client.get(sms, headers=HTMX), "06 12 34 56 78")
        bad = self.client.post(sms, {"template": template.pk, "recipient": "abc", "token": token})
        self.assertContains(bad, "Numéro de mobile invalide.", status_code=400)

    def test_the_promise_and_plan_buttons_appear_only_when_their_urls_exist(self) -> None:
        from django.urls import NoReverseMatch

        response = self.client.get(self.url)
        try:
            reverse("cases:promise_new", args=[self.case.pk])
        except NoReverseMatch:
            self.assertNotContains(response, 'data-testid="qa-promise"')
        else:
            self.assertContains(response, 'data-testid="qa-promise"')


class TimelineTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.case = make_claim(self.creditor, self.debtor, 125_000).case
        self.client.force_login(self.bob)

    def fill(self, count: int, kind: str = InteractionKind.NOTE) -> None:
        add_events(self.alpha.pk, ((self.case.pk, f"Entrée {n}") for n in range(count)), kind)

    def test_the_timeline_filters_by_kind(self) -> None:
        self.fill(3, InteractionKind.CALL)
        self.fill(2, InteractionKind.NOTE)
        url = reverse("cases:timeline", args=[self.case.pk])
        response = self.client.get(url, {"kind": "call"}, headers=HTMX)
        self.assertEqual(response.content.decode().count('class="tl-item tl-call'), 3)
        self.assertNotContains(response, "tl-item tl-note")
        everything = self.client.get(url, {"kind": "nonsense"}, headers=HTMX)
        self.assertContains(everything, "tl-item tl-note")

    def test_the_timeline_is_paged_and_loses_no_entry(self) -> None:
        self.fill(TIMELINE_PAGE + 10)
        total = Interaction.objects.filter(case=self.case).count()
        seen = 0
        page = 1
        while True:
            response = self.client.get(
                reverse("cases:timeline", args=[self.case.pk]), {"page": page}, headers=HTMX
            )
            seen += response.content.decode().count('class="tl-item')
            if "timeline-older" not in response.content.decode():
                break
            page += 1
        self.assertEqual(seen, total)
        self.assertEqual(page, 2)

    def test_the_case_page_runs_the_same_queries_with_5_or_500_entries(self) -> None:
        self.fill(5)
        self.client.get(self.case.get_absolute_url())  # warm the caches (content types…)
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(self.client.get(self.case.get_absolute_url()).status_code, 200)
        self.fill(495)
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(self.case.get_absolute_url())
        self.assertContains(response, "Plus anciens")
