"""POST /api/v1/claims/bulk: claims upserted by (creditor, reference) as a ledger import."""

from __future__ import annotations

from datetime import date

from django.contrib.contenttypes.models import ContentType

from recouvra.api.models import Scope
from recouvra.cases.models import Case, Interaction
from recouvra.core.models import AuditAction, AuditEvent
from recouvra.law.money import MAX_CENTS
from recouvra.ledger.models import Claim, Debtor

from ..base import make_claim, make_creditor, make_debtor
from .base import ALL_SCOPES, ApiTestCase


def row(reference: str, cents: int = 120_000, **extra: object) -> dict:
    data = {"reference": reference, "issue_date": "2026-09-01", "due_date": "2026-10-01"}
    data["principal_cents"] = cents
    data.update(extra)
    return data


class BulkTests(ApiTestCase):
    def bulk(self, rows: list, key: str | None = None, **extra: object) -> object:
        body = {"creditor": self.creditor.pk, "claims": rows, **extra}
        return self.post("claims/bulk", body, key=key)

    def results(self, rows: list, key: str | None = None) -> list[tuple]:
        response = self.bulk(rows, key=key)
        self.assertEqual(response.status_code, 200, response.content)
        return [(r["reference"], r["result"]) for r in response.json()["results"]]

    def claim_audits(self) -> int:
        content_type = ContentType.objects.get_for_model(Claim)
        return AuditEvent.objects.filter(content_type=content_type).count()

    def test_new_rows_are_created_in_cases_and_audited_with_the_key(self) -> None:
        response = self.bulk(
            [
                row("FA-1", debtor=self.debtor.pk),
                row("FA-2", debtor_siren="542 051 180"),  # the same debtor, by SIREN
                row("FA-3", debtor_name="Boulangerie Émile", kind="b2c", contractual_rate="12.5"),
            ]
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["counts"], {"created": 3, "updated": 0, "unchanged": 0, "error": 0})
        ids = [r["id"] for r in body["results"]]
        claims = {c.reference: c for c in Claim.objects.filter(pk__in=ids)}
        self.assertEqual([claims[r["reference"]].pk for r in body["results"]], ids)
        self.assertEqual(claims["FA-1"].debtor_id, self.debtor.pk)
        self.assertEqual(claims["FA-2"].debtor_id, self.debtor.pk)
        self.assertEqual(claims["FA-3"].debtor.name, "Boulangerie Émile")
        self.assertEqual(
            (claims["FA-3"].kind, str(claims["FA-3"].contractual_rate)), ("b2c", "12.500")
        )
        self.assertEqual(Case.objects.count(), 2)
        self.assertEqual(claims["FA-1"].case_id, claims["FA-2"].case_id)
        robot = self.api_key_row(self.key).user
        events = AuditEvent.objects.filter(action=AuditAction.CREATE, actor=robot)
        created = {e.object_id for e in events.filter(content_type__model="claim")}
        self.assertEqual(created, {str(i) for i in ids})
        self.assertTrue(
            events.filter(content_type__model="debtor", object_repr="Boulangerie Émile")
        )
        text = Interaction.objects.get(case=claims["FA-1"].case, kind="claim").text
        self.assertIn("2 créance(s) ajoutée(s) par l'API (clé « ERP d'alice »)", text)

    def test_the_same_rows_again_change_nothing(self) -> None:
        rows = [row("FA-1", debtor=self.debtor.pk), row("FA-2", debtor=self.debtor.pk)]
        self.results(rows)
        stamps = dict(Claim.objects.values_list("reference", "updated_at"))
        counts = (Interaction.objects.count(), AuditEvent.objects.count(), Claim.objects.count())
        self.assertEqual(self.results(rows), [("FA-1", "unchanged"), ("FA-2", "unchanged")])
        self.assertEqual(
            (Interaction.objects.count(), AuditEvent.objects.count(), Claim.objects.count()),
            counts,
        )
        self.assertEqual(dict(Claim.objects.values_list("reference", "updated_at")), stamps)

    def test_an_amended_amount_or_due_date_is_an_event_on_the_claims_case(self) -> None:
        claim = make_claim(
            self.creditor,
            self.debtor,
            120_000,
            reference="FA-1",
            issue_date=date(2026, 9, 1),
            due_date=date(2026, 10, 1),
        )
        before = self.claim_audits()
        rows = [row("FA-1", 150_000, debtor=self.debtor.pk, due_date="2026-10-15")]
        self.assertEqual(self.results(rows), [("FA-1", "updated")])
        claim.refresh_from_db()
        self.assertEqual(claim.principal_cents, 150_000)
        event = Interaction.objects.get(case=claim.case, text__contains="modifiée")
        self.assertIn("Facture FA-1 modifiée par l'API (clé « ERP d'alice »)", event.text)
        self.assertIn("1\u202f200,00\u00a0€ → 1\u202f500,00\u00a0€", event.text)
        self.assertIn("échéance 01/10/2026 → 15/10/2026", event.text)
        self.assertEqual(self.claim_audits(), before + 1)
        audit = AuditEvent.objects.filter(action=AuditAction.UPDATE).get()
        self.assertEqual(audit.changes["principal_cents"], [120_000, 150_000])
        self.assertEqual(audit.actor, self.api_key_row(self.key).user)

    def test_a_row_of_an_existing_claim_makes_no_debtor(self) -> None:
        make_claim(self.creditor, self.debtor, 120_000, reference="FA-1")
        self.results([row("FA-1", 120_000, debtor_name="Un nom jamais vu")])
        self.assertFalse(Debtor.objects.filter(name="Un nom jamais vu").exists())

    def test_a_row_in_error_does_not_stop_the_others(self) -> None:
        strangers_debtor = make_debtor(self.beta, "Chez Charlie")
        rows = [
            row("FA-OK", debtor=self.debtor.pk),
            row("FA-DEC", 123.45, debtor=self.debtor.pk),
            row("FA-STR", "12345", debtor=self.debtor.pk),
            row("FA-BOOL", True, debtor=self.debtor.pk),
            row("FA-HIGH", MAX_CENTS + 1, debtor=self.debtor.pk),
            row("FA-NEG", -100, debtor=self.debtor.pk),
            row("FA-COLOUR", debtor=self.debtor.pk, colour="red"),
            row("", debtor=self.debtor.pk),
            row("FA-DUE", debtor=self.debtor.pk, due_date="2026-08-01"),
            row("FA-DATE", debtor=self.debtor.pk, issue_date="01/09/2026"),
            row("FA-FAR", debtor=self.debtor.pk, issue_date="2500-01-01"),
            row("FA-WHO"),
            row("FA-CHARLIE", debtor=strangers_debtor.pk),
            row("FA-RATE", debtor=self.debtor.pk, contractual_rate="10.1234"),
            row("FA-OK", debtor=self.debtor.pk),  # twice in the call
            "not an object",
        ]
        body = self.bulk(rows).json()
        fields = {r["index"]: [e["field"] for e in r["errors"]] for r in body["results"]}
        self.assertEqual(body["results"][0]["result"], "created")
        expected = {
            1: ["principal_cents"],
            2: ["principal_cents"],
            3: ["principal_cents"],
            4: ["principal_cents"],
            5: ["principal_cents"],
            6: ["colour"],
            7: ["reference"],
            8: ["due_date"],
            9: ["issue_date"],
            10: ["issue_date"],
            11: ["debtor_name"],
            12: ["debtor"],
            13: ["contractual_rate"],
            14: ["reference"],
            15: [""],
        }
        for index, names in expected.items():
            with self.subTest(index=index):
                self.assertEqual(body["results"][index]["result"], "error")
                self.assertEqual(fields[index], names)
                self.assertIsNone(body["results"][index]["id"])
        self.assertEqual(body["counts"], {"created": 1, "updated": 0, "unchanged": 0, "error": 15})
        self.assertEqual(list(Claim.objects.values_list("reference", flat=True)), ["FA-OK"])
        self.assertFalse(Debtor.objects.filter(organization=self.beta, claims__isnull=False))

    def test_more_than_10000_rows_are_refused_whole(self) -> None:
        rows = [row(f"FA-{n}", 100, debtor=self.debtor.pk) for n in range(10_001)]
        self.assertProblem(self.bulk(rows), 400, "claims")
        self.assertFalse(Claim.objects.exists())

    def test_the_call_itself_must_be_readable(self) -> None:
        self.assertProblem(self.bulk([row("FA-1")], colour="red"), 400, "colour")
        self.assertProblem(self.post("claims/bulk", {"claims": []}), 400, "creditor")
        body = {"creditor": self.creditor.pk, "claims": {"FA-1": 1}}
        self.assertProblem(self.post("claims/bulk", body), 400, "claims")
        self.assertProblem(self.post("claims/bulk", [1, 2]), 400, "claims")
        body = {"creditor": str(self.creditor.pk), "claims": []}
        self.assertProblem(self.post("claims/bulk", body), 400, "creditor")

    def test_another_organisations_creditor_is_unknown(self) -> None:
        theirs = make_creditor(self.beta, "Créancier de Beta")
        body = {"creditor": theirs.pk, "claims": [row("FA-1", debtor_name="X")]}
        self.assertProblem(self.post("claims/bulk", body), 400, "creditor")
        body = {"creditor": self.creditor.pk, "claims": [row("FA-1", debtor_name="X")]}
        self.assertProblem(self.post("claims/bulk", body, key=self.charlie_key), 400, "creditor")
        self.assertFalse(Claim.objects.exists())

    def test_a_mandant_key_upserts_only_for_its_creditor(self) -> None:
        other = make_creditor(self.alpha, "Énergie Sud", is_mandant=True)
        mandant_key = self.key_with(ALL_SCOPES, name="Portail Télécom", mandant=self.creditor)
        body = {"creditor": other.pk, "claims": [row("FA-1", debtor_name="X")]}
        self.assertProblem(self.post("claims/bulk", body, key=mandant_key), 400, "creditor")
        self.assertEqual(
            self.results([row("FA-1", debtor_name="X")], key=mandant_key)[0][1], "created"
        )

    def test_a_read_key_cannot_upsert(self) -> None:
        read_only = self.key_with([Scope.READ], name="lecture")
        self.assertProblem(self.bulk([row("FA-1", debtor_name="X")], key=read_only), 403)
        self.assertFalse(Claim.objects.exists())

    def test_an_idempotent_replay_gets_the_first_answer_and_writes_nothing(self) -> None:
        rows = [row("FA-1", debtor=self.debtor.pk)]
        headers = {"Idempotency-Key": "sync-2026-09-01"}
        first = self.post(
            "claims/bulk", {"creditor": self.creditor.pk, "claims": rows}, headers=headers
        )
        self.assertEqual(first.json()["results"][0]["result"], "created")
        counts = (AuditEvent.objects.count(), Interaction.objects.count())
        again = self.post(
            "claims/bulk", {"creditor": self.creditor.pk, "claims": rows}, headers=headers
        )
        self.assertEqual(again["Idempotent-Replayed"], "true")
        self.assertEqual(again.json(), first.json())
        self.assertEqual((AuditEvent.objects.count(), Interaction.objects.count()), counts)
        other = [row("FA-2", debtor=self.debtor.pk)]
        response = self.post(
            "claims/bulk", {"creditor": self.creditor.pk, "claims": other}, headers=headers
        )
        self.assertProblem(response, 422)
        self.assertEqual(Claim.objects.count(), 1)

    def test_a_missing_due_date_takes_the_legal_thirty_days(self) -> None:
        rows = [row("FA-1", debtor=self.debtor.pk, due_date=None)]
        self.assertEqual(self.results(rows), [("FA-1", "created")])
        self.assertEqual(Claim.objects.get().due_date.isoformat(), "2026-10-01")
