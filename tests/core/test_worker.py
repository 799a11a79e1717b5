"""`recouvra worker` runs the queued background tasks (django-tasks, database backend)."""

from __future__ import annotations

from django.core import mail
from django.test import TransactionTestCase
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from recouvra import cli
from recouvra.core.models import User
from recouvra.core.tasks import send_email

# The worker closes its database connections when it ends: that is only safe outside
# the transaction a TestCase wraps each test in, hence TransactionTestCase.


class WorkerTestCase(TransactionTestCase):
    def test_it_runs_a_queued_task_once(self) -> None:
        send_email.enqueue(subject="Bonjour", body="Texte", to=["debiteur@example.org"])
        self.assertEqual(len(mail.outbox), 0)
        self.assertEqual(cli.main(["worker", "--batch", "--no-startup-delay", "-v", "0"]), 0)
        self.assertEqual([m.subject for m in mail.outbox], ["Bonjour"])
        cli.main(["worker", "--batch", "--no-startup-delay", "-v", "0"])
        self.assertEqual(len(mail.outbox), 1)  # a second run finds nothing left to do
        self.assertEqual(DBTaskResult.objects.get().status, "SUCCESSFUL")

    def test_it_sends_the_password_reset_link_from_the_worker(self) -> None:
        User.objects.create_user("alice@example.org", password="password")
        response = self.client.post(reverse("password_reset"), {"email": "alice@example.org"})
        self.assertRedirects(response, reverse("password_reset_done"))
        self.assertEqual(len(mail.outbox), 0)  # queued, not sent by the request
        cli.main(["worker", "--batch", "--no-startup-delay", "-v", "0"])
        self.assertEqual(mail.outbox[0].to, ["alice@example.org"])
        self.assertIn("/mot-de-passe/nouveau/", mail.outbox[0].body)

    def test_the_command_line_prints_its_usage(self) -> None:
        self.assertEqual(cli.main(["--help"]), 0)
