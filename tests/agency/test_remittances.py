"""The monthly remittance run: figures to the cent, the entries it writes, its documents
(statement, invoice, pain.001 checked against its XSD), a mandant without an IBAN skipped
alone, and a second run that does nothing new."""

from __future__ import annotations

import io
import os
from datetime import date

import sepaxml
import xmlschema
from django.core.exceptions import ValidationError
from django.utils import timezone
from lxml import etree
from pypdf import PdfReader

from recouvra.agency.models import (
    BookCounter,
    CommissionInvoice,
    EntryKind,
    Remittance,
    TransferBatch,
    TrustEntry,
)
from recouvra.agency.services import (
    BooksError,
    adjust,
    balances,
    half_up,
    run_remittances,
    statement_sums,
)
from recouvra.cases.models import Case
from recouvra.core.models import Organization
from recouvra.ledger.models import Creditor

from .base import OTHER_IBAN, BooksTestCase, make_mandate, pay

END = date(2026, 3, 31)
PAIN_001 = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def pdf_text(data: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace("\u202f", " ").replace("\xa0", " ")


class RoundingTestCase(BooksTestCase):
    def test_half_up_per_sum_and_mirrored_for_a_reversal(self) -> None:
        self.assertEqual(half_up(12_345, 1250), 1543)  # 1543.125
        self.assertEqual(half_up(100, 1250), 13)  # 12.5 → 13
        self.assertEqual(half_up(-100, 1250), -13)
        self.assertEqual(half_up(1, 4999), 0)
        self.assertEqual(half_up(1, 5000), 1)

    def test_awkward_rates_add_up_to_the_cent(self) -> None:
        Creditor.objects.filter(pk=self.creditor.pk).update(email="")
        self.mandate.commission_rate = 1337  # 13.37 %
        self.mandate.vat_rate = 550  # 5.5 %
        self.mandate.save()
        sums = [101, 1, 99_999, 12_345, 7, 333_333]
        for cents in sums:
            pay(self.creditor, self.debtor, cents, date(2026, 3, 5))
        result = run_remittances(self.alpha.pk, END)
        (remittance,) = result.remittances
        commission = sum((cents * 1337 * 2 + 10_000) // 20_000 for cents in sums)
        self.assertEqual(commission, sum(half_up(c, 1337) for c in sums))
        vat = (commission * 550 * 2 + 10_000) // 20_000
        self.assertEqual(remittance.commission_cents, commission)
        self.assertEqual(remittance.vat_cents, vat)
        self.assertEqual(remittance.remitted_cents, sum(sums) - commission - vat)
        # the statement lists each sum's commission: they add up to the remittance's
        listed = statement_sums(remittance)
        self.assertEqual(sum(row["commission"] for row in listed), commission)
        self.assertEqual(sum(row["amount"] for row in listed), sum(sums))


class RunTestCase(BooksTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.p1 = pay(self.creditor, self.debtor, 100_000, date(2026, 3, 3))
        self.p2 = pay(self.creditor, self.debtor, 50_050, date(2026, 3, 20))
        self.late = pay(self.creditor, self.debtor, 9_900, date(2026, 4, 2))  # next period

    def run_it(self) -> Remittance:
        result = run_remittances(self.alpha.pk, END, self.alice)
        self.assertEqual(result.errors, [])
        (remittance,) = result.remittances
        return remittance

    def test_the_figures_and_the_entries(self) -> None:
        remittance = self.run_it()
        commission = half_up(100_000, 1200) + half_up(50_050, 1200)  # 12000 + 6006
        self.assertEqual(remittance.collected_cents, 150_050)
        self.assertEqual(remittance.commission_cents, commission)
        self.assertEqual(remittance.vat_cents, half_up(commission, 2000))
        self.assertEqual(remittance.remitted_cents, 150_050 - commission - remittance.vat_cents)
        self.assertEqual(remittance.entry_count, 2)
        self.assertEqual(remittance.number, "RV-2026-000001"[:3] + remittance.number[3:])
        kinds = dict(
            TrustEntry.objects.filter(remittance=remittance)
            .exclude(kind=EntryKind.COLLECTED)
            .values_list("kind", "amount_cents")
        )
        self.assertEqual(
            kinds,
            {
                EntryKind.COMMISSION: -commission,
                EntryKind.VAT: -remittance.vat_cents,
                EntryKind.REMITTED: -remittance.remitted_cents,
            },
        )
        # the April payment waits; what is held is exactly it
        late = TrustEntry.objects.get(payment=self.late)
        self.assertIsNone(late.remittance_id)
        per, total = balances(TrustEntry.objects.all())
        self.assertEqual(total.held, 9_900)
        self.assertTrue(total.reconciles)

    def test_a_second_run_does_nothing_new(self) -> None:
        self.run_it()
        again = run_remittances(self.alpha.pk, END, self.alice)
        self.assertEqual((again.remittances, again.errors, again.batch), ([], [], None))
        self.assertEqual(Remittance.objects.count(), 1)
        self.assertEqual(TransferBatch.objects.count(), 1)
        self.assertEqual(CommissionInvoice.objects.count(), 1)

    def test_the_transfer_file_validates_and_sums_right(self) -> None:
        other = self.second_mandant(iban=OTHER_IBAN)
        pay(other, self.debtor_owing(other), 77_777, date(2026, 3, 9))
        result = run_remittances(self.alpha.pk, END, self.alice)
        self.assertEqual(len(result.remittances), 2)
        xml = result.batch.file.read()
        xmlschema.XMLSchema(PAIN_001).validate(xml.decode())  # raises if invalid
        tree = etree.fromstring(xml)
        amounts = [
            round(float(a) * 100)
            for a in tree.xpath("//p:CdtTrfTxInf/p:Amt/p:InstdAmt/text()", namespaces=NS)
        ]
        self.assertEqual(sorted(amounts), sorted(r.remitted_cents for r in result.remittances))
        header = tree.xpath("//p:GrpHdr/p:CtrlSum/text()", namespaces=NS)[0]
        self.assertEqual(round(float(header) * 100), result.batch.total_cents)
        self.assertEqual(
            result.batch.total_cents, sum(r.remitted_cents for r in result.remittances)
        )
        self.assertEqual(
            tree.xpath("//p:DbtrAcct//p:IBAN/text()", namespaces=NS), [self.alpha.bank_iban]
        )
        ibans = set(tree.xpath("//p:CdtrAcct//p:IBAN/text()", namespaces=NS))
        self.assertEqual(ibans, {self.creditor.iban, OTHER_IBAN})

    def test_a_mandant_without_an_iban_is_skipped_alone(self) -> None:
        other = self.second_mandant("Sans IBAN SARL")
        pay(other, self.debtor_owing(other), 12_000, date(2026, 3, 9))
        result = run_remittances(self.alpha.pk, END, self.alice)
        self.assertEqual([r.creditor_id for r in result.remittances], [self.creditor.pk])
        self.assertEqual(len(result.errors), 1)
        self.assertIn("Sans IBAN SARL", result.errors[0])
        self.assertIn("IBAN", result.errors[0])
        self.assertEqual(result.batch.errors, result.errors)
        waiting = TrustEntry.objects.get(creditor=other)
        self.assertIsNone(waiting.remittance_id)
        # its IBAN given, the next run remits it, and only it
        Creditor.objects.filter(pk=other.pk).update(iban=OTHER_IBAN)
        again = run_remittances(self.alpha.pk, END, self.alice)
        self.assertEqual([r.creditor_id for r in again.remittances], [other.pk])

    def test_the_statement_and_the_invoice(self) -> None:
        remittance = self.run_it()
        text = pdf_text(remittance.statement.read())
        self.assertIn(remittance.number, text)
        self.assertIn("1 500,50", text)  # collected
        self.assertIn("1 284,43", text)  # remitted: 1500.50 - 180.06 - 36.01
        self.assertIn("180,06", text)
        self.assertIn("36,01", text)
        self.assertIn("Menuiserie Dubois", text)
        self.assertIn(self.claim.reference, text)
        invoice = CommissionInvoice.objects.get(remittance=remittance)
        self.assertEqual(invoice.net_cents + invoice.vat_cents, invoice.total_cents)
        self.assertEqual(invoice.total_cents, remittance.total_commission_cents)
        text = pdf_text(invoice.pdf.read())
        self.assertIn(invoice.number, text)
        self.assertIn("FACTURE", text)
        self.assertIn("TVA", text)

    def test_invoices_are_numbered_without_a_gap(self) -> None:
        self.run_it()
        pay(self.creditor, self.debtor, 1_000, date(2026, 4, 3))
        run_remittances(self.alpha.pk, date(2026, 4, 30))
        numbers = sorted(CommissionInvoice.objects.values_list("number", flat=True))
        year = numbers[0].split("-")[1]
        self.assertEqual(numbers, [f"F-{year}-000001", f"F-{year}-000002"])
        self.assertEqual(
            BookCounter.objects.get(organization=self.alpha, series="F", year=int(year)).last, 2
        )

    def test_a_reversal_gives_the_commission_back_next_time(self) -> None:
        first = self.run_it()
        from recouvra.agency.services import enter_reversals

        enter_reversals(self.alpha.pk, [self.p2.pk])
        pay(self.creditor, self.debtor, 200_000, date(2026, 4, 10))
        result = run_remittances(self.alpha.pk, timezone.localdate())  # the reversal's day
        (second,) = result.remittances
        self.assertEqual(second.reversed_cents, 50_050)
        self.assertEqual(second.collected_cents, 200_000 + 9_900)
        expected = half_up(200_000, 1200) + half_up(9_900, 1200) - half_up(50_050, 1200)
        self.assertEqual(second.commission_cents, expected)
        per, total = balances(TrustEntry.objects.all())
        self.assertEqual(total.held, 0)
        self.assertTrue(total.reconciles)
        self.assertEqual(total.remitted, first.remitted_cents + second.remitted_cents)

    def test_an_adjustment_is_settled_by_the_next_run(self) -> None:
        adjust(self.creditor, amount_cents=-2_500, on=date(2026, 3, 25), text="Frais bancaires")
        remittance = self.run_it()
        self.assertEqual(remittance.adjusted_cents, -2_500)
        self.assertEqual(
            remittance.remitted_cents,
            150_050 - 2_500 - remittance.commission_cents - remittance.vat_cents,
        )
        with self.assertRaises(ValidationError):
            adjust(self.creditor, amount_cents=100, on=date(2025, 1, 1), text="Avant le mandat")

    def test_fixed_fees_per_case_handed_over_once(self) -> None:
        self.mandate.fee_per_case_cents = 1_500
        self.mandate.save()
        Case.objects.filter(pk=self.claim.case_id).update(opened_on=date(2026, 3, 1))
        remittance = self.run_it()
        self.assertEqual((remittance.case_count, remittance.fees_cents), (1, 1_500))
        rate_part = half_up(100_000, 1200) + half_up(50_050, 1200)
        self.assertEqual(remittance.commission_cents, rate_part + 1_500)
        pay(self.creditor, self.debtor, 1_000, date(2026, 4, 3))
        (later,) = run_remittances(self.alpha.pk, date(2026, 4, 30)).remittances
        self.assertEqual(later.case_count, 0)

    def test_refusals(self) -> None:
        with self.assertRaises(BooksError):
            run_remittances(self.alpha.pk, date(2199, 1, 1))
        Organization.objects.filter(pk=self.alpha.pk).update(bank_iban="")
        with self.assertRaises(BooksError) as refused:
            run_remittances(self.alpha.pk, END)
        self.assertIn("IBAN", str(refused.exception))
        self.assertFalse(Remittance.objects.exists())
        with self.assertRaises(BooksError):
            run_remittances(self.beta.pk, END)  # a company

    def test_a_net_of_nothing_waits(self) -> None:
        other = self.second_mandant(iban=OTHER_IBAN)
        debtor = self.debtor_owing(other)
        adjust(other, amount_cents=-5_000, on=date(2026, 3, 2), text="Trop reversé")
        pay(other, debtor, 1_000, date(2026, 3, 3))
        result = run_remittances(self.alpha.pk, END)
        self.assertEqual([r.creditor_id for r in result.remittances], [self.creditor.pk])
        self.assertEqual(len(result.waiting), 1)
        self.assertFalse(TrustEntry.objects.filter(creditor=other, remittance__isnull=False))

    def test_a_mandate_changed_mid_period_remits_each_at_its_rate(self) -> None:
        other = self.second_mandant(iban=OTHER_IBAN)  # 10 % from January
        other.mandates.update(ends_on=date(2026, 3, 10))
        make_mandate(other, 1500, reference="M-ES-2", starts_on=date(2026, 3, 11))
        debtor = self.debtor_owing(other)
        pay(other, debtor, 10_000, date(2026, 3, 5))
        pay(other, debtor, 10_000, date(2026, 3, 15))
        result = run_remittances(self.alpha.pk, END)
        mine = [r for r in result.remittances if r.creditor_id == other.pk]
        commission = sorted(r.commission_cents for r in mine)
        self.assertEqual(commission, [1_000, 1_500])
