"""Money is integer cents from the form to the database and back: never a float."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.test import SimpleTestCase
from hypothesis import given
from hypothesis import strategies as st

from recouvra.core.fields import AmountField
from recouvra.law.money import (
    MAX_CENTS,
    AmountError,
    format_amount,
    format_plain,
    parse_amount,
)
from recouvra.ledger.models import Claim
from recouvra.web.forms import MoneyField

from ..base import RecouvraTestCase, make_claim, make_payment


class MoneyParsingTestCase(SimpleTestCase):
    def test_it_reads_french_notations(self) -> None:
        self.assertEqual(parse_amount("1 234,56"), 123456)
        self.assertEqual(parse_amount("1\u202f234,56 €"), 123456)
        self.assertEqual(parse_amount("-12,00"), -1200)
        self.assertEqual(parse_amount("12,00-"), -1200)
        self.assertEqual(parse_amount("1.234,5"), 123450)
        self.assertEqual(parse_amount("1234.56"), 123456)

    def test_it_refuses_fractions_of_a_cent_and_garbage(self) -> None:
        for text in ("1,234", "12,3,4", "abc", "", "1e5"):
            with self.assertRaises(AmountError, msg=text):
                parse_amount(text)

    def test_it_formats_the_french_way(self) -> None:
        self.assertEqual(format_amount(125000), "1\u202f250,00\u00a0€")
        self.assertEqual(format_amount(-5), "-0,05\u00a0€")

    def test_it_refuses_to_format_a_float(self) -> None:
        with self.assertRaises(TypeError):
            format_amount(12.5)  # type: ignore[arg-type]

    @given(st.integers(min_value=-MAX_CENTS, max_value=MAX_CENTS))
    def test_it_round_trips_any_amount(self, cents: int) -> None:
        self.assertEqual(parse_amount(format_amount(cents)), cents)
        self.assertEqual(parse_amount(format_plain(cents)), cents)

    def test_the_form_field_returns_cents(self) -> None:
        field = MoneyField()
        self.assertEqual(field.clean("1 250,00"), 125000)
        self.assertIsInstance(field.clean("0,10"), int)


class NoFloatTestCase(RecouvraTestCase):
    def test_no_model_has_a_float_field(self) -> None:
        for model in apps.get_models():
            for field in model._meta.get_fields():
                self.assertNotIsInstance(field, models.FloatField, f"{model.__name__}.{field.name}")

    def test_amount_fields_are_big_integers(self) -> None:
        self.assertTrue(issubclass(AmountField, models.BigIntegerField))

    def test_the_amount_field_refuses_a_float(self) -> None:
        claim = make_claim(self.creditor, self.debtor, 10_000)
        claim.principal_cents = 100.5
        with self.assertRaises(TypeError):
            claim.save()

    def test_balances_come_back_from_the_database_as_integers(self) -> None:
        claim = make_claim(self.creditor, self.debtor, 10_001)
        make_payment(claim, 3_333)
        annotated = Claim.objects.with_balance().get(pk=claim.pk)
        self.assertEqual(annotated.balance, 6_668)
        self.assertIs(type(annotated.balance), int)
        self.assertIs(type(annotated.paid), int)
