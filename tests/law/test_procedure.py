"""Choice of court procedure (FACTS §6): which routes fit, in which court, with what."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvra.law.procedure import (
    ASSIGNATION_AU_FOND,
    COMMISSAIRE_DE_JUSTICE,
    EUROPEAN_ORDER_FOR_PAYMENT,
    EUROPEAN_SMALL_CLAIMS,
    INJONCTION_DE_PAYER,
    PETITES_CREANCES,
    REFERE_PROVISION,
    TRIBUNAL_DE_COMMERCE,
    TRIBUNAL_DE_COMMERCE_PRESIDENT,
    TRIBUNAL_JUDICIAIRE,
    TRIBUNAL_JUDICIAIRE_PRESIDENT,
    Recommendation,
    recommend_procedure,
)
from recouvra.law.tables import threshold_cents

EUR = 100
DOMESTIC = {
    PETITES_CREANCES,
    INJONCTION_DE_PAYER,
    REFERE_PROVISION,
    ASSIGNATION_AU_FOND,
}
EUROPEAN = {EUROPEAN_ORDER_FOR_PAYMENT, EUROPEAN_SMALL_CLAIMS}


def by_code(recommendations: list[Recommendation]) -> dict[str, Recommendation]:
    return {r.procedure: r for r in recommendations}


def suitable(recommendations: list[Recommendation]) -> list[str]:
    return [r.procedure for r in recommendations if r.suitable]


# --- the brief's scenarios ---------------------------------------------------------------


def test_3000_undisputed_b2b() -> None:
    result = recommend_procedure(3_000 * EUR, debtor_is_professional=True, disputed=False)
    routes = by_code(result)
    assert set(routes) == DOMESTIC
    assert routes[PETITES_CREANCES].suitable
    assert routes[PETITES_CREANCES].court == COMMISSAIRE_DE_JUSTICE
    ip = routes[INJONCTION_DE_PAYER]
    assert ip.suitable
    assert ip.court == TRIBUNAL_DE_COMMERCE_PRESIDENT
    assert not ip.lawyer_mandatory
    assert not ip.prior_amicable_attempt_required
    assert "CPC 1407" in ip.articles
    assert result[0].procedure == INJONCTION_DE_PAYER
    # before the tribunal de commerce, CPC 750-1 does not apply, and no lawyer below €10,000
    assert not any(r.prior_amicable_attempt_required for r in result)
    assert not any(r.lawyer_mandatory for r in result)


def test_20000_disputed_b2c() -> None:
    result = recommend_procedure(20_000 * EUR, debtor_is_professional=False, disputed=True)
    first = result[0]
    assert first.procedure == ASSIGNATION_AU_FOND
    assert first.suitable
    assert first.court == TRIBUNAL_JUDICIAIRE
    assert first.lawyer_mandatory
    assert "CPC 760-761" in first.articles
    assert not first.prior_amicable_attempt_required
    assert suitable(result) == [ASSIGNATION_AU_FOND]
    ip = by_code(result)[INJONCTION_DE_PAYER]
    assert not ip.suitable
    assert not ip.lawyer_mandatory  # CPC 1407, even above €10,000
    assert "CPC 1416" in ip.reasons[0]
    assert any("juge des contentieux de la protection" in r for r in ip.reasons)


def test_4000_disputed_b2c_needs_a_prior_amicable_attempt_before_the_tj() -> None:
    result = by_code(recommend_procedure(4_000 * EUR, debtor_is_professional=False, disputed=True))
    for code in (REFERE_PROVISION, ASSIGNATION_AU_FOND):
        assert result[code].prior_amicable_attempt_required
        assert "CPC 750-1" in result[code].articles
        assert not result[code].lawyer_mandatory
    assert result[REFERE_PROVISION].court == TRIBUNAL_JUDICIAIRE_PRESIDENT
    assert not result[REFERE_PROVISION].suitable  # seriously disputed: CPC 835 al. 2
    assert result[ASSIGNATION_AU_FOND].suitable
    assert not result[INJONCTION_DE_PAYER].prior_amicable_attempt_required
    assert not result[PETITES_CREANCES].suitable  # needs the debtor's agreement
    assert not result[PETITES_CREANCES].prior_amicable_attempt_required


def test_debtor_abroad_brings_the_european_routes_first() -> None:
    result = recommend_procedure(
        4_000 * EUR, debtor_is_professional=True, disputed=False, debtor_abroad=True
    )
    routes = by_code(result)
    assert set(routes) == DOMESTIC | EUROPEAN
    assert [r.procedure for r in result[:2]] == [EUROPEAN_ORDER_FOR_PAYMENT, EUROPEAN_SMALL_CLAIMS]
    for code in EUROPEAN:
        assert routes[code].suitable
        assert not routes[code].lawyer_mandatory
        assert not routes[code].prior_amicable_attempt_required
    assert "Règl. (CE) 1896/2006" in routes[EUROPEAN_ORDER_FOR_PAYMENT].articles
    assert "Règl. (CE) 861/2007" in routes[EUROPEAN_SMALL_CLAIMS].articles
    # the commissaire de justice of petites créances is the one of the debtor's domicile
    assert not routes[PETITES_CREANCES].suitable


def test_no_european_route_for_a_domestic_debtor() -> None:
    result = recommend_procedure(4_000 * EUR, debtor_is_professional=True, disputed=False)
    assert not EUROPEAN & {r.procedure for r in result}


def test_european_order_for_payment_has_no_ceiling_but_needs_an_uncontested_claim() -> None:
    big = by_code(
        recommend_procedure(
            1_000_000 * EUR, debtor_is_professional=True, disputed=False, debtor_abroad=True
        )
    )
    assert big[EUROPEAN_ORDER_FOR_PAYMENT].suitable
    assert not big[EUROPEAN_SMALL_CLAIMS].suitable
    disputed = recommend_procedure(
        3_000 * EUR, debtor_is_professional=True, disputed=True, debtor_abroad=True
    )
    assert suitable(disputed) == [EUROPEAN_SMALL_CLAIMS, ASSIGNATION_AU_FOND]


def test_european_small_claims_ceiling_excludes_interest() -> None:
    def small_claims(amount: int, interest: int) -> Recommendation:
        result = recommend_procedure(
            amount,
            debtor_is_professional=False,
            disputed=False,
            debtor_abroad=True,
            interest_cents=interest,
        )
        return by_code(result)[EUROPEAN_SMALL_CLAIMS]

    assert not small_claims(5_200 * EUR, 0).suitable
    assert small_claims(5_200 * EUR, 200 * EUR).suitable


# --- thresholds at the edge --------------------------------------------------------------


def test_petites_creances_and_750_1_at_exactly_5000_and_one_cent_above() -> None:
    at = by_code(recommend_procedure(5_000 * EUR, debtor_is_professional=False, disputed=False))
    assert at[PETITES_CREANCES].suitable
    assert at[ASSIGNATION_AU_FOND].prior_amicable_attempt_required
    above = by_code(
        recommend_procedure(5_000 * EUR + 1, debtor_is_professional=False, disputed=False)
    )
    assert not above[PETITES_CREANCES].suitable
    assert "R125-1" in above[PETITES_CREANCES].reasons[0]
    assert not above[ASSIGNATION_AU_FOND].prior_amicable_attempt_required


@pytest.mark.parametrize("professional", [True, False])
def test_lawyer_at_exactly_10000_and_one_cent_above(professional: bool) -> None:
    at = by_code(
        recommend_procedure(10_000 * EUR, debtor_is_professional=professional, disputed=True)
    )
    above = by_code(
        recommend_procedure(10_000 * EUR + 1, debtor_is_professional=professional, disputed=True)
    )
    for code in (REFERE_PROVISION, ASSIGNATION_AU_FOND):
        assert not at[code].lawyer_mandatory
        assert above[code].lawyer_mandatory
    assert not above[INJONCTION_DE_PAYER].lawyer_mandatory
    article = "CPC 853" if professional else "CPC 760-761"
    assert article in above[ASSIGNATION_AU_FOND].articles
    court = TRIBUNAL_DE_COMMERCE if professional else TRIBUNAL_JUDICIAIRE
    assert above[ASSIGNATION_AU_FOND].court == court


def test_thresholds_come_from_the_table() -> None:
    ceiling = threshold_cents("petites_creances_ceiling")
    assert ceiling == 5_000 * EUR
    assert threshold_cents("lawyer_mandatory_above_tribunal_judiciaire") == 10_000 * EUR
    assert threshold_cents("lawyer_mandatory_above_tribunal_commerce") == 10_000 * EUR
    assert threshold_cents("cpc_750_1_prior_amicable_attempt_ceiling") == 5_000 * EUR
    assert threshold_cents("european_small_claims_ceiling") == 5_000 * EUR


# --- other rules -------------------------------------------------------------------------


def test_refere_provision_only_for_a_claim_not_seriously_disputable() -> None:
    calm = by_code(recommend_procedure(8_000 * EUR, debtor_is_professional=True, disputed=False))
    assert calm[REFERE_PROVISION].suitable
    assert "CPC 873 al. 2" in calm[REFERE_PROVISION].articles
    hot = by_code(recommend_procedure(8_000 * EUR, debtor_is_professional=True, disputed=True))
    assert not hot[REFERE_PROVISION].suitable
    assert "CPC 873 al. 2" in hot[REFERE_PROVISION].reasons[0]


def test_a_non_trader_creditor_is_told_of_the_option_for_the_tj() -> None:
    result = recommend_procedure(
        3_000 * EUR, debtor_is_professional=True, disputed=False, creditor_is_professional=False
    )
    ip = by_code(result)[INJONCTION_DE_PAYER]
    assert ip.court == TRIBUNAL_DE_COMMERCE_PRESIDENT
    assert any("Créancier non commerçant" in r for r in ip.reasons)


@pytest.mark.parametrize("amount", [0, -100])
def test_a_non_positive_amount_is_refused(amount: int) -> None:
    with pytest.raises(ValueError):
        recommend_procedure(amount, debtor_is_professional=True, disputed=False)


def test_interest_cannot_exceed_the_claim() -> None:
    with pytest.raises(ValueError):
        recommend_procedure(100, debtor_is_professional=True, disputed=False, interest_cents=101)


@given(
    st.integers(1, 10_000_000),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_every_answer_is_well_formed(amount, professional, disputed, creditor_pro, abroad) -> None:
    result = recommend_procedure(
        amount,
        debtor_is_professional=professional,
        disputed=disputed,
        creditor_is_professional=creditor_pro,
        debtor_abroad=abroad,
    )
    flags = [r.suitable for r in result]
    assert flags == sorted(flags, reverse=True)  # suitable routes first
    codes = [r.procedure for r in result]
    assert len(set(codes)) == len(codes)
    assert set(codes) == (DOMESTIC | EUROPEAN if abroad else DOMESTIC)
    assert by_code(result)[ASSIGNATION_AU_FOND].suitable  # always possible
    for r in result:
        assert r.reasons and r.articles and r.label
        assert all(reason.endswith(".") and "(" in reason for reason in r.reasons)
        if r.procedure in {INJONCTION_DE_PAYER, PETITES_CREANCES} | EUROPEAN:
            assert not r.lawyer_mandatory
            assert not r.prior_amicable_attempt_required
