"""A delivery pass sends through several SMTP connections at once, each message once."""

from __future__ import annotations

from datetime import timedelta

from django.test import TransactionTestCase, override_settings
from django.utils import timezone

from recouvra.dunning.delivery import deliver_due
from recouvra.dunning.engine import run_dunning
from recouvra.dunning.models import Message, MessageStatus

from ..base import make_claim, make_creditor, make_debtor, make_org
from .base import make_scenario
from .servers import SmtpServer


class ThreadsTestCase(TransactionTestCase):
    def test_three_connections_send_every_message_once(self) -> None:
        org = make_org("Alpha Recouvrement")
        make_scenario(org)
        creditor = make_creditor(org)
        today = timezone.localdate()
        for n in range(12):
            debtor = make_debtor(org, f"Client {n}", email=f"client{n}@example.org")
            make_claim(
                creditor,
                debtor,
                10_000 + n,
                issue_date=today - timedelta(days=40),
                due_date=today - timedelta(days=6),
            )
        run_dunning(org.pk, today=today)
        with SmtpServer() as smtp, override_settings(DELIVERY_CONNECTIONS=3, **smtp.settings()):
            outcomes = deliver_due(timezone.now() + timedelta(minutes=1))
            received = sorted(m["To"] for m in smtp.inbox.messages)
        self.assertEqual(outcomes[MessageStatus.SENT], 12)
        self.assertEqual(received, sorted(f"client{n}@example.org" for n in range(12)))
        self.assertEqual(Message.objects.filter(status=MessageStatus.SENT).count(), 12)
