"""Paramètres → API → Webhooks: administrators add, change, test, disable and delete
endpoints, see each message and attempt, replay one; nobody else, nor another
organisation, reaches them."""

from __future__ import annotations

import json

from django.urls import reverse
from standardwebhooks.webhooks import WebhookVerificationError

from recouvra.core import audit
from recouvra.core.models import AuditAction
from recouvra.webhooks import delivery
from recouvra.webhooks.emit import emit
from recouvra.webhooks.models import Attempt, Endpoint, Event, EventStatus

from .base import WebhookTestCase
from .receiver import Answer


class PagesTestCase(WebhookTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)

    def url(self, name: str, obj: object = None) -> str:
        return reverse(f"webhooks:{name}", args=[obj.pk] if obj is not None else [])

    def test_an_administrator_adds_an_endpoint_and_sees_its_secret(self) -> None:
        response = self.client.post(
            self.url("endpoint_create"),
            {
                "url": self.receiver.url,
                "events": ["payment.received", "case.stage_changed"],
                "description": "ERP compta",
            },
        )
        endpoint = Endpoint.objects.exclude(pk=self.endpoint.pk).get()
        self.assertRedirects(response, self.url("endpoint", endpoint))
        self.assertEqual(endpoint.events, ["payment.received", "case.stage_changed"])
        self.assertTrue(endpoint.secret.startswith("whsec_"))
        page = self.client.get(self.url("endpoint", endpoint))
        self.assertContains(page, endpoint.secret)
        self.assertContains(page, "ERP compta")
        # the audit log names alice, and never holds the secret
        created = audit.history(endpoint).get(action=AuditAction.CREATE)
        self.assertEqual(created.actor, self.alice)
        self.assertNotIn(endpoint.secret, json.dumps(created.changes))
        self.assertTrue(created.changes["secret"].startswith("sha256:"))

    def test_a_bad_url_or_no_event_is_refused_with_the_reason(self) -> None:
        response = self.client.post(
            self.url("endpoint_create"), {"url": "ftp://erp.example.fr/x", "events": []}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "https://", status_code=400)
        self.assertContains(response, "Ce champ est obligatoire", status_code=400)
        self.assertEqual(Endpoint.objects.count(), 1)

    def test_the_list_shows_each_endpoint_and_its_state(self) -> None:
        Endpoint.objects.filter(pk=self.endpoint.pk).update(is_active=False)
        response = self.client.get(self.url("endpoints"))
        self.assertContains(response, self.receiver.url)
        self.assertContains(response, "désactivé")
        self.assertContains(response, "Paiement reçu")

    def test_only_administrators_reach_the_pages(self) -> None:
        self.client.force_login(self.bob)  # an agent
        for url in (
            self.url("endpoints"),
            self.url("endpoint_create"),
            self.url("endpoint", self.endpoint),
        ):
            with self.subTest(url):
                self.assertEqual(self.client.get(url).status_code, 403)
        response = self.client.post(self.url("endpoint_delete", self.endpoint))
        self.assertEqual(response.status_code, 403)
        self.assertTrue(Endpoint.objects.filter(pk=self.endpoint.pk).exists())

    def test_another_organisations_endpoint_and_message_are_a_404(self) -> None:
        theirs = self.make_endpoint(organization=self.beta)
        (event,) = emit(self.beta.pk, "payment.received", lambda: [{}], endpoints=[theirs])
        self.assertEqual(self.client.get(self.url("endpoint", theirs)).status_code, 404)
        self.assertEqual(self.client.post(self.url("endpoint_test", theirs)).status_code, 404)
        self.assertEqual(self.client.post(self.url("event_replay", event)).status_code, 404)
        self.assertNotContains(self.client.get(self.url("endpoints")), f"/webhooks/{theirs.pk}/")
        self.assertEqual(self.receiver.requests, [])

    def test_edit_changes_the_url_events_and_description(self) -> None:
        response = self.client.post(
            self.url("endpoint_edit", self.endpoint),
            {"url": self.receiver.url + "/v2", "events": ["promise.broken"], "description": "v2"},
        )
        self.assertRedirects(response, self.url("endpoint", self.endpoint))
        self.endpoint.refresh_from_db()
        self.assertEqual(self.endpoint.url, self.receiver.url + "/v2")
        self.assertEqual(self.endpoint.events, ["promise.broken"])
        changed = audit.history(self.endpoint).get(action=AuditAction.UPDATE)
        self.assertIn("events", changed.changes)

    def test_a_rotated_secret_signs_what_is_sent_next(self) -> None:
        old = self.endpoint.secret
        self.client.post(self.url("endpoint_rotate", self.endpoint))
        self.endpoint.refresh_from_db()
        self.assertNotEqual(self.endpoint.secret, old)
        emit(self.alpha.pk, "payment.received", lambda: [{"id": 1}])
        delivery.deliver_due()
        (request,) = self.receiver.requests
        request.verified(self.endpoint.secret)
        with self.assertRaises(WebhookVerificationError):
            request.verified(old)
        rotated = audit.history(self.endpoint).get(action=AuditAction.UPDATE)
        self.assertNotIn(self.endpoint.secret, json.dumps(rotated.changes))

    def test_a_disabled_endpoint_gets_no_event_until_it_is_enabled_again(self) -> None:
        (waiting,) = emit(self.alpha.pk, "payment.received", lambda: [{"id": 1}])
        self.client.post(self.url("endpoint_disable", self.endpoint))
        self.endpoint.refresh_from_db()
        self.assertFalse(self.endpoint.is_active)
        self.assertIn("alice", self.endpoint.disabled_reason)
        self.assertEqual(emit(self.alpha.pk, "payment.received", lambda: [{"id": 2}]), [])
        self.assertEqual(sum(delivery.deliver_due().values()), 0)
        self.client.post(self.url("endpoint_enable", self.endpoint))
        self.assertEqual(delivery.deliver_due()[EventStatus.DELIVERED], 1)
        (request,) = self.receiver.requests
        self.assertEqual(request.headers["webhook-id"], waiting.webhook_id)

    def test_delete_removes_the_endpoint_and_its_messages(self) -> None:
        emit(self.alpha.pk, "payment.received", lambda: [{"id": 1}])
        response = self.client.post(self.url("endpoint_delete", self.endpoint))
        self.assertRedirects(response, self.url("endpoints"))
        self.assertFalse(Endpoint.objects.exists())
        self.assertFalse(Event.objects.exists())
        self.assertTrue(audit.history(self.endpoint).filter(action=AuditAction.DELETE).exists())

    def test_send_a_test_shows_the_answer_on_the_page(self) -> None:
        response = self.client.post(self.url("endpoint_test", self.endpoint), follow=True)
        self.assertContains(response, "Message de test remis")
        (request,) = self.receiver.requests
        body = request.verified(self.endpoint.secret)
        self.assertEqual(body["type"], "webhook.test")
        self.assertEqual(body["data"]["endpoint"], self.endpoint.pk)
        event = Event.objects.get(type="webhook.test")
        self.assertContains(response, event.webhook_id)
        attempt = Attempt.objects.get(event=event)
        self.assertContains(response, f'data-testid="attempt-{attempt.pk}"')

    def test_a_failed_test_says_why_and_is_not_tried_again(self) -> None:
        self.receiver.answer(500)
        response = self.client.post(self.url("endpoint_test", self.endpoint), follow=True)
        self.assertContains(response, "HTTP 500")
        event = Event.objects.get(type="webhook.test")
        self.assertEqual(event.status, EventStatus.FAILED)

    def test_replay_sends_a_failed_message_again_with_its_webhook_id(self) -> None:
        self.receiver.answers += [Answer(500)]
        (event,) = emit(self.alpha.pk, "payment.received", lambda: [{"id": 1}])
        Event.objects.filter(pk=event.pk).update(retry_until=event.created_at)
        delivery.deliver_due(event.created_at)
        event.refresh_from_db()
        self.assertEqual(event.status, EventStatus.FAILED)
        response = self.client.post(self.url("event_replay", event), follow=True)
        self.assertContains(response, "Message renvoyé et remis")
        event.refresh_from_db()
        self.assertEqual((event.status, event.attempts), (EventStatus.DELIVERED, 2))
        self.assertEqual(
            [r.headers["webhook-id"] for r in self.receiver.requests], [event.webhook_id] * 2
        )
        replayed = Attempt.objects.filter(event=event).order_by("at", "pk").last()
        self.assertTrue(replayed.replay)
        self.assertContains(response, "rejoué")
        asked = audit.history(event).get(action=AuditAction.UPDATE)
        self.assertEqual(asked.actor, self.alice)
        self.assertEqual(asked.changes["status"], [EventStatus.FAILED, EventStatus.DELIVERED])

    def test_a_message_being_sent_is_not_replayed_at_the_same_time(self) -> None:
        (event,) = emit(self.alpha.pk, "payment.received", lambda: [{"id": 1}])
        self.assertTrue(delivery.claim(event, event.created_at))
        response = self.client.post(self.url("event_replay", event), follow=True)
        self.assertContains(response, "en cours d&#x27;envoi")
        self.assertEqual(self.receiver.requests, [])

    def test_the_api_page_links_the_webhooks_and_tells_of_a_disabled_endpoint(self) -> None:
        page = self.client.get(reverse("api:keys"))
        self.assertContains(page, self.url("endpoints"))
        self.assertNotContains(page, f"webhook-disabled-{self.endpoint.pk}")
        self.endpoint.failing_since = self.endpoint.created_at
        self.endpoint.save()
        delivery.disable_for_failures(self.endpoint, self.endpoint.created_at)
        page = self.client.get(reverse("api:keys"))
        self.assertContains(page, f"webhook-disabled-{self.endpoint.pk}")
        self.assertContains(page, "Désactivé automatiquement")
