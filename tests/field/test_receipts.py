"""The receipt of a field payment: its PDF (number, words, collector, allocation, what is
left, the creditor for an agency), the "Quittance" link that numbers on first issue, the
receipt sent to the debtor, and the public link that works without signing in, once."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core import signing
from django.test import SimpleTestCase
from django.urls import reverse
from pypdf import PdfReader

from recouvra.cases.models import Interaction
from recouvra.core.models import AuditEvent
from recouvra.dunning.models import Message
from recouvra.field import services
from recouvra.ledger.models import Payment, PaymentMethod

from ..base import make_payment
from .base import FieldTestCase


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


class ReceiptTests(FieldTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.payment = services.take_payment(
            self.task, amount_cents=123_456, method=PaymentMethod.CASH, actor=self.dora
        )
        self.number = self.payment.receipt_number

    def test_the_pdf_states_number_words_collector_allocation_and_what_is_left(self) -> None:
        self.client.force_login(self.dora)
        response = self.client.get(reverse("letters:receipt", args=[self.payment.pk]))
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = text_of(response.content)
        self.assertIn(f"QUITTANCE N° {self.number}", text)
        self.assertIn("mille deux cent trente-quatre euros et cinquante-six centimes", text)
        self.assertIn("remis en main propre à dora", text)
        self.assertIn("FA-100", text)
        self.assertIn("Reste dû à ce jour sur ce dossier : 15,44", text)
        self.assertIn("pour le compte de Télécom Ouest", text)  # Alpha is an agency (R124-6)

    def test_the_quittance_link_numbers_a_payment_once_on_first_issue(self) -> None:
        other = make_payment(self.claim, 1_000)
        self.assertEqual(other.receipt_number, "")
        self.client.force_login(self.alice)
        url = reverse("letters:receipt", args=[other.pk])
        self.client.get(url)
        self.client.get(url)
        other.refresh_from_db()
        self.assertEqual(other.receipt_number, f"Q-{self.today.year}-000002")
        numbered = AuditEvent.objects.filter(object_id=str(other.pk), action="update")
        self.assertEqual(numbered.count(), 1)

    def test_the_receipt_goes_by_e_mail_with_its_pdf(self) -> None:
        self.client.force_login(self.dora)
        url = reverse("field:receipt", args=[self.payment.pk])
        response = self.client.post(url, {"channel": "email", "recipient": "a@dubois.example"})
        self.assertRedirects(response, url)
        message = Message.objects.get()
        self.assertEqual((message.channel, message.recipient), ("email", "a@dubois.example"))
        self.assertIn(self.number, message.subject)
        self.assertIn(self.number, text_of(message.document.read()))
        self.assertTrue(Interaction.objects.filter(case=self.case, kind="email").exists())

    def test_the_receipt_goes_by_sms_as_a_link_that_opens_without_signing_in(self) -> None:
        self.client.force_login(self.dora)
        url = reverse("field:receipt", args=[self.payment.pk])
        self.client.post(url, {"channel": "sms", "recipient": "06 12 34 56 78"})
        message = Message.objects.get()
        link = message.body_text.split()[-1]
        self.assertIn("/q/", link)
        self.client.logout()
        response = self.client.get(link.split("testserver", 1)[1])
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn(self.number, text_of(response.content))

    def test_a_bad_recipient_sends_nothing(self) -> None:
        self.client.force_login(self.dora)
        url = reverse("field:receipt", args=[self.payment.pk])
        response = self.client.post(url, {"channel": "sms", "recipient": "pas un numéro"})
        self.assertContains(response, "Numéro de mobile invalide", status_code=400)
        self.assertFalse(Message.objects.exists())

    def test_a_tampered_or_expired_link_is_a_404(self) -> None:
        token = services.receipt_token(self.payment)
        ok = reverse("field:public_receipt", args=[token])
        self.assertEqual(self.client.get(ok).status_code, 200)
        tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        self.assertEqual(
            self.client.get(reverse("field:public_receipt", args=[tampered])).status_code, 404
        )
        # another payment's id under the same signature does not pass either
        forged = signing.dumps({"p": self.payment.pk + 1, "o": self.alpha.pk}, salt="other")
        self.assertEqual(
            self.client.get(reverse("field:public_receipt", args=[forged])).status_code, 404
        )
        self.assertIsNone(services.payment_of_token(token, max_age=timedelta(seconds=-1)))

    def test_a_reversed_payment_s_link_no_longer_serves_it(self) -> None:
        token = services.receipt_token(self.payment)
        Payment.objects.filter(pk=self.payment.pk).update(reversed_at=self.payment.created_at)
        self.assertEqual(
            self.client.get(reverse("field:public_receipt", args=[token])).status_code, 404
        )

    def test_a_collector_sees_only_the_receipts_they_took(self) -> None:
        other = make_payment(self.claim, 1_000)
        self.client.force_login(self.dora)
        self.assertEqual(
            self.client.get(reverse("field:receipt", args=[other.pk])).status_code, 404
        )
        self.client.force_login(self.alice)
        self.assertEqual(
            self.client.get(reverse("field:receipt", args=[other.pk])).status_code, 200
        )


class AmountInWordsTests(SimpleTestCase):
    def test_it_spells_french_amounts_the_traditional_way(self) -> None:
        from recouvra.letters.words import euros_in_words

        cases = {
            100: "un euro",
            7_100: "soixante et onze euros",
            8_000: "quatre-vingts euros",
            8_150: "quatre-vingt-un euros et cinquante centimes",
            20_000: "deux cents euros",
            20_100: "deux cent un euros",
            200_000_00: "deux cent mille euros",
            100_000_000: "un million d'euros",
            5: "cinq centimes",
        }
        for cents, words in cases.items():
            self.assertEqual(euros_in_words(cents), words, cents)
