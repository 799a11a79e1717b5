"""Work queues: ranking, assignment rules, bulk reassignment, "Dossier suivant"."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.urls import reverse

from recouvra.cases import queue
from recouvra.cases.models import (
    AssignmentRule,
    Case,
    CaseStatus,
    InstalmentStatus,
    PaymentPlan,
    PlanInstalment,
    Promise,
    PromiseStatus,
    Task,
    TaskKind,
)
from recouvra.cases.plans import record_promise
from recouvra.core.models import Membership, Role
from recouvra.ledger.models import PaymentMethod, RiskLevel
from recouvra.ledger.services import record_payment

from ..base import RecouvraTestCase, make_claim, make_creditor, make_debtor, make_user

TODAY = date(2026, 6, 15)


class RankingTestCase(RecouvraTestCase):
    def case(self, name: str, cents: int, due: date, **debtor: str) -> Case:
        who = make_debtor(self.alpha, name, **debtor)
        return make_claim(self.creditor, who, cents, due_date=due, issue_date=due).case

    def ranked(self, *cases: Case) -> list[Case]:
        queue.rank_cases(self.alpha.pk, TODAY)
        for case in cases:
            case.refresh_from_db()
        return sorted(cases, key=lambda c: (-c.priority, c.pk))

    def test_bigger_and_older_debts_come_first(self) -> None:
        small = self.case("Petit", 5_000, TODAY - timedelta(days=10))
        big = self.case("Gros", 2_000_000, TODAY - timedelta(days=10))
        old = self.case("Vieux", 5_000, TODAY - timedelta(days=200))
        self.assertEqual(self.ranked(small, big, old)[-1], small)
        self.assertGreater(big.priority, small.priority)
        self.assertGreater(old.priority, small.priority)
        self.assertEqual(big.priority_reasons, ["amount_high"])
        self.assertEqual(old.priority_reasons, ["overdue_90"])
        self.assertEqual(small.priority_reasons, [])

    def test_risk_promise_instalment_and_task_raise_a_case_with_their_reason(self) -> None:
        due = TODAY - timedelta(days=10)
        plain = self.case("Simple", 50_000, due)
        risky = self.case("Risqué", 50_000, due, risk_level=RiskLevel.HIGH)
        promised = self.case("Promis", 50_000, due)
        Promise.objects.create(
            organization=self.alpha, case=promised, amount_cents=10_000, promised_on=TODAY
        )
        broken = self.case("Rompu", 50_000, due)
        Promise.objects.create(
            organization=self.alpha,
            case=broken,
            amount_cents=10_000,
            promised_on=TODAY - timedelta(days=8),
            status=PromiseStatus.BROKEN,
            decided_on=TODAY - timedelta(days=5),
        )
        lapsing = self.case("Échéance", 50_000, due)
        plan = PaymentPlan.objects.create(
            organization=self.alpha, case=lapsing, starts_on=TODAY - timedelta(days=20)
        )
        PlanInstalment.objects.create(
            organization=self.alpha,
            plan=plan,
            number=1,
            due_on=TODAY - timedelta(days=20),
            amount_cents=10_000,
            status=InstalmentStatus.UNPAID,
        )
        tasked = self.case("Tâche", 50_000, due)
        Task.objects.create(
            organization=self.alpha, case=tasked, kind=TaskKind.CALL, title="Rappeler", due_on=TODAY
        )
        order = self.ranked(plain, risky, promised, broken, lapsing, tasked)
        self.assertEqual(order[0], promised)
        self.assertEqual(order[-1], plain)
        self.assertEqual(promised.priority_reasons, ["promise_today"])
        self.assertEqual(broken.priority_reasons, ["promise_broken"])
        self.assertEqual(lapsing.priority_reasons, ["instalment_unpaid"])
        self.assertEqual(tasked.priority_reasons, ["task_due"])
        self.assertEqual(risky.priority_reasons, ["risk_high"])
        self.assertEqual(
            queue.reason_labels(promised.priority_reasons), ["Promesse due aujourd'hui"]
        )

    def test_an_old_broken_promise_no_longer_counts(self) -> None:
        case = self.case("Ancien", 50_000, TODAY - timedelta(days=10))
        Promise.objects.create(
            organization=self.alpha,
            case=case,
            amount_cents=10_000,
            promised_on=TODAY - timedelta(days=90),
            status=PromiseStatus.BROKEN,
            decided_on=TODAY - timedelta(days=60),
        )
        self.ranked(case)
        self.assertNotIn("promise_broken", case.priority_reasons)

    def test_a_paid_debt_falls_and_a_closed_case_drops_to_zero(self) -> None:
        case = self.case("Payeur", 2_000_000, TODAY - timedelta(days=100))
        self.ranked(case)
        self.assertIn("amount_high", case.priority_reasons)
        record_payment(
            self.alpha.pk,
            creditor_id=self.creditor.pk,
            debtor_id=case.debtor_id,
            amount_cents=2_000_000,
            received_on=TODAY,
            method=PaymentMethod.TRANSFER,
        )
        case.refresh_from_db()  # ranked again after the payment, by the signal
        self.assertEqual(case.priority_reasons, [])
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, priority=12)
        self.ranked(case)
        self.assertEqual(case.priority, 0)

    def test_a_new_promise_ranks_its_case_at_once(self) -> None:
        case = self.case("Promesse", 50_000, TODAY - timedelta(days=10))
        record_promise(case, amount_cents=10_000, promised_on=date.today())
        case.refresh_from_db()
        self.assertIn("promise_today", case.priority_reasons)

    def test_ranking_is_per_organisation(self) -> None:
        mine = self.case("À moi", 2_000_000, TODAY - timedelta(days=10))
        creditor = make_creditor(self.beta, "Beta client")
        theirs = make_claim(creditor, make_debtor(self.beta, "Autre"), 2_000_000).case
        Case.objects.filter(pk=theirs.pk).update(priority=0, priority_reasons=[])
        queue.rank_cases(self.alpha.pk, TODAY)
        theirs.refresh_from_db()
        mine.refresh_from_db()
        self.assertGreater(mine.priority, 0)
        self.assertEqual(theirs.priority, 0)

    def test_ranking_twice_changes_nothing_the_second_time(self) -> None:
        self.case("Stable", 2_000_000, TODAY - timedelta(days=100))
        self.assertEqual(queue.rank_cases(self.alpha.pk, TODAY), 1)
        self.assertEqual(queue.rank_cases(self.alpha.pk, TODAY), 0)


class AssignmentRulesTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.dora = make_user("dora@example.org", self.alpha, Role.AGENT)
        self.other = make_creditor(self.alpha, "Énergie Sud")

    def rule(self, position: int, agent, **conditions) -> AssignmentRule:  # noqa: ANN001, ANN003
        return AssignmentRule.objects.create(
            organization=self.alpha, position=position, assign_to=agent, **conditions
        )

    def new_case(self, creditor, cents: int, postcode: str = "") -> Case:  # noqa: ANN001
        debtor = make_debtor(self.alpha, f"D{cents}{postcode}", postal_code=postcode)
        return make_claim(creditor, debtor, cents).case

    def test_the_first_matching_rule_wins(self) -> None:
        self.rule(2, self.bob)  # everything else
        self.rule(1, self.dora, creditor=self.other)
        self.assertEqual(self.new_case(self.other, 10_000).assigned_to, self.dora)
        self.assertEqual(self.new_case(self.creditor, 10_000).assigned_to, self.bob)

    def test_amount_band_and_postcode(self) -> None:
        self.rule(1, self.dora, min_cents=100_000, max_cents=500_000)
        self.rule(2, self.bob, postcode_prefix="69")
        self.assertEqual(self.new_case(self.creditor, 200_000).assigned_to, self.dora)
        self.assertEqual(self.new_case(self.creditor, 600_000, "69003").assigned_to, self.bob)
        self.assertIsNone(self.new_case(self.creditor, 600_000, "75001").assigned_to)
        self.assertIn(
            "règle d'attribution", self.new_case(self.creditor, 300_000).interactions.first().text
        )

    def test_an_inactive_rule_is_skipped(self) -> None:
        self.rule(1, self.dora, is_active=False)
        self.rule(2, self.bob)
        self.assertEqual(self.new_case(self.creditor, 10_000).assigned_to, self.bob)

    def test_applying_the_rules_assigns_only_unassigned_open_cases(self) -> None:
        kept = self.new_case(self.creditor, 10_000)
        Case.objects.filter(pk=kept.pk).update(assigned_to=self.alice)
        loose = self.new_case(self.other, 10_000)
        self.rule(1, self.bob)
        member = Membership.objects.get(user=self.alice)
        self.assertEqual(queue.apply_rules(member, actor=self.alice), 1)
        kept.refresh_from_db()
        loose.refresh_from_db()
        self.assertEqual(kept.assigned_to, self.alice)
        self.assertEqual(loose.assigned_to, self.bob)

    def test_the_rules_page_adds_reorders_and_deletes(self) -> None:
        self.client.force_login(self.alice)
        url = reverse("cases:assignment_rules")
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(
            reverse("cases:assignment_rule_new"),
            {"position": "1", "assign_to": self.bob.pk, "postcode_prefix": "69", "is_active": "on"},
        )
        self.assertEqual(response.status_code, 302)
        rule = AssignmentRule.objects.get()
        self.assertEqual((rule.assign_to, rule.postcode_prefix), (self.bob, "69"))
        self.assertContains(self.client.get(url), "69")
        bad = self.client.post(
            reverse("cases:assignment_rule_new"),
            {"position": "2", "assign_to": self.bob.pk, "min_cents": "500", "max_cents": "100"},
        )
        self.assertContains(bad, "minimum", status_code=400)
        second = self.rule(5, self.dora)
        self.client.post(reverse("cases:assignment_rule_move", args=[second.pk]), {"sens": "haut"})
        self.assertEqual(
            list(AssignmentRule.objects.values_list("pk", flat=True)), [second.pk, rule.pk]
        )
        self.client.post(reverse("cases:assignment_rule_delete", args=[rule.pk]))
        self.assertEqual(list(AssignmentRule.objects.all()), [second])

    def test_only_an_admin_edits_the_rules(self) -> None:
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(reverse("cases:assignment_rules")).status_code, 403)

    def test_the_apply_button(self) -> None:
        loose = self.new_case(self.creditor, 10_000)
        self.rule(1, self.dora)
        self.client.force_login(self.alice)
        self.client.post(reverse("cases:assignment_apply"))
        loose.refresh_from_db()
        self.assertEqual(loose.assigned_to, self.dora)


class ReassignmentTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cases = [
            make_claim(self.creditor, make_debtor(self.alpha, f"D{i}"), 10_000).case
            for i in range(3)
        ]
        self.alice_member = Membership.objects.get(user=self.alice)
        self.charlie_member = Membership.objects.get(user=self.charlie)

    def test_it_moves_the_cases_with_audit_and_timeline(self) -> None:
        ids = [case.pk for case in self.cases[:2]]
        moved = queue.reassign_cases(self.alice_member, ids, self.bob, actor=self.alice)
        self.assertEqual(moved, 2)
        self.assertEqual(
            set(Case.objects.filter(assigned_to=self.bob).values_list("pk", flat=True)), set(ids)
        )
        self.assertIn("réattribué", self.cases[0].interactions.first().text)
        self.assertEqual(queue.reassign_cases(self.alice_member, ids, self.bob), 0)

    def test_charlie_cannot_reassign_alices_cases(self) -> None:
        charlie_case = make_claim(
            make_creditor(self.beta, "B"), make_debtor(self.beta, "X"), 10_000
        ).case
        with self.assertRaises(Case.DoesNotExist):
            queue.reassign_cases(self.charlie_member, [self.cases[0].pk], self.charlie)
        with self.assertRaises(ValidationError):  # nor give a case to someone of Alpha
            queue.reassign_cases(self.charlie_member, [charlie_case.pk], self.bob)
        self.assertIsNone(Case.objects.get(pk=self.cases[0].pk).assigned_to)
        self.client.force_login(self.charlie)
        response = self.client.post(
            reverse("cases:reassign"), {"cases": [self.cases[0].pk], "user": self.charlie.pk}
        )
        self.assertEqual(response.status_code, 404)

    def test_bulk_reassignment_from_the_case_list(self) -> None:
        self.client.force_login(self.alice)
        ids = [case.pk for case in self.cases]
        response = self.client.post(reverse("cases:reassign"), {"cases": ids, "user": self.bob.pk})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Case.objects.filter(assigned_to=self.bob).count(), 3)
        self.assertContains(self.client.get(reverse("cases:case_list")), 'name="cases"')

    def test_an_agent_cannot_reassign(self) -> None:
        self.client.force_login(
            make_user("m@example.org", self.alpha, Role.MANDANT, creditor=self.creditor)
        )
        response = self.client.post(
            reverse("cases:reassign"), {"cases": [self.cases[0].pk], "user": self.bob.pk}
        )
        self.assertEqual(response.status_code, 403)


class QueuePageTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cases = []
        for i, cents in enumerate((10_000, 3_000_000, 200_000)):
            case = make_claim(
                self.creditor,
                make_debtor(self.alpha, f"Débiteur {i}"),
                cents,
                due_date=date.today() - timedelta(days=10),
            ).case
            self.cases.append(case)
        Case.objects.filter(pk__in=[c.pk for c in self.cases]).update(assigned_to=self.bob)
        queue.rank_cases(self.alpha.pk)
        self.order = list(Case.objects.filter(assigned_to=self.bob).order_by("-priority", "id"))

    def test_the_queue_lists_my_cases_by_priority_with_reasons(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(reverse("cases:queue"))
        html = response.content.decode()
        positions = [html.index(case.reference) for case in self.order]
        self.assertEqual(positions, sorted(positions))
        self.assertContains(response, "Montant élevé")

    def test_the_queue_filters_by_reason(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(reverse("cases:queue"), {"raison": "amount_high"})
        self.assertContains(response, self.order[0].reference)
        self.assertNotContains(response, self.order[-1].reference)

    def test_an_admin_looks_at_an_agents_queue_an_agent_only_at_theirs(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(reverse("cases:queue"), {"agent": self.bob.pk})
        self.assertContains(response, self.order[0].reference)
        self.client.force_login(self.bob)
        response = self.client.get(reverse("cases:queue"), {"agent": self.alice.pk})
        self.assertContains(response, self.order[0].reference)  # still bob's own

    def test_next_case_walks_the_queue(self) -> None:
        self.client.force_login(self.bob)
        url = reverse("cases:next_case")
        seen = []
        response = self.client.get(url)
        while response.status_code == 302 and "dossiers" in response.url:
            pk = int(response.url.split("/")[2])
            seen.append(pk)
            response = self.client.get(url, {"apres": pk})
        self.assertEqual(seen, [case.pk for case in self.order])
        self.assertEqual(response.url, reverse("cases:queue"))

    def test_the_case_page_opened_from_the_queue_offers_the_next_case(self) -> None:
        self.client.force_login(self.bob)
        case = self.order[0]
        response = self.client.get(case.get_absolute_url(), {"file": "1"})
        self.assertContains(response, "Dossier suivant")
        self.assertContains(response, f"{reverse('cases:next_case')}?apres={case.pk}")
        self.assertNotContains(self.client.get(case.get_absolute_url()), "Dossier suivant")

    def test_charlie_sees_none_of_alphas_queue(self) -> None:
        self.client.force_login(self.charlie)
        response = self.client.get(reverse("cases:queue"), {"agent": self.bob.pk})
        self.assertNotContains(response, self.order[0].reference)
        response = self.client.get(reverse("cases:next_case"), {"apres": self.order[0].pk})
        self.assertEqual(response.status_code, 404)


class ImportAssignmentTestCase(RecouvraTestCase):
    def test_an_import_gives_its_new_cases_by_the_rules(self) -> None:
        from django.core.files.base import ContentFile

        from recouvra.imports.ledger_import import import_claims
        from recouvra.imports.models import ImportBatch, ImportKind
        from recouvra.imports.records import LedgerClaim

        AssignmentRule.objects.create(
            organization=self.alpha, position=1, assign_to=self.alice, min_cents=100_000
        )
        AssignmentRule.objects.create(organization=self.alpha, position=2, assign_to=self.bob)
        rows = [
            LedgerClaim(
                reference=f"IMP-{n}",
                issue_date=date(2026, 1, 5),
                due_date=date(2026, 2, 4),
                amount_cents=cents,
                debtor_name=name,
                line_no=n + 2,
            )
            for n, (name, cents) in enumerate((("Gros Client", 500_000), ("Petit Client", 5_000)))
        ]
        batch = ImportBatch.objects.create(
            organization=self.alpha,
            kind=ImportKind.LEDGER,
            filename="balance.csv",
            file=ContentFile(b"x", name="balance.csv"),
            sha256="1" * 64,
            creditor=self.creditor,
        )
        import_claims(batch, rows)
        owners = dict(Case.objects.values_list("debtor__name", "assigned_to"))
        self.assertEqual(owners, {"Gros Client": self.alice.pk, "Petit Client": self.bob.pk})


class QueuePagingTestCase(RecouvraTestCase):
    def test_the_queue_is_paged_and_loses_no_case(self) -> None:
        from recouvra.cases.queue_views import QUEUE_PAGE

        for n in range(QUEUE_PAGE + 3):
            make_claim(self.creditor, make_debtor(self.alpha, f"Débiteur {n:03d}"), 10_000 + n)
        Case.objects.update(assigned_to=self.bob)
        queue.rank_cases(self.alpha.pk)
        self.client.force_login(self.bob)
        first = self.client.get(reverse("cases:queue"))
        self.assertContains(first, 'data-testid="queue-more"')
        second = self.client.get(reverse("cases:queue"), {"page": "2"})
        self.assertNotContains(second, 'data-testid="queue-more"')
        shown = first.content.decode().count("?file=1") + second.content.decode().count("?file=1")
        self.assertEqual(shown, QUEUE_PAGE + 3)
        self.assertEqual(self.client.get(reverse("cases:queue"), {"page": "x"}).status_code, 200)
