"""Letters typeset by typst: what they state, for a company, a consumer, an agency."""

from __future__ import annotations

import io
from datetime import date, timedelta

from pypdf import PdfReader

from recouvra.core.models import OrganizationKind
from recouvra.ledger.models import ClaimKind, DebtorKind
from recouvra.letters.content import NOTICE, case_context, letter_data, long_date
from recouvra.letters.typeset import batch_pdf, letter_pdf

from ..base import RecouvraTestCase, make_claim, make_debtor, tiny_png

DUE = date(2026, 2, 4)
AS_OF = DUE + timedelta(days=40)
TEXT = "Nos relances sont restées sans effet.\n\nNous vous mettons en demeure de payer."


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


class LetterTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.debtor.address_line1 = "12 rue des Lilas"
        self.debtor.postal_code, self.debtor.city = "44000", "Nantes"
        self.debtor.save()

    def notice(self, case) -> str:  # noqa: ANN001
        data = letter_data(
            case_context(case, AS_OF),
            subject="Mise en demeure",
            text=TEXT,
            kind=NOTICE,
            registered=True,
        )
        pdf = letter_pdf(data)
        self.assertTrue(pdf.startswith(b"%PDF"))
        return text_of(pdf)

    def test_a_company_s_formal_notice_states_the_penalties_and_the_40_euros(self) -> None:
        claim = make_claim(self.creditor, self.debtor, 125_000, reference="FA-1")
        text = self.notice(claim.case)
        self.assertIn("MISE EN DEMEURE", text)
        self.assertIn("Menuiserie Dubois", text)
        self.assertIn("44000 Nantes", text)
        self.assertIn("FA-1", text)
        self.assertIn("40,00", text)  # the indemnity in the statement
        self.assertIn("L441-10", text)
        self.assertIn(long_date(AS_OF + timedelta(days=8)), text)  # the deadline, in words
        self.assertIn("recommandée", text)

    def test_a_consumer_s_formal_notice_charges_no_fee_and_states_legal_interest(self) -> None:
        person = make_debtor(self.alpha, "Jean Martin", kind=DebtorKind.PERSON)
        claim = make_claim(self.creditor, person, 80_000, reference="FB-1", kind=ClaimKind.B2C)
        text = self.notice(claim.case)
        self.assertIn("taux légal", text)
        self.assertNotIn("40,00", text)
        self.assertNotIn("L441-10", text)

    def test_an_agency_letter_carries_the_r124_4_mentions(self) -> None:
        self.assertEqual(self.alpha.kind, OrganizationKind.AGENCY)
        self.alpha.address = "27 rue de Châteaudun\n75009 Paris"
        self.alpha.save()
        claim = make_claim(self.creditor, self.debtor, 50_000)
        text = " ".join(self.notice(claim.case).split())
        self.assertIn("recouvrement amiable de créances pour le compte de Télécom Ouest", text)
        self.assertIn("restent à la charge du créancier", text)  # L111-8 al. 2
        self.assertIn("débiteur de mauvaise foi", text)  # L111-8 al. 3
        self.assertIn("ni un acte de justice", text)

    def test_a_batch_is_one_pdf_with_a_cover_list_then_each_letter(self) -> None:
        claim = make_claim(self.creditor, self.debtor, 50_000)
        context = case_context(claim.case, AS_OF)
        letters = [letter_data(context, subject=f"Relance {n}", text=TEXT) for n in range(3)]
        pdf = batch_pdf(letters, {"title": "Courriers du jour", "summary": "3 lettres"})
        reader = PdfReader(io.BytesIO(pdf))
        self.assertGreaterEqual(len(reader.pages), 4)
        self.assertIn("Courriers du jour", reader.pages[0].extract_text())
        self.assertIn("Relance 2", text_of(pdf))


class ReceiptTestCase(RecouvraTestCase):
    def test_a_payment_s_receipt_says_who_paid_what_and_where_it_went(self) -> None:
        from django.urls import reverse

        from ..base import make_payment

        claim = make_claim(self.creditor, self.debtor, 125_000, reference="FA-7")
        payment = make_payment(claim, 50_000)
        self.client.force_login(self.alice)
        response = self.client.get(reverse("letters:receipt", args=[payment.pk]))
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = " ".join(text_of(response.content).split())
        self.assertIn("QUITTANCE", text)
        self.assertIn("Menuiserie Dubois la somme de 500,00", text)
        self.assertIn("FA-7", text)
        self.assertIn("R124-6", text)  # Alpha is an agency
        self.assertContains(self.client.get(self.debtor.get_absolute_url()), "Quittance")
        self.client.force_login(self.charlie)
        self.assertEqual(
            self.client.get(reverse("letters:receipt", args=[payment.pk])).status_code, 404
        )


PNG = tiny_png()


class LogoTestCase(LetterTestCase):
    def test_a_letter_of_an_organisation_with_a_logo_renders(self) -> None:
        from django.core.files.base import ContentFile

        self.alpha.logo.save("logo.png", ContentFile(PNG))
        self.assertTrue(self.alpha.logo.name.startswith("logos/"))
        claim = make_claim(self.creditor, self.debtor, 50_000, reference="FA-3")
        context = case_context(claim.case, AS_OF)
        data = letter_data(context, subject="Relance", text=TEXT)
        self.assertEqual(data["logo"], self.alpha.logo.name)
        pdf = letter_pdf(data)
        self.assertIn(b"/Subtype/Image", pdf)
        self.assertIn("FA-3", text_of(pdf))

    def test_a_logo_is_an_image_of_512_kb_at_most(self) -> None:
        from django.core.exceptions import ValidationError
        from django.core.files.uploadedfile import SimpleUploadedFile

        from recouvra.core.models import validate_logo

        validate_logo(SimpleUploadedFile("logo.png", PNG))
        validate_logo(SimpleUploadedFile("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'))
        for upload in (
            SimpleUploadedFile("logo.png", b"GIF89a not a png"),
            SimpleUploadedFile("logo.png", PNG[:-20]),  # cut short
            SimpleUploadedFile("logo.gif", b"GIF89a"),
            SimpleUploadedFile("logo.svg", b"<html><script></script></html>"),
            SimpleUploadedFile("logo.jpg", b"\xff\xd8\xff" + b"0" * 600_000),
        ):
            with self.assertRaises(ValidationError):
                validate_logo(upload)
