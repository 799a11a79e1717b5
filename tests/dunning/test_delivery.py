"""The outbox: e-mail to a real SMTP server, SMS to a provider's HTTP API, retries,
an interrupted send never sent twice, bounces."""

from __future__ import annotations

from datetime import timedelta

from django.test import override_settings

from recouvra.cases.models import Interaction
from recouvra.dunning import delivery
from recouvra.dunning.channels import sender_for
from recouvra.dunning.models import Channel, Message, MessageStatus, Step

from ..base import make_claim, make_payment
from .base import DUE, DunningTestCase, at
from .servers import SmsApi, SmtpServer, free_port

DAY = DUE + timedelta(days=6)


class WorkerKilled(BaseException):
    """The worker process dies: nothing after this point runs."""


class KilledAfterSending:
    """The real sender, then the worker dies before recording that it sent."""

    def __init__(self, channel: str) -> None:
        self.real = sender_for(channel)
        self.idempotent = self.real.idempotent

    def send(self, message: Message) -> str:
        self.real.send(message)
        raise WorkerKilled


class DeliveryBase(DunningTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.debtor.email = "compta@dubois.example"
        self.debtor.mobile = "06 12 34 56 78"
        self.debtor.save()
        self.claim = make_claim(self.creditor, self.debtor, 125_000, reference="FA-1")
        self.case = self.claim.case
        self.case.assigned_to = self.bob
        self.case.save()

    def deliver(self, day=DAY, hour: int = 10):  # noqa: ANN001, ANN201
        return delivery.deliver_due(at(day, hour))


class EmailTestCase(DeliveryBase):
    def test_an_email_reaches_a_real_smtp_server_once(self) -> None:
        make_claim(self.creditor, self.debtor, 30_000, reference="FA-2")
        self.run_on(DAY)
        with SmtpServer() as smtp, override_settings(**smtp.settings()):
            self.assertEqual(self.deliver()[MessageStatus.SENT], 1)
            self.assertEqual(self.deliver()[MessageStatus.SENT], 0)
            (received,) = smtp.inbox.messages
        message = Message.objects.get(case=self.case)
        self.assertEqual(message.status, MessageStatus.SENT)
        self.assertEqual(received["To"], "compta@dubois.example")
        self.assertEqual(received["Reply-To"], "bob@example.org")
        self.assertEqual(received["Message-ID"], message.message_id)
        self.assertEqual(received["Subject"], "Factures échues — Télécom Ouest")
        text = received.get_body(("plain",)).get_content()
        html = received.get_body(("html",)).get_content()
        self.assertIn("FA-1", text)
        self.assertIn("FA-2", text)
        self.assertIn("<table", html)
        (letter,) = list(received.iter_attachments())
        self.assertEqual(letter.get_content_type(), "application/pdf")
        self.assertTrue(letter.get_content().startswith(b"%PDF"))
        self.assertEqual(letter.get_filename(), f"courrier-{self.case.reference}.pdf")
        # the e-mail is kept as it went on the wire
        self.assertIn(message.message_id.encode(), message.envelope.read())
        sent = Interaction.objects.filter(case=self.case, direction="out").get()
        self.assertIn("compta@dubois.example", sent.text)

    def test_the_message_states_the_balance_of_the_day_it_goes(self) -> None:
        make_payment(self.claim, 100_000, received_on=DUE + timedelta(days=2))
        self.run_on(DAY)
        with SmtpServer() as smtp, override_settings(**smtp.settings()):
            self.deliver()
            (received,) = smtp.inbox.messages
        text = received.get_body(("plain",)).get_content()
        # 250 € of principal left, the €40 indemnity (B2B), and late-payment interest
        self.assertIn("FA-1 : 29", text)
        self.assertNotIn("1 250,00", text)
        message = Message.objects.get(case=self.case)
        self.assertEqual(message.body_text, text.replace("\r\n", "\n"))

    def test_a_server_down_is_retried_later_then_given_up(self) -> None:
        self.run_on(DAY)
        closed = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": free_port()}
        smtp = "django.core.mail.backends.smtp.EmailBackend"
        with override_settings(EMAIL_BACKEND=smtp, EMAIL_TIMEOUT=2, **closed):
            self.assertEqual(self.deliver()["retry"], 1)
            message = Message.objects.get(case=self.case)
            self.assertEqual((message.status, message.attempts), (MessageStatus.QUEUED, 1))
            self.assertEqual(message.next_attempt_at, at(DAY) + timedelta(minutes=1))
            self.assertEqual(sum(self.deliver().values()), 0)  # not yet
            moment = at(DAY)
            for _ in range(delivery.MAX_ATTEMPTS - 1):
                moment += timedelta(days=1)
                delivery.deliver_due(moment)
        message.refresh_from_db()
        self.assertEqual((message.status, message.attempts), (MessageStatus.FAILED, 6))
        self.assertIn("indisponible", message.last_error)

    def test_a_worker_killed_between_sending_and_recording_never_sends_twice(self) -> None:
        self.run_on(DAY)
        message = Message.objects.get(case=self.case)
        with SmtpServer() as smtp, override_settings(**smtp.settings()):
            with self.assertRaises(WorkerKilled):
                delivery.deliver(message, KilledAfterSending(Channel.EMAIL), at(DAY))
            message.refresh_from_db()
            self.assertEqual(message.status, MessageStatus.SENDING)
            self.deliver(hour=10)  # a pass soon after: the message is left alone
            self.deliver(hour=11)  # later: it is declared uncertain, not sent again
            self.assertEqual(len(smtp.inbox.messages), 1)
        message.refresh_from_db()
        self.assertEqual(message.status, MessageStatus.UNCERTAIN)
        warning = Interaction.objects.filter(case=self.case, text__contains="interrompu")
        self.assertTrue(warning.exists())
        # the agent checks, and asks for it to go again: it goes, with the same Message-ID
        self.assertTrue(delivery.resend(message, actor=self.bob, now=at(DAY, 11)))
        with SmtpServer() as smtp, override_settings(**smtp.settings()):
            self.deliver(hour=12)
            (again,) = smtp.inbox.messages
        self.assertEqual(again["Message-ID"], message.message_id)

    def test_no_address_fails_with_a_clear_reason_on_the_timeline(self) -> None:
        self.debtor.email = ""
        self.debtor.save()
        self.run_on(DAY)
        self.assertEqual(self.deliver()[MessageStatus.FAILED], 1)
        entry = Interaction.objects.filter(case=self.case, text__contains="Envoi impossible")
        self.assertIn("pas d'adresse e-mail", entry.get().text)


class SmsTestCase(DeliveryBase):
    def setUp(self) -> None:
        super().setUp()
        Step.objects.filter(scenario=self.scenario, position=1).update(channel=Channel.SMS)

    def test_an_sms_goes_to_the_provider_api_with_its_idempotency_key(self) -> None:
        self.run_on(DAY)
        with SmsApi() as api, override_settings(SMS_URL=api.url, SMS_API_KEY="k3y"):
            self.assertEqual(self.deliver()[MessageStatus.SENT], 1)
            (request,) = api.requests
        message = Message.objects.get(case=self.case)
        self.assertEqual(request["path"], "/v1/sms")
        self.assertEqual(request["headers"]["Authorization"], "Bearer k3y")
        self.assertEqual(request["headers"]["Idempotency-Key"], message.idempotency_key)
        self.assertEqual(request["json"]["to"], "06 12 34 56 78")
        self.assertIn("FA-1", request["json"]["text"])
        self.assertEqual((message.status, message.provider_ref), (MessageStatus.SENT, "sms-1"))

    def test_an_sms_waits_for_decent_hours(self) -> None:
        self.run_on(DAY, hour=21)
        with SmsApi() as api, override_settings(SMS_URL=api.url):
            self.deliver(hour=22)
            self.assertEqual(api.requests, [])
            self.deliver(day=DAY + timedelta(days=1), hour=8)
            self.assertEqual(len(api.requests), 1)

    def test_a_refusal_fails_and_an_outage_retries(self) -> None:
        self.run_on(DAY)
        with SmsApi() as api, override_settings(SMS_URL=api.url):
            api.status = 503
            self.assertEqual(self.deliver()["retry"], 1)
            api.status = 422
            self.assertEqual(self.deliver(hour=11)[MessageStatus.FAILED], 1)

    def test_an_interrupted_sms_is_sent_again_with_the_same_key(self) -> None:
        self.run_on(DAY)
        message = Message.objects.get(case=self.case)
        with SmsApi() as api, override_settings(SMS_URL=api.url):
            with self.assertRaises(WorkerKilled):
                delivery.deliver(message, KilledAfterSending(Channel.SMS), at(DAY))
            self.deliver(hour=11)
            keys = [request["headers"]["Idempotency-Key"] for request in api.requests]
        self.assertEqual(keys, [message.idempotency_key] * 2)  # the provider keeps one
        message.refresh_from_db()
        self.assertEqual(message.status, MessageStatus.SENT)

    def test_the_file_backend_writes_one_file_per_message(self) -> None:
        import tempfile
        from pathlib import Path

        self.run_on(DAY)
        with tempfile.TemporaryDirectory() as folder, override_settings(SMS_URL=f"file://{folder}"):
            self.deliver()
            files = list(Path(folder).iterdir())
        self.assertEqual(len(files), 1)
