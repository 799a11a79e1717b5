"""Roles narrow what a member of the same organisation sees and may change."""

from __future__ import annotations

from django.urls import reverse

from recouvra.core.models import Membership, Role
from recouvra.ledger.models import Claim

from ..base import RecouvraTestCase, make_claim, make_creditor, make_debtor, make_user


class RolesTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.other_creditor = make_creditor(self.alpha, "Énergie Sud", is_mandant=True)
        self.other_debtor = make_debtor(self.alpha, "Garage Lefèvre")
        self.mine = make_claim(self.creditor, self.debtor, 10_000, reference="FA-MINE")
        self.theirs = make_claim(
            self.other_creditor, self.other_debtor, 20_000, reference="FA-THEIRS"
        )
        self.mandant = make_user(
            "mandant@example.org", self.alpha, Role.MANDANT, creditor=self.creditor
        )
        self.partner = make_user("cj@example.org", self.alpha, Role.LEGAL_PARTNER)

    def test_it_shows_a_mandant_only_its_own_claims(self) -> None:
        self.client.force_login(self.mandant)
        response = self.client.get(reverse("ledger:claim_list"))
        self.assertContains(response, "FA-MINE")
        self.assertNotContains(response, "FA-THEIRS")

    def test_it_hides_other_mandants_debtors_from_a_mandant(self) -> None:
        self.client.force_login(self.mandant)
        response = self.client.get(self.other_debtor.get_absolute_url())
        self.assertEqual(response.status_code, 404)

    def test_it_refuses_edits_to_a_mandant(self) -> None:
        self.client.force_login(self.mandant)
        response = self.client.post(reverse("ledger:claim_edit", args=[self.mine.pk]), {})
        self.assertEqual(response.status_code, 403)

    def test_it_shows_a_legal_partner_only_the_cases_handed_to_them(self) -> None:
        member = Membership.objects.get(user=self.partner)
        self.theirs.case.legal_partner = member
        self.theirs.case.save()
        self.client.force_login(self.partner)
        response = self.client.get(reverse("cases:case_list"))
        self.assertContains(response, self.theirs.case.reference)
        self.assertNotContains(response, self.mine.case.reference)
        self.assertEqual(self.client.get(self.mine.get_absolute_url()).status_code, 404)

    def test_it_lets_an_agent_edit_a_claim(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(reverse("ledger:claim_edit", args=[self.mine.pk]))
        self.assertEqual(response.status_code, 200)

    def test_it_shows_nothing_to_a_user_without_membership(self) -> None:
        self.assertEqual(Claim.objects.visible_to(None).count(), 0)
