"""The demo has "a SEPA collection with a return": the company's ICS and account, mandates,
direct-debit plans, two files built and collected, one debit returned (AM04) with its
instalment marked returned; deleting the demo removes them."""

from __future__ import annotations

from django.test import TestCase

from recouvra.cases.models import InstalmentStatus, PlanInstalment
from recouvra.core.models import Organization
from recouvra.demo.builder import build_demo, delete_demo
from recouvra.demo.organisations import COMPANY_NAME
from recouvra.ledger.models import Payment
from recouvra.sepa.models import Collection, CollectionStatus, DebitStatus, DirectDebit, Mandate


class DemoTests(TestCase):
    def test_the_demo_has_a_sepa_collection_with_a_return(self) -> None:
        counts = build_demo(scale=0.05)
        company = Organization.objects.get(name=COMPANY_NAME)
        self.assertTrue(company.sepa_creditor_id.startswith("FR"))
        self.assertEqual(
            counts["mandats SEPA"], Mandate.objects.filter(organization=company).count()
        )
        self.assertGreaterEqual(counts["mandats SEPA"], 2)
        files = Collection.objects.filter(organization=company)
        self.assertEqual(files.count(), 2)
        self.assertTrue(all(f.status == CollectionStatus.SENT for f in files))
        (returned,) = DirectDebit.objects.filter(status=DebitStatus.RETURNED)
        self.assertEqual(returned.return_code, "AM04")
        self.assertIsNotNone(Payment.objects.get(pk=returned.payment_id).reversed_at)
        instalment = PlanInstalment.objects.get(pk=returned.instalment_id)
        self.assertEqual(instalment.status, InstalmentStatus.RETURNED)
        self.assertTrue(DirectDebit.objects.filter(status=DebitStatus.PRENOTIFIED).exists())
        delete_demo()
        self.assertFalse(Mandate.objects.exists())
        self.assertFalse(DirectDebit.objects.exists())
