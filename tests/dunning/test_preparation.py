"""Preparing the outbox ahead of delivery: the messages of a pass are made together, in a
few queries for all, each as it would be made alone; one that cannot be made does not
stop the others."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from recouvra.dunning import delivery
from recouvra.dunning.channels.email import _email, _set_boundaries, compose
from recouvra.dunning.documents import PREPARED_WITH, letter_of
from recouvra.dunning.models import Message, MessageStatus, Template
from recouvra.dunning.texts import render
from recouvra.letters.typeset import MIN_POOLED, letter_pdf

from ..base import make_claim, make_debtor, make_payment
from ..letters.test_letters import text_of
from .base import DUE, DunningTestCase, at
from .servers import SmtpServer

FIRST, SECOND = DUE + timedelta(days=6), DUE + timedelta(days=16)  # the two e-mail steps


class PreparationTestCase(DunningTestCase):
    def debtors(self, count: int) -> list:
        """`count` debtors with an e-mail address and an overdue claim each; the first has
        paid part of it, the second's case has had a formal notice, the third's is
        assigned to charlie."""
        cases = []
        for n in range(count):
            debtor = make_debtor(self.alpha, f"Client {n}", email=f"client{n}@example.org")
            claim = make_claim(self.creditor, debtor, 100_000 + n, reference=f"FA-{n}")
            cases.append(claim.case)
            if n == 0:
                make_payment(claim, 40_000, received_on=DUE + timedelta(days=2))
        cases[1].formal_notice_on = DUE + timedelta(days=3)
        cases[1].save()
        cases[2].assigned_to = self.charlie
        cases[2].save()
        return cases

    def queued(self) -> list[Message]:
        return list(
            Message.objects.filter(status=MessageStatus.QUEUED)
            .select_related(*PREPARED_WITH)
            .order_by("pk")
        )

    def test_it_makes_each_message_of_a_pass_as_it_would_be_made_alone(self) -> None:
        cases = self.debtors(MIN_POOLED + 1)  # enough letters for the pool of processes
        self.run_on(FIRST)
        with SmtpServer() as smtp, override_settings(**smtp.settings()):
            self.assertEqual(delivery.deliver_due(at(FIRST))[MessageStatus.SENT], MIN_POOLED + 1)
        self.run_on(SECOND)
        self.assertEqual(delivery.prepare_due(at(SECOND)), MIN_POOLED + 1)
        for message in self.queued():
            self.assertTrue(message.envelope and message.document)
            alone = render(message.template, message.case, SECOND)
            self.assertEqual(
                (message.subject, message.body_text, message.body_html),
                (alone.subject, alone.text, alone.html),
            )
            letter = text_of(message.document.read())
            self.assertEqual(letter, text_of(letter_pdf(letter_of(message, SECOND))))
            self.assertIn(f"suite à notre courrier du {FIRST:%d/%m/%Y}", letter)
            self.assertIn(message.message_id.encode(), message.envelope.read())
        by_case = {message.case_id: message for message in self.queued()}
        paid, noticed, assigned = (by_case[case.pk] for case in cases[:3])
        self.assertIn("FA-0 : 6", paid.body_text)  # 600 € of principal left, and more
        self.assertNotIn("1 000,00", paid.body_text)
        self.assertEqual(assigned.reply_to, "charlie@example.org")
        self.assertEqual(noticed.reply_to, "")

    def test_it_reads_a_pass_in_the_same_few_queries_whatever_its_size(self) -> None:
        self.debtors(6)
        self.run_on(FIRST)
        with CaptureQueriesContext(connection) as two:
            self.assertEqual(delivery.prepare_due(at(FIRST), limit=2), 2)
        with CaptureQueriesContext(connection) as four:
            self.assertEqual(delivery.prepare_due(at(FIRST), limit=4), 4)
        # one UPDATE a message more, nothing else
        self.assertEqual(len(four.captured_queries) - len(two.captured_queries), 2)

    def test_a_message_that_cannot_be_made_does_not_stop_the_others(self) -> None:
        self.debtors(3)
        self.run_on(FIRST)
        broken = Template.objects.create(
            organization=self.alpha, name="Cassé", channel="email", subject="x", body="{% if %}"
        )
        first, *others = self.queued()
        Message.objects.filter(pk=first.pk).update(template=broken)
        self.assertEqual(delivery.prepare_due(at(FIRST)), 2)
        first.refresh_from_db()
        self.assertEqual((first.body_text, first.envelope.name), ("", ""))
        with SmtpServer() as smtp, override_settings(**smtp.settings()):
            outcomes = delivery.deliver_due(at(FIRST))
            self.assertEqual(len(smtp.inbox.messages), 2)
        self.assertEqual((outcomes[MessageStatus.SENT], outcomes[MessageStatus.FAILED]), (2, 1))
        first.refresh_from_db()
        self.assertIn("Modèle invalide", first.last_error)

    def test_it_composes_the_e_mail_django_makes_byte_for_byte(self) -> None:
        cases = self.debtors(3)
        self.run_on(FIRST)
        delivery.prepare_due(at(FIRST))
        message = next(m for m in self.queued() if m.case_id == cases[2].pk)
        pdf = message.document.read()
        for reference in (message.case.reference, "D-Été-1"):  # a name RFC 2231 encodes
            message.case.reference = reference
            ours = compose(message, pdf)
            token = re.search(rb'boundary="=_([0-9a-f]+)_0"', ours).group(1).decode()
            django = _email(message, with_letter=True).message()  # Django attaches the PDF
            _set_boundaries(django, token)
            self.assertEqual(_dateless(ours), _dateless(django.as_bytes(linesep="\r\n")))
            (letter,) = message_from_bytes(ours, policy=policy.default).iter_attachments()
            self.assertEqual(letter.get_content(), pdf)
            self.assertEqual(letter.get_filename(), f"courrier-{reference}.pdf")


def _dateless(raw: bytes) -> bytes:
    """The e-mail without its Date header (the two are made a moment apart)."""
    return re.sub(rb"Date: [^\r]*\r\n", b"", raw)
