"""The engine's pure parts: reading references and names, combinations, allocation."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from recouvra.law.allocation import Debt, allocate_payment
from recouvra.lettrage.matching import OpenClaim, _combination, allocation_plan
from recouvra.lettrage.remittance import NameIndex, ReferenceIndex, core, core_keys, reference_key

PAID_ON = date(2026, 3, 2)


def claim(n: int, reference: str = "", balance: int = 10_000, days: int = 0) -> OpenClaim:
    due = date(2026, 1, 1) + timedelta(days=days)
    return OpenClaim(n, reference or f"FA-{n:06d}", 1, 1, balance, due)


def found(index: ReferenceIndex, text: str) -> list[tuple[str, bool]]:
    return sorted((hit.claim.reference, hit.typo) for hit in index.find(text))


@given(st.lists(st.text(alphabet="FACTURENo°é-/. 0123456789\n\tß", max_size=14), max_size=8))
def test_keys_of_many_references_at_once_are_the_keys_of_each(references: list[str]) -> None:
    assert core_keys(references) == [core(reference_key(r)) for r in references]


def test_reference_keys_drop_case_spaces_dashes_dots_slashes_and_prefixes() -> None:
    assert reference_key("fa-2026/000.12") == "FA202600012"
    assert core(reference_key("N° FACT. 2026-12")) == "202612"


def test_an_amount_is_not_read_as_a_reference() -> None:
    index = ReferenceIndex([claim(1, "123456")])
    assert found(index, "VIR 1 234,56 EUR") == []
    assert found(index, "FACTURE 123456") == [("123456", False)]


def test_a_typo_is_only_trusted_when_one_reference_is_that_close() -> None:
    index = ReferenceIndex([claim(1, "FA-2026-000120"), claim(2, "FA-2026-000122")])
    assert found(index, "FA 2026 000129") == []  # one edit from both: ambiguous
    assert found(index, "FA 2026 000132") == [("FA-2026-000122", True)]


def test_a_swapped_pair_or_a_look_alike_letter_is_one_typo() -> None:
    index = ReferenceIndex([claim(1, "FA-2026-004217")])
    assert found(index, "FA2026004271") == [("FA-2026-004217", True)]
    assert found(index, "FACTURE 2O26004217") == [("FA-2026-004217", True)]
    assert found(index, "BQ00000012 E2E000000012") == []  # not shaped like a reference


def test_a_payer_who_leaves_out_a_word_matches_only_when_no_name_is_whole() -> None:
    names = NameIndex({1: "Garage Martin", 2: "Garage Martin Nantes", 3: "Taxis Roy"})
    assert names.similar("GARAGE MARTIN") == [(1, 100.0, False)]
    assert [m.debtor_id for m in names.similar("SARL GARAGE MARTIN NANTES")] == [2, 1]
    alone = NameIndex({2: "Garage Martin Nantes", 3: "Taxis Roy"})
    assert alone.similar("GARAGE MARTIN") == [(2, 85.0, False)]


def test_one_word_with_a_letter_wrong_reads_as_the_debtors_word() -> None:
    names = NameIndex({1: "Peinture Andre Nancy", 2: "Peinture Roux"})
    assert names.similar("PEINEURE ANDRE NANCY") == [(1, 100.0, True)]
    (match,) = names.similar("PEINEURE ANDRA NANCY")  # two words wrong: scored as written
    assert match.debtor_id == 1 and match.score < 95 and not match.typo


def test_the_payer_must_write_the_debtors_distinctive_word() -> None:
    names = NameIndex({1: "Garage Roux", 2: "Garage Roy", 3: "Taxis Roy"})
    assert [m.debtor_id for m in names.similar("GARAGE ROUX SARL")] == [1]
    assert [m.debtor_id for m in names.similar("M. ROUS, GARAGE")] == [1]  # one typo


def test_the_fewest_then_oldest_claims_make_a_combination() -> None:
    claims = [claim(n, balance=b, days=n) for n, b in enumerate((300, 100, 200, 400))]
    chosen, several = _combination(claims, 500, excluded=())
    assert ([c.id for c in chosen], several) == ([0, 2], True)  # 300+200, also 100+400
    assert _combination(claims, 500, excluded={frozenset((0, 2))})[0][0].id == 1


def test_only_the_twelve_oldest_claims_are_combined() -> None:
    claims = [claim(n, balance=100 if n != 15 else 7, days=n) for n in range(20)]
    assert _combination(claims, 107, excluded=()) is None  # needs the 16th oldest
    assert _combination(claims, 200, excluded=()) is not None


@given(
    st.lists(st.tuples(st.integers(0, 50_000), st.integers(0, 90)), min_size=1, max_size=15),
    st.integers(1, 400_000),
    st.integers(-1, 14),
)
def test_the_plan_is_the_laws_allocation_over_all_the_claims(
    rows: list[tuple[int, int]], amount: int, designated: int
) -> None:
    claims = [claim(n, balance=b, days=d) for n, (b, d) in enumerate(rows)]
    chosen = claims[designated] if 0 <= designated < len(claims) else None
    shares, credit = allocation_plan(amount, claims, PAID_ON, chosen)
    debts = [Debt(str(c.id), c.balance, due_date=c.due_date) for c in claims]
    law = allocate_payment(
        amount, debts, designated_ref=str(chosen.id) if chosen else None, paid_on=PAID_ON
    )
    assert [(str(c.id), s) for c, s in shares] == [(a.debt_ref, a) for a in law if a.debt_ref]
    assert credit == sum(a.to_credit for a in law)
