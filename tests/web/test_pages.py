"""The shell: sign-in, navigation, dashboard and section pages, languages, password reset."""

from __future__ import annotations

from django.urls import reverse

from ..base import RecouvraTestCase, make_claim, make_payment

SECTIONS = [
    "pages:dashboard",
    "ledger:debtor_list",
    "ledger:claim_list",
    "cases:case_list",
    "imports:home",
    "pages:dunning",
    "pages:legal",
    "pages:reports",
    "pages:settings",
    "ledger:creditor_list",
]


class PagesTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        claim = make_claim(self.creditor, self.debtor, 200_000)
        make_payment(claim, 50_000)

    def test_it_sends_anonymous_visitors_to_the_sign_in_page(self) -> None:
        response = self.client.get(reverse("ledger:debtor_list"))
        self.assertRedirects(response, "/connexion/?next=/debiteurs/")

    def test_it_signs_in_with_email_and_password(self) -> None:
        response = self.client.post(
            reverse("login"), {"username": "alice@example.org", "password": "password"}
        )
        self.assertRedirects(response, "/")

    def test_it_says_so_when_the_password_is_wrong(self) -> None:
        response = self.client.post(
            reverse("login"), {"username": "alice@example.org", "password": "nope"}
        )
        self.assertContains(response, "Adresse e-mail ou mot de passe incorrect")

    def test_every_section_of_the_navigation_opens(self) -> None:
        self.client.force_login(self.alice)
        for name in SECTIONS:
            response = self.client.get(reverse(name))
            self.assertEqual(response.status_code, 200, name)
            self.assertContains(response, "Tableau de bord", msg_prefix=name)

    def test_the_dashboard_shows_the_outstanding_total(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(reverse("pages:dashboard"))
        self.assertContains(response, "1\u202f500,00\u00a0€")
        self.assertContains(response, "Balance âgée")

    def test_the_reports_page_ages_each_creditor(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(reverse("pages:reports"))
        self.assertContains(response, "Télécom Ouest")
        self.assertContains(response, "1\u202f500,00\u00a0€")

    def test_it_speaks_english_on_request(self) -> None:
        self.client.force_login(self.alice)
        self.client.post(reverse("set_language"), {"language": "en", "next": "/"})
        response = self.client.get(reverse("pages:dashboard"))
        self.assertContains(response, "Dashboard")
        self.assertContains(response, '<html lang="en">')

    def test_a_user_without_organisation_is_told_so(self) -> None:
        from recouvra.core.models import User

        lonely = User.objects.create_user("lonely@example.org", password="x")
        self.client.force_login(lonely)
        response = self.client.get(reverse("ledger:debtor_list"))
        self.assertContains(response, "aucune organisation", status_code=403)

    def test_it_stays_in_french_for_an_english_browser(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(reverse("pages:dashboard"), headers={"Accept-Language": "en"})
        self.assertContains(response, '<html lang="fr">')
