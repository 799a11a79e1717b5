"""Every dunning page shows a mandant and a legal partner only the cases the case list
shows them (visible_to): the dry run, the outbox, the letters, the tasks, the scenarios."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from recouvra.core.models import Membership, Role
from recouvra.dunning.models import Channel, Message, Step

from ..base import make_claim, make_creditor, make_debtor, make_user
from .base import DunningTestCase


class DunningVisibilityTestCase(DunningTestCase):
    def setUp(self) -> None:
        super().setUp()
        today = timezone.localdate()
        dates = {"issue_date": today - timedelta(days=40), "due_date": today - timedelta(days=6)}
        other = make_creditor(self.alpha, "Énergie Sud", is_mandant=True)
        self.mine = make_claim(self.creditor, self.debtor, 10_000, **dates).case
        theirs_debtor = make_debtor(self.alpha, "Garage Lefèvre")
        self.theirs = make_claim(other, theirs_debtor, 20_000, **dates).case
        self.mandant = make_user("m@example.org", self.alpha, Role.MANDANT, creditor=self.creditor)
        self.partner = make_user("cj@example.org", self.alpha, Role.LEGAL_PARTNER)
        handed = make_claim(self.creditor, make_debtor(self.alpha, "Boulangerie Roux"), 5_000)
        self.handed = handed.case
        self.handed.legal_partner = Membership.objects.get(user=self.partner)
        self.handed.save()

    def test_it_shows_a_mandant_only_its_own_cases_in_the_dry_run(self) -> None:
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(reverse("dunning:run")), self.theirs.reference)
        self.client.force_login(self.mandant)
        page = self.client.get(reverse("dunning:run"))
        self.assertContains(page, self.mine.reference)
        self.assertNotContains(page, self.theirs.reference)
        self.assertNotContains(page, "200,00")  # nor its amount

    def test_it_shows_a_legal_partner_none_of_the_other_cases_in_the_dry_run(self) -> None:
        self.client.force_login(self.partner)
        page = self.client.get(reverse("dunning:run"))
        self.assertNotContains(page, self.theirs.reference)
        self.assertNotContains(page, self.mine.reference)
        self.assertContains(page, "0 dossier")

    def test_it_keeps_other_cases_off_every_dunning_page(self) -> None:
        Step.objects.filter(scenario=self.scenario, position=1).update(channel=Channel.REGISTERED)
        self.client.post(reverse("dunning:run"))  # nobody logged in: refused
        self.client.force_login(self.alice)
        self.client.post(reverse("dunning:run"))
        self.assertEqual(Message.objects.count(), 2)
        theirs = Message.objects.get(case=self.theirs)
        pages = [
            reverse("dunning:run"),
            reverse("dunning:outbox"),
            reverse("dunning:letters"),
            reverse("dunning:scenarios"),
            reverse("cases:tasks") + "?qui=tous",
            reverse("pages:dunning"),
        ]
        for user in (self.mandant, self.partner):
            self.client.force_login(user)
            for url in pages:
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200, url)
                self.assertNotContains(response, self.theirs.reference, msg_prefix=url)
            for name in ("dunning:document", "dunning:delivery"):
                url = reverse(name, args=[theirs.pk])
                self.assertEqual(self.client.get(url).status_code, 404, url)
            scenario = self.client.get(self.scenario.get_absolute_url())
            self.assertEqual(scenario.status_code, 404)
