"""Agents record interactions on the case timeline; changing the stage is recorded too."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recouvra.cases.models import CaseStatus, Interaction, InteractionKind
from recouvra.core.models import AuditEvent, Role

from ..base import RecouvraTestCase, make_claim, make_user


class TimelineTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.claim = make_claim(self.creditor, self.debtor, 125_000, reference="FA-TL-1")
        self.case = self.claim.case
        self.url = reverse("cases:add_interaction", args=[self.case.pk])

    def post_call(self, user, **extra):  # noqa: ANN001, ANN201
        self.client.force_login(user)
        data = {"kind": "call", "direction": "out", "text": "Débiteur joint, paiera le 15."}
        return self.client.post(self.url, {**data, **extra}, **extra.pop("headers", {}))

    def test_it_adds_a_call_to_the_timeline(self) -> None:
        response = self.post_call(self.bob)
        self.assertRedirects(response, self.case.get_absolute_url())
        call = self.case.interactions.get(kind=InteractionKind.CALL)
        self.assertEqual(call.author, self.bob)
        self.assertTrue(AuditEvent.objects.filter(object_id=str(call.pk)).exists())

    def test_it_returns_the_timeline_fragment_to_htmx(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.post(
            self.url,
            {"kind": "note", "direction": "internal", "text": "À rappeler lundi"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "À rappeler lundi")
        self.assertNotContains(response, "<html")

    def test_it_refuses_an_empty_text(self) -> None:
        self.post_call(self.bob, text="")
        self.assertFalse(self.case.interactions.filter(kind=InteractionKind.CALL).exists())

    def test_it_lets_a_field_collector_report_a_visit(self) -> None:
        collector = make_user("terrain@example.org", self.alpha, Role.FIELD_COLLECTOR)
        self.post_call(collector, kind="visit", text="Passage au siège, absent.")
        self.assertTrue(self.case.interactions.filter(kind=InteractionKind.VISIT).exists())

    def test_it_refuses_a_mandant(self) -> None:
        mandant = make_user("m@example.org", self.alpha, Role.MANDANT, creditor=self.creditor)
        self.assertEqual(self.post_call(mandant).status_code, 403)

    def test_it_serves_an_attachment_only_inside_the_tenant(self) -> None:
        upload = SimpleUploadedFile("avis.pdf", b"%PDF-1.4 test", content_type="application/pdf")
        self.post_call(self.alice, attachment=upload)
        call = self.case.interactions.get(kind=InteractionKind.CALL)
        url = reverse("cases:interaction_attachment", args=[call.pk])
        self.assertEqual(b"".join(self.client.get(url).streaming_content), b"%PDF-1.4 test")
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_interactions_are_append_only(self) -> None:
        entry = self.case.interactions.first()
        entry.text = "rewritten"
        with self.assertRaises(ValueError):
            entry.save()

    def test_a_stage_change_lands_on_the_timeline(self) -> None:
        self.client.force_login(self.alice)
        url = reverse("cases:case_edit", args=[self.case.pk])
        data = {"status": CaseStatus.FORMAL_NOTICE, "assigned_to": self.bob.pk}
        self.assertEqual(self.client.post(url, data).status_code, 302)
        entry = Interaction.objects.get(case=self.case, kind=InteractionKind.STATUS)
        self.assertIn("Relance amiable → Mise en demeure", entry.text)

    def test_the_case_page_shows_claims_balance_and_timeline(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(self.case.get_absolute_url())
        self.assertContains(response, "FA-TL-1")
        self.assertContains(response, "1\u202f250,00\u00a0€")
        self.assertContains(response, "Dossier ouvert.")
