"""The agency's books in the API: mandates written by the organisation's key and refused
to a mandant's, trust entries filtered, balances that reconcile, the run (idempotent), the
documents, and a mandant key that sees its own creditor only."""

from __future__ import annotations

from datetime import date

from recouvra.agency.models import Mandate, Remittance, TrustEntry
from recouvra.core.models import Organization
from recouvra.ledger.models import Creditor

from ..agency.base import MANDANT_IBAN, OTHER_IBAN, TRUST_IBAN, make_mandate, pay
from ..base import make_claim, make_creditor, make_debtor
from .base import ApiTestCase


class AgencyApiTestCase(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        Organization.objects.filter(pk=self.alpha.pk).update(bank_iban=TRUST_IBAN)
        Creditor.objects.filter(pk=self.creditor.pk).update(iban=MANDANT_IBAN)
        self.mandate = make_mandate(self.creditor, reference="M-TO-1")
        make_claim(self.creditor, self.debtor, 1_000_000)
        self.other = make_creditor(self.alpha, "Énergie Sud", iban=OTHER_IBAN)
        make_mandate(self.other, 1000, reference="M-ES-1")
        other_debtor = make_debtor(self.alpha, "Autre débiteur")
        make_claim(self.other, other_debtor, 1_000_000)
        self.p1 = pay(self.creditor, self.debtor, 100_000, date(2026, 3, 3))
        self.p2 = pay(self.other, other_debtor, 40_000, date(2026, 3, 4))
        self.mandant_key = self.key_with(["read", "write", "payments"], mandant=self.creditor)

    def test_a_mandate_is_created_checked_and_changed(self) -> None:
        third = make_creditor(self.alpha, "Troisième SA")
        body = {
            "creditor": third.pk,
            "reference": "M-3",
            "signed_on": "2026-01-02",
            "starts_on": "2026-01-02",
            "commission_rate": 1500,
            "fee_per_case_cents": 2_000,
            "remittance_iban": "FR14 2004 1010 0505 0001 3M02 606",
        }
        response = self.post("mandates", body)
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual(
            (data["commission_rate"], data["vat_rate"], data["remittance_iban"]),
            (1500, 2000, MANDANT_IBAN),
        )
        response = self.patch(f"mandates/{data['id']}", {"commission_rate": 1400})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Mandate.objects.get(pk=data["id"]).commission_rate, 1400)

    def test_bad_mandates_are_problems_naming_the_field(self) -> None:
        base = {
            "creditor": self.creditor.pk,
            "reference": "M-X",
            "signed_on": "2026-01-02",
            "starts_on": "2026-06-01",
            "commission_rate": 1000,
        }
        self.assertProblem(self.post("mandates", base), 400, "starts_on")  # overlaps
        third = make_creditor(self.alpha, "Troisième SA")
        cases = {
            "commission_rate": {"commission_rate": 10_001},
            "remittance_iban": {"remittance_iban": "FR76 0000"},
            "remittance_days": {"remittance_days": 60},
            "fee_per_case_cents": {"fee_per_case_cents": 1.5},
            "creditor": {"creditor": 10**12},
        }
        for field, change in cases.items():
            response = self.post("mandates", {**base, "creditor": third.pk, **change})
            self.assertProblem(response, 400, field)
        self.assertFalse(Mandate.objects.filter(reference="M-X").exists())

    def test_a_mandant_key_reads_its_own_and_writes_nothing(self) -> None:
        rows = self.get("mandates", key=self.mandant_key).json()["results"]
        self.assertEqual([row["creditor"] for row in rows], [self.creditor.pk])
        response = self.patch(
            f"mandates/{self.mandate.pk}", {"commission_rate": 1}, key=self.mandant_key
        )
        self.assertProblem(response, 403)
        entries = self.get("trust-entries", key=self.mandant_key).json()["results"]
        self.assertEqual({row["creditor"] for row in entries}, {self.creditor.pk})
        response = self.post("remittances/run", {"period_end": "2026-03-31"}, key=self.mandant_key)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.get("transfer-batches", key=self.mandant_key).json()["results"], [])

    def test_trust_entries_filtered(self) -> None:
        rows = self.get(f"trust-entries?creditor={self.other.pk}&kind=collected").json()
        self.assertEqual([row["amount_cents"] for row in rows["results"]], [40_000])
        rows = self.get("trust-entries?on_after=2026-03-04&on_before=2026-03-04").json()
        self.assertEqual([row["payment"] for row in rows["results"]], [self.p2.pk])
        self.assertProblem(self.get("trust-entries?kind=nothing"), 400, "kind")

    def test_the_run_balances_and_documents(self) -> None:
        response = self.post("remittances/run", {"period_end": "2026-03-31"})
        self.assertEqual(response.status_code, 200, response.content)
        result = response.json()
        self.assertEqual(len(result["remittances"]), 2)
        self.assertEqual(result["errors"], [])
        again = self.post("remittances/run", {"period_end": "2026-03-31"}).json()
        self.assertEqual((again["remittances"], again["batch"]), ([], None))
        self.assertEqual(Remittance.objects.count(), 2)
        balances = self.get("trust-balances").json()
        self.assertTrue(balances["total"]["reconciles"])
        self.assertEqual(balances["total"]["collected_cents"], 140_000)
        self.assertEqual(balances["total"]["held_cents"], 0)
        mine = next(r for r in result["remittances"] if r["creditor"] == self.creditor.pk)
        self.assertEqual(mine["commission_cents"], 12_000)
        self.assertEqual(mine["vat_cents"], 2_400)
        self.assertEqual(mine["remitted_cents"], 100_000 - 14_400)
        for path in (f"remittances/{mine['id']}/statement", f"remittances/{mine['id']}/invoice"):
            response = self.get(path, key=self.mandant_key)
            self.assertEqual(response.status_code, 200, path)
            self.assertTrue(b"".join(response.streaming_content).startswith(b"%PDF"))
        theirs = next(r for r in result["remittances"] if r["creditor"] == self.other.pk)
        self.assertProblem(
            self.get(f"remittances/{theirs['id']}/statement", key=self.mandant_key), 404
        )
        response = self.get(f"remittances/{mine['id']}/file")
        self.assertIn(b"<CstmrCdtTrfInitn>", b"".join(response.streaming_content))
        self.assertProblem(self.get(f"remittances/{mine['id']}/file", key=self.mandant_key), 404)
        response = self.get(f"transfer-batches/{result['batch']}/file")
        self.assertIn(b"pain.001.001.03", b"".join(response.streaming_content))
        self.assertProblem(
            self.get(f"transfer-batches/{result['batch']}/file", key=self.mandant_key), 404
        )
        own = self.get("trust-balances", key=self.mandant_key).json()
        self.assertEqual([row["creditor"] for row in own["mandants"]], [self.creditor.pk])

    def test_run_refusals(self) -> None:
        self.assertProblem(
            self.post("remittances/run", {"period_end": "2199-12-31"}), 400, "period_end"
        )
        self.assertProblem(
            self.post("remittances/run", {"period_end": "31/03/2026"}), 400, "period_end"
        )
        self.assertProblem(self.post("remittances/run", {"period": "2026-03-31"}), 400, "period")
        read_only = self.key_with(["read"])
        self.assertProblem(
            self.post("remittances/run", {"period_end": "2026-03-31"}, key=read_only), 403
        )
        self.assertFalse(TrustEntry.objects.filter(kind="remitted").exists())

    def test_a_company_has_no_books(self) -> None:
        self.assertEqual(self.get("mandates", key=self.charlie_key).json()["results"], [])
        response = self.post("remittances/run", {"period_end": "2026-03-31"}, key=self.charlie_key)
        self.assertProblem(response, 404)
        self.assertProblem(self.get(f"mandates/{self.mandate.pk}", key=self.charlie_key), 404)
