"""Every amount is bounded at entry (recouvra.law.money.MAX_CENTS), so that no sum of a
tenant overflows 64 bits and breaks its pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from recouvra.dunning.forms import StepForm
from recouvra.law.money import MAX_CENTS, AmountOutOfRange, parse_amount
from recouvra.ledger.models import Claim
from recouvra.web.forms import MoneyField

from ..base import make_claim
from .test_validation import ClaimFormTestCase

HOSTILE = "92 233 720 368 547 758,07"  # 2^63 − 1 cents


class AmountCeilingTestCase(ClaimFormTestCase):
    def test_it_refuses_a_claim_of_2_to_the_63_cents(self) -> None:
        response = self.post(principal_cents=HOSTILE)
        self.assertContains(response, "Montant trop élevé", status_code=400)
        self.assertContains(response, "10\u202f000\u202f000\u202f000,00", status_code=400)
        self.assertFalse(Claim.objects.exists())

    def test_it_accepts_a_claim_at_the_ceiling(self) -> None:
        self.post(principal_cents="10 000 000 000,00")
        self.assertEqual(Claim.objects.get().principal_cents, MAX_CENTS)

    def test_model_validation_refuses_an_amount_over_the_ceiling(self) -> None:
        claim = make_claim(self.creditor, self.debtor)
        claim.principal_cents = MAX_CENTS + 1
        with self.assertRaises(ValidationError) as caught:
            claim.full_clean()
        self.assertIn("principal_cents", caught.exception.message_dict)

    def test_the_database_refuses_an_amount_over_the_ceiling(self) -> None:
        claim = make_claim(self.creditor, self.debtor)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Claim.objects.filter(pk=claim.pk).update(principal_cents=MAX_CENTS + 1)

    def test_a_dunning_step_refuses_a_minimum_balance_over_the_ceiling(self) -> None:
        form = StepForm({"min_balance": str(10**17)}, member=self.alice.memberships.get())
        self.assertFalse(form.is_valid())
        self.assertIn("min_balance", form.errors)

    def test_the_form_field_names_the_ceiling(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            MoneyField().clean(HOSTILE)
        self.assertEqual(caught.exception.code, "amount_too_large")

    def test_parsing_refuses_a_number_of_ten_thousand_digits_at_once(self) -> None:
        with self.assertRaises(AmountOutOfRange):
            parse_amount("9" * 10_000)
