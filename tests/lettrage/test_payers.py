"""The bank-credit generator itself: sizes, determinism and a truth that holds together.

These tests grade the generator, never the matching engine.
"""

import ast
from collections import Counter
from pathlib import Path

import pytest

from .payers import EXACT_HABITS, HABITS, OURS_HABITS, generate

SMALL = {"debtors": 60, "invoices": 400, "credits": 80}


@pytest.fixture(scope="module")
def benchmark_world():
    return generate(seed=1)


@pytest.fixture(scope="module", params=[1, 2, 3, 11])
def small_world(request):
    return generate(seed=request.param, **SMALL)


def _worlds(small_world, benchmark_world):
    return (small_world, benchmark_world)


def test_the_same_seed_gives_the_same_world():
    assert generate(seed=5, **SMALL) == generate(seed=5, **SMALL)


def test_another_seed_gives_another_world():
    one, two = generate(seed=5, **SMALL), generate(seed=6, **SMALL)
    assert [c.label for c in one.credits] != [c.label for c in two.credits]


def test_small_sizes_are_honoured(small_world):
    assert len(small_world.debtors) == 60
    assert sum(i.open for i in small_world.invoices) == 400
    assert len(small_world.credits) == 80


def test_benchmark_sizes_are_honoured(benchmark_world):
    assert len(benchmark_world.debtors) == 3000
    assert sum(i.open for i in benchmark_world.invoices) == 20000
    assert len(benchmark_world.credits) == 2000
    assert any(not i.open for i in benchmark_world.invoices)


def test_about_twelve_percent_of_the_credits_pay_nothing_of_ours(benchmark_world):
    share = sum(not c.ours for c in benchmark_world.credits) / len(benchmark_world.credits)
    assert 0.09 <= share <= 0.15


def test_every_habit_shows_up_at_the_benchmark_size(benchmark_world):
    seen = Counter(c.habit for c in benchmark_world.credits)
    assert set(seen) <= set(HABITS)
    assert set(HABITS) - set(seen) == set()


def test_habit_tags_agree_with_the_ours_flag(small_world, benchmark_world):
    for world in _worlds(small_world, benchmark_world):
        for credit in world.credits:
            assert credit.ours == (credit.habit in OURS_HABITS), credit


def test_cited_invoices_exist_are_open_and_belong_to_the_debtor(small_world, benchmark_world):
    for world in _worlds(small_world, benchmark_world):
        invoices = {i.key: i for i in world.invoices}
        debtors = {d.key for d in world.debtors}
        cited = Counter()
        for credit in world.credits:
            if credit.debtor is not None:
                assert credit.debtor in debtors
            if not credit.ours:
                assert credit.invoices == ()
                continue
            assert credit.debtor is not None
            for key in credit.invoices:
                assert invoices[key].open, credit
                assert invoices[key].debtor == credit.debtor, credit
                cited[key] += 1
        assert all(n == 1 for n in cited.values()), "an invoice is paid twice in the month"


def test_exact_habits_pay_the_sum_of_the_balances(small_world, benchmark_world):
    for world in _worlds(small_world, benchmark_world):
        invoices = {i.key: i for i in world.invoices}
        for credit in world.credits:
            if credit.habit in EXACT_HABITS:
                balances = sum(
                    invoices[k].amount_cents - invoices[k].paid_cents for k in credit.invoices
                )
                assert credit.invoices and credit.amount_cents == balances, credit


def test_short_payments_pay_less_than_the_balances(benchmark_world):
    invoices = {i.key: i for i in benchmark_world.invoices}
    for credit in benchmark_world.credits:
        if credit.ours and credit.invoices and credit.habit not in EXACT_HABITS:
            balances = sum(
                invoices[k].amount_cents - invoices[k].paid_cents for k in credit.invoices
            )
            assert 0 < credit.amount_cents < balances, credit


def test_bank_fields_keep_to_their_sizes(small_world, benchmark_world):
    for world in _worlds(small_world, benchmark_world):
        for credit in world.credits:
            assert len(credit.label) <= 140
            assert len(credit.end_to_end_id) <= 35
            assert len(credit.counterparty_name) <= 70
            assert isinstance(credit.amount_cents, int) and credit.amount_cents > 0
            assert credit.mandate_reference == "" or credit.habit == "direct_debit"


def test_amounts_are_whole_cents_and_balances_are_positive(small_world):
    for invoice in small_world.invoices:
        assert isinstance(invoice.amount_cents, int) and invoice.amount_cents > 0
        assert 0 <= invoice.paid_cents < invoice.amount_cents
        assert invoice.issued_on <= invoice.due_on


def test_invoice_numbers_are_unique(benchmark_world):
    references = [i.reference for i in benchmark_world.invoices]
    assert len(set(references)) == len(references)


def _iban_is_valid(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def test_ibans_have_valid_check_digits(benchmark_world):
    ibans = {d.iban for d in benchmark_world.debtors} | {
        c.counterparty_iban for c in benchmark_world.credits
    }
    assert all(_iban_is_valid(iban) for iban in ibans if iban)


def test_a_duplicate_repeats_an_earlier_credit_of_the_month(benchmark_world):
    credits = benchmark_world.credits
    for n, credit in enumerate(credits):
        if credit.habit == "duplicate":
            assert any(
                c.ours
                and c.amount_cents == credit.amount_cents
                and c.label == credit.label
                and c.booking_on < credit.booking_on
                for c in credits[:n]
            )


def test_an_already_paid_invoice_is_cited_with_its_amount(benchmark_world):
    closed = {
        i.amount_cents for i in benchmark_world.invoices if not i.open
    }  # the amounts of the invoices paid before the month
    for credit in benchmark_world.credits:
        if credit.habit == "already_paid":
            assert credit.amount_cents in closed


def test_the_history_pays_what_was_paid_before_the_month(small_world):
    month_start = min(c.booking_on for c in small_world.credits).replace(day=1)
    invoices = {i.key: i for i in small_world.invoices}
    for credit in small_world.history:
        assert credit.booking_on < month_start
        (key,) = credit.invoices
        invoice = invoices[key]
        expected = invoice.paid_cents if invoice.open else invoice.amount_cents
        assert credit.amount_cents == expected


def test_the_generator_imports_the_standard_library_only():
    tree = ast.parse(Path(__file__).with_name("payers.py").read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.add((node.module or "").split(".")[0])
    assert modules <= {"__future__", "unicodedata", "dataclasses", "datetime", "random"}
