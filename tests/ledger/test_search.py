"""List pages search without caring for accents or case, on SQLite as on PostgreSQL."""

from __future__ import annotations

from django.urls import reverse

from ..base import RecouvraTestCase, make_claim, make_debtor


class SearchTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        make_debtor(self.alpha, "Société Générale des Eaux", city="Orléans")
        make_debtor(self.alpha, "Garage Lefèvre", city="Besançon")
        self.client.force_login(self.alice)

    def search(self, query: str):  # noqa: ANN201
        return self.client.get(reverse("ledger:debtor_list"), {"q": query})

    def test_it_finds_accented_names_without_accents(self) -> None:
        response = self.search("societe generale")
        self.assertContains(response, "Société Générale des Eaux")
        self.assertNotContains(response, "Garage Lefèvre")

    def test_it_finds_plain_names_with_accents_and_capitals(self) -> None:
        self.assertContains(self.search("LEFÈVRE"), "Garage Lefèvre")

    def test_it_searches_the_city(self) -> None:
        response = self.search("besancon")
        self.assertContains(response, "Garage Lefèvre")
        self.assertNotContains(response, "Société Générale")

    def test_it_finds_claims_by_debtor_name(self) -> None:
        make_claim(self.creditor, self.debtor, reference="FA-SEARCH-1")
        response = self.client.get(reverse("ledger:claim_list"), {"q": "menuiserie"})
        self.assertContains(response, "FA-SEARCH-1")

    def test_it_sorts_and_paginates(self) -> None:
        for i in range(30):
            make_debtor(self.alpha, f"Zèbre {i:02d}")
        response = self.client.get(reverse("ledger:debtor_list"), {"sort": "-name"})
        self.assertContains(response, "Zèbre 29")
        self.assertNotContains(response, "Garage Lefèvre")  # on page 2
        self.assertContains(response, "Page 1 sur 2")

    def test_it_returns_only_the_table_to_htmx(self) -> None:
        response = self.search("garage")
        partial = self.client.get(
            reverse("ledger:debtor_list"),
            {"q": "garage"},
            headers={"HX-Request": "true", "HX-Target": "object-table"},
        )
        self.assertContains(partial, "Garage Lefèvre")
        self.assertNotContains(partial, '<nav class="nav"')
        self.assertContains(response, '<nav class="nav"')

    def test_it_filters_by_risk_and_the_page_shows_the_rating(self) -> None:
        risky = make_debtor(self.alpha, "Transports Risque", risk_level="high")
        response = self.client.get(reverse("ledger:debtor_list"), {"risk_level": "high"})
        self.assertContains(response, "Transports Risque")
        self.assertNotContains(response, "Garage Lefèvre")
        page = self.client.get(risky.get_absolute_url())
        self.assertContains(page, '<dd data-testid="debtor-risk">Élevé</dd>', html=True)
