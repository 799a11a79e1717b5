"""Case attachments have the limits of imports (core/uploads.py): size, and a type told by
the content; refused with a clear message, nothing saved."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import override_settings
from django.urls import reverse

from recouvra.cases.forms import InteractionForm
from recouvra.cases.models import Interaction, InteractionKind

from ..base import RecouvraTestCase, make_claim, tiny_png


class AttachmentLimitsTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.case = make_claim(self.creditor, self.debtor).case
        self.url = reverse("cases:add_interaction", args=[self.case.pk])
        self.client.force_login(self.bob)

    def post(self, upload: SimpleUploadedFile, **headers: str):  # noqa: ANN201
        data = {"kind": "call", "direction": "out", "text": "Appel", "attachment": upload}
        return self.client.post(self.url, data, headers=headers)

    def calls(self) -> int:
        return self.case.interactions.filter(kind=InteractionKind.CALL).count()

    def test_it_refuses_250_mb(self) -> None:
        upload = TemporaryUploadedFile("scan.pdf", "application/pdf", 0, None)
        upload.write(b"%PDF-1.7\n")
        upload.file.truncate(250 * 1024 * 1024)  # a sparse file: nothing written to disk
        upload.size = 250 * 1024 * 1024
        form = InteractionForm(
            {"kind": "note", "direction": "out", "text": "Scan"},
            {"attachment": upload},
            member=self.bob.memberships.get(),
        )
        self.assertFalse(form.is_valid())
        self.assertIn(
            "Fichier trop volumineux : 250 Mo, maximum 200 Mo.", form.errors["attachment"]
        )

    @override_settings(UPLOAD_MAX_BYTES=1024)
    def test_the_page_says_why_a_large_file_was_refused(self) -> None:
        response = self.post(SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n" + b"0" * 2048))
        url = self.case.get_absolute_url()
        self.assertRedirects(response, url, fetch_redirect_response=False)
        page = self.client.get(self.case.get_absolute_url())
        self.assertContains(page, "Fichier trop volumineux")
        self.assertEqual(self.calls(), 0)

    def test_it_refuses_a_program(self) -> None:
        response = self.post(
            SimpleUploadedFile("facture.exe", b"MZ\x90\x00\x03"), HX_Request="true"
        )
        self.assertContains(response, "Type de fichier refusé : « facture.exe »")
        self.assertEqual(self.calls(), 0)

    def test_it_refuses_a_file_whose_content_is_not_what_its_name_says(self) -> None:
        self.post(SimpleUploadedFile("facture.pdf", b"<html><script>alert(1)</script>"))
        self.assertEqual(self.calls(), 0)

    def test_it_keeps_a_photo_of_a_visit(self) -> None:
        self.post(SimpleUploadedFile("facade.png", tiny_png()))
        call = Interaction.objects.get(kind=InteractionKind.CALL)
        self.assertTrue(call.attachment.name.endswith(".png"))
