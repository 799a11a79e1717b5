"""The collector's round and the visit page: the order of the day, what came of a visit, a
payment taken on the spot and its receipt number, and the bad input that saves nothing."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from recouvra.cases.models import Interaction, Promise, Task, TaskKind
from recouvra.field.services import route_key, todays_round
from recouvra.ledger.models import Payment, PaymentMethod

from .base import FieldTestCase


class RoundTests(FieldTestCase):
    def test_it_orders_the_round_by_postcode_street_and_number(self) -> None:
        self.visit_for(self.debtor_at("Bis", "12 bis rue des Lilas", "69003"))
        self.visit_for(self.debtor_at("Deux", "2 rue des Lilas", "69003"))
        self.visit_for(self.debtor_at("Avenue", "40 avenue Foch", "69003"))
        self.visit_for(self.debtor_at("Villeurbanne", "1 rue Anatole France", "69100"))
        self.visit_for(self.debtor_at("Premier", "99 rue Zola", "69001"))
        self.client.force_login(self.dora)
        response = self.client.get(reverse("field:today"))
        names = [v.debtor.name for v in response.context["visits"]]
        self.assertEqual(
            names, ["Premier", "Avenue", "Deux", "Menuiserie Dubois", "Bis", "Villeurbanne"]
        )

    def test_it_reads_the_house_number_apart_from_the_street(self) -> None:
        debtor = self.debtor
        debtor.address_line1 = "7 ter, boulevard Voltaire"
        self.assertEqual(route_key(debtor)[1:4], ("boulevard voltaire", 7, 2))

    def test_it_shows_only_my_visits_due_and_not_done(self) -> None:
        other = self.debtor_at("Plus tard", "1 rue Neuve", "69003")
        self.visit_for(other, due_on=self.today + timedelta(days=1))
        self.visit_for(self.debtor_at("De bob", "1 rue Bob", "69003"), who=self.bob)
        late = self.visit_for(self.debtor_at("En retard", "3 rue Vieille", "69003"),
                              due_on=self.today - timedelta(days=2))  # fmt: skip
        done = self.visit_for(self.debtor_at("Faite", "5 rue Faite", "69003"))
        Task.objects.filter(pk=done.pk).update(done_at=late.created_at)
        membership = self.dora.memberships.get()
        tasks = [v.task.pk for v in todays_round(membership, self.today)]
        self.assertEqual(sorted(tasks), sorted([self.task.pk, late.pk]))

    def test_a_visit_shows_the_map_the_phone_the_balance_and_promises(self) -> None:
        Promise.objects.create(
            organization=self.alpha, case=self.case, amount_cents=30_000, promised_on=self.today
        )
        self.client.force_login(self.dora)
        response = self.client.get(reverse("field:today"))
        self.assertContains(response, "https://www.openstreetmap.org/search?query=12+rue+des+Lilas")
        self.assertContains(response, 'href="tel:0612345678"')
        self.assertContains(response, "1\u202f250,00\u00a0€")
        self.assertContains(response, "300,00\u00a0€")

    def test_the_round_takes_as_many_queries_for_two_visits_as_for_six(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.client.force_login(self.dora)
        url = reverse("field:today")
        self.visit_for(self.debtor_at("Deux", "2 rue des Lilas", "69003"))
        with CaptureQueriesContext(connection) as two:
            self.client.get(url)
        for n in range(4):
            self.visit_for(self.debtor_at(f"Autre {n}", f"{n} rue Neuve", "69004"))
        with CaptureQueriesContext(connection) as six:
            response = self.client.get(url)
        self.assertEqual(len(response.context["visits"]), 6)
        self.assertEqual(len(six), len(two))

    def test_the_dashboard_sends_the_collector_to_the_round(self) -> None:
        self.client.force_login(self.dora)
        self.assertRedirects(self.client.get("/"), reverse("field:today"))
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get("/").status_code, 200)

    def test_the_collector_s_menu_shows_only_what_they_use(self) -> None:
        self.client.force_login(self.dora)
        response = self.client.get(reverse("field:today"))
        keys = [item["key"] for item in response.context["nav_items"]]
        self.assertEqual(keys, ["field", "cases", "tasks"])


class OutcomeTests(FieldTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.dora)
        self.url = reverse("field:visit", args=[self.task.pk])

    def test_it_records_the_outcome_and_completes_the_visit(self) -> None:
        next_on = self.today + timedelta(days=7)
        response = self.client.post(
            self.url, {"outcome": "absent", "note": "Avis de passage", "next_visit_on": next_on}
        )
        self.assertRedirects(response, reverse("field:today"))
        self.task.refresh_from_db()
        self.assertIsNotNone(self.task.done_at)
        entry = Interaction.objects.get(case=self.case, kind="visit")
        self.assertIn("débiteur absent. Avis de passage", entry.text)
        self.assertEqual(entry.author, self.dora)
        follow_up = Task.objects.get(case=self.case, kind=TaskKind.VISIT, done_at__isnull=True)
        self.assertEqual((follow_up.due_on, follow_up.assigned_to), (next_on, self.dora))

    def test_a_promise_on_the_doorstep_is_recorded(self) -> None:
        self.client.post(
            self.url,
            {"outcome": "promise", "promise_amount": "400", "promised_on": self.today},
        )
        promise = Promise.objects.get(case=self.case)
        self.assertEqual((promise.amount_cents, promise.promised_on), (40_000, self.today))

    def test_a_promise_above_the_balance_saves_nothing(self) -> None:
        response = self.client.post(
            self.url,
            {"outcome": "promise", "promise_amount": "5000", "promised_on": self.today,
             "next_visit_on": self.today + timedelta(days=3)},
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "dépasse le solde dû", status_code=400)
        self.assertFalse(Promise.objects.exists())
        self.assertEqual(Task.objects.filter(done_at__isnull=True).count(), 1)

    def test_a_visit_done_cannot_be_recorded_twice(self) -> None:
        self.client.post(self.url, {"outcome": "met"})
        response = self.client.post(self.url, {"outcome": "refused"})
        self.assertContains(response, "déjà faite", status_code=400)
        self.assertEqual(Interaction.objects.filter(case=self.case, kind="visit").count(), 1)


class PaymentTests(FieldTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.dora)
        self.url = reverse("field:take_payment", args=[self.task.pk])

    def test_a_cash_payment_is_recorded_numbered_and_shown_at_once(self) -> None:
        # the payment goes through record_payment (collected_by set): the agency's books
        # hear of it there (their payment_recorded listener tells the mandant, R124-5)
        response = self.client.post(self.url, {"amount": "150,50", "method": "cash"})
        payment = Payment.objects.get()
        receipt_url = reverse("field:receipt", args=[payment.pk])
        self.assertRedirects(response, f"{receipt_url}?visite={self.task.pk}")
        year = self.today.year
        self.assertEqual(payment.receipt_number, f"Q-{year}-000001")
        self.assertEqual((payment.amount_cents, payment.method), (15_050, PaymentMethod.CASH))
        self.assertEqual(payment.collected_by, self.dora)
        self.assertEqual(payment.allocations.get().claim, self.claim)
        self.assertTrue(Interaction.objects.filter(case=self.case, kind="payment").exists())
        page = self.client.get(response.url)
        self.assertContains(page, f"Q-{year}-000001")
        finish = reverse("field:visit", args=[self.task.pk]) + "?issue=paid"
        self.assertContains(page, finish)  # then the report of the visit, "paid" chosen
        self.assertContains(
            self.client.get(finish), 'value="paid" required id="id_outcome_4" checked'
        )

    def test_the_same_entry_sent_twice_records_one_payment(self) -> None:
        form = self.client.get(reverse("field:visit", args=[self.task.pk])).context["payment_form"]
        entry = form["entry"].value()
        self.assertRegex(entry, "^[0-9a-f]{32}$")
        data = {"amount": "20", "method": "cash", "entry": entry}
        first = self.client.post(self.url, data)
        second = self.client.post(self.url, data)
        self.assertEqual(Payment.objects.count(), 1)
        self.assertEqual(first.url, second.url)

    def test_a_cheque_keeps_its_number_and_bank(self) -> None:
        self.client.post(
            self.url,
            {"amount": "100", "method": "cheque", "cheque_number": "1234567",
             "cheque_bank": "Crédit Agricole"},
        )  # fmt: skip
        self.assertEqual(Payment.objects.get().reference, "chèque n° 1234567, Crédit Agricole")

    def test_a_payment_without_an_amount_saves_nothing(self) -> None:
        response = self.client.post(self.url, {"amount": "", "method": "cash"})
        self.assertContains(response, "une quittance porte un montant", status_code=400)
        self.assertFalse(Payment.objects.exists())

    def test_a_cheque_without_its_number_saves_nothing(self) -> None:
        response = self.client.post(
            self.url, {"amount": "100", "method": "cheque", "cheque_bank": "LCL"}
        )
        self.assertContains(response, "numéro du chèque", status_code=400)
        self.assertFalse(Payment.objects.exists())

    def test_an_amount_above_the_balance_saves_nothing(self) -> None:
        response = self.client.post(self.url, {"amount": "1250,01", "method": "card"})
        self.assertContains(response, "dépasse le solde dû", status_code=400)
        self.assertFalse(Payment.objects.exists())

    def test_a_negative_amount_saves_nothing(self) -> None:
        response = self.client.post(self.url, {"amount": "-5", "method": "cash"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Payment.objects.exists())


class AccessTests(FieldTestCase):
    def test_charlie_gets_404_on_alice_s_visits_and_receipts(self) -> None:
        self.client.force_login(self.dora)
        self.client.post(
            reverse("field:take_payment", args=[self.task.pk]), {"amount": "10", "method": "cash"}
        )
        payment = Payment.objects.get()
        self.client.force_login(self.charlie)
        for url in (
            reverse("field:visit", args=[self.task.pk]),
            reverse("field:receipt", args=[payment.pk]),
            reverse("letters:receipt", args=[payment.pk]),
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        response = self.client.post(
            reverse("field:take_payment", args=[self.task.pk]), {"amount": "10", "method": "cash"}
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Payment.objects.count(), 1)

    def test_another_collector_s_visit_is_a_404_to_a_collector(self) -> None:
        bob_visit = self.visit_for(self.case, who=self.bob)
        self.client.force_login(self.dora)
        self.assertEqual(
            self.client.get(reverse("field:visit", args=[bob_visit.pk])).status_code, 404
        )

    def test_the_collector_cannot_reach_admin_pages_but_sees_the_cases_of_visits(self) -> None:
        self.client.force_login(self.dora)
        self.assertEqual(self.client.get(self.case.get_absolute_url()).status_code, 200)
        self.assertEqual(self.client.post(reverse("pages:organization_logo")).status_code, 403)
        self.assertEqual(self.client.get(reverse("ledger:creditor_add")).status_code, 403)
        admin = self.client.get("/admin/")
        self.assertEqual(admin.status_code, 302)
        self.assertIn("/admin/login/", admin.url)

    def test_a_mandant_cannot_work_visits(self) -> None:
        from recouvra.core.models import Role

        from ..base import make_user

        mandant = make_user("m@example.org", self.alpha, Role.MANDANT, creditor=self.creditor)
        self.client.force_login(mandant)
        self.assertEqual(self.client.get(reverse("field:today")).status_code, 403)


class CaseCardTests(FieldTestCase):
    def test_the_case_page_shows_its_visits_and_the_receipts_taken(self) -> None:
        from recouvra.field.services import take_payment

        payment = take_payment(self.task, amount_cents=5_000, method="cash", actor=self.dora)
        self.client.force_login(self.bob)
        page = self.client.get(self.case.get_absolute_url())
        self.assertContains(page, reverse("field:visit", args=[self.task.pk]))
        self.assertContains(page, payment.receipt_number)
