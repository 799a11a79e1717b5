"""The direct-debit pages through the Django test client: the mandate form and its errors,
the debtor and case cards, the collections page, the file download, settlement and the
upload of a return file; another organisation's mandates and files are 404."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recouvra.cases.models import InstalmentStatus, PlanInstalment
from recouvra.core.models import Role
from recouvra.sepa import services
from recouvra.sepa.models import Collection, CollectionStatus, DebitStatus, DirectDebit, Mandate

from ..base import make_creditor, make_debtor, make_user
from .base import DEBTOR_IBAN, TODAY, SepaTestCase
from .test_direct_debits import camt054, cfonb_returns


class PageTests(SepaTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)

    def mandate_data(self, **changes: str) -> dict[str, str]:
        data = {
            "creditor": str(self.creditor.pk),
            "account_holder": "Menuiserie Dubois SARL",
            "iban": "DE89 3704 0044 0532 0130 00",
            "bic": "",
            "signed_on": "2026-11-20",
            "reference": "",
            "prenotice_days": "14",
        }
        return {**data, **changes}

    def collected(self) -> DirectDebit:
        self.mandate()
        services.schedule_debits(self.alpha.pk, TODAY)
        services.prenotify(self.alpha.pk, TODAY)
        debit = DirectDebit.objects.get()
        collection = services.build_collection(self.alpha.pk, debit.collection_on)
        services.settle_collection(collection)
        debit.refresh_from_db()
        return debit

    def test_a_mandate_is_added_from_the_debtor_page(self) -> None:
        page = self.client.get(self.debtor.get_absolute_url())
        self.assertContains(page, reverse("sepa:mandate_add", args=[self.debtor.pk]))
        url = reverse("sepa:mandate_add", args=[self.debtor.pk])
        response = self.client.post(url, self.mandate_data())
        self.assertRedirects(response, self.debtor.get_absolute_url())
        mandate = Mandate.objects.get()
        self.assertEqual(mandate.iban, DEBTOR_IBAN)
        self.assertContains(self.client.get(self.debtor.get_absolute_url()), mandate.reference)

    def test_a_bad_iban_is_a_form_error_naming_the_field(self) -> None:
        url = reverse("sepa:mandate_add", args=[self.debtor.pk])
        response = self.client.post(url, self.mandate_data(iban="FR7630006000011234567890188"))
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["form"].errors["iban"])
        self.assertContains(response, "rien n'a été enregistré", status_code=400)
        self.assertFalse(Mandate.objects.exists())

    def test_a_signature_in_the_future_is_a_form_error(self) -> None:
        url = reverse("sepa:mandate_add", args=[self.debtor.pk])
        future = date.today().replace(year=date.today().year + 1).isoformat()
        response = self.client.post(url, self.mandate_data(signed_on=future))
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["form"].errors["signed_on"])

    def test_the_case_page_warns_of_a_missing_mandate(self) -> None:
        page = self.client.get(self.case.get_absolute_url())
        self.assertContains(page, 'data-testid="missing-mandate"')
        self.mandate()
        page = self.client.get(self.case.get_absolute_url())
        self.assertNotContains(page, 'data-testid="missing-mandate"')

    def test_the_collections_page_lists_the_missing_mandates_and_the_upcoming_debits(self) -> None:
        page = self.client.get(reverse("sepa:collections"))
        self.assertContains(page, 'data-testid="missing-mandates"')
        self.mandate()
        self.client.post(reverse("sepa:run"))
        page = self.client.get(reverse("sepa:collections"))
        self.assertNotContains(page, 'data-testid="missing-mandates"')
        self.assertContains(page, 'data-testid="upcoming-debit"', count=1)
        self.assertContains(page, "300,00")

    def test_generate_download_and_settle_from_the_pages(self) -> None:
        self.mandate()
        services.run_daily(self.alpha.pk, TODAY)
        debit = DirectDebit.objects.get()
        response = self.client.post(
            reverse("sepa:build"), {"collection_on": debit.collection_on.isoformat()}
        )
        collection = Collection.objects.get()
        self.assertRedirects(response, collection.get_absolute_url())
        download = self.client.get(reverse("sepa:collection_file", args=[collection.pk]))
        self.assertEqual(download["Content-Type"], "application/xml")
        body = b"".join(download.streaming_content)
        self.assertIn(debit.end_to_end_id.encode(), body)
        self.client.post(reverse("sepa:settle", args=[collection.pk]))
        collection.refresh_from_db()
        self.assertEqual(collection.status, CollectionStatus.SENT)
        self.assertEqual(DirectDebit.objects.get().status, DebitStatus.COLLECTED)

    def test_a_file_lost_by_the_storage_is_a_404_not_a_crash(self) -> None:
        debit = self.collected()
        collection = debit.collection
        collection.file.storage.delete(collection.file.name)
        url = reverse("sepa:collection_file", args=[collection.pk])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_generating_without_debits_says_so(self) -> None:
        response = self.client.post(
            reverse("sepa:build"), {"collection_on": "2027-01-04"}, follow=True
        )
        self.assertContains(response, "Aucun prélèvement pré-notifié")
        self.assertFalse(Collection.objects.exists())

    def test_uploading_a_camt054_returns_the_debit(self) -> None:
        debit = self.collected()
        data = camt054(e2e_1=debit.end_to_end_id, rum_1=debit.mandate.reference)
        upload = SimpleUploadedFile("retours.xml", data, content_type="application/xml")
        response = self.client.post(reverse("sepa:returns"), {"file": upload})
        self.assertContains(response, 'data-testid="returns-result"')
        self.assertContains(response, "AM04")
        instalment = PlanInstalment.objects.get(pk=debit.instalment_id)
        self.assertEqual(instalment.status, InstalmentStatus.RETURNED)

    def test_uploading_a_cfonb120_returns_the_debit(self) -> None:
        debit = self.collected()
        data = cfonb_returns(debit.end_to_end_id, debit.mandate.reference, 30_000)
        upload = SimpleUploadedFile("releve.cfo", data)
        self.client.post(reverse("sepa:returns"), {"file": upload})
        self.assertEqual(DirectDebit.objects.get().status, DebitStatus.RETURNED)

    def test_an_unreadable_return_file_is_a_form_error(self) -> None:
        upload = SimpleUploadedFile("retours.xml", b"<not-a-statement/>")
        response = self.client.post(reverse("sepa:returns"), {"file": upload})
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["form"].errors["file"])

    def test_an_agent_may_not_revoke_as_a_mandant_reads(self) -> None:
        mandate = self.mandate()
        viewer = make_user("mandant@example.org", self.alpha, Role.MANDANT, creditor=self.creditor)
        self.client.force_login(viewer)
        self.assertEqual(self.client.get(mandate.get_absolute_url()).status_code, 200)
        response = self.client.post(reverse("sepa:mandate_revoke", args=[mandate.pk]))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Mandate.objects.get().status, "active")

    def test_another_organisations_mandates_and_files_are_404(self) -> None:
        debit = self.collected()
        collection = debit.collection
        self.client.force_login(self.charlie)
        for url in (
            debit.mandate.get_absolute_url(),
            collection.get_absolute_url(),
            reverse("sepa:collection_file", args=[collection.pk]),
            reverse("sepa:mandate_add", args=[self.debtor.pk]),
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        for url in (
            reverse("sepa:settle", args=[collection.pk]),
            reverse("sepa:mandate_revoke", args=[debit.mandate.pk]),
        ):
            self.assertEqual(self.client.post(url).status_code, 404, url)
        page = self.client.get(reverse("sepa:collections"))
        self.assertNotContains(page, debit.mandate.reference)
        other = make_debtor(self.beta, "Autre")
        make_creditor(self.beta, "Beta créancier")
        self.assertEqual(
            self.client.get(reverse("sepa:mandate_add", args=[other.pk])).status_code, 200
        )


class IdentityPageTests(SepaTestCase):
    def test_an_administrator_sets_the_ics_and_account(self) -> None:
        self.client.force_login(self.alice)
        data = {"sepa_creditor_id": "FR72 ZZZ 123456", "bank_iban": DEBTOR_IBAN, "bank_bic": ""}
        response = self.client.post(reverse("sepa:identity"), data)
        self.assertRedirects(response, reverse("sepa:collections"))
        self.alpha.refresh_from_db()
        self.assertEqual(
            (self.alpha.sepa_creditor_id, self.alpha.bank_iban), ("FR72ZZZ123456", DEBTOR_IBAN)
        )
        page = self.client.get(reverse("sepa:collections"))
        self.assertContains(page, 'data-testid="identity-error"', count=1)  # the BIC

    def test_a_bad_ics_is_a_form_error_and_nothing_changes(self) -> None:
        self.client.force_login(self.alice)
        data = {"sepa_creditor_id": "FR00ZZZ123456", "bank_iban": DEBTOR_IBAN, "bank_bic": ""}
        response = self.client.post(reverse("sepa:identity"), data)
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["form"].errors["sepa_creditor_id"])
        self.alpha.refresh_from_db()
        self.assertEqual(self.alpha.bank_iban, "FR7630006000011234567890189")

    def test_an_agent_may_not_change_it(self) -> None:
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(reverse("sepa:identity")).status_code, 403)
