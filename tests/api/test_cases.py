"""The cases through the API: list, read, stage, statement; the timeline; disputes and tasks
with their status changes, each through the pages' services (promises and plans:
test_plans)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recouvra.api.models import Scope
from recouvra.cases import plans, services
from recouvra.cases.models import (
    Case,
    CaseStatus,
    Dispute,
    Interaction,
    InteractionKind,
    Task,
)
from recouvra.core import audit
from recouvra.core.models import AuditAction
from recouvra.law.money import format_amount
from recouvra.lawdesk.statements import statement_for
from recouvra.ledger.models import Claim

from ..base import (
    make_claim,
    make_claim_below_floor,
    make_creditor,
    make_debtor,
    make_payment,
)
from ..dunning.base import DUE
from .base import ApiTestCase

LATER = timezone.localdate() + timedelta(days=30)
KEY_NAME = "ERP d'alice"  # the name of alice's key (ApiTestCase)


def local(url: str) -> str:
    """The path and query of an absolute link the API gave (a next page)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


class CasesApiTestCase(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.claim = make_claim(self.creditor, self.debtor, 125_000, reference="FA-1")
        self.case = self.claim.case
        # a second creditor of alice's organisation, with its own case for the same debtor
        self.other_creditor = make_creditor(self.alpha, "Énergie Sud", is_mandant=True)
        self.other_claim = make_claim(self.other_creditor, self.debtor, 40_000, reference="ES-1")
        self.other_case = self.other_claim.case
        # charlie's organisation
        beta_creditor = make_creditor(self.beta, "Créancier de Beta")
        beta_debtor = make_debtor(self.beta, "Débiteur de Beta")
        self.beta_case = make_claim(beta_creditor, beta_debtor, 10_000, reference="B-1").case
        self.read_key = self.key_with([Scope.READ], name="Lecture seule")
        self.mandant_key = self.key_with(
            [Scope.READ, Scope.WRITE], name="Portail Télécom", mandant=self.creditor
        )

    def ids(self, response: Any) -> list[int]:
        self.assertEqual(response.status_code, 200, response.content[:500])
        return [row["id"] for row in response.json()["results"]]

    def key_user(self, secret: str | None = None) -> Any:
        return self.api_key_row(secret or self.key).user


class CaseReadTests(CasesApiTestCase):
    def test_a_case_gives_its_balance_stage_parties_and_claims(self) -> None:
        second = make_claim(self.creditor, self.debtor, 30_000, reference="FA-2")
        make_payment(self.claim, 25_000)
        body = self.get(f"cases/{self.case.pk}/").json()
        self.assertEqual(body["reference"], self.case.reference)
        self.assertEqual(body["status"], CaseStatus.AMICABLE)
        self.assertEqual((body["debtor"], body["creditor"]), (self.debtor.pk, self.creditor.pk))
        self.assertEqual(body["balance_cents"], 125_000 + 30_000 - 25_000)
        self.assertEqual(body["currency"], "EUR")
        self.assertEqual(body["claims"], [self.claim.pk, second.pk])
        self.assertEqual(body["opened_on"], self.case.opened_on.isoformat())

    def test_the_list_holds_the_organisation_s_cases_only(self) -> None:
        self.assertCountEqual(self.ids(self.get("cases/")), [self.case.pk, self.other_case.pk])
        self.assertEqual(self.ids(self.get("cases/", key=self.charlie_key)), [self.beta_case.pk])

    def test_another_organisation_s_case_is_a_404_everywhere(self) -> None:
        for path in (f"cases/{self.case.pk}/", f"cases/{self.case.pk}/statement/"):
            self.assertProblem(self.get(path, key=self.charlie_key), 404)
        stage = self.post(f"cases/{self.case.pk}/stage/", {"status": "legal"}, key=self.charlie_key)
        self.assertProblem(stage, 404)
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.AMICABLE)

    def test_a_mandant_key_sees_its_creditor_s_cases_only(self) -> None:
        self.assertEqual(self.ids(self.get("cases/", key=self.mandant_key)), [self.case.pk])
        self.assertProblem(self.get(f"cases/{self.other_case.pk}/", key=self.mandant_key), 404)

    def test_filters(self) -> None:
        services.change_stage(self.other_case, CaseStatus.LEGAL)
        Case.objects.filter(pk=self.case.pk).update(assigned_to=self.bob)
        self.assertEqual(self.ids(self.get("cases/?status=legal")), [self.other_case.pk])
        self.assertEqual(self.ids(self.get(f"cases/?creditor={self.creditor.pk}")), [self.case.pk])
        self.assertCountEqual(
            self.ids(self.get(f"cases/?debtor={self.debtor.pk}")),
            [self.case.pk, self.other_case.pk],
        )
        self.assertEqual(self.ids(self.get(f"cases/?assigned_to={self.bob.pk}")), [self.case.pk])
        later = Case.objects.get(pk=self.other_case.pk).updated_at
        since = (later - timedelta(microseconds=1)).isoformat().replace("+00:00", "Z")
        self.assertEqual(
            self.ids(self.get("cases/?" + urlencode({"updated_since": since}))),
            [self.other_case.pk],
        )

    def test_a_bad_filter_is_a_problem_naming_it(self) -> None:
        self.assertProblem(self.get("cases/?status=won"), 400, "status")
        self.assertProblem(self.get("cases/?debtor=1.5"), 400, "debtor")
        self.assertProblem(self.get(f"cases/?creditor={10**30}"), 400, "creditor")
        self.assertProblem(self.get("cases/?updated_since=yesterday"), 400, "updated_since")
        ancient = urlencode({"updated_since": "0147-03-15T23:11:33+22:09"})
        self.assertProblem(self.get(f"cases/?{ancient}"), 400, "updated_since")

    def test_an_offset_python_accepts_and_postgresql_would_not_is_no_500(self) -> None:
        odd = urlencode({"updated_since": "2026-03-15T23:11:33+22:09"})
        self.assertEqual(len(self.ids(self.get(f"cases/?{odd}"))), 2)
        since = urlencode({"since": "2026-03-15T23:11:33-17:00"})
        self.assertEqual(self.get(f"interactions/?{since}").status_code, 200)
        ancient = urlencode({"since": "0962-04-26T01:17:39-17:00"})
        self.assertProblem(self.get(f"interactions/?{ancient}"), 400, "since")

    def test_ordering_by_balance_pages_through_every_case(self) -> None:
        third = make_claim(self.creditor, make_debtor(self.alpha, "Garage Martin"), 900_000).case
        first = self.get("cases/?ordering=-balance_cents&page_size=2").json()
        self.assertEqual([row["id"] for row in first["results"]], [third.pk, self.case.pk])
        rest = self.get(local(first["next"])).json()
        self.assertEqual([row["id"] for row in rest["results"]], [self.other_case.pk])
        self.assertIsNone(rest["next"])

    def test_cases_are_not_created_nor_changed_through_their_resource(self) -> None:
        data = {"debtor": self.debtor.pk, "creditor": self.creditor.pk}
        self.assertProblem(self.post("cases/", data), 405)
        self.assertProblem(self.patch(f"cases/{self.case.pk}/", {"status": "legal"}), 405)
        self.assertProblem(self.call("DELETE", f"cases/{self.case.pk}/"), 405)


class StageTests(CasesApiTestCase):
    def test_the_stage_moves_through_change_stage_in_the_key_s_name(self) -> None:
        response = self.post(f"cases/{self.case.pk}/stage/", {"status": "closed"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "closed")
        self.assertEqual(response.json()["closed_on"], date.today().isoformat())
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.CLOSED)
        robot = self.key_user()
        event = audit.history(self.case).get(action=AuditAction.UPDATE)
        self.assertEqual(event.actor, robot)
        self.assertIn(KEY_NAME, str(event.actor))
        entry = Interaction.objects.get(case=self.case, kind=InteractionKind.STATUS)
        self.assertEqual(entry.author, robot)
        self.assertIn("Relance amiable → Clos", entry.text)

    def test_the_same_stage_again_changes_nothing(self) -> None:
        response = self.post(f"cases/{self.case.pk}/stage/", {"status": "amicable"})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Interaction.objects.filter(kind=InteractionKind.STATUS).exists())

    def test_bad_input_is_refused(self) -> None:
        url = f"cases/{self.case.pk}/stage/"
        self.assertProblem(self.post(url, {"status": "won"}), 400, "status")
        self.assertProblem(self.post(url, {}), 400, "status")
        self.assertProblem(self.post(url, {"status": "legal", "why": "x"}), 400, "why")
        self.assertProblem(self.post(url, ["legal"]), 400)
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.AMICABLE)

    def test_a_read_key_cannot_change_the_stage(self) -> None:
        url = f"cases/{self.case.pk}/stage/"
        self.assertProblem(self.post(url, {"status": "legal"}, key=self.read_key), 403)
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.AMICABLE)

    def test_a_mandant_key_changes_only_its_creditor_s_cases(self) -> None:
        url = f"cases/{self.other_case.pk}/stage/"
        self.assertProblem(self.post(url, {"status": "legal"}, key=self.mandant_key), 404)
        mine = self.post(f"cases/{self.case.pk}/stage/", {"status": "legal"}, key=self.mandant_key)
        self.assertEqual(mine.json()["status"], "legal")


class StatementTests(CasesApiTestCase):
    def statement(self, as_of: str = "2026-05-01", **kwargs: Any) -> dict:
        response = self.get(f"cases/{self.case.pk}/statement/?as_of={as_of}", **kwargs)
        self.assertEqual(response.status_code, 200, response.content[:500])
        return response.json()

    def test_it_is_the_statement_the_case_page_shows(self) -> None:
        make_payment(self.claim, 50_000, received_on=date(2026, 3, 2))
        body = self.statement("2026-05-01")
        expected = statement_for([Claim.objects.get(pk=self.claim.pk)], date(2026, 5, 1))
        self.assertEqual(body["as_of"], "2026-05-01")
        self.assertIsNone(body["refusal"])
        self.assertEqual(body["totals"]["balance_cents"], expected.balance_cents)
        self.assertEqual(body["totals"]["fees_cents"], 4_000)  # the €40 indemnity (D441-5)
        self.assertEqual(body["totals"]["paid_cents"], 50_000)
        [line] = body["claims"]
        self.assertEqual((line["claim"], line["reference"]), (self.claim.pk, "FA-1"))
        self.assertEqual(line["basis"], "L441-10")
        self.assertEqual(line["interest_cents"], expected.lines[0].interest_cents)
        self.assertGreater(line["interest_cents"], 0)
        period = line["interest_periods"][0]
        self.assertEqual(period["start"], "2026-02-05")  # the day after the due date
        self.assertIsInstance(period["amount_cents"], int)
        self.assertEqual(period["rate"], str(expected.lines[0].interest_periods[0].rate))
        self.assertFalse(period["at_floor"])
        [payment] = line["payments"]
        self.assertEqual(payment["total_cents"], 50_000)
        self.assertEqual(payment["received_on"], "2026-03-02")
        # the same total as the page, as of the same day
        self.client.force_login(self.alice)
        page = self.client.get(self.case.get_absolute_url(), {"au": "2026-05-01"})
        self.assertContains(page, format_amount(expected.balance_cents))

    def test_a_rate_below_the_floor_is_computed_at_the_floor_and_said(self) -> None:
        floor_case = make_claim_below_floor(self.creditor, make_debtor(self.alpha, "Sud BTP")).case
        response = self.get(f"cases/{floor_case.pk}/statement/?as_of=2024-12-31")
        [line] = response.json()["claims"]
        first = line["interest_periods"][0]
        self.assertTrue(first["at_floor"])
        self.assertEqual((first["rate"], first["refused_rate"]), ("15.21", "10.000"))
        self.assertIn("inférieur au plancher légal", line["floor_mention"])
        self.assertEqual(line["floor_spans"][0]["floor"], "15.21")

    def test_a_missing_rate_stops_the_interest_and_says_which(self) -> None:
        # a contract rate is checked against the legal floor, and the legal rate of 2026-S2
        # is not in the tables: the case page warns, the interest stops on 30 June
        Claim.objects.filter(pk=self.claim.pk).update(contractual_rate=Decimal("12.000"))
        body = self.statement("2026-09-30")
        self.assertIsNone(body["refusal"])
        self.assertFalse(body["verified"])
        self.assertTrue(body["missing_rates"])
        self.assertIn("Paramètres → Taux", body["missing_rates"][0]["message"])
        self.assertEqual(body["claims"][0]["interest_until"], "2026-06-30")

    def test_a_claim_stored_out_of_range_gives_the_refusal_not_a_500(self) -> None:
        Claim.objects.filter(pk=self.claim.pk).update(
            issue_date=date(1, 1, 1), due_date=date(1, 1, 2)
        )
        body = self.statement("2026-05-01")
        self.assertIn("Date hors limites : 02/01/0001", body["refusal"])
        self.assertEqual((body["claims"], body["totals"]), ([], None))

    def test_a_date_out_of_range_or_not_a_date_is_a_problem_naming_as_of(self) -> None:
        for bad in ("9999-12-31", "0001-01-01", "2026-02-30", "demain", "01/05/2026"):
            with self.subTest(bad):
                url = f"cases/{self.case.pk}/statement/?as_of={bad}"
                self.assertProblem(self.get(url), 400, "as_of")

    def test_without_a_date_it_is_as_of_today(self) -> None:
        body = self.get(f"cases/{self.case.pk}/statement/").json()
        self.assertEqual(body["as_of"], date.today().isoformat())

    def test_a_mandant_key_gets_its_creditor_s_statements_only(self) -> None:
        self.assertEqual(self.statement(key=self.mandant_key)["case"], self.case.pk)
        other = f"cases/{self.other_case.pk}/statement/"
        self.assertProblem(self.get(other, key=self.mandant_key), 404)


class InteractionTests(CasesApiTestCase):
    def new(self, **extra: Any) -> dict:
        return {
            "case": self.case.pk,
            "kind": "call",
            "text": "Débiteur joint, paiera le 15.",
        } | extra

    def test_an_exchange_is_recorded_in_the_key_s_name(self) -> None:
        response = self.post("interactions/", self.new(direction="in"))
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        entry = Interaction.objects.get(pk=body["id"])
        robot = self.key_user()
        self.assertEqual(
            (entry.kind, entry.channel, entry.direction, entry.author),
            ("call", "call", "in", robot),
        )
        self.assertEqual(body["author"], robot.pk)
        self.assertIn(KEY_NAME, body["author_name"])
        self.assertFalse(body["has_attachment"])
        self.assertEqual(audit.history(entry).get().actor, robot)

    def test_the_direction_is_outbound_unless_told(self) -> None:
        body = self.post("interactions/", self.new(kind="note")).json()
        self.assertEqual(body["direction"], "out")

    def test_only_the_kinds_the_page_offers_are_accepted(self) -> None:
        for kind in ("system", "payment", "status", "promise", "sms"):
            with self.subTest(kind):
                self.assertProblem(self.post("interactions/", self.new(kind=kind)), 400, "kind")
        for kind in ("note", "call", "email", "letter", "visit"):
            self.assertEqual(self.post("interactions/", self.new(kind=kind)).status_code, 201)

    def test_bad_input_is_refused_with_the_field_named(self) -> None:
        cases = [
            (self.new(text=""), "text"),
            (self.new(text="   "), "text"),
            (self.new(text="x" * 10_001), "text"),
            (self.new(occurred_at="2026-01-01T10:00:00Z"), "occurred_at"),
            (self.new(author=self.bob.pk), "author"),
            (self.new(direction="sideways"), "direction"),
            (self.new(case="un"), "case"),
            (self.new(case=str(self.case.pk)), "case"),
            (self.new(case=float(self.case.pk)), "case"),
            (self.new(case=[self.case.pk]), "case"),
            (self.new(case=True), "case"),
            (self.new(case=self.beta_case.pk), "case"),
            (self.new(case=10**9), "case"),
        ]
        for data, field in cases:
            with self.subTest(field=field, data=data):
                self.assertProblem(self.post("interactions/", data), 400, field)
        self.assertFalse(Interaction.objects.filter(kind=InteractionKind.CALL).exists())

    def test_another_organisation_s_case_reads_as_a_missing_one(self) -> None:
        theirs = self.post("interactions/", self.new(case=self.beta_case.pk)).json()
        missing = self.post("interactions/", self.new(case=999_999)).json()
        self.assertEqual(
            theirs["errors"][0]["message"].replace(str(self.beta_case.pk), "N"),
            missing["errors"][0]["message"].replace("999999", "N"),
        )

    def test_the_timeline_is_never_changed_nor_deleted(self) -> None:
        entry_id = self.post("interactions/", self.new()).json()["id"]
        for method in ("PATCH", "PUT", "DELETE"):
            with self.subTest(method):
                response = self.call(method, f"interactions/{entry_id}/", {"text": "autre"})
                self.assertProblem(response, 405)
        self.assertEqual(Interaction.objects.get(pk=entry_id).text, self.new()["text"])

    def test_a_read_key_cannot_record(self) -> None:
        self.assertProblem(self.post("interactions/", self.new(), key=self.read_key), 403)

    def test_lists_per_case_and_overall_with_filters(self) -> None:
        call = self.post("interactions/", self.new()).json()["id"]
        note = self.post("interactions/", self.new(case=self.other_case.pk, kind="note")).json()
        everything = self.ids(self.get("interactions/"))
        self.assertIn(call, everything)
        self.assertIn(note["id"], everything)
        on_case = self.ids(self.get(f"interactions/?case={self.case.pk}"))
        self.assertIn(call, on_case)
        self.assertNotIn(note["id"], on_case)
        self.assertTrue(all(Interaction.objects.get(pk=i).case_id == self.case.pk for i in on_case))
        self.assertEqual(self.ids(self.get("interactions/?kind=note")), [note["id"]])
        since = note["occurred_at"]
        self.assertEqual(
            self.ids(self.get("interactions/?" + urlencode({"since": since}))), [note["id"]]
        )
        self.assertProblem(self.get("interactions/?kind=gossip"), 400, "kind")

    def test_charlie_sees_none_of_alice_s_timeline(self) -> None:
        entry_id = self.post("interactions/", self.new()).json()["id"]
        theirs = self.ids(self.get("interactions/", key=self.charlie_key))
        self.assertTrue(theirs)  # his own case's opening
        self.assertFalse(Interaction.objects.filter(pk__in=theirs, organization=self.alpha))
        self.assertProblem(self.get(f"interactions/{entry_id}/", key=self.charlie_key), 404)
        on_alice = self.get(f"interactions/?case={self.case.pk}", key=self.charlie_key)
        self.assertEqual(self.ids(on_alice), [])

    def test_a_mandant_key_sees_and_writes_its_creditor_s_timeline_only(self) -> None:
        visible = self.ids(self.get("interactions/", key=self.mandant_key))
        cases = set(Interaction.objects.filter(pk__in=visible).values_list("case", flat=True))
        self.assertEqual(cases, {self.case.pk})
        refused = self.post(
            "interactions/", self.new(case=self.other_case.pk), key=self.mandant_key
        )
        self.assertProblem(refused, 400, "case")
        self.assertEqual(
            self.post("interactions/", self.new(), key=self.mandant_key).status_code, 201
        )

    def test_an_idempotent_retry_records_once(self) -> None:
        headers = {"Idempotency-Key": "appel-42"}
        first = self.post("interactions/", self.new(), headers=headers)
        again = self.post("interactions/", self.new(), headers=headers)
        self.assertEqual((first.status_code, again.status_code), (201, 201))
        self.assertEqual(first.json(), again.json())
        self.assertEqual(Interaction.objects.filter(kind=InteractionKind.CALL).count(), 1)


class DisputeTests(CasesApiTestCase):
    def new(self, **extra: Any) -> dict:
        return {"case": self.case.pk, "reason": "Livraison incomplète"} | extra

    def test_a_dispute_on_a_claim_then_resolved_once(self) -> None:
        response = self.post("disputes/", self.new(claim=self.claim.pk))
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(
            (body["claim"], body["is_open"], body["closed_on"]), (self.claim.pk, True, None)
        )
        entry = Interaction.objects.get(case=self.case, kind=InteractionKind.DISPUTE)
        self.assertEqual(entry.text, "Créance FA-1 contestée : Livraison incomplète")
        self.assertEqual(entry.author, self.key_user())
        url = f"disputes/{body['id']}/resolve/"
        resolved = self.post(url, {"resolution": "Avoir de 200 € accordé"})
        self.assertEqual(resolved.status_code, 200, resolved.content)
        self.assertEqual(
            (resolved.json()["is_open"], resolved.json()["closed_on"]),
            (False, date.today().isoformat()),
        )
        self.assertProblem(self.post(url, {"resolution": "encore"}), 409)
        dispute = Dispute.objects.get(pk=body["id"])
        self.assertEqual(dispute.resolution, "Avoir de 200 € accordé")
        self.assertEqual(audit.history(dispute).get(action="update").actor, self.key_user())

    def test_a_whole_case_may_be_contested(self) -> None:
        body = self.post("disputes/", self.new()).json()
        self.assertIsNone(body["claim"])

    def test_the_claim_must_be_of_the_case_and_visible(self) -> None:
        self.assertProblem(
            self.post("disputes/", self.new(claim=self.other_claim.pk)), 400, "claim"
        )
        beta_claim = Claim.objects.get(case=self.beta_case)
        self.assertProblem(self.post("disputes/", self.new(claim=beta_claim.pk)), 400, "claim")
        self.assertProblem(self.post("disputes/", self.new(reason="")), 400, "reason")
        self.assertFalse(Dispute.objects.exists())

    def test_the_closing_date_is_bounded(self) -> None:
        dispute_id = self.post("disputes/", self.new()).json()["id"]
        url = f"disputes/{dispute_id}/resolve/"
        tomorrow = (date.today() + timedelta(days=1)).isoformat()
        for data, field in (
            ({"resolution": "ok", "closed_on": tomorrow}, "closed_on"),
            ({"resolution": "ok", "closed_on": "2020-01-01"}, "closed_on"),
            ({"resolution": "ok", "closed_on": "9999-12-31"}, "closed_on"),
            ({"resolution": ""}, "resolution"),
            ({}, "resolution"),
        ):
            with self.subTest(data):
                self.assertProblem(self.post(url, data), 400, field)
        self.assertIsNone(Dispute.objects.get(pk=dispute_id).closed_on)

    def test_filters_and_isolation(self) -> None:
        first = self.post("disputes/", self.new()).json()["id"]
        second = self.post("disputes/", self.new(case=self.other_case.pk)).json()["id"]
        self.post(f"disputes/{second}/resolve/", {"resolution": "Réglé"})
        self.assertEqual(self.ids(self.get("disputes/?is_open=true")), [first])
        self.assertEqual(self.ids(self.get("disputes/?is_open=false")), [second])
        self.assertEqual(self.ids(self.get("disputes/", key=self.mandant_key)), [first])
        self.assertEqual(self.ids(self.get("disputes/", key=self.charlie_key)), [])
        resolve = self.post(f"disputes/{first}/resolve/", {"resolution": "x"}, key=self.charlie_key)
        self.assertProblem(resolve, 404)
        self.assertIsNone(Dispute.objects.get(pk=first).closed_on)


class TaskTests(CasesApiTestCase):
    def new(self, **extra: Any) -> dict:
        return {
            "case": self.case.pk,
            "kind": "call",
            "title": "Appeler la comptable",
            "due_on": "2026-06-15",
            "assigned_to": self.bob.pk,
        } | extra

    def test_a_task_is_created_then_done_with_its_report_on_the_timeline(self) -> None:
        response = self.post("tasks/", self.new(not_before="2026-06-15T09:00:00+02:00"))
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["assigned_to"], body["is_done"]), (self.bob.pk, False))
        task = Task.objects.get(pk=body["id"])
        self.assertEqual(audit.history(task).get().actor, self.key_user())
        done = self.post(f"tasks/{task.pk}/done/", {"note": "Règlement promis vendredi"})
        self.assertEqual(done.status_code, 200, done.content)
        self.assertTrue(done.json()["is_done"])
        entry = Interaction.objects.get(case=self.case, kind=InteractionKind.CALL)
        self.assertIn("Règlement promis vendredi", entry.text)
        self.assertEqual(entry.author, self.key_user())
        self.assertProblem(self.post(f"tasks/{task.pk}/done/", {}), 409)
        self.assertEqual(Interaction.objects.filter(kind=InteractionKind.CALL).count(), 1)

    def test_only_someone_who_works_the_cases_may_be_given_a_task(self) -> None:
        self.assertProblem(
            self.post("tasks/", self.new(assigned_to=self.charlie.pk)), 400, "assigned_to"
        )
        robot = self.key_user()
        self.assertProblem(self.post("tasks/", self.new(assigned_to=robot.pk)), 400, "assigned_to")
        refused = self.post("tasks/", self.new(assigned_to=str(self.bob.pk)))
        self.assertProblem(refused, 400, "assigned_to")
        self.assertEqual(self.post("tasks/", self.new(assigned_to=None)).status_code, 201)

    def test_bad_input_is_refused(self) -> None:
        for data, field in (
            (self.new(kind="lunch"), "kind"),
            (self.new(title=""), "title"),
            (self.new(title="x" * 201), "title"),
            (self.new(due_on="0001-01-01"), "due_on"),
            (self.new(not_before="9999-12-31T10:00:00Z"), "not_before"),
            (self.new(done_at="2026-01-01T10:00:00Z"), "done_at"),
        ):
            with self.subTest(field=field):
                self.assertProblem(self.post("tasks/", data), 400, field)
        task_id = self.post("tasks/", self.new()).json()["id"]
        self.assertProblem(self.post(f"tasks/{task_id}/done/", {"note": "x" * 1001}), 400, "note")
        self.assertFalse(Task.objects.get(pk=task_id).done_at)

    def test_filters_and_isolation(self) -> None:
        call = self.post("tasks/", self.new()).json()["id"]
        visit = self.post(
            "tasks/", self.new(kind="visit", assigned_to=self.alice.pk, case=self.other_case.pk)
        ).json()["id"]
        self.post(f"tasks/{visit}/done/", {})
        self.assertEqual(self.ids(self.get("tasks/?is_done=false")), [call])
        self.assertEqual(self.ids(self.get("tasks/?is_done=true")), [visit])
        self.assertEqual(self.ids(self.get(f"tasks/?assigned_to={self.bob.pk}")), [call])
        self.assertEqual(self.ids(self.get("tasks/?kind=visit")), [visit])
        self.assertEqual(self.ids(self.get("tasks/?due_before=2026-06-14")), [])
        self.assertEqual(self.ids(self.get("tasks/", key=self.mandant_key)), [call])
        self.assertEqual(self.ids(self.get("tasks/", key=self.charlie_key)), [])
        self.assertProblem(self.post(f"tasks/{call}/done/", {}, key=self.charlie_key), 404)
        self.assertProblem(self.post(f"tasks/{call}/done/", {}, key=self.read_key), 403)
        self.assertIsNone(Task.objects.get(pk=call).done_at)


class QueryCountTests(CasesApiTestCase):
    def queries(self, path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.get(path).status_code, 200)
        return len(queries)

    def test_a_page_costs_the_same_queries_for_one_row_or_many(self) -> None:
        for n in range(4):
            debtor = make_debtor(self.alpha, f"Débiteur {n}")
            case = make_claim(self.creditor, debtor, 10_000 + n).case
            make_claim(self.creditor, debtor, 5_000)
            services.record_interaction(case, kind="note", text="Note", actor=self.bob)
            plans.record_promise(case, amount_cents=100, promised_on=LATER, actor=self.bob)
            plans.record_plan(case, starts_on=LATER, count=3, actor=self.bob)
            services.open_dispute(case, reason="Contestée", actor=self.bob)
            services.create_task(case, kind="call", title="Appel", due_on=DUE, actor=self.bob)
        self.get("cases/")  # the key's last use is written once a minute: not in the counts
        for resource in ("cases", "interactions", "promises", "payment-plans", "disputes", "tasks"):
            with self.subTest(resource):
                one = self.queries(f"{resource}/?page_size=1")
                many = self.queries(f"{resource}/?page_size=5")
                self.assertEqual(one, many)
