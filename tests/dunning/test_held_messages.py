"""Refusals of the law engine in the outbox: a message about a claim below the legal floor
goes with the floor mention (C. com. L441-10 II); one whose figures need a rate missing from
the tables is held with the reason, the others go on, and it goes once the rate is entered."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from recouvra.cases.models import Interaction
from recouvra.dunning import delivery
from recouvra.dunning.clock import tick
from recouvra.dunning.models import Channel, Message, MessageStatus
from recouvra.dunning.printing import print_letters
from recouvra.lawdesk.models import LawRate

from ..base import make_claim, make_debtor
from .base import DunningTestCase, at
from .servers import SmtpServer

MENTION = "inférieur au plancher légal de 3 fois le taux de l'intérêt légal"
TEN = Decimal("10.000")
# the legal rate of 2026-S2 is missing from the tables: no floor to check a contract against
S2_DUE = date(2026, 7, 1)
S2_EMAIL_DAY = S2_DUE + timedelta(days=6)  # Tuesday: the first e-mail (D+5) is due
S2_NOTICE_DAY = S2_DUE + timedelta(days=35)  # Wednesday 5 August: the formal notice


def pdf_text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


class HeldMessagesBase(DunningTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.debtor.email = "compta@dubois.example"
        self.debtor.save()
        other = make_debtor(self.alpha, "Zinc Martin", email="compta@zinc.example")
        # a contractual rate: its floor in 2026-S2 needs the missing legal rate
        self.held_claim = make_claim(
            self.creditor, self.debtor, 100_000, due_date=S2_DUE, contractual_rate=TEN
        )
        # the statutory rate (ECB + 10): known for 2026-S2, to be confirmed
        self.fine_claim = make_claim(self.creditor, other, 80_000, due_date=S2_DUE)

    def message_of(self, claim) -> Message:  # noqa: ANN001
        return Message.objects.get(case=claim.case)


class HeldEmailTestCase(HeldMessagesBase):
    def deliver(self, hour: int = 10):  # noqa: ANN201
        return delivery.deliver_due(at(S2_EMAIL_DAY, hour))

    def test_it_holds_the_message_with_the_reason_and_sends_the_others(self) -> None:
        self.run_on(S2_EMAIL_DAY)
        with SmtpServer() as smtp, override_settings(**smtp.settings()):
            outcomes = self.deliver()
            (received,) = smtp.inbox.messages
        self.assertEqual((outcomes[MessageStatus.SENT], outcomes[MessageStatus.HELD]), (1, 1))
        self.assertEqual(received["To"], "compta@zinc.example")
        held = self.message_of(self.held_claim)
        self.assertEqual(held.status, MessageStatus.HELD)
        self.assertIn("intérêt légal (autres cas) pour 2026-S2", held.hold_reason)
        self.assertIn("Paramètres → Taux", held.hold_reason)
        self.assertEqual(held.body_text, "")  # nothing stated with figures cut short

    def test_it_says_so_once_on_the_case_timeline(self) -> None:
        self.run_on(S2_EMAIL_DAY)
        self.deliver()
        self.deliver(hour=12)  # released, still missing: held again
        said = Interaction.objects.filter(case=self.held_claim.case, text__contains="retenu")
        self.assertEqual(said.count(), 1)

    def test_it_prepares_the_others_ahead_and_holds_this_one(self) -> None:
        self.run_on(S2_EMAIL_DAY)
        self.assertEqual(delivery.prepare_due(at(S2_EMAIL_DAY, 10)), 1)
        self.assertEqual(self.message_of(self.held_claim).status, MessageStatus.HELD)
        self.assertTrue(self.message_of(self.fine_claim).envelope)

    def test_it_sends_a_held_message_once_the_rate_is_entered(self) -> None:
        self.run_on(S2_EMAIL_DAY)
        self.deliver()
        LawRate.objects.create(
            kind="legal_other", semester="2026-S2", percent=Decimal("2.5"), source="arrêté"
        )
        with SmtpServer() as smtp, override_settings(**smtp.settings()):
            self.assertEqual(self.deliver(hour=10)[MessageStatus.SENT], 0)  # not yet due again
            outcomes = self.deliver(hour=11)
            (received,) = smtp.inbox.messages
        self.assertEqual((outcomes["released"], outcomes[MessageStatus.SENT]), (1, 1))
        self.assertEqual(received["To"], "compta@dubois.example")
        self.assertEqual(self.message_of(self.held_claim).status, MessageStatus.SENT)

    def test_it_has_the_clock_start_a_pass_when_a_held_message_is_to_be_tried_again(
        self,
    ) -> None:
        self.run_on(S2_EMAIL_DAY)
        self.deliver()  # one sent, one held until 11:00
        self.assertNotIn("delivery", tick(at(S2_EMAIL_DAY, 10)))
        self.assertIn("delivery", tick(at(S2_EMAIL_DAY, 11)))

    def test_it_shows_the_reason_in_the_outbox_with_a_retry_button(self) -> None:
        self.run_on(S2_EMAIL_DAY)
        self.deliver()
        self.client.force_login(self.alice)
        response = self.client.get(reverse("dunning:outbox"), {"status": MessageStatus.HELD})
        self.assertContains(response, 'data-testid="hold-reason"', count=1)
        self.assertContains(response, "2026-S2")
        held = self.message_of(self.held_claim)
        self.assertContains(response, reverse("dunning:resend", args=[held.pk]))

    def test_it_puts_a_held_message_back_in_the_queue_when_asked(self) -> None:
        self.run_on(S2_EMAIL_DAY)
        self.deliver()
        held = self.message_of(self.held_claim)
        self.client.force_login(self.alice)
        self.client.post(reverse("dunning:resend", args=[held.pk]))
        held.refresh_from_db()
        self.assertEqual(held.status, MessageStatus.QUEUED)


class HeldLetterTestCase(HeldMessagesBase):
    def test_it_holds_the_letter_and_prints_the_others(self) -> None:
        self.run_on(S2_NOTICE_DAY)
        batch = print_letters(self.alpha.pk, now=at(S2_NOTICE_DAY, 11))
        self.assertEqual(batch.letters, 1)
        self.assertIn("Zinc Martin", pdf_text(batch.document.read()))
        held = self.message_of(self.held_claim)
        self.assertEqual((held.status, held.print_batch_id), (MessageStatus.HELD, None))
        self.assertIn("2026-S2", held.hold_reason)

    def test_it_prints_a_held_letter_once_the_rate_is_entered(self) -> None:
        self.run_on(S2_NOTICE_DAY)
        print_letters(self.alpha.pk, now=at(S2_NOTICE_DAY, 11))
        LawRate.objects.create(
            kind="legal_other", semester="2026-S2", percent=Decimal("2.5"), source="arrêté"
        )
        batch = print_letters(self.alpha.pk, now=at(S2_NOTICE_DAY, 12))
        self.assertEqual(batch.letters, 1)
        self.assertIn("Menuiserie Dubois", pdf_text(batch.document.read()))

    def test_it_warns_on_the_letters_page_that_letters_are_held(self) -> None:
        self.run_on(S2_NOTICE_DAY)
        self.client.force_login(self.alice)
        response = self.client.post(reverse("dunning:letters"), follow=True)
        self.assertContains(response, "1 courrier(s) retenu(s)")


class FloorMentionTestCase(DunningTestCase):
    """ "ECB + 10" copied into the contract: below the floor in 2024 (15.21 %, 14.76 %)."""

    DUE_2024 = date(2024, 1, 10)

    def setUp(self) -> None:
        super().setUp()
        self.debtor.email = "compta@dubois.example"
        self.debtor.save()
        self.claim = make_claim(
            self.creditor,
            self.debtor,
            100_000,
            issue_date=date(2023, 12, 11),
            due_date=self.DUE_2024,
            contractual_rate=TEN,
        )

    def test_it_sends_the_reminder_with_its_letter_stating_the_floor(self) -> None:
        day = self.DUE_2024 + timedelta(days=6)
        self.run_on(day)
        with SmtpServer() as smtp, override_settings(**smtp.settings()):
            outcomes = delivery.deliver_due(at(day))
        self.assertEqual(outcomes[MessageStatus.SENT], 1)
        message = Message.objects.get(case=self.claim.case)
        self.assertIn(MENTION, pdf_text(message.document.read()))
        self.assertIn(MENTION.replace("'", "&#x27;"), message.body_html)

    def test_it_prints_the_formal_notice_stating_the_floor(self) -> None:
        day = self.DUE_2024 + timedelta(days=35)  # Wednesday 14 February 2024
        self.run_on(day)
        batch = print_letters(self.alpha.pk, now=at(day, 11))
        text = pdf_text(batch.document.read())
        self.assertIn("MISE EN DEMEURE", text)
        self.assertIn(MENTION, text)
        message = Message.objects.get(case=self.claim.case, channel=Channel.REGISTERED)
        self.assertEqual(message.status, MessageStatus.PRINTED)


class HeldPreviewTestCase(HeldMessagesBase):
    def test_it_previews_a_template_on_a_case_whose_figures_are_missing(self) -> None:
        self.client.force_login(self.alice)
        data = {"body": "Dû : {{ total }}", "case": self.held_claim.case.pk}
        response = self.client.post(reverse("dunning:preview"), data)
        self.assertContains(response, "2026-S2")  # today's interest needs the missing rate
        self.assertContains(response, "Paramètres → Taux")
