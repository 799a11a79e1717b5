"""API of the work queues: the queue ordered with its reasons, assignment rules, bulk
reassignment, a case's next action, disputes with their outcomes and documents."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from recouvra.api.models import Scope
from recouvra.cases import disputes, queue
from recouvra.cases.models import AssignmentRule, Case, CaseStatus, Dispute, Interaction
from recouvra.core.models import Role
from recouvra.ledger.models import Claim

from ..base import make_claim, make_creditor, make_debtor, make_user
from .base import ApiTestCase


class QueueApiTestCase(ApiTestCase):
    def ids(self, response) -> list[int]:  # noqa: ANN001
        self.assertEqual(response.status_code, 200, response.content[:500])
        return [row["id"] for row in response.json()["results"]]

    def setUp(self) -> None:
        super().setUp()
        due = date.today() - timedelta(days=10)
        self.cases = []
        for n, cents in enumerate((10_000, 3_000_000, 200_000)):
            debtor = make_debtor(self.alpha, f"Débiteur {n}", postal_code=f"6900{n}")
            claim = make_claim(self.creditor, debtor, cents, due_date=due, issue_date=due)
            self.cases.append(claim.case)
        Case.objects.filter(pk__in=[c.pk for c in self.cases]).update(assigned_to=self.bob)
        queue.rank_cases(self.alpha.pk)
        self.order = list(Case.objects.filter(assigned_to=self.bob).order_by("-priority", "id"))
        beta = make_claim(make_creditor(self.beta, "B"), make_debtor(self.beta, "X"), 10_000)
        self.beta_case = beta.case

    def test_the_queue_is_ordered_by_priority_with_reasons(self) -> None:
        response = self.get(f"queue/?agent={self.bob.pk}")
        self.assertEqual(response.status_code, 200, response.content)
        rows = response.json()["results"]
        self.assertEqual([r["id"] for r in rows], [c.pk for c in self.order])
        self.assertEqual(rows[0]["reasons"], ["amount_high"])
        self.assertEqual(rows[0]["reason_labels"], ["Montant élevé"])
        self.assertEqual(rows[0]["balance_cents"], 3_000_000)
        self.assertEqual(
            [r["priority"] for r in rows], sorted((r["priority"] for r in rows), reverse=True)
        )
        only = self.get("queue/?reason=amount_high").json()["results"]
        self.assertEqual([r["id"] for r in only], [self.order[0].pk])
        self.assertEqual(self.get("queue/", key=self.charlie_key).json()["results"][0]["id"],
                         self.beta_case.pk)  # fmt: skip
        self.assertProblem(self.get("queue/?reason=nope"), 400, "reason")

    def test_bulk_reassignment(self) -> None:
        dora = make_user("dora@example.org", self.alpha, Role.AGENT)
        ids = [c.pk for c in self.cases[:2]]
        response = self.post("queue/reassign/", {"cases": ids, "user": dora.pk})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"reassigned": 2})
        self.assertEqual(Case.objects.filter(assigned_to=dora).count(), 2)
        self.assertEqual(self.ids(self.get(f"queue/?agent={dora.pk}")), sorted(
            ids, key=lambda pk: [c.pk for c in self.order].index(pk)))  # fmt: skip

    def test_charlie_cannot_reassign_alices_cases(self) -> None:
        response = self.post(
            "queue/reassign/",
            {"cases": [self.cases[0].pk], "user": self.charlie.pk},
            key=self.charlie_key,
        )
        self.assertProblem(response, 404)
        refused = self.post(
            "queue/reassign/", {"cases": [self.beta_case.pk], "user": self.bob.pk},
            key=self.charlie_key,
        )  # fmt: skip
        self.assertProblem(refused, 400, "user")
        self.assertEqual(Case.objects.get(pk=self.cases[0].pk).assigned_to, self.bob)

    def test_reassignment_input_is_checked(self) -> None:
        for body, field in (
            ({"cases": [], "user": self.bob.pk}, "cases"),
            ({"cases": ["1"], "user": self.bob.pk}, "cases"),
            ({"cases": [True], "user": self.bob.pk}, "cases"),
            ({"cases": [self.cases[0].pk]}, "user"),
            ({"cases": [self.cases[0].pk], "user": self.bob.pk, "extra": 1}, "extra"),
        ):
            with self.subTest(body):
                self.assertProblem(self.post("queue/reassign/", body), 400, field)
        read_only = self.key_with([Scope.READ], name="Lecture")
        answer = self.post("queue/reassign/", {"cases": [1], "user": None}, key=read_only)
        self.assertProblem(answer, 403)

    def test_assignment_rules(self) -> None:
        body = {"position": 1, "assign_to": self.bob.pk, "postcode_prefix": "69", "min_cents": 0}
        response = self.post("assignment-rules/", body)
        self.assertEqual(response.status_code, 201, response.content)
        rule = AssignmentRule.objects.get()
        self.assertEqual((rule.assign_to, rule.postcode_prefix), (self.bob, "69"))
        bad = self.post("assignment-rules/", {**body, "min_cents": 500, "max_cents": 100})
        self.assertProblem(bad, 400, "max_cents")
        stranger = self.post("assignment-rules/", {**body, "assign_to": self.charlie.pk})
        self.assertProblem(stranger, 400, "assign_to")
        changed = self.patch(f"assignment-rules/{rule.pk}/", {"is_active": False})
        self.assertEqual(changed.json()["is_active"], False)
        self.assertProblem(self.get(f"assignment-rules/{rule.pk}/", key=self.charlie_key), 404)
        mandant = self.key_with([Scope.READ, Scope.WRITE], name="M", mandant=self.creditor)
        self.assertProblem(self.post("assignment-rules/", body, key=mandant), 403)

    def test_apply_the_rules_to_unassigned_cases(self) -> None:
        Case.objects.filter(pk=self.cases[0].pk).update(assigned_to=None)
        AssignmentRule.objects.create(organization=self.alpha, assign_to=self.alice)
        response = self.post("assignment-rules/apply/", {})
        self.assertEqual(response.json(), {"assigned": 1})
        self.assertEqual(Case.objects.get(pk=self.cases[0].pk).assigned_to, self.alice)

    def test_a_case_s_next_action(self) -> None:
        case = self.cases[0]
        when = (date.today() + timedelta(days=3)).isoformat()
        url = f"cases/{case.pk}/next-action/"
        response = self.post(url, {"next_action": "Rappeler", "next_action_on": when})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            (response.json()["next_action"], response.json()["next_action_on"]), ("Rappeler", when)
        )
        self.assertProblem(self.post(url, {"next_action": "x" * 201, "next_action_on": None}),
                           400, "next_action")  # fmt: skip
        self.assertProblem(
            self.post(url, {"next_action": "x", "next_action_on": "9999-01-01"}), 400,
            "next_action_on",
        )  # fmt: skip
        self.assertProblem(self.post(url, {"next_action": "x", "next_action_on": None},
                                     key=self.charlie_key), 404)  # fmt: skip
        body = self.get(f"cases/{case.pk}/").json()
        self.assertEqual(body["next_action"], "Rappeler")
        self.assertIn("priority_reasons", body)


class DisputeApiTestCase(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.claim = make_claim(self.creditor, self.debtor, 100_000, reference="FA-D1")
        self.case = self.claim.case

    def test_open_with_amount_owner_and_date_then_credit_note(self) -> None:
        due_on = (date.today() + timedelta(days=10)).isoformat()
        body = {
            "case": self.case.pk,
            "claim": self.claim.pk,
            "reason": "Remise oubliée",
            "disputed_cents": 20_000,
            "owner": self.bob.pk,
            "due_on": due_on,
        }
        response = self.post("disputes/", body)
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual(
            (data["disputed_cents"], data["owner"], data["due_on"], data["documents"]),
            (20_000, self.bob.pk, due_on, []),
        )
        self.assertEqual(Case.objects.get(pk=self.case.pk).status, CaseStatus.DISPUTED)
        too_much = self.post("disputes/", {**body, "disputed_cents": 100_001})
        self.assertProblem(too_much, 400, "disputed_cents")
        url = f"disputes/{data['id']}/resolve/"
        missing = self.post(url, {"outcome": "credit_note"})
        self.assertProblem(missing, 400, "amount_cents")
        resolved = self.post(url, {"outcome": "credit_note", "amount_cents": 20_000})
        self.assertEqual(resolved.status_code, 200, resolved.content)
        self.assertEqual(
            (resolved.json()["outcome"], resolved.json()["resolved_cents"]), ("credit_note", 20_000)
        )
        self.assertEqual(Claim.objects.get(pk=self.claim.pk).principal_cents, 80_000)
        self.assertEqual(Case.objects.get(pk=self.case.pk).status, CaseStatus.AMICABLE)

    def test_documents_are_listed_with_their_metadata(self) -> None:
        upload = SimpleUploadedFile("bon.pdf", b"%PDF-1.4\n%%EOF\n")
        dispute = disputes.open_dispute(self.case, reason="x", documents=[(upload, "Bon")])
        body = self.get(f"disputes/{dispute.pk}/").json()
        (document,) = body["documents"]
        self.assertEqual((document["title"], document["name"][-4:]), ("Bon", ".pdf"))
        self.assertEqual(document["size"], len(b"%PDF-1.4\n%%EOF\n"))

    def test_a_rejection_needs_its_explanation(self) -> None:
        dispute = disputes.open_dispute(self.case, reason="x")
        url = f"disputes/{dispute.pk}/resolve/"
        self.assertProblem(self.post(url, {"outcome": "rejected"}), 400, "resolution")
        ok = self.post(url, {"outcome": "rejected", "resolution": "Livraison conforme"})
        self.assertEqual(ok.json()["outcome"], "rejected")
        self.assertEqual(Dispute.objects.get(pk=dispute.pk).resolution, "Livraison conforme")
        self.assertTrue(
            Interaction.objects.filter(case=self.case, text__contains="rejetée").exists()
        )
