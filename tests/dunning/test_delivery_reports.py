"""Delivery reports: bounces returned by mail servers (DSN, read from a Maildir) and the
providers' webhook move a sent message to BOUNCED or DELIVERED, on the case timeline."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from recouvra.cases.models import Interaction
from recouvra.dunning.clock import tick
from recouvra.dunning.delivery_reports import ReportError, read_dsn
from recouvra.dunning.models import Channel, Message, MessageStatus, Step
from recouvra.dunning.tasks import read_bounces_task

from .servers import SmsApi, SmtpServer
from .test_delivery import DAY, DeliveryBase

# what Postfix returns to the envelope sender; {headers} are those of the returned e-mail
DSN = """\
From: MAILER-DAEMON@mx.client.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: relances@recouvra.localhost
Date: Tue, 16 Jun 2026 10:05:12 +0200
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="B0UND"
Message-Id: <20260616080512.4F1B2@mx.client.example>

This is a MIME-encapsulated message.

--B0UND
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--B0UND
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.client.example
X-Postfix-Queue-ID: 4F1B2
Arrival-Date: Tue, 16 Jun 2026 10:05:11 +0200

Final-Recipient: rfc822; compta@dubois.example
Original-Recipient: rfc822;compta@dubois.example
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 <compta@dubois.example>: Recipient address
    rejected: User unknown in virtual mailbox table

--B0UND
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

{headers}
--B0UND--
"""


class BounceTestCase(DeliveryBase):
    def sent_email(self):  # noqa: ANN201
        self.run_on(DAY)
        with SmtpServer() as smtp, override_settings(**smtp.settings()):
            self.deliver()
            (received,) = smtp.inbox.messages
        headers = "".join(f"{k}: {v}\n" for k, v in received.items())
        return Message.objects.get(case=self.case), headers

    def maildir(self, *texts: str) -> Path:
        folder = Path(self.enterContext(tempfile.TemporaryDirectory()))
        for part in ("new", "cur", "tmp"):
            (folder / part).mkdir()
        for n, text in enumerate(texts):
            (folder / "new" / f"17000{n}.M1P1.mx").write_text(text)
        return folder

    def bounces(self, *paths: object) -> str:
        out = io.StringIO()
        call_command("bounces", *map(str, paths), stdout=out)
        return out.getvalue()

    def test_a_bounce_in_the_maildir_marks_the_e_mail_and_is_read_once(self) -> None:
        message, headers = self.sent_email()
        bounce = DSN.format(action="failed", status="5.1.1", headers=headers)
        folder = self.maildir(bounce, "From: someone\nSubject: Absent du bureau\n\nEn congés.")
        out = self.bounces(folder)
        message.refresh_from_db()
        self.assertEqual(message.status, MessageStatus.BOUNCED)
        self.assertIn("5.1.1 smtp; 550 5.1.1", message.last_error)
        self.assertIn("bounced", out)
        self.assertIn("pas un avis de remise", out)  # the auto-reply, named with its file
        entry = Interaction.objects.get(case=self.case, text__startswith="Message rejeté")
        self.assertIn("compta@dubois.example", entry.text)
        self.assertEqual(sorted(p.name for p in (folder / "new").iterdir()), [])
        self.assertEqual(len(list((folder / "cur").iterdir())), 2)
        self.assertIn("0 enregistré(s), 0 non lu(s)", self.bounces(folder))

    def test_the_clock_has_the_bounce_maildir_read_when_mail_arrives(self) -> None:
        message, headers = self.sent_email()
        folder = self.maildir()
        with override_settings(BOUNCE_MAILDIR=str(folder)):
            self.assertNotIn("bounces", tick())
            bounce = DSN.format(action="failed", status="5.1.1", headers=headers)
            (folder / "new" / "1700.M2P2.mx").write_text(bounce)
            self.assertIn("bounces", tick())
            self.assertNotIn("bounces", tick())  # already waiting for the worker
            self.assertEqual(read_bounces_task.call(), {"recorded": 1, "unread": 0})
        message.refresh_from_db()
        self.assertEqual(message.status, MessageStatus.BOUNCED)

    def test_a_delayed_notice_records_nothing(self) -> None:
        message, headers = self.sent_email()
        with self.assertRaisesMessage(ReportError, "delayed"):
            read_dsn(DSN.format(action="delayed", status="4.4.1", headers=headers).encode())
        message.refresh_from_db()
        self.assertEqual(message.status, MessageStatus.SENT)

    def test_a_notice_without_the_returned_message_id_is_refused_with_its_reason(self) -> None:
        text = DSN.format(action="failed", status="5.1.1", headers="Subject: Relance\n")
        with self.assertRaisesMessage(ReportError, "Message-ID"):
            read_dsn(text.encode())


@override_settings(DELIVERY_WEBHOOK_TOKEN="s3cret-token")
class WebhookTestCase(DeliveryBase):
    def post(self, body: object, token: str = "s3cret-token"):  # noqa: ANN201
        return self.client.post(
            reverse("dunning:delivery_report"),
            body if isinstance(body, str) else json.dumps(body),
            content_type="application/json",
            headers={"authorization": f"Bearer {token}"},
        )

    def test_an_sms_provider_reports_delivery_by_its_reference(self) -> None:
        Step.objects.filter(scenario=self.scenario, position=1).update(channel=Channel.SMS)
        self.run_on(DAY)
        with SmsApi() as api, override_settings(SMS_URL=api.url, SMS_API_KEY="k3y"):
            self.deliver()
        message = Message.objects.get(case=self.case)
        response = self.post({"events": [{"event": "delivered", "provider_ref": "sms-1"}]})
        self.assertEqual(response.json(), {"received": 1, "recorded": 1})
        message.refresh_from_db()
        self.assertEqual(message.status, MessageStatus.DELIVERED)
        self.assertIsNotNone(message.delivered_at)
        # the provider retries: nothing moves twice
        again = self.post({"events": [{"event": "delivered", "provider_ref": "sms-1"}]})
        self.assertEqual(again.json()["recorded"], 0)

    def test_an_email_provider_reports_a_bounce_by_message_id(self) -> None:
        self.run_on(DAY)
        with SmtpServer() as smtp, override_settings(**smtp.settings()):
            self.deliver()
        message = Message.objects.get(case=self.case)
        event = {"event": "bounced", "message_id": message.message_id, "reason": "550 5.1.1"}
        self.assertEqual(self.post({"events": [event]}).json()["recorded"], 1)
        message.refresh_from_db()
        self.assertEqual((message.status, message.last_error), (MessageStatus.BOUNCED, "550 5.1.1"))

    def test_a_bad_call_is_refused_whole_with_the_reason(self) -> None:
        self.run_on(DAY)
        with SmtpServer() as smtp, override_settings(**smtp.settings()):
            self.deliver()
        message = Message.objects.get(case=self.case)
        good = {"event": "bounced", "message_id": message.message_id}
        response = self.post({"events": [good, {"event": "opened", "message_id": "<x@y>"}]})
        self.assertEqual(response.status_code, 400)
        self.assertIn("événement 2", response.json()["error"])
        message.refresh_from_db()
        self.assertEqual(message.status, MessageStatus.SENT)
        self.assertEqual(self.post("{not json").status_code, 400)
        self.assertEqual(self.post({"events": [good]}, token="wrong").status_code, 403)
        with override_settings(DELIVERY_WEBHOOK_TOKEN=""):
            self.assertEqual(self.post({"events": [good]}).status_code, 404)
