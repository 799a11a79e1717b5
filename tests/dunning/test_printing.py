"""Letters: the day's print batch, and a registered letter's proof of delivery."""

from __future__ import annotations

import io
from datetime import date, timedelta

from pypdf import PdfReader

from recouvra.cases.models import Interaction
from recouvra.dunning.models import Channel, Message, MessageStatus, Step
from recouvra.dunning.printing import payment_deadline, print_letters, record_delivery

from ..base import make_claim, make_debtor
from .base import DUE, DunningTestCase, at

NOTICE_DAY = DUE + timedelta(days=36)  # Thursday 12 March: the formal notice is due


class PrintingTestCase(DunningTestCase):
    def setUp(self) -> None:
        super().setUp()
        for name, postal_code in (("Zinc Martin", "13001"), ("Atelier Bernard", "75011")):
            debtor = make_debtor(self.alpha, name, postal_code=postal_code, city="Ville")
            make_claim(self.creditor, debtor, 90_000)
        self.debtor.postal_code, self.debtor.city = "44000", "Nantes"
        self.debtor.save()
        self.claim = make_claim(self.creditor, self.debtor, 125_000, reference="FA-1")
        self.run_on(NOTICE_DAY)  # the formal notice, by registered letter, for all three

    def test_the_day_s_letters_go_in_one_pdf_in_mailing_order(self) -> None:
        batch = print_letters(self.alpha.pk, now=at(NOTICE_DAY, 11))
        self.assertEqual((batch.letters, batch.registered), (3, 3))
        reader = PdfReader(io.BytesIO(batch.document.read()))
        cover = reader.pages[0].extract_text()
        self.assertLess(cover.index("13001"), cover.index("44000"))
        self.assertLess(cover.index("44000"), cover.index("75011"))
        self.assertIn("MISE EN DEMEURE", reader.pages[1].extract_text())
        message = Message.objects.get(case=self.claim.case)
        self.assertEqual(message.status, MessageStatus.PRINTED)
        self.assertTrue(message.document.read().startswith(b"%PDF"))
        self.assertIsNone(print_letters(self.alpha.pk, now=at(NOTICE_DAY, 12)))  # done
        printed = Interaction.objects.filter(case=self.claim.case, text__contains="imprimé")
        self.assertIn("recommandé avec AR", printed.get().text)

    def test_letters_wait_for_a_working_day(self) -> None:
        Step.objects.filter(scenario=self.scenario).update(channel=Channel.LETTER)
        saturday = date(2026, 3, 14)
        make_claim(self.creditor, self.debtor, 10_000, due_date=saturday - timedelta(days=6))
        Message.objects.all().delete()
        from recouvra.dunning.models import StepRun

        StepRun.objects.all().delete()
        self.run_on(saturday)
        self.assertIsNone(print_letters(self.alpha.pk, now=at(saturday, 15)))
        monday = saturday + timedelta(days=2)
        self.assertIsNotNone(print_letters(self.alpha.pk, now=at(monday, 9)))

    def test_a_registered_notice_s_delivery_opens_its_deadline_and_dates_the_notice(self) -> None:
        print_letters(self.alpha.pk, now=at(NOTICE_DAY, 11))
        message = Message.objects.get(case=self.claim.case)
        presented = date(2026, 3, 14)  # a Saturday: 8 days later is Sunday 22 → Monday 23
        due = record_delivery(
            message, tracking_number="1A23456789012", first_presented_on=presented
        )
        self.assertEqual(due, date(2026, 3, 23))
        message.refresh_from_db()
        self.assertEqual((message.status, payment_deadline(message)), ("delivered", due))
        self.claim.case.refresh_from_db()
        self.assertEqual(self.claim.case.formal_notice_on, presented)
        entry = Interaction.objects.filter(case=self.claim.case, text__contains="1A23456789012")
        self.assertIn("23/03/2026", entry.get().text)
