"""Collections reach the trust account by themselves (ledger signals), once; reversals are
entered once; the mandant is told of each payment (CPCE R124-5), by e-mail or in its space,
except for the instalments of a plan it knows."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from recouvra.agency.models import EntryKind, Notice, TrustEntry
from recouvra.agency.services import enter_collections, enter_reversals
from recouvra.cases import plans
from recouvra.cases.models import PaymentPlan, PlanStatus
from recouvra.core.models import Organization, OrganizationKind, Role
from recouvra.dunning.models import Message
from recouvra.ledger.models import Creditor
from recouvra.ledger.services import payments_reversed

from ..base import make_creditor, make_debtor, make_user
from .base import BooksTestCase, make_mandate, pay


class CollectionsTestCase(BooksTestCase):
    def test_a_payment_enters_the_trust_account_once(self) -> None:
        payment = pay(self.creditor, self.debtor, 12_345, date(2026, 3, 2))
        entry = TrustEntry.objects.get(payment=payment)
        self.assertEqual(
            (entry.kind, entry.amount_cents, entry.on, entry.mandate_id),
            (EntryKind.COLLECTED, 12_345, date(2026, 3, 2), self.mandate.pk),
        )
        self.assertEqual(enter_collections(self.alpha.pk, [payment.pk]), [])  # again: nothing
        self.assertEqual(TrustEntry.objects.filter(payment=payment).count(), 1)

    def test_a_payment_without_a_mandate_that_day_stays_out(self) -> None:
        pay(self.creditor, self.debtor, 5_000, date(2025, 12, 31))  # before the mandate
        other = make_creditor(self.alpha, "Sans Mandat SA")
        debtor = make_debtor(self.alpha, "Autre débiteur")
        from ..base import make_claim

        make_claim(other, debtor, 10_000)
        pay(other, debtor, 5_000, date(2026, 3, 1))
        self.assertFalse(TrustEntry.objects.exists())

    def test_a_company_keeps_no_books(self) -> None:
        Organization.objects.filter(pk=self.alpha.pk).update(kind=OrganizationKind.COMPANY)
        pay(self.creditor, self.debtor, 5_000, date(2026, 3, 1))
        self.assertFalse(TrustEntry.objects.exists())

    def test_a_reversal_is_entered_once(self) -> None:
        payment = pay(self.creditor, self.debtor, 7_000, date(2026, 3, 2))
        for _ in range(2):
            payments_reversed.send(
                None, organization_id=self.alpha.pk, claim_ids=[], payment_ids=[payment.pk]
            )
        reversal = TrustEntry.objects.get(payment=payment, kind=EntryKind.REVERSAL)
        self.assertEqual(reversal.amount_cents, -7_000)
        self.assertEqual(enter_reversals(self.alpha.pk, [payment.pk]), [])

    def test_an_entry_cannot_be_changed(self) -> None:
        entry = TrustEntry.objects.get(payment=pay(self.creditor, self.debtor, 100, START_DAY))
        entry.amount_cents = 1
        with self.assertRaises(ValueError):
            entry.save()


START_DAY = date(2026, 3, 2)


class MandantToldTestCase(BooksTestCase):
    """CPCE R124-5."""

    def test_an_e_mail_is_queued_once_per_payment(self) -> None:
        payment = pay(self.creditor, self.debtor, 40_000, START_DAY)
        message = Message.objects.get(idempotency_key=f"{self.alpha.pk}-r124-5-{payment.pk}")
        self.assertEqual(message.recipient, "compta@telecom-ouest.example")
        self.assertIn("400,00", message.body_text)
        self.assertIn("R124-5", message.body_text)
        TrustEntry.objects.all().delete()  # entered again (a replay): the same message
        enter_collections(self.alpha.pk, [payment.pk])
        self.assertEqual(Message.objects.filter(recipient=message.recipient).count(), 1)
        self.assertEqual(TrustEntry.objects.get().notice, Notice.EMAIL)

    def test_each_partial_payment_is_told(self) -> None:
        pay(self.creditor, self.debtor, 100, START_DAY)
        pay(self.creditor, self.debtor, 200, START_DAY)
        self.assertEqual(Message.objects.filter(idempotency_key__contains="r124-5").count(), 2)

    def test_not_for_the_instalment_of_a_plan_the_mandant_knows(self) -> None:
        PaymentPlan.objects.create(
            organization=self.alpha,
            case=self.claim.case,
            starts_on=date(2026, 3, 1),
            agreed_on=date(2026, 2, 20),
            status=PlanStatus.ACTIVE,
        )
        pay(self.creditor, self.debtor, 25_000, START_DAY)
        self.assertFalse(Message.objects.filter(idempotency_key__contains="r124-5").exists())
        self.assertEqual(TrustEntry.objects.get().notice, Notice.PLAN)

    def test_a_plan_agreed_after_the_payment_does_not_count(self) -> None:
        PaymentPlan.objects.create(
            organization=self.alpha,
            case=self.claim.case,
            starts_on=date(2026, 4, 1),
            agreed_on=date(2026, 3, 20),
        )
        pay(self.creditor, self.debtor, 25_000, START_DAY)
        self.assertEqual(TrustEntry.objects.get().notice, Notice.EMAIL)

    def test_without_an_e_mail_a_notice_in_the_mandant_space(self) -> None:
        Creditor.objects.filter(pk=self.creditor.pk).update(email="")
        pay(self.creditor, self.debtor, 31_400, START_DAY)
        self.assertFalse(Message.objects.filter(idempotency_key__contains="r124-5").exists())
        self.assertEqual(TrustEntry.objects.get().notice, Notice.PORTAL)
        mandant = make_user("dsi@telecom-ouest.example", self.alpha, Role.MANDANT)
        mandant.memberships.update(creditor=self.creditor)
        self.client.force_login(mandant)
        response = self.client.get(reverse("agency:mandant_home"))
        self.assertContains(response, 'data-testid="notices"')
        self.assertContains(response, "314,00")


class MandateRulesTestCase(BooksTestCase):
    def test_two_mandates_of_a_mandant_cannot_overlap(self) -> None:
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError) as refused:
            make_mandate(self.creditor, reference="M-TO-2", starts_on=date(2026, 6, 1))
        self.assertIn("starts_on", refused.exception.message_dict)

    def test_a_delay_longer_than_a_month_must_be_agreed(self) -> None:
        from django.core.exceptions import ValidationError

        other = make_creditor(self.alpha, "Délai Long SA")
        with self.assertRaises(ValidationError) as refused:
            make_mandate(other, reference="M-DL", remittance_days=45)
        self.assertIn("remittance_days", refused.exception.message_dict)
        mandate = make_mandate(
            other, reference="M-DL", remittance_days=45, longer_delay_agreed=True
        )
        self.assertEqual(mandate.remit_by(date(2026, 3, 1)), date(2026, 4, 15))
        self.assertEqual(self.mandate.remit_by(date(2026, 1, 31)), date(2026, 2, 28))


class ManyAtOnceTestCase(BooksTestCase):
    def test_a_lettrage_run_of_many_payments_is_entered_in_batches(self) -> None:
        from recouvra.ledger.models import Payment

        rows = Payment.objects.bulk_create(
            Payment(
                organization=self.alpha,
                creditor=self.creditor,
                debtor=self.debtor,
                amount_cents=100 + n,
                received_on=START_DAY,
                method="transfer",
            )
            for n in range(1_234)
        )
        made = enter_collections(self.alpha.pk, [p.pk for p in rows], told=Notice.PORTAL)
        self.assertEqual(len(made), 1_234)
        self.assertEqual(TrustEntry.objects.filter(kind=EntryKind.COLLECTED).count(), 1_234)
        self.assertEqual(len(enter_reversals(self.alpha.pk, [p.pk for p in rows])), 1_234)


class ProposalToldTestCase(BooksTestCase):
    """CPCE R124-5, second half: any proposal by the debtor to pay other than at once."""

    def test_a_promise_and_a_plan_are_told_to_the_mandant_once_each(self) -> None:
        later = timezone.localdate() + timedelta(days=7)
        case = self.claim.case
        plans.record_promise(case, amount_cents=50_000, promised_on=later, actor=self.bob)
        plans.record_plan(case, starts_on=later, count=4, actor=self.bob)
        told = Message.objects.filter(idempotency_key__contains="r124-5-")
        self.assertEqual(told.count(), 2)
        for message in told:
            self.assertEqual(message.recipient, "compta@telecom-ouest.example")
            self.assertIn("Proposition de paiement de Menuiserie Dubois", message.subject)
        plan_text = told.get(idempotency_key__contains="plan").body_text
        self.assertIn("en 4 échéances", plan_text)

    def test_a_company_tells_nobody(self) -> None:
        Organization.objects.filter(pk=self.alpha.pk).update(kind=OrganizationKind.COMPANY)
        later = timezone.localdate() + timedelta(days=7)
        plans.record_promise(self.claim.case, amount_cents=50_000, promised_on=later)
        self.assertFalse(Message.objects.filter(idempotency_key__contains="r124-5-").exists())
