"""Paramètres → Taux: every semester's rates with their status; staff add a missing one."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from recouvra.core.models import AuditEvent
from recouvra.lawdesk.models import LawRate

from ..base import RecouvraTestCase, make_claim


class RatesPageTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.url = reverse("lawdesk:rates")
        self.form = {
            "kind": "legal_other",
            "semester": "2026-S2",
            "percent": "2.70",
            "verified": "on",
            "source": "Arrêté du 23 juin 2026",
        }

    def test_it_shows_missing_and_unverified_rates(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(self.url)
        self.assertContains(response, "2026-S2")
        self.assertContains(response, "12,40 %")
        self.assertContains(response, "à confirmer")
        self.assertContains(response, "manquant")

    def test_staff_can_enter_the_missing_legal_rate(self) -> None:
        self.alice.is_staff = True
        self.alice.save()
        self.client.force_login(self.alice)
        self.assertRedirects(self.client.post(self.url, self.form), self.url)
        rate = LawRate.objects.get(kind="legal_other", semester="2026-S2")
        self.assertEqual(str(rate.percent), "2.700")
        self.assertTrue(AuditEvent.objects.filter(object_id=str(rate.pk)).exists())

    def test_entering_the_same_semester_again_corrects_it(self) -> None:
        self.alice.is_staff = True
        self.alice.save()
        self.client.force_login(self.alice)
        self.client.post(self.url, self.form)
        self.client.post(self.url, {**self.form, "percent": "2.71"})
        rate = LawRate.objects.get()
        self.assertEqual(str(rate.percent), "2.710")
        update = AuditEvent.objects.get(object_id=str(rate.pk), action="update")
        self.assertEqual(
            [Decimal(v) for v in update.changes["percent"]], [Decimal("2.7"), Decimal("2.71")]
        )

    def test_a_member_who_is_not_staff_cannot_enter_a_rate(self) -> None:
        self.client.force_login(self.alice)
        self.assertEqual(self.client.post(self.url, self.form).status_code, 403)
        self.assertFalse(LawRate.objects.exists())

    def test_a_badly_written_semester_is_refused(self) -> None:
        self.alice.is_staff = True
        self.alice.save()
        self.client.force_login(self.alice)
        response = self.client.post(self.url, {**self.form, "semester": "S2 2026"})
        self.assertContains(response, "Semestre au format 2026-S2", status_code=400)


class StatementOnPagesTestCase(RecouvraTestCase):
    def test_the_claim_page_shows_the_statement_with_its_periods(self) -> None:
        claim = make_claim(self.creditor, self.debtor, 100_000)  # due 4 Feb 2026, B2B
        self.client.force_login(self.alice)
        response = self.client.get(claim.get_absolute_url(), {"au": "2026-06-30"})
        self.assertContains(response, "Intérêts du 05/02/2026 au 30/06/2026")
        self.assertContains(response, "12,15 %")
        self.assertContains(response, "Indemnité forfaitaire")

    def test_the_statement_flags_the_unverified_2026_s2_rate(self) -> None:
        claim = make_claim(self.creditor, self.debtor, 100_000)
        self.client.force_login(self.alice)
        response = self.client.get(claim.get_absolute_url(), {"au": "2026-11-25"})
        self.assertContains(response, "taux à confirmer")

    def test_an_entered_rate_confirms_the_semester(self) -> None:
        LawRate.objects.create(
            kind="ecb_reference", semester="2026-S2", percent="2.40", source="BCE"
        )
        claim = make_claim(self.creditor, self.debtor, 100_000)
        self.client.force_login(self.alice)
        response = self.client.get(claim.get_absolute_url(), {"au": "2026-11-25"})
        self.assertNotContains(response, "taux à confirmer")

    def test_a_consumer_claim_stops_at_the_missing_legal_rate(self) -> None:
        claim = make_claim(self.creditor, self.debtor, 100_000, kind="b2c")
        claim.case.formal_notice_on = claim.due_date
        claim.case.save()
        self.client.force_login(self.alice)
        response = self.client.get(claim.get_absolute_url(), {"au": "2026-11-25"})
        self.assertContains(response, "Intérêts arrêtés à la dernière période connue")
        self.assertContains(response, "Paramètres → Taux")
        self.assertNotContains(response, "Indemnité forfaitaire")

    def test_a_bad_date_falls_back_to_today_with_a_message(self) -> None:
        claim = make_claim(self.creditor, self.debtor, 100_000)
        self.client.force_login(self.alice)
        response = self.client.get(claim.get_absolute_url(), {"au": "31/02/2026"})
        self.assertContains(response, "Date invalide")
