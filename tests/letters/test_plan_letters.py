"""The letters of a payment plan: the agreement prints the stored instalments and its terms
(down payment, reduction, interest waiver, lapse clause, C. civ. 1343-5, SEPA mandate);
the lapse letter (déchéance du terme) says what is due at once."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from recouvra.cases import plans
from recouvra.cases.models import PaymentPlan
from recouvra.law.money import format_amount

from ..base import RecouvraTestCase, make_claim
from .test_letters import text_of

TODAY = timezone.localdate()


def flat(pdf: bytes) -> str:
    return " ".join(text_of(pdf).split())


def money(cents: int) -> str:
    """An amount as the extracted text gives it (its thin spaces read as spaces)."""
    return " ".join(format_amount(cents).split())


class PlanLettersTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.claim = make_claim(self.creditor, self.debtor, 90_000, reference="FA-9")
        self.case = self.claim.case
        self.client.force_login(self.alice)

    def agreement(self, plan: PaymentPlan) -> str:
        response = self.client.get(reverse("letters:plan_agreement", args=[plan.pk]))
        self.assertEqual(response["Content-Type"], "application/pdf")
        return flat(response.content)

    def test_the_agreement_prints_the_stored_instalments_and_the_terms(self) -> None:
        plan = plans.record_plan(
            self.case,
            starts_on=TODAY,
            count=6,
            down_payment_cents=10_000,
            reduced_count=2,
            reduced_amount_cents=5_000,
            interest_waived=True,
        )
        text = self.agreement(plan)
        self.assertIn("ÉCHÉANCIER DE PAIEMENT", text)
        self.assertIn("FA-9", text)
        self.assertIn(f"acompte de {money(10_000)}", text)
        for item in plan.instalments.all():
            self.assertIn(f"{item.due_on:%d/%m/%Y}", text)
            self.assertIn(money(item.amount_cents), text)
        self.assertIn("temporairement réduites", text)
        self.assertIn("renonce aux intérêts de retard", text)
        self.assertIn("sous réserve du respect de l'échéancier", text)
        self.assertIn(f"impayée {self.alpha.plan_grace_days} jours après sa date", text)
        self.assertNotIn("1343-5", text)
        self.assertNotIn("SEPA", text)
        self.assertIn("Bon pour accord", text)
        self.assertIn("Pour le créancier", text)

    def test_a_long_plan_by_direct_debit_says_1343_5_and_the_mandate(self) -> None:
        plan = plans.record_plan(self.case, starts_on=TODAY, count=30, direct_debit=True)
        text = self.agreement(plan)
        self.assertIn("article 1343-5 du code civil", text)
        self.assertIn("mandat de prélèvement SEPA", text)

    def test_the_lapse_letter_says_what_is_due_at_once(self) -> None:
        plan = plans.record_plan(self.case, starts_on=TODAY, count=3)
        day = TODAY + timedelta(days=self.alpha.plan_grace_days + 1)
        plans.lapse_overdue_plans(self.alpha.pk, day)
        plan.refresh_from_db()
        response = self.client.get(reverse("letters:plan_lapse", args=[plan.pk]))
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = flat(response.content)
        self.assertIn("DÉCHÉANCE DU TERME", text)
        self.assertIn(money(plan.total_cents), text)
        self.assertIn("exigible en une seule fois", text)
        first = plan.instalments.get(number=1)
        self.assertIn(f"{first.due_on:%d/%m/%Y}", text)
        self.assertContains(self.client.get(reverse("cases:plan", args=[plan.pk])), "déchéance")

    def test_another_tenant_gets_neither_letter(self) -> None:
        plan = plans.record_plan(self.case, starts_on=TODAY, count=3)
        self.client.force_login(self.charlie)
        for name in ("letters:plan_agreement", "letters:plan_lapse"):
            self.assertEqual(self.client.get(reverse(name, args=[plan.pk])).status_code, 404)
