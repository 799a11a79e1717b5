"""Claim and case pages of a claim whose contractual rate is below the legal floor (C. com.
L441-10 II), or whose statement the law engine refuses: the page renders and says why."""

from __future__ import annotations

from django.urls import reverse

from recouvra.core.models import Membership, Role

from ..base import RecouvraTestCase, make_claim_below_floor, make_user


class RateBelowFloorTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.claim = make_claim_below_floor(self.creditor, self.debtor)
        self.client.force_login(self.alice)

    def test_it_shows_the_claim_s_statement_at_the_floor(self) -> None:
        response = self.client.get(self.claim.get_absolute_url(), {"au": "2024-12-31"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "15,21 %")  # the floor of 2024-S1, in the rate column
        self.assertContains(response, "au lieu du taux contractuel de 10 %")

    def test_it_shows_a_banner_linking_to_the_claim_s_form(self) -> None:
        response = self.client.get(self.claim.get_absolute_url(), {"au": "2024-12-31"})
        self.assertContains(response, 'data-testid="floor-banner"', count=1)
        self.assertContains(response, "inférieur au plancher légal")
        self.assertContains(response, reverse("ledger:claim_edit", args=[self.claim.pk]))

    def test_it_shows_the_banner_on_the_case_page(self) -> None:
        response = self.client.get(self.claim.case.get_absolute_url(), {"au": "2024-12-31"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-testid="floor-banner"', count=1)
        self.assertContains(response, reverse("ledger:claim_edit", args=[self.claim.pk]))

    def test_it_gives_a_read_only_member_the_banner_without_the_link(self) -> None:
        mandant = make_user("mandant@example.org", self.alpha, Role.MANDANT)
        Membership.objects.filter(user=mandant).update(creditor=self.creditor)
        self.client.force_login(mandant)
        response = self.client.get(self.claim.get_absolute_url(), {"au": "2024-12-31"})
        self.assertContains(response, 'data-testid="floor-banner"', count=1)
        self.assertNotContains(response, reverse("ledger:claim_edit", args=[self.claim.pk]))

    def test_it_says_which_rate_to_enter_where_when_the_floor_is_missing(self) -> None:
        # the legal rate of 2026-S2 is not in the tables: no floor to check the rate against
        response = self.client.get(self.claim.get_absolute_url(), {"au": "2026-09-30"})
        self.assertContains(response, 'data-testid="statement-missing-rate"')
        self.assertContains(response, "Paramètres → Taux")
        self.assertContains(response, reverse("lawdesk:rates"))

    def test_a_date_past_the_calendar_is_refused_and_the_statement_stops_today(self) -> None:
        response = self.client.get(self.claim.get_absolute_url(), {"au": "9999-12-31"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Le décompte est arrêté à aujourd&#x27;hui.")
        self.assertNotContains(response, 'data-testid="statement-refused"')
