"""Paramètres: an administrator uploads or removes the organisation's logo; every member
sees it, served only to the members of its own organisation."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recouvra.core.models import AuditEvent, Organization

from ..base import RecouvraTestCase, tiny_png

PNG = tiny_png()


class SettingsLogoTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.url = reverse("pages:organization_logo")
        self.image_url = reverse("pages:logo_image")

    def upload(self, user, name: str, content: bytes):  # noqa: ANN001, ANN201
        self.client.force_login(user)
        return self.client.post(self.url, {"logo": SimpleUploadedFile(name, content)})

    def logo_of(self, org: Organization) -> str:
        return Organization.objects.get(pk=org.pk).logo.name

    def test_it_saves_an_admin_s_png_and_records_the_change(self) -> None:
        response = self.upload(self.alice, "logo.png", PNG)
        self.assertRedirects(response, reverse("pages:settings"))
        name = self.logo_of(self.alpha)
        self.assertTrue(name.startswith("logos/") and name.endswith(".png"))
        event = AuditEvent.objects.get(object_id=str(self.alpha.pk), actor=self.alice)
        self.assertEqual(event.changes["logo"], ["", name])

    def test_it_shows_the_logo_and_the_form_to_the_admin(self) -> None:
        self.upload(self.alice, "logo.png", PNG)
        response = self.client.get(reverse("pages:settings"))
        self.assertContains(response, f'src="{self.image_url}?v=')
        self.assertContains(response, 'enctype="multipart/form-data"')
        self.assertContains(response, "Retirer le logo")

    def test_it_refuses_a_file_over_512_kb_and_keeps_the_logo(self) -> None:
        self.upload(self.alice, "logo.png", PNG)
        before = self.logo_of(self.alpha)
        response = self.upload(self.alice, "grand.png", PNG + b"\x00" * 600_000)
        self.assertContains(response, "Le logo dépasse 512 Ko.", status_code=400)
        self.assertEqual(self.logo_of(self.alpha), before)
        self.assertEqual(AuditEvent.objects.filter(object_id=str(self.alpha.pk)).count(), 1)

    def test_it_refuses_a_file_that_is_not_an_image(self) -> None:
        response = self.upload(self.alice, "logo.png", b"%PDF-1.7 not an image")
        self.assertContains(
            response, "Le logo doit être une image PNG, JPEG ou SVG.", status_code=400
        )
        self.assertEqual(self.logo_of(self.alpha), "")

    def test_it_asks_for_a_file_when_none_is_sent(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(self.url, {})
        self.assertContains(response, "Choisissez une image.", status_code=400)

    def test_an_admin_removes_the_logo(self) -> None:
        self.upload(self.alice, "logo.png", PNG)
        response = self.client.post(self.url, {"remove": "1"})
        self.assertRedirects(response, reverse("pages:settings"))
        self.assertEqual(self.logo_of(self.alpha), "")
        self.assertEqual(self.client.get(self.image_url).status_code, 404)

    def test_an_agent_sees_the_logo_but_cannot_change_it(self) -> None:
        self.alpha.logo.save("logo.png", ContentFile(PNG))
        response = self.upload(self.bob, "autre.png", PNG)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.client.post(self.url, {"remove": "1"}).status_code, 403)
        page = self.client.get(reverse("pages:settings"))
        self.assertContains(page, self.image_url)
        self.assertNotContains(page, f'action="{self.url}"')

    def test_the_image_view_serves_the_member_s_own_organisation_only(self) -> None:
        self.alpha.logo.save("logo.png", ContentFile(PNG))
        self.client.force_login(self.bob)
        response = self.client.get(self.image_url)
        self.assertEqual(b"".join(response.streaming_content), PNG)
        self.assertIn("sandbox", response["Content-Security-Policy"])
        self.client.force_login(self.charlie)  # Beta has no logo: nothing of Alpha's
        self.assertEqual(self.client.get(self.image_url).status_code, 404)

    def test_the_image_view_requires_a_sign_in(self) -> None:
        self.alpha.logo.save("logo.png", ContentFile(PNG))
        response = self.client.get(self.image_url)
        self.assertRedirects(response, f"{reverse('login')}?next={self.image_url}")
