"""SEPA direct debit of payment plans, through the services: mandates, scheduling and
pre-notification, the pain.008 file (checked against its XSD, for real), settlement, and
returns read from camt.054 and CFONB 120 files."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from unittest import skipUnless

import xmlschema
from django.core.exceptions import ValidationError
from lxml import etree

from recouvra.cases.models import InstalmentStatus, PlanInstalment, Task
from recouvra.dunning.models import Message
from recouvra.imports.parsers.camt import parse_camt
from recouvra.imports.parsers.cfonb120 import parse_cfonb120
from recouvra.imports.parsers.cfonb_writer import cfonb_record
from recouvra.ledger.models import Claim, ClaimStatus, Payment, PaymentMethod
from recouvra.sepa import services
from recouvra.sepa.models import DebitStatus, DirectDebit, Mandate, MandateStatus, Sequence

from ..samples import SHARED_SAMPLES as SHARED
from .base import DEBTOR_IBAN, ICS, ORG_IBAN, TODAY, SepaTestCase

DATA = Path(__file__).resolve().parent.parent / "data" / "sepa"
XSD = Path(__import__("sepaxml").__file__).parent / "schemas" / "pain.008.001.02.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}


def camt054(**values: str) -> bytes:
    text = (DATA / "camt054_sdd_returns_fr.xml").read_text()
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text.encode()


NEGATIVE = "}JKLMNOPQR"


def cfonb_debit(cents: int) -> str:
    digits = f"{cents:014d}"
    return digits[:-1] + NEGATIVE[int(digits[-1])]


def cfonb_returns(e2e: str, rum: str, cents: int, reason: str = "AM") -> bytes:
    """A CFONB 120 statement of one day: a returned SEPA debit (operation B3, reason code at
    41-42), its end-to-end id (05 RCN) and RUM (05 RUM)."""
    account = {1: "01", 3: "30006", 12: "00001", 17: "EUR", 20: "2", 22: "12345678901"}
    records = [
        cfonb_record({**account, 35: "040127", 91: "0000000010000{"}),
        cfonb_record(
            {**account, 1: "04", 33: "B3", 35: "040127", 41: reason, 43: "040127"}
            | {49: "IMPAYE PRLV SEPA DUBOIS", 91: cfonb_debit(cents)}
        ),
        cfonb_record({**account, 1: "05", 33: "B3", 35: "040127", 46: "RCN", 49: e2e}),
        cfonb_record({**account, 1: "05", 33: "B3", 35: "040127", 46: "RUM", 49: rum}),
        cfonb_record({**account, 1: "07", 35: "040127", 91: "0000000007000{"}),
    ]
    return "\r\n".join(records).encode()


class MandateTests(SepaTestCase):
    def test_a_mandate_gets_a_reference_unique_in_the_organisation(self) -> None:
        first = self.mandate()
        second = self.mandate()
        self.assertEqual(first.reference, f"RCV-{self.alpha.pk}-1")
        self.assertEqual(second.reference, f"RCV-{self.alpha.pk}-2")
        self.assertEqual(first.next_sequence, Sequence.FIRST)

    def test_an_invalid_iban_is_refused_and_nothing_saved(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            services.create_mandate(
                self.alpha.pk,
                debtor=self.debtor,
                creditor=self.creditor,
                iban="FR76 3000 6000 0112 3456 7890 188",
                account_holder="Dubois",
                signed_on=date(2026, 11, 1),
            )
        self.assertIn("iban", raised.exception.message_dict)
        self.assertFalse(Mandate.objects.exists())

    def test_a_signature_in_the_future_is_refused(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            services.create_mandate(
                self.alpha.pk,
                debtor=self.debtor,
                creditor=self.creditor,
                iban=DEBTOR_IBAN,
                account_holder="Dubois",
                signed_on=date.today() + timedelta(days=3),
            )
        self.assertIn("signed_on", raised.exception.message_dict)

    def test_a_mandate_unused_for_36_months_is_expired(self) -> None:
        mandate = self.mandate()
        self.assertFalse(mandate.is_expired(date(2029, 11, 19)))
        self.assertTrue(mandate.is_expired(date(2029, 11, 20)))
        mandate.last_used_on = date(2028, 1, 5)
        self.assertFalse(mandate.is_expired(date(2030, 1, 4)))

    def test_revoking_drops_the_debits_not_yet_in_a_file(self) -> None:
        mandate = self.mandate()
        services.schedule_debits(self.alpha.pk, TODAY)
        self.assertTrue(services.revoke_mandate(mandate, on=TODAY, actor=self.alice))
        self.assertFalse(services.revoke_mandate(mandate, on=TODAY, actor=self.alice))
        mandate.refresh_from_db()
        self.assertEqual(mandate.status, MandateStatus.REVOKED)
        self.assertFalse(DirectDebit.objects.exists())


class SchedulingTests(SepaTestCase):
    def test_a_direct_debit_plan_without_a_mandate_is_reported_missing(self) -> None:
        result = services.schedule_debits(self.alpha.pk, TODAY)
        self.assertEqual(result.missing_mandate, [self.plan])
        self.assertEqual(result.created, [])
        self.assertEqual(services.plans_without_mandate(self.alpha.pk, TODAY), [self.plan])

    def test_the_instalments_due_within_the_horizon_get_a_debit_once(self) -> None:
        self.mandate()
        result = services.schedule_debits(self.alpha.pk, TODAY)
        (debit,) = result.created
        first = self.plan.instalments.get(number=1)
        self.assertEqual(debit.instalment, first)
        self.assertEqual(debit.amount_cents, 30_000)
        self.assertEqual(debit.collection_on, first.due_on)
        self.assertEqual(services.schedule_debits(self.alpha.pk, TODAY).created, [])
        self.assertEqual(DirectDebit.objects.count(), 1)

    def test_prenotification_goes_14_days_ahead_by_email_with_the_rum_and_ics(self) -> None:
        mandate = self.mandate()
        services.schedule_debits(self.alpha.pk, TODAY)
        self.assertEqual(services.prenotify(self.alpha.pk, TODAY), 1)
        self.assertEqual(services.prenotify(self.alpha.pk, TODAY), 0)
        debit = DirectDebit.objects.get()
        self.assertEqual(debit.status, DebitStatus.PRENOTIFIED)
        self.assertEqual(debit.prenotified_on, TODAY)
        self.assertGreaterEqual((debit.collection_on - TODAY).days, 14)
        message = Message.objects.get(case=self.case)
        self.assertEqual(message.recipient, "compta@dubois.example")
        for expected in (mandate.reference, ICS, "300,00", f"{debit.collection_on:%d/%m/%Y}"):
            self.assertIn(expected, message.body_text)
        self.assertTrue(self.case.interactions.filter(text__contains="Pré-notification").exists())

    def test_an_instalment_due_too_soon_is_debited_after_the_notice(self) -> None:
        self.mandate()
        PlanInstalment.objects.filter(plan=self.plan, number=1).update(
            due_on=TODAY + timedelta(days=5)
        )
        services.schedule_debits(self.alpha.pk, TODAY)
        services.prenotify(self.alpha.pk, TODAY)
        self.assertEqual(DirectDebit.objects.get().collection_on, TODAY + timedelta(days=14))

    def test_without_an_email_the_prenotification_is_marked_for_a_letter(self) -> None:
        self.debtor.email = ""
        self.debtor.save()
        self.mandate()
        services.schedule_debits(self.alpha.pk, TODAY)
        services.prenotify(self.alpha.pk, TODAY)
        self.assertFalse(Message.objects.exists())
        self.assertTrue(self.case.interactions.filter(text__contains="par courrier").exists())


class ReadyDebits(SepaTestCase):
    def ready_debits(self, today: date = TODAY) -> list[DirectDebit]:
        services.schedule_debits(self.alpha.pk, today)
        services.prenotify(self.alpha.pk, today)
        return list(DirectDebit.objects.filter(status=DebitStatus.PRENOTIFIED))


class CollectionTests(ReadyDebits):
    def test_the_pain008_validates_against_its_xsd_with_the_right_sums(self) -> None:
        mandate = self.mandate()
        (debit,) = self.ready_debits()
        collection = services.build_collection(self.alpha.pk, debit.collection_on)
        data = collection.file.read()
        xmlschema.XMLSchema(str(XSD)).validate(data.decode())  # raises if it does not
        root = etree.fromstring(data)
        self.assertEqual(
            root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:CtrlSum", None, NS), "300.00"
        )
        (info,) = root.findall("p:CstmrDrctDbtInitn/p:PmtInf", NS)
        self.assertEqual(info.findtext("p:PmtTpInf/p:SeqTp", None, NS), "FRST")
        self.assertEqual(info.findtext("p:PmtTpInf/p:LclInstrm/p:Cd", None, NS), "CORE")
        self.assertEqual(info.findtext("p:ReqdColltnDt", None, NS), debit.collection_on.isoformat())
        self.assertEqual(info.findtext("p:CdtrAcct/p:Id/p:IBAN", None, NS), ORG_IBAN)
        self.assertEqual(info.findtext("p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", None, NS), ICS)
        tx = info.find("p:DrctDbtTxInf", NS)
        self.assertEqual(tx.findtext("p:PmtId/p:EndToEndId", None, NS), debit.end_to_end_id)
        self.assertEqual(
            tx.findtext("p:DrctDbtTx/p:MndtRltdInf/p:MndtId", None, NS), mandate.reference
        )
        self.assertEqual(tx.findtext("p:DbtrAcct/p:Id/p:IBAN", None, NS), DEBTOR_IBAN)
        self.assertEqual((collection.count, collection.total_cents), (1, 30_000))
        debit.refresh_from_db()
        self.assertEqual((debit.status, debit.sequence), (DebitStatus.IN_FILE, Sequence.FIRST))

    def test_first_then_recurring(self) -> None:
        mandate = self.mandate()
        (first,) = self.ready_debits()
        services.build_collection(self.alpha.pk, first.collection_on)
        mandate.refresh_from_db()
        self.assertEqual(mandate.next_sequence, Sequence.RECURRING)
        self.assertEqual(mandate.last_used_on, first.collection_on)
        later = first.collection_on + timedelta(days=10)
        (second,) = self.ready_debits(later)
        collection = services.build_collection(self.alpha.pk, second.collection_on)
        root = etree.fromstring(collection.file.read())
        self.assertEqual(
            root.findtext("p:CstmrDrctDbtInitn/p:PmtInf/p:PmtTpInf/p:SeqTp", None, NS), "RCUR"
        )

    def test_one_pmtinf_per_sequence_type(self) -> None:
        self.mandate()
        other_debtor = self.debtor.__class__.objects.create(
            organization=self.alpha, kind="company", name="Garage Martin"
        )
        from ..base import make_claim
        from .base import make_plan

        case = make_claim(
            self.creditor,
            other_debtor,
            40_000,
            issue_date=date(2026, 9, 1),
            due_date=date(2026, 10, 1),
        ).case
        make_plan(case, TODAY + timedelta(days=20), [40_000])
        old = self.mandate(debtor=other_debtor)
        Mandate.objects.filter(pk=old.pk).update(next_sequence=Sequence.RECURRING)
        self.ready_debits()
        collection = services.build_collection(self.alpha.pk, TODAY + timedelta(days=20))
        root = etree.fromstring(collection.file.read())
        kinds = sorted(
            p.findtext("p:PmtTpInf/p:SeqTp", None, NS)
            for p in root.findall("p:CstmrDrctDbtInitn/p:PmtInf", NS)
        )
        self.assertEqual(kinds, ["FRST", "RCUR"])
        self.assertEqual(collection.total_cents, 70_000)

    def test_without_the_organisations_ics_no_file(self) -> None:
        self.mandate()
        (debit,) = self.ready_debits()
        self.alpha.sepa_creditor_id = ""
        self.alpha.save()
        with self.assertRaises(ValidationError) as raised:
            services.build_collection(self.alpha.pk, debit.collection_on)
        self.assertIn("sepa_creditor_id", raised.exception.message_dict)
        self.assertFalse(services.Collection.objects.exists())

    def test_settling_records_one_payment_per_debit_once(self) -> None:
        self.mandate()
        (debit,) = self.ready_debits()
        collection = services.build_collection(self.alpha.pk, debit.collection_on)
        self.assertEqual(services.settle_collection(collection, actor=self.alice), 1)
        self.assertEqual(services.settle_collection(collection, actor=self.alice), 0)
        debit.refresh_from_db()
        payment = debit.payment
        self.assertEqual(debit.status, DebitStatus.COLLECTED)
        self.assertEqual(payment.method, PaymentMethod.DIRECT_DEBIT)
        self.assertEqual(payment.reference, debit.end_to_end_id)
        self.assertEqual(payment.amount_cents, 30_000)
        self.assertEqual(Claim.objects.with_balance().get(pk=self.claim.pk).balance, 60_000)


class ReturnTests(ReadyDebits):
    def collected(self) -> DirectDebit:
        self.mandate()
        (debit,) = self.ready_debits()
        collection = services.build_collection(self.alpha.pk, debit.collection_on)
        services.settle_collection(collection)
        debit.refresh_from_db()
        return debit

    def assert_returned(self, debit: DirectDebit, code: str) -> None:
        debit.refresh_from_db()
        self.assertEqual(debit.status, DebitStatus.RETURNED)
        self.assertEqual(debit.return_code, code)
        self.assertIsNotNone(Payment.objects.get(pk=debit.payment_id).reversed_at)
        self.assertEqual(Claim.objects.with_balance().get(pk=self.claim.pk).balance, 90_000)
        instalment = PlanInstalment.objects.get(pk=debit.instalment_id)
        self.assertEqual(instalment.status, InstalmentStatus.RETURNED)
        self.assertEqual(Task.objects.filter(case=self.case).count(), 1)
        self.assertTrue(
            self.case.interactions.filter(text__contains=f"rejet de prélèvement {code}").exists()
        )

    def test_a_camt054_return_reverses_the_payment_and_returns_the_instalment(self) -> None:
        debit = self.collected()
        data = camt054(e2e_1=debit.end_to_end_id, rum_1=debit.mandate.reference)
        result = services.record_returns(self.alpha.pk, parse_camt(data), actor=self.alice)
        self.assertEqual(result.returned, [debit])
        self.assertEqual(len(result.unmatched), 1)  # the MD06 of a mandate not ours
        self.assert_returned(debit, "AM04")
        debit.refresh_from_db()
        self.assertIn("provision insuffisante", debit.return_reason)
        self.assertEqual(debit.returned_on, date(2027, 1, 4))

    def test_the_same_return_file_twice_changes_nothing_the_second_time(self) -> None:
        debit = self.collected()
        data = camt054(e2e_1=debit.end_to_end_id, rum_1=debit.mandate.reference)
        services.record_returns(self.alpha.pk, parse_camt(data))
        counts = (Task.objects.count(), self.case.interactions.count(), Payment.objects.count())
        again = services.record_returns(self.alpha.pk, parse_camt(data))
        self.assertEqual((again.returned, again.already), ([], 1))
        self.assertEqual(
            (Task.objects.count(), self.case.interactions.count(), Payment.objects.count()),
            counts,
        )
        self.assert_returned(debit, "AM04")

    def test_a_return_is_matched_by_rum_and_amount_without_end_to_end_id(self) -> None:
        debit = self.collected()
        data = camt054(e2e_1="NOTPROVIDED", rum_1=debit.mandate.reference)
        result = services.record_returns(self.alpha.pk, parse_camt(data))
        self.assertEqual(result.returned, [debit])
        self.assert_returned(debit, "AM04")

    def test_a_cfonb120_return_reverses_the_payment_and_returns_the_instalment(self) -> None:
        debit = self.collected()
        statement = parse_cfonb120(
            cfonb_returns(debit.end_to_end_id, debit.mandate.reference, 30_000)
        )
        (line,) = statement.accounts[0].lines
        self.assertTrue(line.reversal)
        self.assertEqual((line.return_code, line.amount_cents), ("AM", -30_000))
        result = services.record_returns(self.alpha.pk, statement)
        self.assertEqual(result.returned, [debit])
        self.assert_returned(debit, "AM")

    def test_a_first_debit_returned_leaves_the_next_one_first(self) -> None:
        debit = self.collected()
        self.assertEqual(debit.sequence, Sequence.FIRST)
        data = camt054(e2e_1=debit.end_to_end_id, rum_1=debit.mandate.reference)
        services.record_returns(self.alpha.pk, parse_camt(data))
        self.assertEqual(Mandate.objects.get().next_sequence, Sequence.FIRST)

    def test_a_closed_account_revokes_the_mandate(self) -> None:
        debit = self.collected()
        data = camt054(e2e_1=debit.end_to_end_id, rum_1=debit.mandate.reference)
        data = data.replace(b"<Cd>AM04</Cd>", b"<Cd>AC04</Cd>")
        services.record_returns(self.alpha.pk, parse_camt(data))
        self.assertEqual(Mandate.objects.get().status, MandateStatus.REVOKED)
        self.assertEqual(Claim.objects.get(pk=self.claim.pk).status, ClaimStatus.OPEN)


class ParserReturnTests(SepaTestCase):
    @skipUnless((SHARED / "camt054").is_dir(), "the shared samples are not here")
    def test_the_postfinance_return_gives_its_reason_code(self) -> None:
        data = (SHARED / "camt054" / "postfinance_ch_v04_return_reversal.xml").read_bytes()
        (line,) = parse_camt(data).accounts[0].lines
        self.assertTrue(line.reversal)
        self.assertEqual(line.return_code, "AC01")
        self.assertEqual(line.return_reason, "Kontonummer falsch")
        self.assertEqual(line.end_to_end_id, "EndToEndId-001-03-04")


class ImportedStatementTests(ReadyDebits):
    def test_a_statement_imported_in_imports_returns_our_debit_then_the_file_gives_its_code(
        self,
    ) -> None:
        from recouvra.imports.bank_import import import_statement
        from recouvra.imports.models import ImportBatch, ImportKind
        from recouvra.imports.records import BankStatement, StatementAccount, StatementLine
        from recouvra.imports.services import statement_imported

        self.mandate()
        (debit,) = self.ready_debits()
        services.settle_collection(services.build_collection(self.alpha.pk, debit.collection_on))
        debit.refresh_from_db()
        batch = ImportBatch.objects.create(
            organization=self.alpha,
            kind=ImportKind.BANK,
            filename="releve.xml",
            file="imports/releve.xml",
            sha256="1" * 64,
            uploaded_by=self.alice,
        )
        line = StatementLine(
            booking_date=date(2027, 1, 4),
            amount_cents=-30_000,
            label="IMPAYE PRLV SEPA",
            end_to_end_id=debit.end_to_end_id,
        )
        account = StatementAccount(iban=ORG_IBAN, currency="EUR", lines=[line])
        import_statement(batch, BankStatement(format="camt.053", accounts=[account]))
        statement_imported.send(sender=ImportBatch, batch=batch)
        debit.refresh_from_db()
        self.assertEqual((debit.status, debit.return_code), (DebitStatus.RETURNED, ""))
        self.assertIsNotNone(Payment.objects.get(pk=debit.payment_id).reversed_at)
        data = camt054(e2e_1=debit.end_to_end_id, rum_1=debit.mandate.reference)
        again = services.record_returns(self.alpha.pk, parse_camt(data))
        self.assertEqual((again.returned, again.already), ([], 1))
        debit.refresh_from_db()
        self.assertEqual(debit.return_code, "AM04")
        self.assertEqual(Task.objects.filter(case=self.case).count(), 1)


class AuditTests(ReadyDebits):
    def test_every_step_of_a_debit_is_in_the_audit_log(self) -> None:
        from recouvra.core.audit import history

        mandate = self.mandate()
        (debit,) = self.ready_debits()
        collection = services.build_collection(self.alpha.pk, debit.collection_on, actor=self.alice)
        services.settle_collection(collection, actor=self.alice)
        debit.refresh_from_db()
        statuses = [
            event.changes.get("status") for event in history(debit).order_by("created_at", "pk")
        ]
        self.assertEqual(statuses[1:], [["scheduled", "prenotified"], ["prenotified", "in_file"],
                                        ["in_file", "collected"]])  # fmt: skip
        self.assertTrue(history(mandate).filter(changes__has_key="next_sequence").exists())
        self.assertTrue(history(collection).exists())


class StaleDebitTests(ReadyDebits):
    def test_a_debit_of_a_plan_ended_meanwhile_does_not_leave(self) -> None:
        from recouvra.cases.models import PaymentPlan, PlanStatus

        self.mandate()
        (debit,) = self.ready_debits()
        PaymentPlan.objects.filter(pk=self.plan.pk).update(status=PlanStatus.CANCELLED)
        with self.assertRaises(ValidationError):
            services.build_collection(self.alpha.pk, debit.collection_on)
        self.assertFalse(DirectDebit.objects.exists())
        self.assertTrue(self.case.interactions.filter(text__contains="annulé avant").exists())

    def test_a_debit_of_an_instalment_paid_otherwise_does_not_leave(self) -> None:
        self.mandate()
        (debit,) = self.ready_debits()
        PlanInstalment.objects.filter(pk=debit.instalment_id).update(paid_cents=10_000)
        self.assertEqual(services.drop_stale_debits(self.alpha.pk), 1)
        self.assertFalse(DirectDebit.objects.exists())


class CollectedInStatementTests(ReadyDebits):
    def import_credit(self, debit: DirectDebit) -> None:
        from recouvra.imports.bank_import import import_statement
        from recouvra.imports.models import ImportBatch, ImportKind
        from recouvra.imports.records import BankStatement, StatementAccount, StatementLine
        from recouvra.imports.services import statement_imported

        batch = ImportBatch.objects.create(
            organization=self.alpha,
            kind=ImportKind.BANK,
            filename="releve.xml",
            file="imports/releve.xml",
            sha256="2" * 64,
            uploaded_by=self.alice,
        )
        line = StatementLine(
            booking_date=debit.collection_on,
            amount_cents=30_000,
            label=f"PRLV SEPA {self.claim.reference} MENUISERIE DUBOIS",
            end_to_end_id=debit.end_to_end_id,
            mandate_reference=debit.mandate.reference,
            counterparty_name="MENUISERIE DUBOIS",
            counterparty_iban=DEBTOR_IBAN,
        )
        account = StatementAccount(iban=ORG_IBAN, currency="EUR", lines=[line])
        import_statement(batch, BankStatement(format="camt.054", accounts=[account]))
        statement_imported.send(sender=ImportBatch, batch=batch)

    def test_a_credit_of_our_debit_settles_it_and_is_counted_once(self) -> None:
        from recouvra.imports.models import BankLine, BankLineStatus
        from recouvra.lettrage.models import MatchProposal, ProposalStatus

        self.mandate()
        (debit,) = self.ready_debits()
        collection = services.build_collection(self.alpha.pk, debit.collection_on)
        self.import_credit(debit)
        debit.refresh_from_db()
        self.assertEqual(debit.status, DebitStatus.COLLECTED)
        live = Payment.objects.filter(reversed_at__isnull=True)
        self.assertEqual(list(live.values_list("reference", flat=True)), [debit.end_to_end_id])
        self.assertEqual(Claim.objects.with_balance().get(pk=self.claim.pk).balance, 60_000)
        line = BankLine.objects.get()
        self.assertEqual(line.status, BankLineStatus.IGNORED)
        self.assertFalse(MatchProposal.objects.filter(status=ProposalStatus.APPLIED).exists())
        collection.refresh_from_db()
        self.assertEqual(collection.status, "sent")
        self.assertEqual(services.settle_collection(collection), 0)

    def test_a_credit_of_a_file_settled_already_undoes_the_lettrages_match(self) -> None:
        from recouvra.lettrage.models import MatchProposal, ProposalStatus

        self.mandate()
        (debit,) = self.ready_debits()
        services.settle_collection(services.build_collection(self.alpha.pk, debit.collection_on))
        self.import_credit(debit)
        live = Payment.objects.filter(reversed_at__isnull=True)
        self.assertEqual(live.count(), 1)
        self.assertEqual(Claim.objects.with_balance().get(pk=self.claim.pk).balance, 60_000)
        matched = MatchProposal.objects.filter(status=ProposalStatus.APPLIED)
        self.assertFalse(matched.exists())
        # the lettrage had matched the credit (a second payment): undone
        self.assertTrue(MatchProposal.objects.filter(status=ProposalStatus.REVERSED).exists())


class PlainDebitTests(ReadyDebits):
    def test_a_debit_line_naming_our_debit_without_a_reason_returns_it(self) -> None:
        from recouvra.imports.records import BankStatement, StatementAccount, StatementLine

        self.mandate()
        (debit,) = self.ready_debits()
        services.settle_collection(services.build_collection(self.alpha.pk, debit.collection_on))
        lines = [
            StatementLine(date(2027, 1, 4), -30_000, end_to_end_id=debit.end_to_end_id),
            StatementLine(date(2027, 1, 4), -5_000, label="VIR FOURNISSEUR", end_to_end_id="X1"),
        ]
        statement = BankStatement(format="camt.053", accounts=[StatementAccount(lines=lines)])
        result = services.record_returns(self.alpha.pk, statement)
        self.assertEqual((len(result.returned), result.unmatched), (1, []))
        debit.refresh_from_db()
        self.assertEqual((debit.status, debit.return_code), (DebitStatus.RETURNED, ""))
