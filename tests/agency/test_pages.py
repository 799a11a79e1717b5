"""The pages of the books: who may see and do what, the forms' refusals, the trust account
identity, the sums nearing their limit, the run page, the mandant's space and its walls."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from recouvra.agency.models import Mandate, Remittance, TrustEntry
from recouvra.agency.services import run_remittances
from recouvra.core.models import AuditEvent, Role
from recouvra.law.money import format_amount
from recouvra.ledger.models import Creditor

from ..base import make_user
from .base import MANDANT_IBAN, OTHER_IBAN, BooksTestCase, pay

END = date(2026, 3, 31)


class AccessTestCase(BooksTestCase):
    PAGES = ("agency:mandates", "agency:trust", "agency:due_soon", "agency:remittances")

    def test_agents_read_admins_write(self) -> None:
        self.client.force_login(self.bob)
        for name in self.PAGES:
            self.assertEqual(self.client.get(reverse(name)).status_code, 200, name)
        self.assertEqual(self.client.get(reverse("agency:mandate_add")).status_code, 403)
        response = self.client.post(reverse("agency:remittances"), {"period_end": "2026-03-31"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Remittance.objects.exists())

    def test_a_company_has_no_books(self) -> None:
        self.client.force_login(self.charlie)
        for name in self.PAGES:
            self.assertEqual(self.client.get(reverse(name)).status_code, 404, name)

    def test_the_navigation_shows_the_books_to_an_agency_only(self) -> None:
        self.client.force_login(self.alice)
        self.assertContains(self.client.get("/"), reverse("agency:trust"))
        self.client.force_login(self.charlie)
        self.assertNotContains(self.client.get("/"), reverse("agency:trust"))


class MandateFormTestCase(BooksTestCase):
    def post(self, **changes: str) -> object:
        other = Creditor.objects.create(organization=self.alpha, name="Nouveau Mandant")
        data = {
            "creditor": str(other.pk),
            "reference": "M-NEW",
            "signed_on": "2026-02-01",
            "starts_on": "2026-02-15",
            "ends_on": "",
            "commission_rate": "1500",
            "fee_per_case_cents": "15,00",
            "vat_rate": "2000",
            "remittance_days": "",
            "remittance_iban": "FR14 2004 1010 0505 0001 3M02 606",
            "remittance_bic": "",
            "scope": "Amiable seulement",
            **changes,
        }
        self.client.force_login(self.alice)
        return self.client.post(reverse("agency:mandate_add"), data)

    def test_an_admin_adds_a_mandate(self) -> None:
        response = self.post()
        self.assertEqual(response.status_code, 302)
        mandate = Mandate.objects.get(reference="M-NEW")
        self.assertEqual(
            (mandate.commission_rate, mandate.fee_per_case_cents, mandate.remittance_iban),
            (1500, 1500, MANDANT_IBAN),
        )
        self.assertTrue(mandate.creditor.is_mandant)
        self.assertTrue(AuditEvent.objects.filter(object_repr__startswith="M-NEW").exists())
        self.assertContains(self.client.get(reverse("agency:mandates")), "M-NEW")

    def test_bad_input_is_named_and_nothing_saved(self) -> None:
        cases = {
            "remittance_iban": {"remittance_iban": "FR76 1234"},
            "commission_rate": {"commission_rate": "10001"},
            "ends_on": {"ends_on": "2026-01-01"},
            "remittance_days": {"remittance_days": "60"},
            "signed_on": {"signed_on": "2026-03-01"},
            "fee_per_case_cents": {"fee_per_case_cents": "99999999999999"},
        }
        for field, change in cases.items():
            response = self.post(**change)
            self.assertEqual(response.status_code, 400, field)
            self.assertIn(field, response.context["form"].errors, field)
        self.assertFalse(Mandate.objects.filter(reference="M-NEW").exists())

    def test_an_overlapping_mandate_is_refused(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(
            reverse("agency:mandate_add"),
            {
                "creditor": str(self.creditor.pk),
                "reference": "M-TO-2",
                "signed_on": "2026-05-01",
                "starts_on": "2026-05-01",
                "commission_rate": "1000",
                "vat_rate": "2000",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "un seul mandat", status_code=400)


class TrustPageTestCase(BooksTestCase):
    def test_the_identity_is_checked_and_shown(self) -> None:
        pay(self.creditor, self.debtor, 100_000, date(2026, 3, 3))
        run_remittances(self.alpha.pk, END)
        pay(self.creditor, self.debtor, 5_000, date(2026, 4, 3))
        self.client.force_login(self.alice)
        response = self.client.get(reverse("agency:trust"))
        total = response.context["total"]
        self.assertEqual(total.held, 5_000)
        self.assertEqual(total.collected, 105_000)
        self.assertEqual(total.collected, total.remitted + total.commission + total.vat + 5_000)
        self.assertContains(response, "Le compte est équilibré")

    def test_an_adjustment_from_the_page(self) -> None:
        self.client.force_login(self.alice)
        data = {"creditor": self.creditor.pk, "amount_cents": "-12,50", "on": "2026-03-04"}
        response = self.client.post(reverse("agency:adjust"), {**data, "text": "Frais"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(TrustEntry.objects.get().amount_cents, -1250)
        response = self.client.post(
            reverse("agency:adjust"), {**data, "on": "2025-01-01", "text": "x"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("on", response.context["form"].errors)
        self.assertEqual(TrustEntry.objects.count(), 1)


class DueSoonTestCase(BooksTestCase):
    def test_it_lists_the_sums_nearing_or_past_their_limit(self) -> None:
        today = timezone.localdate()
        late = pay(self.creditor, self.debtor, 1_111, today - timedelta(days=45))
        near = pay(self.creditor, self.debtor, 2_222, today - timedelta(days=26))
        pay(self.creditor, self.debtor, 3_333, today - timedelta(days=10))  # not yet
        other = self.second_mandant(iban=OTHER_IBAN)
        Mandate.objects.filter(creditor=other).update(remittance_days=15)
        short = pay(other, self.debtor_owing(other), 4_444, today - timedelta(days=10))
        self.client.force_login(self.bob)
        response = self.client.get(reverse("agency:due_soon"))
        listed = [s.entry.payment_id for s in response.context["sums"]]
        self.assertEqual(listed, [late.pk, near.pk, short.pk])  # oldest first
        self.assertTrue(response.context["sums"][0].late)
        self.assertContains(response, "dépassée")

    def test_a_remitted_sum_is_no_longer_listed(self) -> None:
        today = timezone.localdate()
        pay(self.creditor, self.debtor, 1_111, today - timedelta(days=45))
        run_remittances(self.alpha.pk, today)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(reverse("agency:due_soon")).context["sums"], [])


class RunPageTestCase(BooksTestCase):
    def test_run_list_and_download(self) -> None:
        pay(self.creditor, self.debtor, 100_000, date(2026, 3, 3))
        no_iban = self.second_mandant("Sans IBAN SARL")
        pay(no_iban, self.debtor_owing(no_iban), 1_000, date(2026, 3, 3))
        self.client.force_login(self.alice)
        response = self.client.post(reverse("agency:remittances"), {"period_end": "2026-03-31"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Sans IBAN SARL")
        remittance = Remittance.objects.get()
        for url in (
            reverse("agency:statement_pdf", args=[remittance.pk]),
            reverse("agency:invoice_pdf", args=[remittance.invoice.pk]),
        ):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertTrue(b"".join(response.streaming_content).startswith(b"%PDF"))
        response = self.client.get(reverse("agency:batch_file", args=[remittance.batch_id]))
        self.assertIn(b"CstmrCdtTrfInitn", b"".join(response.streaming_content))
        self.assertContains(self.client.get(remittance.get_absolute_url()), remittance.number)
        response = self.client.post(reverse("agency:batch_sent", args=[remittance.batch_id]))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Remittance.objects.get().status, "sent")

    def test_a_period_ending_after_today_is_refused(self) -> None:
        self.client.force_login(self.alice)
        tomorrow = timezone.localdate() + timedelta(days=1)
        response = self.client.post(reverse("agency:remittances"), {"period_end": tomorrow})
        self.assertEqual(response.status_code, 400)
        self.assertIn("period_end", response.context["form"].errors)


class MandantSpaceTestCase(BooksTestCase):
    """A mandant sees its collections, statements and invoices; nothing of another's."""

    def setUp(self) -> None:
        super().setUp()
        self.other = self.second_mandant(iban=OTHER_IBAN)
        pay(self.creditor, self.debtor, 100_000, date(2026, 3, 3))
        pay(self.other, self.debtor_owing(self.other), 60_000, date(2026, 3, 4))
        run_remittances(self.alpha.pk, END)
        self.mine = Remittance.objects.get(creditor=self.creditor)
        self.theirs = Remittance.objects.get(creditor=self.other)
        self.mandant = make_user("dsi@telecom-ouest.example", self.alpha, Role.MANDANT)
        self.mandant.memberships.update(creditor=self.creditor)
        self.client.force_login(self.mandant)

    def test_the_dashboard_leads_to_the_space(self) -> None:
        response = self.client.get("/")
        self.assertRedirects(response, reverse("agency:mandant_home"))
        response = self.client.get(reverse("agency:mandant_home"))
        self.assertContains(response, self.mine.number)
        self.assertNotContains(response, self.theirs.number)
        self.assertContains(response, format_amount(100_000, "EUR"))
        self.assertNotContains(response, format_amount(60_000, "EUR"))

    def test_their_own_documents_only(self) -> None:
        ok = [
            reverse("agency:statement_pdf", args=[self.mine.pk]),
            reverse("agency:invoice_pdf", args=[self.mine.invoice.pk]),
            reverse("agency:remittance", args=[self.mine.pk]),
        ]
        for url in ok:
            self.assertEqual(self.client.get(url).status_code, 200, url)
        walled = [
            reverse("agency:statement_pdf", args=[self.theirs.pk]),
            reverse("agency:invoice_pdf", args=[self.theirs.invoice.pk]),
            reverse("agency:remittance", args=[self.theirs.pk]),
            reverse("agency:batch_file", args=[self.theirs.batch_id]),
            reverse("agency:trust"),
            reverse("agency:mandates"),
            reverse("agency:remittances"),
            reverse("agency:due_soon"),
        ]
        for url in walled:
            self.assertEqual(self.client.get(url).status_code, 404, url)

    def test_a_statement_is_not_handed_to_a_charlie(self) -> None:
        self.client.force_login(self.charlie)
        for url in (
            reverse("agency:statement_pdf", args=[self.mine.pk]),
            reverse("agency:invoice_pdf", args=[self.mine.invoice.pk]),
            reverse("agency:remittance", args=[self.mine.pk]),
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)
