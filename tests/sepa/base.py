"""A world with direct-debit plans: Alpha sends direct debits (ICS, bank account), Menuiserie
Dubois owes Télécom Ouest 900 € paid in three monthly instalments of 300 € by direct debit."""

from __future__ import annotations

from datetime import date, timedelta

from recouvra.cases.models import PaymentPlan, PlanInstalment
from recouvra.ledger.models import Creditor, Debtor
from recouvra.sepa import services
from recouvra.sepa.models import Mandate

from ..base import RecouvraTestCase, make_claim

TODAY = date(2026, 12, 7)
ICS = "FR72ZZZ123456"
ORG_IBAN = "FR7630006000011234567890189"
ORG_BIC = "AGRIFRPP882"
DEBTOR_IBAN = "DE89370400440532013000"
DEBTOR_BIC = "COBADEFFXXX"


class SepaTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alpha.sepa_creditor_id = ICS
        self.alpha.bank_iban = ORG_IBAN
        self.alpha.bank_bic = ORG_BIC
        self.alpha.save()
        self.debtor.email = "compta@dubois.example"
        self.debtor.save()
        self.claim = make_claim(
            self.creditor,
            self.debtor,
            90_000,
            issue_date=date(2026, 9, 1),
            due_date=date(2026, 10, 1),
        )
        self.case = self.claim.case
        self.plan = make_plan(self.case, TODAY + timedelta(days=20), [30_000, 30_000, 30_000])

    def mandate(self, debtor: Debtor | None = None, creditor: Creditor | None = None) -> Mandate:
        return services.create_mandate(
            self.alpha.pk,
            debtor=debtor or self.debtor,
            creditor=creditor or self.creditor,
            iban=DEBTOR_IBAN,
            bic=DEBTOR_BIC,
            account_holder="Menuiserie Dubois SARL",
            signed_on=date(2026, 11, 20),
        )


def make_plan(case, first: date, amounts: list[int], *, direct_debit: bool = True) -> PaymentPlan:  # noqa: ANN001
    """A plan of these exact monthly instalments, as rows: the tests of the debits need
    round amounts, where cases.plans.record_plan would add the late interest of the day."""
    plan = PaymentPlan.objects.create(
        organization_id=case.organization_id,
        case=case,
        starts_on=first,
        direct_debit=direct_debit,
        total_cents=sum(amounts),
        agreed_on=first - timedelta(days=20),
    )
    for number, amount in enumerate(amounts, start=1):
        month = first.month - 1 + number - 1
        due = first.replace(year=first.year + month // 12, month=month % 12 + 1)
        PlanInstalment.objects.create(
            organization_id=case.organization_id,
            plan=plan,
            number=number,
            due_on=due,
            amount_cents=amount,
        )
    return plan
