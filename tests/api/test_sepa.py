"""The SEPA resources of the API: a mandate created with the page's checks (an invalid IBAN
is a problem naming the field), listed, read and revoked; the collections and their
pain.008; the direct debits and their filters; a return file uploaded."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import MULTIPART_CONTENT

from recouvra.cases.models import InstalmentStatus, PlanInstalment
from recouvra.sepa import services
from recouvra.sepa.models import DebitStatus, DirectDebit, Mandate

from ..base import make_claim
from ..sepa.base import DEBTOR_IBAN, ICS, ORG_BIC, ORG_IBAN, TODAY, make_plan
from ..sepa.test_direct_debits import camt054
from .base import ApiTestCase


class SepaApiTests(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alpha.sepa_creditor_id = ICS
        self.alpha.bank_iban = ORG_IBAN
        self.alpha.bank_bic = ORG_BIC
        self.alpha.save()
        claim = make_claim(
            self.creditor,
            self.debtor,
            90_000,
            issue_date=date(2026, 9, 1),
            due_date=date(2026, 10, 1),
        )
        self.plan = make_plan(claim.case, TODAY + timedelta(days=20), [30_000, 30_000, 30_000])

    def new_mandate(self, **changes: object) -> object:
        body = {
            "debtor": self.debtor.pk,
            "creditor": self.creditor.pk,
            "iban": DEBTOR_IBAN,
            "account_holder": "Menuiserie Dubois SARL",
            "signed_on": "2026-11-20",
            **changes,
        }
        return self.post("direct-debit-mandates", body)

    def collected(self) -> DirectDebit:
        self.assertEqual(self.new_mandate().status_code, 201)
        services.run_daily(self.alpha.pk, TODAY)
        debit = DirectDebit.objects.get()
        collection = services.build_collection(self.alpha.pk, debit.collection_on)
        services.settle_collection(collection)
        debit.refresh_from_db()
        return debit

    def test_a_mandate_is_created_listed_and_read(self) -> None:
        response = self.new_mandate()
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["reference"], f"RCV-{self.alpha.pk}-1")
        self.assertEqual(body["iban"], DEBTOR_IBAN)
        self.assertEqual(body["next_sequence"], "FRST")
        self.assertEqual(body["expires_on"], "2029-11-20")
        listed = self.get("direct-debit-mandates").json()["results"]
        self.assertEqual([row["id"] for row in listed], [body["id"]])
        self.assertEqual(self.get(f"direct-debit-mandates/{body['id']}").json()["status"], "active")

    def test_an_invalid_iban_is_a_problem_naming_the_field(self) -> None:
        response = self.new_mandate(iban="FR7630006000011234567890188")
        self.assertProblem(response, 400, "iban")
        self.assertFalse(Mandate.objects.exists())

    def test_a_signature_in_the_future_is_refused(self) -> None:
        future = (date.today() + timedelta(days=2)).isoformat()
        self.assertProblem(self.new_mandate(signed_on=future), 400, "signed_on")

    def test_another_organisations_debtor_is_refused(self) -> None:
        from ..base import make_debtor

        theirs = make_debtor(self.beta, "Débiteur de Beta")
        self.assertProblem(self.new_mandate(debtor=theirs.pk), 400, "debtor")

    def test_revoke_once_then_conflict(self) -> None:
        pk = self.new_mandate().json()["id"]
        response = self.post(f"direct-debit-mandates/{pk}/revoke", {})
        self.assertEqual(response.json()["status"], "revoked")
        self.assertProblem(self.post(f"direct-debit-mandates/{pk}/revoke", {}), 409)

    def test_collections_and_their_file(self) -> None:
        debit = self.collected()
        (row,) = self.get("collections").json()["results"]
        self.assertEqual((row["count"], row["total_cents"], row["status"]), (1, 30_000, "sent"))
        download = self.get(f"collections/{row['id']}/file")
        self.assertEqual(download.status_code, 200)
        self.assertIn(debit.end_to_end_id.encode(), b"".join(download.streaming_content))

    def test_direct_debits_filtered_by_status_and_date(self) -> None:
        debit = self.collected()
        rows = self.get("direct-debits?status=collected").json()["results"]
        self.assertEqual([r["id"] for r in rows], [debit.pk])
        self.assertEqual(rows[0]["payment"], debit.payment_id)
        self.assertEqual(rows[0]["case"], self.plan.case_id)
        self.assertEqual(self.get("direct-debits?status=returned").json()["results"], [])
        day = debit.collection_on.isoformat()
        self.assertEqual(len(self.get(f"direct-debits?collection_on={day}").json()["results"]), 1)
        after = (debit.collection_on + timedelta(days=1)).isoformat()
        self.assertEqual(self.get(f"direct-debits?collection_after={after}").json()["results"], [])
        self.assertProblem(self.get("direct-debits?status=nope"), 400)

    def test_a_return_file_uploaded_returns_the_debit_once(self) -> None:
        debit = self.collected()
        data = camt054(e2e_1=debit.end_to_end_id, rum_1=debit.mandate.reference)

        def send() -> dict:
            upload = SimpleUploadedFile("retours.xml", data, content_type="application/xml")
            response = self.call(
                "POST", "direct-debit-returns", {"file": upload}, content_type=MULTIPART_CONTENT
            )
            self.assertEqual(response.status_code, 200, response.content)
            return response.json()

        first = send()
        self.assertEqual([row["id"] for row in first["returned"]], [debit.pk])
        self.assertEqual(first["returned"][0]["return_code"], "AM04")
        self.assertEqual(len(first["unmatched"]), 1)
        second = send()
        self.assertEqual((second["returned"], second["already"]), ([], 1))
        self.assertEqual(DirectDebit.objects.get().status, DebitStatus.RETURNED)
        instalment = PlanInstalment.objects.get(pk=debit.instalment_id)
        self.assertEqual(instalment.status, InstalmentStatus.RETURNED)

    def test_a_read_only_key_cannot_upload_returns(self) -> None:
        key = self.key_with(["read", "write"], name="Sans paiements")
        upload = SimpleUploadedFile("retours.xml", b"<x/>")
        response = self.call(
            "POST",
            "direct-debit-returns",
            {"file": upload},
            key=key,
            content_type=MULTIPART_CONTENT,
        )
        self.assertProblem(response, 403)
