"""Delivery to a real receiver: signed per Standard Webhooks, retried with backoff for 24
hours then failed, each attempt kept; a killed worker's claim lapses; no redirect followed,
a bounded read, and no internal address unless the setting allows it."""

from __future__ import annotations

import json
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from recouvra.core.tasks import send_email
from recouvra.dunning.clock import tick
from recouvra.webhooks import delivery, transport
from recouvra.webhooks.emit import emit
from recouvra.webhooks.models import Attempt, Endpoint, Event, EventStatus
from recouvra.webhooks.services import create_endpoint
from recouvra.webhooks.tasks import check_due, deliver_webhooks_task

from .base import WebhookTestCase
from .receiver import Answer

DATA = {"id": 7, "amount_cents": 12_345, "currency": "EUR", "received_on": "2026-03-02"}


class DeliveryTestCase(WebhookTestCase):
    def emit_one(self) -> Event:
        (event,) = emit(self.alpha.pk, "payment.received", lambda: [DATA])
        return event

    def test_an_event_is_signed_and_verifies_with_the_endpoint_secret(self) -> None:
        event = self.emit_one()
        self.assertTrue(event.webhook_id.startswith("msg_"))
        outcomes = delivery.deliver_due()
        self.assertEqual(outcomes[EventStatus.DELIVERED], 1)
        (request,) = self.receiver.requests
        payload = request.verified(self.endpoint.secret)
        self.assertEqual(payload["type"], "payment.received")
        self.assertEqual(payload["data"], DATA)
        self.assertEqual(request.headers["webhook-id"], event.webhook_id)
        self.assertEqual(request.headers["Content-Type"], "application/json")
        self.assertEqual(request.path, "/hook")
        event.refresh_from_db()
        self.assertEqual((event.status, event.attempts), (EventStatus.DELIVERED, 1))
        self.assertIsNotNone(event.delivered_at)
        (attempt,) = Attempt.objects.filter(event=event)
        self.assertEqual(attempt.status_code, 200)
        self.assertEqual(attempt.response_excerpt, '{"ok": true}')

    def test_another_secret_does_not_verify(self) -> None:
        self.emit_one()
        delivery.deliver_due()
        other = create_endpoint(self.alpha, url=self.receiver.url, events=["promise.broken"])
        with self.assertRaises(Exception):  # noqa: B017 - WebhookVerificationError
            self.receiver.requests[0].verified(other.secret)

    def test_a_refused_event_is_tried_again_after_5_s_then_5_min_with_the_same_id(self) -> None:
        self.receiver.answer(500, 503, 200)
        event = self.emit_one()
        start = event.created_at
        self.assertEqual(delivery.deliver_due(start)["retry"], 1)
        event.refresh_from_db()
        self.assertEqual(event.next_attempt_at, start + timedelta(seconds=5))
        self.assertEqual(event.last_error, "HTTP 500")
        self.assertEqual(sum(delivery.deliver_due(start + timedelta(seconds=4)).values()), 0)
        self.assertEqual(delivery.deliver_due(start + timedelta(seconds=5))["retry"], 1)
        event.refresh_from_db()
        self.assertEqual(event.next_attempt_at, start + timedelta(seconds=5, minutes=5))
        later = start + timedelta(seconds=5, minutes=5)
        self.assertEqual(delivery.deliver_due(later)[EventStatus.DELIVERED], 1)
        self.assertEqual(len(self.receiver.requests), 3)
        self.assertEqual(
            {r.headers["webhook-id"] for r in self.receiver.requests}, {event.webhook_id}
        )
        for request in self.receiver.requests:  # each attempt signed anew, each verifies
            request.verified(self.endpoint.secret)
        codes = list(
            Attempt.objects.filter(event=event).order_by("at").values_list("status_code", flat=True)
        )
        self.assertEqual(codes, [500, 503, 200])
        self.endpoint.refresh_from_db()
        self.assertEqual(
            (self.endpoint.failing_since, self.endpoint.consecutive_failures), (None, 0)
        )

    def test_it_tries_for_24_hours_then_fails_and_disables_the_endpoint(self) -> None:
        self.receiver.answers += [Answer(500)] * 20
        event = self.emit_one()
        start = now = event.created_at
        with self.captureOnCommitCallbacks(execute=True):
            while event.status == EventStatus.PENDING:
                delivery.deliver_due(now)
                event.refresh_from_db()
                now = event.next_attempt_at
        times = list(
            Attempt.objects.filter(event=event).order_by("at").values_list("at", flat=True)
        )
        offsets = [t - start for t in times]
        self.assertEqual(
            offsets,
            [
                timedelta(0),
                timedelta(seconds=5),
                timedelta(minutes=5, seconds=5),
                timedelta(minutes=35, seconds=5),
                timedelta(hours=2, minutes=35, seconds=5),
                timedelta(hours=7, minutes=35, seconds=5),
                timedelta(hours=17, minutes=35, seconds=5),
                timedelta(hours=24),  # the last one, at the end of the 24 hours
            ],
        )
        self.assertEqual((event.status, event.attempts), (EventStatus.FAILED, 8))
        self.assertEqual(len(self.receiver.requests), 8)
        # failing 24 hours straight: disabled, the administrators told
        self.endpoint.refresh_from_db()
        self.assertFalse(self.endpoint.is_active)
        self.assertEqual(self.endpoint.disabled_at, start + timedelta(hours=24))
        self.assertIn("8 échecs consécutifs", self.endpoint.disabled_reason)
        mail = DBTaskResult.objects.get(task_path=send_email.module_path)
        subject, body, to = mail.args_kwargs["args"]
        self.assertEqual(to, ["alice@example.org"])  # the administrator, not bob the agent
        self.assertIn(self.endpoint.url, body)
        self.assertIn("désactivé", subject)

    def test_an_endpoint_failing_for_less_than_24_hours_stays_active(self) -> None:
        self.receiver.answers += [Answer(500)] * 10
        event = self.emit_one()
        delivery.deliver_due(event.created_at)
        delivery.deliver_due(event.created_at + timedelta(hours=23))
        self.endpoint.refresh_from_db()
        self.assertTrue(self.endpoint.is_active)
        self.assertEqual(self.endpoint.consecutive_failures, 2)

    def test_a_killed_delivery_is_picked_up_again_once_its_lease_lapses(self) -> None:
        event = self.emit_one()
        now = event.created_at
        # a worker claimed it, then was killed before sending or recording anything
        self.assertTrue(delivery.claim(event, now))
        self.assertEqual(sum(delivery.deliver_due(now).values()), 0)  # held: nobody takes it
        self.assertFalse(delivery.due(now + delivery.LEASE - timedelta(seconds=1)).exists())
        self.assertEqual(check_due(now + timedelta(seconds=1)), [])
        self.assertEqual(self.receiver.requests, [])
        lapsed = now + delivery.LEASE
        self.assertEqual(check_due(lapsed), ["webhooks"])  # the clock queues a pass
        self.assertEqual(delivery.deliver_due(lapsed)[EventStatus.DELIVERED], 1)
        self.assertEqual(len(self.receiver.requests), 1)

    def test_an_event_is_claimed_by_one_worker_only(self) -> None:
        event = self.emit_one()
        now = event.created_at
        self.assertTrue(delivery.claim(Event.objects.get(pk=event.pk), now))
        self.assertFalse(delivery.claim(Event.objects.get(pk=event.pk), now))

    def test_a_late_record_of_a_lapsed_claim_does_not_overwrite_the_new_one(self) -> None:
        event = self.emit_one()
        now = event.created_at
        stale = Event.objects.select_related("endpoint").get(pk=event.pk)
        delivery.claim(stale, now)
        delivery.deliver_due(now + delivery.LEASE)  # the next worker delivers it
        delivery.record(stale, transport.Answer(500, "", "", 3), now + delivery.LEASE)
        event.refresh_from_db()
        self.assertEqual(event.status, EventStatus.DELIVERED)

    def test_a_redirect_is_not_followed(self) -> None:
        elsewhere = self.receiver.url.replace("/hook", "/elsewhere")
        self.receiver.answers.append(Answer(302, b"", {"Location": elsewhere}))
        event = self.emit_one()
        self.assertEqual(delivery.deliver_due(event.created_at)["retry"], 1)
        self.assertEqual([r.path for r in self.receiver.requests], ["/hook"])
        event.refresh_from_db()
        self.assertEqual(event.last_error, "HTTP 302")

    def test_a_long_answer_is_read_in_part_only(self) -> None:
        self.receiver.answers.append(Answer(200, b"x" * 2_000_000))
        event = self.emit_one()
        delivery.deliver_due(event.created_at)
        attempt = Attempt.objects.get(event=event)
        self.assertEqual(attempt.response_excerpt, "x" * transport.EXCERPT_CHARS)

    def test_an_endpoint_that_does_not_answer_is_an_error_kept_on_the_attempt(self) -> None:
        self.receiver.stop()
        event = self.emit_one()
        delivery.deliver_due(event.created_at)
        attempt = Attempt.objects.get(event=event)
        self.assertIsNone(attempt.status_code)
        self.assertIn("Connexion impossible", attempt.error)

    def test_the_clock_queues_a_pass_when_events_are_due_and_not_for_a_disabled_endpoint(
        self,
    ) -> None:
        event = self.emit_one()
        self.assertIn("webhooks", tick(event.created_at))
        self.assertNotIn("webhooks", tick(event.created_at))  # one pass waits already
        DBTaskResult.objects.all().delete()
        Endpoint.objects.filter(pk=self.endpoint.pk).update(is_active=False)
        self.assertNotIn("webhooks", tick(event.created_at))

    def test_the_task_sends_what_is_due(self) -> None:
        self.emit_one()
        result = deliver_webhooks_task.call()
        self.assertEqual(result, {"skipped": 0, "delivered": 1})

    def test_one_pass_is_queued_per_transaction_once_it_commits(self) -> None:
        with self.captureOnCommitCallbacks(execute=True) as callbacks, transaction.atomic():
            self.emit_one()
            self.emit_one()
        self.assertEqual(len(callbacks), 1)
        queued = DBTaskResult.objects.filter(task_path=deliver_webhooks_task.module_path)
        self.assertEqual(queued.count(), 1)

    def test_a_change_rolled_back_leaves_no_event(self) -> None:
        with self.assertRaises(RuntimeError), transaction.atomic():
            self.emit_one()
            raise RuntimeError("the change fails")
        self.assertEqual(Event.objects.count(), 0)

    def test_events_of_an_unsubscribed_type_or_a_disabled_endpoint_are_not_written(self) -> None:
        self.endpoint.events = ["promise.broken"]
        self.endpoint.save()
        self.assertEqual(emit(self.alpha.pk, "payment.received", lambda: [DATA]), [])
        Endpoint.objects.filter(pk=self.endpoint.pk).update(
            is_active=False, events=["payment.received"]
        )
        self.assertEqual(emit(self.alpha.pk, "payment.received", lambda: [DATA]), [])
        self.assertEqual(Event.objects.count(), 0)


class AddressesTestCase(WebhookTestCase):
    """Without WEBHOOKS_ALLOW_HTTP: https:// only, to public addresses only (SSRF)."""

    @override_settings(WEBHOOKS_ALLOW_HTTP=False)
    def test_internal_and_plain_http_urls_are_refused_when_saved(self) -> None:
        for url in (
            "http://127.0.0.1:8000/hook",
            "http://erp.example.fr/hook",
            "https://127.0.0.1/hook",
            "https://10.1.2.3/hook",
            "https://192.168.0.10/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://user:pass@erp.example.fr/hook",
            "ftp://erp.example.fr/hook",
            "https:///hook",
            "https://erp.example.fr/" + "x" * 500,
        ):
            with self.subTest(url), self.assertRaises(ValidationError):
                create_endpoint(self.alpha, url=url, events=["payment.received"])
        create_endpoint(self.alpha, url="https://erp.example.fr/hook", events=["payment.received"])

    def test_a_name_that_resolves_to_an_internal_address_is_refused_at_sending(self) -> None:
        endpoint = Endpoint.objects.get(pk=self.endpoint.pk)
        endpoint.url = self.receiver.url.replace("127.0.0.1", "localhost")
        endpoint.save()
        (event,) = emit(self.alpha.pk, "payment.received", lambda: [DATA])
        with override_settings(WEBHOOKS_ALLOW_HTTP=False):
            delivery.deliver_due(event.created_at)
        self.assertEqual(self.receiver.requests, [])
        attempt = Attempt.objects.get(event=event)
        self.assertIn("Refusé", attempt.error)
        # allowed for development and tests: the same event goes
        delivery.deliver_due(event.created_at + timedelta(seconds=5))
        self.assertEqual(len(self.receiver.requests), 1)
        self.assertEqual(json.loads(self.receiver.requests[0].body)["data"], DATA)
