"""What lettrage learns stays explainable: facts on the debtor's page, removable."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recouvra.core.models import AuditEvent
from recouvra.ledger.models import Claim
from recouvra.lettrage.facts import Learnt, learn_from_matches
from recouvra.lettrage.matching import Line
from recouvra.lettrage.models import FactKind, MatchProposal, PayerFact
from recouvra.lettrage.reconcile import _history, apply_proposal, change_proposal

from .test_reconcile import PAYER_IBAN, ReconcileTestCase

MANDATE = "RUM-DUBOIS-0001"


class LearningTestCase(ReconcileTestCase):
    def facts(self) -> set[tuple[str, str, int | None]]:
        rows = PayerFact.objects.filter(removed_at__isnull=True)
        return set(rows.values_list("kind", "value", "debtor_id"))

    def history(self, *lines):  # noqa: ANN002, ANN201
        return _history(self.alpha.pk, [Line.of(line) for line in lines])

    def test_an_automatic_match_teaches_the_iban_and_the_mandate(self) -> None:
        self.claim(120_000, "FA-2026-0101")
        line = self.line(
            120_000,
            "PRLV SEPA FA 2026 0101",
            counterparty_iban="fr14 2004 1010 0505 0001 3m02 606",
            mandate_reference=MANDATE,
            booking_date=date(2026, 10, 3),
        )
        (proposal,) = self.propose(threshold=90)
        self.assertEqual(proposal.status, "applied")
        self.assertEqual(
            self.facts(),
            {
                (FactKind.IBAN, PAYER_IBAN, self.debtor.pk),
                (FactKind.MANDATE, MANDATE, self.debtor.pk),
            },
        )
        iban = PayerFact.objects.get(kind=FactKind.IBAN)
        self.assertEqual(
            iban.detail,
            f"IBAN {PAYER_IBAN} vu sur le prélèvement de 1\u202f200,00\u00a0€ du 03/10/2026, "
            "lettrage automatique",
        )
        self.assertEqual((iban.learned_from_id, iban.learned_by), (proposal.pk, None))
        self.assertEqual(self.history(line).mandates, {MANDATE: self.debtor.pk})

    def test_a_run_learns_in_one_insert_per_chunk(self) -> None:
        line = Line.of(self.line(10_000, "VIR", counterparty_iban=PAYER_IBAN))
        matches = [Learnt(line, self.debtor.pk, None)] * 400 + [
            Learnt(
                Line.of(self.line(10_000, "VIR", counterparty_iban=f"FR76{n:023d}")),
                self.debtor.pk,
                None,
            )
            for n in range(300)
        ]
        with CaptureQueriesContext(connection) as queries:
            learn_from_matches(self.alpha.pk, matches)
        sql = [q["sql"].split()[0] for q in queries.captured_queries]
        self.assertEqual(set(sql), {"INSERT"})  # nothing read, row by row or otherwise
        self.assertLessEqual(len(sql), 6)  # a statement per chunk (SQLite: per 90 rows)
        self.assertEqual(PayerFact.objects.count(), 301)

    def test_an_agents_answer_teaches_the_payers_name_too(self) -> None:
        claim = self.claim(80_000, "FA-2026-0007")
        self.line(
            80_000,
            "VIREMENT FA-2026-0007",
            counterparty_name="GARAGE DES PINS NANTES",
            counterparty_iban=PAYER_IBAN,
        )
        (proposal,) = self.propose()
        apply_proposal(proposal, actor=self.bob)
        self.assertEqual(
            self.facts(),
            {
                (FactKind.IBAN, PAYER_IBAN, self.debtor.pk),
                (FactKind.NAME, "garage pins nantes", self.debtor.pk),
            },
        )
        name = PayerFact.objects.get(kind=FactKind.NAME)
        self.assertEqual(name.learned_by, self.bob)
        self.assertIn("Nom « GARAGE DES PINS NANTES » vu sur le paiement de 800,00", name.detail)
        self.assertTrue(name.detail.endswith("lettré par bob"))
        self.assertTrue(AuditEvent.objects.filter(object_id=str(name.pk), action="create").exists())
        later = self.line(50_000, "VIR", counterparty_name="GARAGE DES PINS NANTES")
        self.assertEqual(self.history(later).names, {"garage pins nantes": {self.debtor.pk}})
        self.assertEqual(claim.pk, proposal.claims.get().pk)

    def test_the_next_run_knows_the_payer_an_agent_named(self) -> None:
        other = self.make_other_debtor()
        chosen = self.claim(30_000, "FA-9", debtor=other)
        self.claim(45_000, "FA-10", debtor=other)
        self.line(30_000, "VIREMENT", counterparty_name="HOLDING EMILE SAS")
        (proposal,) = self.propose()
        change_proposal(proposal, [chosen], actor=self.alice)
        later = self.line(45_000, "VIREMENT", counterparty_name="HOLDING EMILE SAS")
        self.propose()
        self.assertEqual(self.proposed(later), {"FA-10"})
        self.assertIn("name_seen", self.signals(later))

    def test_the_customer_number_a_payer_writes_is_learnt_and_read_back(self) -> None:
        other = self.make_other_debtor()
        chosen = self.claim(30_000, "FA-9", debtor=other)
        self.claim(45_000, "FA-10", debtor=other)
        self.claim(45_000, "FA-11")  # Dubois owes the same amount: the number tells them apart
        self.line(30_000, "REGLEMENT CLIENT 21342", counterparty_name="CABINET AUDIT CONSEIL")
        (proposal,) = self.propose()
        change_proposal(proposal, [chosen], actor=self.alice)
        habit = PayerFact.objects.get(kind=FactKind.REFERENCE_HABIT)
        self.assertEqual((habit.value, habit.debtor), ("21342", other))
        later = self.line(45_000, "ACOMPTE CLT 21342", counterparty_name="EXPERT COMPTABLE")
        self.propose()
        self.assertEqual(self.proposed(later), {"FA-10"})
        self.assertIn("reference_habit", self.signals(later))

    def test_the_debtors_own_name_is_not_learnt(self) -> None:
        self.claim(80_000, "FA-2026-0007")
        self.line(80_000, "VIREMENT FA-2026-0007", counterparty_name="SARL MENUISERIE DUBOIS")
        (proposal,) = self.propose()
        apply_proposal(proposal, actor=self.bob)
        self.assertFalse(PayerFact.objects.exists())

    def test_changing_the_claims_learns_for_the_debtor_chosen(self) -> None:
        other = self.make_other_debtor()
        chosen = self.claim(30_000, "FA-9", debtor=other)
        self.claim(80_000, "FA-2026-0007")
        self.line(80_000, "VIREMENT FA-2026-0007", counterparty_name="MENUISERIE DUBOIS")
        (proposal,) = self.propose()
        change_proposal(proposal, [chosen], actor=self.alice)
        # the payer writes the name of Dubois, and an agent says it paid for Boulangerie
        self.assertEqual(self.facts(), {(FactKind.NAME, "menuiserie dubois", other.pk)})

    def make_other_debtor(self):  # noqa: ANN201
        from ..base import make_debtor

        return make_debtor(self.alpha, "Boulangerie Emile")

    def test_a_removed_fact_is_no_longer_used_nor_learnt_again(self) -> None:
        self.claim(120_000, "FA-2026-0001")
        self.claim(40_000, "FA-2026-0002")
        self.line(120_000, "FA-2026-0001", counterparty_iban=PAYER_IBAN)
        self.propose(threshold=90)
        fact = PayerFact.objects.get()
        self.client.force_login(self.bob)
        response = self.client.post(reverse("lettrage:remove_fact", args=[fact.pk]))
        self.assertRedirects(response, self.debtor.get_absolute_url())
        fact.refresh_from_db()
        self.assertEqual((fact.removed_by, fact.removed_at is not None), (self.bob, True))
        later = self.line(40_000, "FA-2026-0002", counterparty_iban=PAYER_IBAN)
        self.assertEqual(self.history(later).ibans, {})
        self.propose(threshold=90)  # FA-2 paid from the same IBAN: nothing learnt again
        self.assertEqual(Claim.objects.get(reference="FA-2026-0002").status, "paid")
        self.assertEqual(PayerFact.objects.filter(removed_at__isnull=True).count(), 0)

    def test_the_history_says_what_was_paid_already_and_by_whom_not(self) -> None:
        self.claim(120_000, "FA-2026-0001")
        first = self.line(120_000, "VIR FA-2026-0001", reference="R1", counterparty_name="DUBOIS")
        self.propose(threshold=90)
        copy = self.line(120_000, "VIR FA-2026-0001", reference="R1", booking_date=date(2026, 3, 9))
        other = self.line(120_000, "VIR FA-2026-0002", reference="R2")
        PayerFact.objects.create(
            organization=self.alpha,
            kind=FactKind.NOT_OURS,
            value="garage pins nantes",
            detail="Remboursement d'un fournisseur",
        )
        stranger = self.line(5_000, "VIR", counterparty_name="GARAGE DES PINS NANTES")
        history = self.history(copy, other, stranger)
        self.assertEqual(
            history.paid,
            {
                (120_000, "FA-2026-0001"): (
                    "déjà reçu le 02/03/2026 de DUBOIS, lettré sur FA-2026-0001"
                )
            },
        )
        self.assertEqual(history.not_ours, {"garage pins nantes": "Remboursement d'un fournisseur"})
        self.assertEqual(first.proposals.get().status, "applied")


class FactsCardTestCase(ReconcileTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.claim(120_000, "FA-2026-0001")
        self.line(120_000, "FA-2026-0001", counterparty_iban=PAYER_IBAN)
        self.propose(threshold=90)
        self.fact = PayerFact.objects.get()

    def test_the_debtor_page_shows_what_was_learnt_and_where_from(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(self.debtor.get_absolute_url())
        self.assertContains(response, "Ce que le lettrage a appris")
        self.assertContains(response, PAYER_IBAN)
        self.assertContains(response, "vu sur le paiement de 1\u202f200,00")
        self.assertContains(response, reverse("lettrage:remove_fact", args=[self.fact.pk]))

    def test_a_removed_fact_is_listed_apart_with_who_removed_it(self) -> None:
        self.client.force_login(self.alice)
        self.client.post(reverse("lettrage:remove_fact", args=[self.fact.pk]))
        response = self.client.get(self.debtor.get_absolute_url())
        self.assertContains(response, 'data-testid="removed-fact"')
        self.assertContains(response, "par alice")
        self.assertNotContains(response, reverse("lettrage:remove_fact", args=[self.fact.pk]))

    def test_a_stranger_gets_a_404_and_the_fact_stays(self) -> None:
        self.client.force_login(self.charlie)
        response = self.client.post(reverse("lettrage:remove_fact", args=[self.fact.pk]))
        self.assertEqual(response.status_code, 404)
        self.fact.refresh_from_db()
        self.assertIsNone(self.fact.removed_at)

    def test_removing_needs_the_right_to_write(self) -> None:
        from recouvra.core.models import Membership, Role

        Membership.objects.filter(user=self.bob).update(role=Role.FIELD_COLLECTOR)
        self.client.force_login(self.bob)
        response = self.client.post(reverse("lettrage:remove_fact", args=[self.fact.pk]))
        self.assertEqual(response.status_code, 403)
        self.fact.refresh_from_db()
        self.assertIsNone(self.fact.removed_at)

    def test_removing_twice_changes_nothing_more(self) -> None:
        self.client.force_login(self.alice)
        url = reverse("lettrage:remove_fact", args=[self.fact.pk])
        self.client.post(url)
        self.client.post(url)
        events = AuditEvent.objects.filter(object_id=str(self.fact.pk), action="update")
        self.assertEqual(events.count(), 1)
        self.assertEqual(MatchProposal.objects.count(), 1)
